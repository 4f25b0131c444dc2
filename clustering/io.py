"""Load embeddings from .npy, .npz, .csv/.tsv, .parquet and .h5ad into a Dataset.

Every failure is a DataError naming the file, the row/column where it can, and what to do.
Nothing is written to the user's file.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.data import DataError, Dataset
from clustering.limits import MAX_COLUMNS, MAX_MB

FORMATS = (".npy", ".npz", ".csv", ".tsv", ".parquet", ".h5ad")
# Limits, each checked from what a file declares (header, zip directory, parquet footer, HDF5 shapes) before
# anything is read or decompressed. Settings: CLUSTERLAB_MAX_MB, CLUSTERLAB_MAX_COLUMNS.
DEFAULT_MAX_MB = MAX_MB.value()  # a file, or the matrix it expands to
DEFAULT_MAX_COLUMNS = MAX_COLUMNS.whole()  # columns of a table / features
HEADER_MAX_BYTES = 16 * 2**20  # a table's first line; longer is not a header a person wrote
DEFAULT_VECTOR_COLUMN = "embedding"
# Numeric columns with these names describe rows, not features: kept as metadata unless named in `columns`.
METADATA_NAMES = {"id", "label", "labels", "class", "target", "cluster", "y", "index", "row", "topic", "unnamed: 0"}
MIN_ROWS = 3
SCALE_WARNING_RATIO = 10.0  # a feature whose spread is this many times the median feature's is said


@dataclass
class LoadOptions:
    key: str | None = None  # npz array, h5ad obsm key, parquet vector column
    columns: list[str] | None = None  # csv/parquet feature columns
    drop_nonfinite: bool = False  # drop rows with NaN/inf instead of failing
    max_mb: float = DEFAULT_MAX_MB  # refuse files (and matrices) larger than this
    max_columns: int = DEFAULT_MAX_COLUMNS  # refuse tables and matrices wider than this
    max_rows: int | None = None


def load(path: str | os.PathLike, *, name: str | None = None, **options) -> Dataset:
    """Load a file into a Dataset.

    Parameters
    ----------
    path : str or PathLike
        A .npy, .npz, .csv, .tsv, .parquet or .h5ad file.
    name : str, optional
        The dataset's name (default: the file's stem).
    **options
        `LoadOptions`: ``key`` (array in .npz, obsm key in .h5ad, vector column in .parquet), ``columns``
        (feature columns of a table), ``drop_nonfinite``, ``max_mb``.

    Returns
    -------
    Dataset
        Vectors (float32) and the metadata aligned by row.

    Raises
    ------
    DataError
        On any bad input, naming the file, row or column and what to do; sizes are checked from what the file
        declares before anything is read, and nothing is ever unpickled.
    """
    opts = LoadOptions(**options)
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise DataError(f"{label}: file not found. Check the path (formats: {', '.join(FORMATS)}).")
    if path.is_dir():
        raise DataError(f"{label}: is a folder, not a file. Point to one file ({', '.join(FORMATS)}).")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"{label}: unknown extension '{suffix or '(none)'}'. Save the vectors as one of {', '.join(FORMATS)}."
        )
    size_mb = path.stat().st_size / 2**20
    if path.stat().st_size == 0:
        raise DataError(f"{label}: the file is empty (0 bytes). Export the embeddings again.")
    if size_mb > opts.max_mb:
        raise DataError(
            f"{label}: {size_mb:,.0f} MB is over the {opts.max_mb:,.0f} MB limit. "
            "Subsample the rows or raise the limit (CLUSTERLAB_MAX_MB)."
        )
    reader = {
        ".npy": _read_npy,
        ".npz": _read_npz,
        ".csv": _read_table,
        ".tsv": _read_table,
        ".parquet": _read_parquet,
        ".h5ad": _read_h5ad,
    }[suffix]
    try:
        vectors, metadata, feature_names = reader(path, opts)
    except DataError:
        raise
    except MemoryError as error:
        raise DataError(f"{label}: not enough memory to load it ({error}). Subsample the rows.") from error
    except Exception as error:  # any parser failure becomes an actionable message
        raise DataError(
            f"{label}: could not be read as {suffix[1:]} ({type(error).__name__}: {_short(error)}). "
            "The file may be truncated or corrupt, or not really this format: export it again."
        ) from error
    dataset = finish(vectors, metadata, feature_names, name=name or path.stem, source=label, opts=opts)
    note = split_note(dataset) if suffix in (".csv", ".tsv", ".parquet") and not opts.columns else None
    return replace(dataset, warnings=[*dataset.warnings, note]) if note else dataset


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
    vectors = _as_numeric_2d(vectors, label)
    n, d = vectors.shape
    if metadata is None:
        metadata = pd.DataFrame(index=pd.RangeIndex(n))
    if n == 0 or d == 0:
        raise DataError(f"{label}: no data ({n} rows x {d} columns). The file holds a header or an empty array only.")
    if n < MIN_ROWS:
        raise DataError(f"{label}: only {n} row(s); clustering needs at least {MIN_ROWS} vectors.")
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
        where = ", ".join(f"row {bad_rows[r]} column {_column_name(int(c), feature_names)}" for r, c in cells)
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
        if len(vectors) < MIN_ROWS:
            raise DataError(f"{label}: only {len(vectors)} row(s) left after dropping NaN/inf rows; need {MIN_ROWS}.")
    warnings.extend(_quality_warnings(vectors, feature_names))
    if vectors.flags.c_contiguous:
        vectors.setflags(write=False)  # read from the file here, so the Dataset can own it without a copy
    id_column = next((c for c in metadata.columns if str(c).lower() == "id" and metadata[c].is_unique), None)
    label_column = "label" if "label" in metadata.columns else None
    return Dataset(
        vectors=vectors,
        metadata=metadata,
        name=name,
        source=source,
        feature_names=feature_names,
        id_column=id_column,
        label_column=label_column,
        warnings=warnings,
    )


def _quality_warnings(vectors: np.ndarray, feature_names: list[str] | None) -> list[str]:
    warnings = []
    constant = np.flatnonzero(np.ptp(vectors, axis=0) == 0)
    if len(constant):
        names = ", ".join(_column_name(int(j), feature_names) for j in constant[:5])
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
            names = ", ".join(f"{_column_name(int(j), feature_names)} ({spread[j] / typical:.3g}x)" for j in wide[:5])
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


def _column_name(index: int, feature_names: list[str] | None) -> str:
    if feature_names and index < len(feature_names):
        return f"'{feature_names[index]}'"
    return str(index)


def _short(error: Exception, limit: int = 200) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
    return text[:limit]


def _as_numeric_2d(array: np.ndarray, label: str) -> np.ndarray:
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


# --- readers: each returns (vectors, metadata or None, feature names or None) ---------------------------


def _too_big(label: str, shape: tuple, dtype: np.dtype, opts: LoadOptions) -> None:
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


def _npy_header(handle, label: str) -> tuple[tuple, np.dtype]:
    """Shape and dtype from a .npy header; names what is wrong when it is not one."""
    from numpy.lib import format as npy_format

    try:
        version = npy_format.read_magic(handle)
    except ValueError:
        raise DataError(
            f"{label}: not a NumPy .npy array (the file does not start with NumPy's header). "
            "Save the vectors with np.save."
        ) from None
    try:
        reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, _, dtype = reader(handle)
    except (ValueError, SyntaxError, TypeError) as error:
        raise DataError(f"{label}: the .npy header is damaged ({_short(error)}). Save the array again.") from None
    if dtype.hasobject:
        raise DataError(
            f"{label}: holds pickled Python objects, which are never loaded (they can run code). "
            "Save a numeric array: np.save(path, np.asarray(vectors, dtype=np.float32))."
        )
    return tuple(shape), dtype


def _read_npy(path: Path, opts: LoadOptions):
    with open(path, "rb") as handle:
        shape, dtype = _npy_header(handle, str(path))
        data_bytes = path.stat().st_size - handle.tell()
    _too_big(str(path), shape, dtype, opts)
    declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if declared > data_bytes:
        raise DataError(
            f"{path}: the header declares shape {shape} ({declared:,} bytes) but the file holds "
            f"{data_bytes:,}; it is truncated or corrupt. Save it again."
        )
    return np.load(path, allow_pickle=False), None, None


def _check_npz_sizes(path: Path, opts: LoadOptions) -> None:
    """Check every member's declared uncompressed size and array header before anything is decompressed."""
    with zipfile.ZipFile(path) as archive:
        members = [info for info in archive.infolist() if info.filename.endswith(".npy")]
        total_mb = sum(info.file_size for info in members) / 2**20
        if total_mb > opts.max_mb:
            raise DataError(
                f"{path}: expands to {total_mb:,.0f} MB, over the {opts.max_mb:,.0f} MB limit "
                "(setting CLUSTERLAB_MAX_MB). Subsample the rows or reduce dimensions."
            )
        for info in members:
            with archive.open(info) as handle:
                label = f"{path} (array '{info.filename[:-4]}')"
                try:
                    shape, dtype = _npy_header(handle, label)
                except DataError as error:
                    if "pickled" in str(error):
                        continue  # object arrays are skipped as metadata, and refused when asked for
                    raise
                _too_big(label, shape, dtype, opts)


