"""AnnData .h5ad files: an obsm embedding (or X) and obs as metadata, shapes checked from HDF5 first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.sparse as sp

from clustering.data import DataError
from clustering.io.checks import LoadOptions, check_matrix_size


def read_h5ad(path: Path, opts: LoadOptions):
    """An embedding (obsm key or X) and obs as metadata of an .h5ad file."""
    # deferred: only .h5ad files need it
    import anndata
    import h5py

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
    # deferred: only .h5ad files need it
    import h5py

    with h5py.File(path, "r") as handle:
        name = f"obsm/{opts.key}" if opts.key is not None else "X"
        node = handle.get(name)
        if node is None:
            return  # anndata's reader names what is missing
        shape = tuple(node.attrs.get("shape", ())) if isinstance(node, h5py.Group) else tuple(node.shape)
        if len(shape) == 2:
            check_matrix_size(f"{path} ({name})", tuple(int(v) for v in shape), np.dtype(np.float32), opts)
