"""Inputs too large to load at once, read in parts: a folder of parquet files (each row group a part), a
zarr array (chunks of rows) or an .npy file through a memory map.

A `Part` is a small, picklable description (file, rows); any worker can read it on its own, so no process
ever holds the whole matrix. Every read checks what it got: numbers, one width, finite values; a bad part
is named with its file and row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from clustering.data import DataError
from clustering.io import DEFAULT_VECTOR_COLUMN, METADATA_NAMES, embedding_columns, npy_header
from clustering.limits import MAX_MB, MIN_ROWS, OUT_OF_CORE_MAX_MB, PART_ROWS


@dataclass(frozen=True)
class Part:
    """Rows [start, start + rows) of the input, read from `file` (a row group, or an offset in an array)."""

    index: int
    file: str
    start: int  # first row id in the whole input
    rows: int
    row_group: int = -1  # parquet
    offset: int = 0  # npy / zarr: first row inside the file


@dataclass(frozen=True)
class Source:
    """An out-of-core matrix: its kind, shape, feature columns (tables) and parts."""

    path: str
    kind: str  # parquet | zarr | npy
    n_rows: int
    dim: int
    parts: tuple[Part, ...]
    columns: tuple[str, ...] = ()  # parquet: feature columns, or the one list column when `vector_column`
    vector_column: str | None = None
    extra_columns: tuple[str, ...] = ()  # parquet columns carried through (truth, id)

    @property
    def name(self) -> str:
        """The input's file or folder name."""
        return Path(self.path).name

    def read(self, part: Part) -> np.ndarray:
        """The part's vectors as float32, checked; any failure to read is a DataError naming the file and rows."""
        try:
            if self.kind == "npy":
                x = np.load(part.file, mmap_mode="r", allow_pickle=False)[part.offset : part.offset + part.rows]
            elif self.kind == "zarr":
                x = _open_zarr(part.file)[part.offset : part.offset + part.rows]
            else:
                x = self._read_table(part, self.columns)
            x = np.asarray(x)
        except DataError:
            raise
        except Exception as error:  # a damaged chunk, a false dtype, ragged lists, a file cut off
            text = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            where = f" (row group {part.row_group})" if part.row_group >= 0 else ""
            raise DataError(
                f"{part.file}{where}: could not read rows {part.start:,} to {part.start + part.rows - 1:,} ({text}). "
                "The file is damaged or not what its metadata says; write it again."
            ) from None
        if x.shape[:1] != (part.rows,):
            raise DataError(f"{part.file}: held {len(x):,} rows where {part.rows:,} were expected; write it again.")
        return _checked(x, part, self.dim)

    def read_column(self, part: Part, column: str) -> np.ndarray:
        """One carried-through parquet column of the part."""

        table = pq.ParquetFile(part.file).read_row_group(part.row_group, columns=[column])
        return table.column(column).to_numpy(zero_copy_only=False)

    def _read_table(self, part: Part, columns: tuple[str, ...]) -> np.ndarray:

        table = pq.ParquetFile(part.file).read_row_group(part.row_group, columns=list(columns))
        if self.vector_column:
            column = table.column(self.vector_column).combine_chunks()
            return np.asarray(column.flatten().to_numpy(zero_copy_only=False)).reshape(part.rows, -1)
        return np.column_stack([table.column(c).to_numpy(zero_copy_only=False) for c in columns])

    def take(self, part: Part, rows: np.ndarray) -> np.ndarray:
        """Rows of the part by their ids in the whole input (a sample's share)."""
        return self.read(part)[rows - part.start]


