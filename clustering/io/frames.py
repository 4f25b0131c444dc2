"""In-memory inputs for the Python front: a pandas DataFrame (its numeric columns, or its text column embedded), a
NumPy array, or an AnnData, through the same checks as files. Rows keep their ids: a DataFrame's index (when it
is not 0..n-1) or its `id` column, an AnnData's obs names."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.data import DataError, Dataset
from clustering.embed import DEFAULT_MODEL
from clustering.io.checks import LoadOptions, finish
from clustering.io.tables import TextTable, split_or_embed
from clustering.io.texts import texts_dataset
from clustering.progress import Progress


def from_frame(
    frame: pd.DataFrame,
    *,
    name: str = "DataFrame",
    text: str | None = None,
    embed: str | None = None,
    columns: list[str] | None = None,
    drop_empty_text: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Dataset:
    """A DataFrame as a Dataset: `columns` (or its numeric columns) as vectors; with `text` or `embed`, or no
    numeric column, its text column embedded (`embed`: minilm, fast or a local folder)."""
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    if not isinstance(frame.index, pd.RangeIndex) and "id" not in frame.columns:
        if not frame.index.is_unique:
            raise DataError(f"{name}: its index repeats values; rows are joined by id. Reset the index first.")
        frame.insert(0, "id", frame.index.to_numpy())  # the index is the rows' id
    frame = frame.reset_index(drop=True)
    wanted = embed or (DEFAULT_MODEL if text else None)
    opts = LoadOptions(columns=columns, text_column=text, embed=wanted, drop_empty_text=drop_empty_text)
    try:
        vectors, metadata, features = split_or_embed(frame, Path(name), opts)
    except TextTable as table:
        return texts_dataset(table.frame, Path(name), opts, name=name, progress=progress, cancel=cancel)
    dataset = finish(vectors, metadata, features, name=name, source=name, opts=opts)
    return dataset


def from_array(vectors: np.ndarray, *, name: str = "array", metadata: pd.DataFrame | None = None) -> Dataset:
    """A 2-D array (rows x features) as a Dataset, with optional metadata aligned by row."""
    array = np.asarray(vectors)
    if np.iscomplexobj(array):
        raise DataError(f"{name}: complex values; give real numbers (for example np.abs or the real part, said so).")
    return finish(array, metadata, None, name=name, source=name)


def from_anndata(adata, *, key: str | None = None, name: str = "AnnData") -> Dataset:
    """An AnnData's `X` (or `obsm[key]`, e.g. X_pca) as vectors, its `obs` as metadata, obs names as ids."""
    if key is not None and key not in adata.obsm:
        raise DataError(f"{name}: no obsm[{key!r}]; it has {list(adata.obsm.keys())}.")
    matrix = adata.obsm[key] if key is not None else adata.X
    if hasattr(matrix, "toarray"):
        matrix = matrix.toarray()
    metadata = adata.obs.copy()
    metadata.insert(0, "id", np.asarray(adata.obs_names))
    dataset = finish(np.asarray(matrix), metadata.reset_index(drop=True), None, name=name, source=name)
    return replace(dataset, id_column="id")
