"""A run's labels joined with the data's metadata, as CSV or parquet: what an analyst takes to a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cache import atomic_write
from clustering.data import Dataset
from clustering.explainers.keywords import keyword_labels

TABLE_FORMATS = ("csv", "parquet")
RESERVED_COLUMNS = ("id", "row", "cluster", "cluster_name", "cluster_keywords", "confidence")


def table_format(path: str | Path) -> str:
    """'csv' or 'parquet' from a file name; anything else is refused with the choices."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in TABLE_FORMATS:
        raise ValueError(f"{path}: write a .csv or .parquet table (got '.{suffix}').")
    return suffix


def joined_labels(
    dataset: Dataset,
    labels: np.ndarray,
    *,
    cluster_names: dict[int, str] | None = None,
    confidence: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per input row: id, cluster, cluster_name, cluster_keywords (with a text column), confidence (where
    the method has one), then the metadata.

    `id` is the dataset's id column when it has one, else the row number. Metadata columns that clash with these
    names are kept with a `metadata_` prefix.
    """
    labels = np.asarray(labels)
    if len(labels) != dataset.n:
        raise ValueError(f"{len(labels)} labels for {dataset.n} rows; give one label per row.")
    names = cluster_names or {}
    metadata = dataset.metadata
    ids = metadata[dataset.id_column].to_numpy() if dataset.id_column else np.arange(dataset.n)
    frame = pd.DataFrame({"id": ids, "cluster": labels.astype(np.int64)})
    frame["cluster_name"] = pd.Series(labels).map(lambda c: "noise" if c < 0 else names.get(int(c), "")).to_numpy()
    if dataset.text_column:
        terms = keyword_labels(metadata[dataset.text_column], labels, top=5)
        frame["cluster_keywords"] = pd.Series(labels).map(lambda c: terms.get(int(c), "")).to_numpy()
    if confidence is not None:
        confidence = np.asarray(confidence, dtype=np.float64)
        if confidence.ndim == 2:
            confidence = confidence.max(axis=1)
        if len(confidence) != dataset.n:
            raise ValueError(f"{len(confidence)} confidence values for {dataset.n} rows.")
        frame["confidence"] = confidence
    for column in metadata.columns:
        if column == dataset.id_column or (column == "row" and not dataset.id_column):
            continue
        name = str(column)
        while name in frame.columns or name in RESERVED_COLUMNS:  # a run's own columns are never impersonated
            name = f"metadata_{name}"
        frame[name] = metadata[column].to_numpy()
    return frame


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells and column names a spreadsheet would run as a formula (`=HYPERLINK(...)`) get a leading `'`
    (OWASP's rule for CSV injection); numbers are left alone."""

    def safe(value: object) -> object:
        return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value

    text = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    names = [safe(str(c)) for c in frame.columns]
    if not text and names == [str(c) for c in frame.columns]:
        return frame  # numbers only (a run's labels): nothing to copy
    out = frame.copy(deep=False)  # the number columns are shared, not copied
    for column in text:
        out[column] = frame[column].map(safe)
    out.columns = names
    return out


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (spreadsheet-safe text) or parquet (chosen by the suffix) atomically."""
    path = Path(path)
    if table_format(path) == "csv":
        safe = spreadsheet_safe(frame)
        atomic_write(path, lambda temporary: safe.to_csv(temporary, index=False))
    else:
        atomic_write(path, lambda temporary: frame.to_parquet(temporary, index=False))
    return path


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The table as CSV or parquet bytes (for a download button)."""
    if fmt == "csv":
        return spreadsheet_safe(frame).to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        return frame.to_parquet(index=False)
    raise ValueError(f"table format must be one of {', '.join(TABLE_FORMATS)}; got {fmt!r}.")