def open_source(
    path: str | Path, *, columns: list[str] | None = None, key: str | None = None, keep: list[str] | None = None
) -> Source:
    """Describe an out-of-core input without reading its data.

    Parameters
    ----------
    path : str or Path
        A folder of .parquet files, a .zarr array (or group, with `key`), or an .npy file.
    columns : list of str, optional
        Parquet feature columns (default: the list column `embedding` or the only list column, else the
        numeric columns that form the embedding, as `clustering.io` chooses them).
    key : str, optional
        Parquet list column, or the array inside a zarr group.
    keep : list of str, optional
        Parquet columns carried to the output or used as truth (read per part, never as features).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or folder.")
    if path.suffix == ".npy":
        return _npy_source(path)
    if path.suffix == ".zarr" or (path / "zarr.json").exists() or (path / ".zarray").exists():
        return _zarr_source(path, key)
    files = sorted(path.glob("*.parquet")) if path.is_dir() else [path] if path.suffix == ".parquet" else []
    if not files:
        raise DataError(
            f"{path}: not a folder of .parquet files, a .zarr array or an .npy file; "
            "out-of-core runs read one of those."
        )
    return _parquet_source(path, files, columns, key, keep or [])


def _npy_source(path: Path) -> Source:
    with open(path, "rb") as handle:
        shape, dtype = npy_header(handle, str(path))
    if len(shape) != 2 or dtype.kind not in "fiu":
        raise DataError(f"{path}: holds a {len(shape)}-d {dtype} array; give a 2-D numeric matrix (rows x features).")
    n, d = int(shape[0]), int(shape[1])
    _check_size(path, n, d, min(n, PART_ROWS.whole()))
    expected = n * d * dtype.itemsize  # a file shorter than its data (plus header) was cut off
    if path.stat().st_size < expected:
        raise DataError(
            f"{path}: the header declares {n:,} x {d:,} {dtype} ({expected:,} bytes of data) but the file holds "
            f"{path.stat().st_size:,} bytes: it was cut off. Write it again."
        )
    parts = tuple(
        Part(index=i, file=str(path), start=start, rows=min(PART_ROWS.whole(), n - start), offset=start)
        for i, start in enumerate(range(0, n, PART_ROWS.whole()))
    )
    return Source(path=str(path), kind="npy", n_rows=n, dim=d, parts=parts)


def _check_size(path: Path, n: int, d: int, part_rows: int) -> None:
    """Bounds from what a file declares, before anything is read: rows and columns to cluster, the whole matrix,
    and one part in memory."""
    if n < MIN_ROWS.whole() or d < 1:
        raise DataError(
            f"{path}: no data to cluster ({n:,} rows x {d:,} columns); "
            f"give at least {MIN_ROWS.whole()} rows and one column."
        )
    total_mb = n * d * 4 / 2**20
    if total_mb > OUT_OF_CORE_MAX_MB.value():
        raise DataError(
            f"{path}: declares {n:,} x {d:,} values ({total_mb:,.0f} MB as float32), over the "
            f"{OUT_OF_CORE_MAX_MB.value():,.0f} MB limit for out-of-core inputs "
            "(setting CLUSTERLAB_OUT_OF_CORE_MAX_MB)."
        )
    part_mb = part_rows * d * 4 / 2**20
    if part_mb > MAX_MB.value():
        raise DataError(
            f"{path}: one part ({part_rows:,} rows: a chunk or row group) needs {part_mb:,.0f} MB, over the "
            f"{MAX_MB.value():,.0f} MB limit (setting CLUSTERLAB_MAX_MB). Write it with smaller chunks or row groups."
        )


def _open_zarr(path: str, key: str | None = None) -> Any:
    # deferred: the Dask path only
    import zarr

    try:
        node: Any = zarr.open(path, mode="r")
    except Exception as error:
        raise DataError(f"{path}: could not open as zarr ({error}).") from error
    if key is not None or not hasattr(node, "shape"):
        names = list(node.array_keys()) if hasattr(node, "array_keys") else []
        if key is None:
            if len(names) != 1:
                raise DataError(f"{path}: a zarr group with arrays {names}; name one with --key.")
            key = names[0]
        if key not in names:
            raise DataError(f"{path}: no array '{key}' in this zarr group (arrays: {names}).")
        node = node[key]
    return node


def _zarr_source(path: Path, key: str | None) -> Source:
    array = _open_zarr(str(path), key)
    if array.ndim != 2 or array.dtype.kind not in "fiu":
        raise DataError(f"{path}: holds a {array.ndim}-d {array.dtype} array; give a 2-D numeric matrix.")
    n, d = (int(s) for s in array.shape)
    chunk = int(array.chunks[0])
    step = max(chunk, PART_ROWS.whole() // chunk * chunk)  # whole chunks per part
    _check_size(path, n, d, min(n, step))
    try:
        stored, expected = int(array.nchunks_initialized), int(array.nchunks)
    except Exception as error:  # a store zarr cannot list
        raise DataError(f"{path}: could not list the zarr array's chunks ({error}).") from None
    if stored < expected:
        raise DataError(
            f"{path}: {expected - stored:,} of its {expected:,} chunks are missing (zarr would read them as rows of "
            f"{array.fill_value!r}, not data). Write the array again, or trim its shape to the rows it holds."
        )
    file = str(path if key is None else path / key)
    parts = tuple(
        Part(index=i, file=file, start=start, rows=min(step, n - start), offset=start)
        for i, start in enumerate(range(0, n, step))
    )
    return Source(path=str(path), kind="zarr", n_rows=n, dim=d, parts=parts)


def _parquet_file(file: Path):
    """pyarrow's ParquetFile, or a DataError naming the file that is not parquet."""

    try:
        return pq.ParquetFile(file)
    except Exception as error:
        raise DataError(
            f"{file}: not a readable parquet file ({error}). Remove it from the folder or rewrite it."
        ) from error