def _read_npz(path: Path, opts: LoadOptions):
    try:
        if zipfile.is_zipfile(path):
            _check_npz_sizes(path, opts)
        archive = np.load(path, allow_pickle=False)
    except zipfile.BadZipFile as error:
        raise DataError(f"{path}: not a valid .npz (zip) archive; it may be truncated. Save it again.") from error
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise DataError(f"{path}: not an .npz archive nor a NumPy array. Save the vectors with np.savez.") from None
        raise
    if not isinstance(archive, np.lib.npyio.NpzFile):
        return archive, None, None  # a plain .npy saved with an .npz name
    with archive:
        keys = list(archive.files)
        if not keys:
            raise DataError(f"{path}: the archive holds no arrays.")
        if opts.key is not None:
            if opts.key not in keys:
                raise DataError(
                    f"{path}: no array named '{opts.key}'; it holds {', '.join(keys)}. "
                    "Pick one as the key (CLI: --key; app: Options on the Data page)."
                )
            key = opts.key
        elif "embeddings" in keys:
            key = "embeddings"
        else:
            two_d = [k for k in keys if _npz_ndim(archive, k) == 2]
            if len(two_d) != 1:
                found = ", ".join(f"{k} {_npz_shape(archive, k)}" for k in keys)
                raise DataError(
                    f"{path}: {'no' if not two_d else 'several'} 2-D arrays ({found}) and none named 'embeddings'. "
                    "Name the array as the key (CLI: --key; app: Options on the Data page)."
                )
            key = two_d[0]
        array = _npz_get(archive, path, key)
        n = array.shape[0] if array.ndim else 0
        metadata = {}
        for other in keys:
            if other == key:
                continue
            values = _npz_get(archive, path, other, strict=False)
            if values is not None and values.ndim == 1 and len(values) == n:
                metadata[other] = values
        return array, pd.DataFrame(metadata) if metadata else None, None


