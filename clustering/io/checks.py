"""Checks every loader shares: options and size limits, numeric 2-D matrices, NaN/inf and duplicate rows,
feature scales; `finish` turns checked arrays into a Dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.data import DataError, Dataset
from clustering.limits import MAX_COLUMNS, MAX_MB, MIN_ROWS

FORMATS = (".npy", ".npz", ".csv", ".tsv", ".parquet", ".h5ad", ".jsonl", ".txt")
# Limits, each checked from what a file declares (header, zip directory, parquet footer, HDF5 shapes) before
# anything is read or decompressed. Settings: CLUSTERLAB_MAX_MB, CLUSTERLAB_MAX_COLUMNS.
DEFAULT_MAX_MB = MAX_MB.value()  # a file, or the matrix it expands to
DEFAULT_MAX_COLUMNS = MAX_COLUMNS.whole()  # columns of a table / features
SCALE_WARNING_RATIO = 10.0  # a feature whose spread is this many times the median feature's is said


@dataclass
class LoadOptions:
    """What a loader reads and its limits."""

    key: str | None = None  # npz array, h5ad obsm key, parquet vector column
    columns: list[str] | None = None  # csv/parquet feature columns
    drop_nonfinite: bool = False  # drop rows with NaN/inf instead of failing
    max_mb: float = DEFAULT_MAX_MB  # refuse files (and matrices) larger than this
    max_columns: int = DEFAULT_MAX_COLUMNS  # refuse tables and matrices wider than this
    max_rows: int | None = None
    text_column: str | None = None  # the column of free text; None: found from the data; "": none
    embed: str | None = None  # text model for a table of texts: None: the default when no column is numeric
    drop_empty_text: bool = False  # leave out rows whose text is empty instead of refusing the file


def finish(
    vectors: np.ndarray,
    metadata: pd.DataFrame | None,
    feature_names: list[str] | None,
    *,
    name: str,
    source: str,
    opts: LoadOptions | None = None,
) -> Dataset:
    """Validate a raw matrix (shape, dtype, size, finiteness) and build the Dataset."""
    opts = opts or LoadOptions()
    label = source or name
    vectors = as_numeric_2d(vectors, label)
    n, d = vectors.shape
    if metadata is None:
        metadata = pd.DataFrame(index=pd.RangeIndex(n))
    if n == 0 or d == 0:
        raise DataError(f"{label}: no data ({n} rows x {d} columns). The file holds a header or an empty array only.")
    if n < MIN_ROWS.whole():
        raise DataError(f"{label}: only {n} row(s); clustering needs at least {MIN_ROWS.whole()} vectors.")
    if d > opts.max_columns:
        raise DataError(
            f"{label}: {d:,} feature columns is over the limit of {opts.max_columns:,} "
            "(setting CLUSTERLAB_MAX_COLUMNS). Reduce dimensions first."
        )
    if opts.max_rows is not None and n > opts.max_rows:
        raise DataError(f"{label}: {n:,} rows is over the limit of {opts.max_rows:,}. Subsample the rows first.")
    matrix_mb = n * d * 4 / 2**20
    if matrix_mb > opts.max_mb:
        raise DataError(
            f"{label}: {n:,} x {d:,} float32 needs {matrix_mb:,.0f} MB, over the {opts.max_mb:,.0f} MB limit. "
            "Reduce dimensions (PCA) or subsample first."
        )
    warnings: list[str] = []
    with np.errstate(invalid="ignore", over="ignore"):
        vectors = vectors.astype(np.float32, copy=False)
    bad_rows = nonfinite_rows(vectors)
    if len(bad_rows):
        bad = vectors[bad_rows]
        n_nan, n_inf = int(np.isnan(bad).sum()), int(np.isinf(bad).sum())
        cells = np.argwhere(~np.isfinite(bad))[:3]
        where = ", ".join(f"row {bad_rows[r]} column {column_name(int(c), feature_names)}" for r, c in cells)
        if not opts.drop_nonfinite:
            raise DataError(
                f"{label}: {n_nan} NaN and {n_inf} infinite value(s) in {len(bad_rows)} row(s), first at {where}. "
                "Fix them, or load with drop_nonfinite (CLI: --drop-nonfinite) to drop those rows."
            )
        keep = np.ones(n, dtype=bool)
        keep[bad_rows] = False
        vectors = vectors[keep]
        metadata = metadata.loc[keep].reset_index(drop=True)
        warnings.append(f"dropped {len(bad_rows)} row(s) with NaN/inf values (first at {where})")
        if len(vectors) < MIN_ROWS.whole():
            raise DataError(
                f"{label}: only {len(vectors)} row(s) left after dropping NaN/inf rows; need {MIN_ROWS.whole()}."
            )
    warnings.extend(quality_warnings(vectors, feature_names))
    if vectors.flags.c_contiguous:
        vectors.setflags(write=False)  # read from the file here, so the Dataset can own it without a copy
    id_column = next((c for c in metadata.columns if str(c).lower() == "id" and metadata[c].is_unique), None)
    label_column = "label" if "label" in metadata.columns else None
    text = chosen_text_column(metadata, opts.text_column, label, exclude=(id_column, label_column))
    return Dataset(
        vectors=vectors,
        metadata=metadata,
        name=name,
        source=source,
        feature_names=feature_names,
        id_column=id_column,
        label_column=label_column,
        text_column=text,
        warnings=warnings,
    )


TEXT_MIN_WORDS = 3.0  # a column of free text: on average at least this many words per value...
TEXT_MIN_DISTINCT = 0.5  # ...at least this share of its values distinct (categories repeat)...
TEXT_MIN_FILLED = 0.5  # ...and at least this share of rows with a value
# A column named so holds text whatever its values' length or repeats (short product titles), when they are words.
TEXT_NAMES = ("title", "name", "description", "text", "summary", "abstract")


def text_columns(metadata: pd.DataFrame, exclude: tuple = ()) -> list[str]:
    """Columns of free text (titles, descriptions, documents), most words first, then columns named as text
    (`TEXT_NAMES`) whose values are words; categories and ids are not."""
    return [column for column, _ in text_column_reasons(metadata, exclude)]


def text_column_reasons(metadata: pd.DataFrame, exclude: tuple = ()) -> list[tuple[str, str]]:
    """`text_columns` with why each was taken, as `info` says it."""
    free, named = [], []
    for column in metadata.columns:
        values = metadata[column]
        if column in exclude or not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        filled = values.dropna().astype(str)
        filled = filled[filled.str.strip() != ""]
        if len(filled) < max(3, TEXT_MIN_FILLED * len(values)):
            continue
        sample = filled.sample(min(len(filled), 5_000), random_state=0) if len(filled) > 5_000 else filled
        words = float(sample.str.split().str.len().mean())
        distinct = sample.nunique() / len(sample)
        if words >= TEXT_MIN_WORDS and distinct >= TEXT_MIN_DISTINCT:
            free.append((words, str(column), f"free text: {words:.1f} words a value, {distinct:.0%} distinct"))
        elif _named_as_text(str(column)) and _words(sample):
            named.append((words, str(column), f"its name says text and its values are words ({words:.1f} a value)"))
    ordered = sorted(free, reverse=True) + sorted(named, reverse=True)
    return [(column, why) for _, column, why in ordered]


def _named_as_text(column: str) -> bool:
    parts = [p for p in "".join(c if c.isalnum() else " " for c in column.lower()).split() if p]
    return any(part in TEXT_NAMES or part.rstrip("s") in TEXT_NAMES for part in parts)


def _words(sample: pd.Series) -> bool:
    """Most values hold a letter and are not numbers (codes such as 'A12' count; '12.5' does not)."""
    letters = sample.str.contains(r"[^\W\d_]", regex=True)
    numbers = pd.to_numeric(sample, errors="coerce").notna()
    return bool((letters & ~numbers).mean() >= 0.8)


def chosen_text_column(metadata: pd.DataFrame, wanted: str | None, label: str, exclude: tuple = ()) -> str | None:
    """The text column: the one named (refused when absent), none when "" is given, else the one found."""
    if wanted == "":
        return None
    if wanted is not None:
        if wanted not in metadata.columns:
            columns = list(map(str, metadata.columns))[:15]
            raise DataError(f"{label}: no column {wanted!r} for the text (metadata columns: {columns}).")
        return wanted
    found = text_columns(metadata, exclude=exclude)
    return found[0] if found else None


def quality_warnings(vectors: np.ndarray, feature_names: list[str] | None) -> list[str]:
    """Warnings a person should see: duplicate rows, constant features, features on far other scales."""
    warnings = []
    constant = np.flatnonzero(np.ptp(vectors, axis=0) == 0)
    if len(constant):
        names = ", ".join(column_name(int(j), feature_names) for j in constant[:5])
        more = f" and {len(constant) - 5} more" if len(constant) > 5 else ""
        warnings.append(f"{len(constant)} constant column(s) carry no information: {names}{more}")
    spread = column_std(vectors if len(vectors) <= 2_000_000 else vectors[:200_000])
    varying = spread[spread > 0]
    if vectors.shape[1] >= 3 and len(varying) >= 2:
        typical = float(np.median(varying))
        wide = np.flatnonzero(
            (spread > SCALE_WARNING_RATIO * typical) | ((spread > 0) & (spread < typical / SCALE_WARNING_RATIO))
        )
        if len(wide):
            names = ", ".join(f"{column_name(int(j), feature_names)} ({spread[j] / typical:.3g}x)" for j in wide[:5])
            warnings.append(
                f"feature scale: {names} vary far more or less than the median feature; they would dominate or "
                "vanish in distances. Standardize (preprocessing), or leave them out of the feature columns."
            )
    if len(vectors) <= 2_000_000:
        repeated = duplicate_rows(vectors)
        if repeated:
            warnings.append(f"{repeated} duplicate row(s): they will share a cluster")
    return warnings


def block_rows_for(x: np.ndarray) -> int:
    """Rows per block for the load-time checks: about 256k values (2 MB as float64)."""
    return max(64, 2**18 // max(x.shape[1], 1))


def nonfinite_rows(x: np.ndarray, block_rows: int | None = None) -> np.ndarray:
    """Indices of rows holding NaN or infinity, a block at a time (a whole-matrix mask of 1M x 384 is 0.8 GB)."""
    block_rows = block_rows or block_rows_for(x)
    found = [
        start + np.flatnonzero(~np.isfinite(x[start : start + block_rows]).all(axis=1))
        for start in range(0, len(x), block_rows)
    ]
    return np.concatenate(found) if found else np.empty(0, dtype=np.int64)


def duplicate_rows(x: np.ndarray) -> int:
    """How many rows repeat an earlier row. Each row's bytes are hashed (Python's 64-bit hash) and only rows that
    share a hash are compared exactly: np.unique over whole rows copied the matrix twice (1M x 384: 3 GB more)."""
    x = np.ascontiguousarray(x)
    if len(x) < 2:
        return 0
    rows = x.view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
    hashes = np.fromiter((hash(row.tobytes()) for row in rows), dtype=np.int64, count=len(rows))
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    shared = np.flatnonzero(counts[inverse] > 1)
    return int(len(shared) - len(np.unique(rows[shared]))) if len(shared) else 0


def column_std(x: np.ndarray, block_rows: int | None = None) -> np.ndarray:
    """Each column's standard deviation in float64, two passes over row blocks: numpy's std(dtype=float64) of a
    1M x 384 float32 matrix makes a 3 GB float64 copy and took 7 s; this takes a block at a time."""
    block_rows = block_rows or block_rows_for(x)
    n = len(x)
    total = np.zeros(x.shape[1])
    for start in range(0, n, block_rows):
        total += x[start : start + block_rows].sum(axis=0, dtype=np.float64)
    mean = total / n
    squares = np.zeros(x.shape[1])
    for start in range(0, n, block_rows):
        centred = x[start : start + block_rows].astype(np.float64) - mean
        squares += np.einsum("ij,ij->j", centred, centred)
    return np.sqrt(squares / n)


def column_name(index: int, feature_names: list[str] | None) -> str:
    """A feature's name for messages (its own, else dim_N)."""
    if feature_names and index < len(feature_names):
        return f"'{feature_names[index]}'"
    return str(index)


