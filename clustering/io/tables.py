"""Tables: CSV/TSV and parquet, split into the embedding's feature columns and metadata (column inference)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from clustering.data import DataError, Dataset
from clustering.io.checks import LoadOptions, short_error, utf8_error
from clustering.limits import HEADER_MAX_BYTES

DEFAULT_VECTOR_COLUMN = "embedding"
# Numeric columns with these names describe rows, not features: kept as metadata unless named in `columns`.
METADATA_NAMES = {"id", "label", "labels", "class", "target", "cluster", "y", "index", "row", "topic", "unnamed: 0"}
EMBEDDING_NAME = re.compile(r"^(.*?)[_\-. ]?(\d+)$")  # emb_0, dim12, f-3, x.7: a shared stem and a number


def read_table(path: Path, opts: LoadOptions):
    """Feature columns and metadata of a CSV or TSV table."""
    return split_or_embed(read_csv_frame(path, opts), path, opts)


def embeds(opts: LoadOptions) -> bool:
    """Whether a text model was asked for (the table's text column is embedded whatever else it holds)."""
    return bool(opts.embed) and opts.embed != NO_EMBED


def split_or_embed(frame: pd.DataFrame, path: Path, opts: LoadOptions):
    """Feature columns and metadata; a TextTable (the frame, to embed) when a text model was asked for."""
    if embeds(opts):
        raise TextTable(frame, f"{path}: its text column is embedded")
    return _split_frame(frame, path, opts)


def read_csv_frame(path: Path, opts: LoadOptions) -> pd.DataFrame:
    """A CSV or TSV file as a frame, every column as read."""
    separator = "\t" if path.suffix.lower() == ".tsv" else ","
    names = _header_names(path, separator, opts)
    try:
        if names is None:
            frame = pd.read_csv(path, sep=separator, low_memory=False)
        else:  # repeated names made unique here: pandas renames them in quadratic time (40k columns: 49 s)
            frame = pd.read_csv(path, sep=separator, low_memory=False, header=None, skiprows=1)
            if len(frame.columns) != len(names):
                raise DataError(
                    f"{path}: the header has {len(names):,} names but the rows have "
                    f"{len(frame.columns):,} fields. Every row needs the same columns."
                )
            frame.columns = names
    except pd.errors.EmptyDataError as error:
        raise DataError(f"{path}: no columns to read; the file is empty or whitespace.") from error
    except pd.errors.ParserError as error:
        raise DataError(
            f"{path}: rows have different numbers of fields ({short_error(error)}). "
            "Every row needs the same columns; check quoting and separators."
        ) from error
    except UnicodeDecodeError as error:
        raise (utf8_error(path) or DataError(f"{path}: not UTF-8 text. Save the table as UTF-8.")) from error
    if frame.empty:
        raise DataError(f"{path}: a header but no data rows.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _header_names(path: Path, separator: str, opts: LoadOptions) -> list[str] | None:
    """The header's column names made unique (name, name.1, ...), read within limits; None to let pandas parse."""

    first = b""
    with open(path, "rb") as handle:
        while b"\n" not in first:
            chunk = handle.read(2**20)
            if not chunk:
                break
            first += chunk
            if first.count(separator.encode()) >= opts.max_columns:
                raise DataError(
                    f"{path}: the header has more than {opts.max_columns:,} columns, over the limit "
                    "(setting CLUSTERLAB_MAX_COLUMNS). Save the embedding with fewer columns, or as "
                    ".npy / parquet."
                )
            if len(first) > HEADER_MAX_BYTES.whole():
                raise DataError(
                    f"{path}: the first line is longer than {HEADER_MAX_BYTES.whole() // 2**20} MB; "
                    "this is not a table header. Check the separator and line endings."
                )
    line = first.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        names = next(csv.reader([line.decode("utf-8-sig")], delimiter=separator))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None  # pandas reports the problem with its own detail
    if len(set(names)) == len(names):
        return None
    seen: set[str] = set(names)
    unique: list[str] = []
    counts: dict[str, int] = {}
    for name in names:
        if name in counts:
            while True:
                counts[name] += 1
                candidate = f"{name}.{counts[name]}"
                if candidate not in seen:
                    break
            seen.add(candidate)
            unique.append(candidate)
        else:
            counts[name] = 0
            unique.append(name)
    return unique


NO_EMBED = "none"  # LoadOptions.embed: never embed (a table of texts is refused with what to do)


class TextTable(DataError):
    """A table with no numeric feature columns: its frame, for the loader to embed a text column instead."""

    def __init__(self, frame: pd.DataFrame, message: str) -> None:
        super().__init__(message)
        self.frame = frame


def _split_frame(frame: pd.DataFrame, path: Path, opts: LoadOptions):
    """Feature columns become vectors, the rest metadata."""
    if opts.columns:
        missing = [c for c in opts.columns if c not in frame.columns]
        if missing:
            raise DataError(f"{path}: column(s) {missing} not found; the file has {list(frame.columns)[:20]}.")
        features = list(opts.columns)
        for column in features:
            _require_numeric(frame[column], column, path)
    else:
        numeric = []
        for column in frame.columns:
            series = frame[column]
            if str(column).lower() in METADATA_NAMES:
                continue
            if _is_numeric(series):
                numeric.append(column)
            elif series.dtype == object and _mostly_numeric(series):
                _require_numeric(series, column, path)  # raises with the first bad row
        features = embedding_columns(numeric)
        if not features:
            raise TextTable(
                frame,
                f"{path}: no numeric feature columns (columns: {list(frame.columns)[:20]}). "
                "Vectors must be numbers; name the feature columns (CLI: --columns; app: Data page).",
            )
    vectors = frame[features].to_numpy(dtype=np.float64)
    metadata = frame.drop(columns=features)
    return vectors, metadata, features


def embedding_columns(numeric: list[str]) -> list[str]:
    """The numeric columns that form the embedding: the largest group sharing a name stem with a number
    (emb_0 ... emb_15) when there is one of at least two columns; otherwise every numeric column.

    So numeric metadata such as `price` beside `emb_0 ... emb_15` stays metadata instead of silently becoming a
    17th dimension.
    """
    groups: dict[str, list[str]] = {}
    for column in numeric:
        found = EMBEDDING_NAME.match(str(column))
        if found:
            groups.setdefault(found.group(1).lower(), []).append(column)
    if not groups:
        return list(numeric)
    stem, members = max(groups.items(), key=lambda item: len(item[1]))
    members = [c for c in numeric if c in members or str(c).lower() == stem]  # `x` beside `x.1, x.2`: one group
    if len(members) < 2 or len(members) == len(numeric):
        return list(numeric)
    return members


def split_note(dataset: Dataset) -> str | None:
    """A line saying which numeric columns were kept as metadata because they are not part of the embedding."""
    kept = [
        str(c)
        for c in dataset.metadata.columns
        if str(c).lower() not in METADATA_NAMES and _is_numeric(dataset.metadata[c])
    ]
    if not kept or not dataset.feature_names:
        return None
    first, last = dataset.feature_names[0], dataset.feature_names[-1]
    return (
        f"features: the {dataset.d} columns {first} … {last} form the embedding; numeric column(s) "
        f"{', '.join(kept[:8])}{' …' if len(kept) > 8 else ''} kept as metadata. Choose the feature columns to "
        "change this (CLI: --columns; app: Data page)."
    )


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _mostly_numeric(series: pd.Series) -> bool:
    present = series.dropna()
    if present.empty:
        return False
    parsed = pd.to_numeric(present, errors="coerce")
    return parsed.notna().mean() >= 0.5


def _require_numeric(series: pd.Series, column: str, path: Path) -> None:
    if _is_numeric(series):
        return
    parsed = pd.to_numeric(series, errors="coerce")
    bad = np.flatnonzero(parsed.isna() & series.notna())
    if len(bad):
        row = int(bad[0])
        raise DataError(
            f"{path}: column '{column}' mixes numbers and text: row {row + 1} holds {str(series.iloc[row])[:40]!r} "
            f"({len(bad)} such row(s)). Fix those cells, or leave the column out of the feature columns "
            "(CLI: --columns; app: Data page)."
        )
    if not pd.api.types.is_numeric_dtype(parsed):
        raise DataError(f"{path}: column '{column}' is not numeric. Vectors must be numbers.")


def read_parquet(path: Path, opts: LoadOptions):
    """Feature columns (or a vector column) and metadata of a parquet file."""

    footer = pq.ParquetFile(path).metadata
    expanded_mb = sum(footer.row_group(i).total_byte_size for i in range(footer.num_row_groups)) / 2**20
    if expanded_mb > opts.max_mb:
        raise DataError(
            f"{path}: expands to {expanded_mb:,.0f} MB, over the {opts.max_mb:,.0f} MB limit "
            "(setting CLUSTERLAB_MAX_MB). Read fewer columns or subsample the rows."
        )
    if footer.num_columns > opts.max_columns:
        raise DataError(
            f"{path}: {footer.num_columns:,} columns is over the limit of {opts.max_columns:,} "
            "(setting CLUSTERLAB_MAX_COLUMNS). Store the embedding as one list column."
        )
    table = pq.read_table(path)
    if table.num_rows == 0:
        raise DataError(f"{path}: the table has no rows.")
    list_columns = [
        f.name
        for f in table.schema
        if pa.types.is_list(f.type) or pa.types.is_large_list(f.type) or pa.types.is_fixed_size_list(f.type)
    ]
    vector_column = opts.key
    if vector_column is None and DEFAULT_VECTOR_COLUMN in table.column_names:
        vector_column = DEFAULT_VECTOR_COLUMN
    if vector_column is None and len(list_columns) == 1 and not opts.columns:
        vector_column = list_columns[0]
    if vector_column is None or embeds(opts):
        frame = table.drop_columns([c for c in list_columns if c == vector_column]).to_pandas()
        frame.columns = [str(c) for c in frame.columns]
        return split_or_embed(frame, path, opts)
    if vector_column not in table.column_names:
        raise DataError(
            f"{path}: no column '{vector_column}'; list columns here: {list_columns or 'none'}. "
            "Pick one as the key (CLI: --key)."
        )
    column = table.column(vector_column).combine_chunks()
    if not (
        pa.types.is_list(column.type) or pa.types.is_large_list(column.type) or pa.types.is_fixed_size_list(column.type)
    ):
        raise DataError(f"{path}: column '{vector_column}' is {column.type}, not a list of numbers per row.")
    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise DataError(f"{path}: column '{vector_column}' is empty (null) at row {row} ({column.null_count} rows).")
    value_type = column.type.value_type
    if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type)):
        raise DataError(f"{path}: column '{vector_column}' holds {value_type}, not numbers.")
    if pa.types.is_fixed_size_list(column.type):
        width = column.type.list_size
        values = column.flatten().to_numpy(zero_copy_only=False)
    else:
        lengths = column.value_lengths().to_numpy(zero_copy_only=False)
        width = int(lengths[0])
        uneven = np.flatnonzero(lengths != width)
        if len(uneven):
            row = int(uneven[0])
            raise DataError(
                f"{path}: vectors in '{vector_column}' have different lengths: row 0 has {width}, "
                f"row {row} has {int(lengths[row])} ({len(uneven)} rows differ). All vectors need one length."
            )
        values = column.flatten().to_numpy(zero_copy_only=False)
    vectors = np.asarray(values).reshape(len(column), width)
    metadata = table.drop_columns([vector_column]).to_pandas()
    return vectors, metadata, None