def _parquet_source(path: Path, files: list[Path], columns, key, keep: list[str]) -> Source:

    schema = _parquet_file(files[0]).schema_arrow
    names = list(schema.names)
    for column in keep:
        if column not in names:
            raise DataError(f"{files[0]}: no column '{column}' (columns: {names[:20]}).")
    vector_column = key
    if vector_column is None and not columns:
        lists = [f.name for f in schema if pa.types.is_list(f.type) or pa.types.is_fixed_size_list(f.type)]
        vector_column = (
            DEFAULT_VECTOR_COLUMN if DEFAULT_VECTOR_COLUMN in lists else lists[0] if len(lists) == 1 else None
        )
    if vector_column is not None:
        if vector_column not in names:
            raise DataError(f"{files[0]}: no column '{vector_column}' (columns: {names[:20]}).")
        features: list[str] = [vector_column]
        first = _parquet_file(files[0]).read_row_group(0, columns=[vector_column]).column(0)
        dim = len(first[0]) if len(first) else 0
    elif columns:
        missing = [c for c in columns if c not in names]
        if missing:
            raise DataError(f"{files[0]}: no column(s) {missing} (columns: {names[:20]}).")
        features, dim = list(columns), len(columns)
    else:
        numeric = [
            f.name
            for f in schema
            if (pa.types.is_floating(f.type) or pa.types.is_integer(f.type))
            and f.name.lower() not in METADATA_NAMES
            and f.name not in keep
        ]
        features = embedding_columns(numeric)
        dim = len(features)
    if dim == 0:
        raise DataError(f"{files[0]}: no numeric feature columns; name them with --columns.")
    parts: list[Part] = []
    start = 0
    for file in files:
        handle = _parquet_file(file)
        if handle.schema_arrow.names != names:
            raise DataError(f"{file}: its columns differ from {files[0].name}'s; every file needs the same columns.")
        for group in range(handle.metadata.num_row_groups):
            rows = handle.metadata.row_group(group).num_rows
            if rows:
                parts.append(Part(index=len(parts), file=str(file), start=start, rows=rows, row_group=group))
                start += rows
    if start == 0:
        raise DataError(f"{path}: the parquet files hold no rows.")
    _check_size(path, start, dim, max(part.rows for part in parts))
    return Source(
        path=str(path),
        kind="parquet",
        n_rows=start,
        dim=dim,
        parts=tuple(parts),
        columns=tuple(features),
        vector_column=vector_column,
        extra_columns=tuple(keep),
    )


def _checked(x: np.ndarray, part: Part, dim: int) -> np.ndarray:
    where = f"{part.file}" + (f" (row group {part.row_group})" if part.row_group >= 0 else "")
    if x.dtype == object or x.dtype.kind not in "fiub":
        raise DataError(f"{where}: values of type {x.dtype} are not numbers; the features must be numeric.")
    if x.ndim != 2 or x.shape[1] != dim:
        raise DataError(f"{where}: rows have {x.shape[-1]} values, expected {dim}; every row needs the same width.")
    x = np.asarray(x, dtype=np.float32)
    bad = ~np.isfinite(x).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: row {part.start + row:,} (of the whole input) holds NaN or infinite values "
            f"({int(bad.sum())} such rows in this part). Clean or drop them first."
        )
    return x