def short_error(error: Exception, limit: int = 200) -> str:
    """An exception's first line, cut to `limit` characters."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
    return text[:limit]


def as_numeric_2d(array: np.ndarray, label: str) -> np.ndarray:
    """The array as a numeric 2-D matrix, or a DataError that says how to reshape or convert it."""
    array = np.asarray(array)
    if array.dtype == object:
        raise DataError(f"{label}: the array holds Python objects, not numbers. Save a numeric array.")
    if array.dtype.kind not in "biuf":
        raise DataError(
            f"{label}: values of type {array.dtype} are not numeric. Save the vectors as float or int numbers."
        )
    if array.ndim == 1:
        raise DataError(
            f"{label}: a 1-D array of {array.shape[0]} values; expected rows x features. "
            "If each value is one row's single feature, reshape it to (n, 1)."
        )
    if array.ndim != 2:
        raise DataError(
            f"{label}: a {array.ndim}-D array of shape {array.shape}; expected 2-D (rows x features). "
            f"Flatten each item, e.g. array.reshape({array.shape[0]}, -1)."
        )
    return array


def check_matrix_size(label: str, shape: tuple, dtype: np.dtype, opts: LoadOptions) -> None:
    """Refuse an array from its declared shape before it is read or decompressed."""
    expanded_mb = float(np.prod(shape, dtype=np.float64)) * max(dtype.itemsize, 4) / 2**20
    if expanded_mb > opts.max_mb:
        raise DataError(
            f"{label}: declares an array of shape {shape} ({expanded_mb:,.0f} MB in memory), over the "
            f"{opts.max_mb:,.0f} MB limit (setting CLUSTERLAB_MAX_MB). Subsample the rows or reduce dimensions."
        )
    if len(shape) == 2 and shape[1] > opts.max_columns:
        raise DataError(
            f"{label}: {shape[1]:,} columns is over the limit of {opts.max_columns:,} "
            "(setting CLUSTERLAB_MAX_COLUMNS). Reduce dimensions first."
        )


def not_utf8(path: Path, data: bytes, offset: int) -> DataError:
    """The error for a file that is not UTF-8, naming the line and column of the first bad byte."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return DataError(
        f"{path}: not UTF-8 text: line {line:,}, column {column:,} holds byte 0x{data[offset]:02x}. "
        "Save the file as UTF-8 (most editors: Save as… with encoding UTF-8)."
    )


def utf8_error(path: Path) -> DataError | None:
    """The not-UTF-8 error of a file (its first bad byte by line and column), or None when it is UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return not_utf8(path, data, error.start)
    return None