def _npz_get(archive, path: Path, key: str, strict: bool = True):
    try:
        return archive[key]
    except ValueError as error:
        if not strict:
            return None
        raise DataError(
            f"{path}: array '{key}' holds pickled Python objects, which are never loaded. Save a numeric array."
        ) from error


def _npz_ndim(archive, key: str) -> int:
    value = _npz_get(archive, Path("?"), key, strict=False)
    return -1 if value is None else value.ndim


def _npz_shape(archive, key: str) -> str:
    value = _npz_get(archive, Path("?"), key, strict=False)
    return "(objects)" if value is None else str(value.shape)


def _read_table(path: Path, opts: LoadOptions):
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
            f"{path}: rows have different numbers of fields ({_short(error)}). "
            "Every row needs the same columns; check quoting and separators."
        ) from error
    except UnicodeDecodeError as error:
        raise DataError(f"{path}: not UTF-8 text (byte {error.start}). Save the table as UTF-8 CSV.") from error
    if frame.empty:
        raise DataError(f"{path}: a header but no data rows.")
    frame.columns = [str(c) for c in frame.columns]
    return _split_frame(frame, path, opts)


def _header_names(path: Path, separator: str, opts: LoadOptions) -> list[str] | None:
    """The header's column names made unique (name, name.1, ...), read within limits; None to let pandas parse."""
    import csv

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
            if len(first) > HEADER_MAX_BYTES:
                raise DataError(
                    f"{path}: the first line is longer than {HEADER_MAX_BYTES // 2**20} MB; "
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
            raise DataError(
                f"{path}: no numeric feature columns (columns: {list(frame.columns)[:20]}). "
                "Vectors must be numbers; name the feature columns (CLI: --columns; app: Data page)."
            )
    vectors = frame[features].to_numpy(dtype=np.float64)
    metadata = frame.drop(columns=features)
    return vectors, metadata, features


EMBEDDING_NAME = re.compile(r"^(.*?)[_\-. ]?(\d+)$")  # emb_0, dim12, f-3, x.7: a shared stem and a number


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


def _read_parquet(path: Path, opts: LoadOptions):
    import pyarrow as pa
    import pyarrow.parquet as pq

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
    if vector_column is None:
        frame = table.to_pandas()
        frame.columns = [str(c) for c in frame.columns]
        return _split_frame(frame, path, opts)
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


def _read_h5ad(path: Path, opts: LoadOptions):
    import anndata
    import h5py
    import scipy.sparse as sp

    if not h5py.is_hdf5(path):
        raise DataError(f"{path}: not an HDF5 file, so not a valid .h5ad. Write it with adata.write_h5ad().")
    _check_h5ad_sizes(path, opts)
    adata = anndata.read_h5ad(path)
    if opts.key is not None:
        if opts.key not in adata.obsm:
            raise DataError(f"{path}: no obsm['{opts.key}']; available: {list(adata.obsm.keys()) or 'none'}.")
        matrix = adata.obsm[opts.key]
        feature_names = None
    else:
        matrix = adata.X
        if matrix is None:
            raise DataError(
                f"{path}: X is empty; name an embedding as the key (CLI: --key; obsm: {list(adata.obsm.keys())})."
            )
        feature_names = [str(v) for v in adata.var_names]
    if sp.issparse(matrix):
        dense_mb = matrix.shape[0] * matrix.shape[1] * 4 / 2**20
        if dense_mb > opts.max_mb:
            raise DataError(
                f"{path}: sparse X is {dense_mb:,.0f} MB dense, over the limit; "
                "use an obsm embedding as the key (CLI: --key X_pca)."
            )
        matrix = matrix.toarray()
    metadata = adata.obs.reset_index(names="obs_name")
    return np.asarray(matrix), metadata, feature_names


def _check_h5ad_sizes(path: Path, opts: LoadOptions) -> None:
    """Refuse X (or the obsm key) from its declared HDF5 shape before anndata reads it."""
    import h5py

    with h5py.File(path, "r") as handle:
        name = f"obsm/{opts.key}" if opts.key is not None else "X"
        node = handle.get(name)
        if node is None:
            return  # anndata's reader names what is missing
        shape = tuple(node.attrs.get("shape", ())) if isinstance(node, h5py.Group) else tuple(node.shape)
        if len(shape) == 2:
            _too_big(f"{path} ({name})", tuple(int(v) for v in shape), np.dtype(np.float32), opts)
