"""NumPy files: .npy (its header read by hand first: shape and dtype before any data) and .npz archives."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.lib import format as npy_format

from clustering.data import DataError
from clustering.io.checks import LoadOptions, check_matrix_size, short_error


def npy_header(handle, label: str) -> tuple[tuple, np.dtype]:
    """Shape and dtype from a .npy header; names what is wrong when it is not one."""

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
        raise DataError(f"{label}: the .npy header is damaged ({short_error(error)}). Save the array again.") from None
    if dtype.hasobject:
        raise DataError(
            f"{label}: holds pickled Python objects, which are never loaded (they can run code). "
            "Save a numeric array: np.save(path, np.asarray(vectors, dtype=np.float32))."
        )
    return tuple(shape), dtype


def read_npy(path: Path, opts: LoadOptions):
    """Vectors of an .npy file (header checked first), no metadata."""
    with open(path, "rb") as handle:
        shape, dtype = npy_header(handle, str(path))
        data_bytes = path.stat().st_size - handle.tell()
    check_matrix_size(str(path), shape, dtype, opts)
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
                    shape, dtype = npy_header(handle, label)
                except DataError as error:
                    if "pickled" in str(error):
                        continue  # object arrays are skipped as metadata, and refused when asked for
                    raise
                check_matrix_size(label, shape, dtype, opts)


def read_npz(path: Path, opts: LoadOptions):
    """Vectors (the `key` array, or the only 2-D one) and 1-D arrays as metadata of an .npz archive."""
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
