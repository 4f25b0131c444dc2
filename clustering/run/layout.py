"""The one layout rule: 2-D positions of every row, used by the pipeline, `clusterlab layout`, the app and reports.

UMAP of more than LAYOUT_FULL_ROWS rows is fitted on a sample and the other rows placed at the weighted mean of
their nearest sample rows (`clustering.run.fit_rows` decides how many rows; `clustering.run.sampled` places them);
PCA and t-SNE fit every row; "given" takes a 2-column input as it is.
"""

from __future__ import annotations

import threading

import numpy as np

from clustering.data import Dataset
from clustering.graph.preprocess import Preprocessing, parse, prepared
from clustering.graph.projection import execution, project
from clustering.progress import Progress, report
from clustering.run.fit_rows import SampleSpec, layout_rows
from clustering.run.sampled import layout_sampled

LAYOUTS = ("umap", "pca", "tsne", "given")


def layout(
    data: Dataset | np.ndarray,
    method: str = "umap",
    *,
    preprocess: str = "none",
    seed: int = 0,
    sample: SampleSpec = "auto",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, dict]:
    """2-D positions (float32, one row per input row) and how they were made.

    Parameters
    ----------
    data : Dataset or ndarray
        The rows to lay out (a Dataset's preprocessed vectors are cached by fingerprint).
    method : {"umap", "pca", "tsne", "given"}
        "given" uses a 2-column input unchanged.
    preprocess : str
        ``none``, ``standardize``, ``l2`` or ``pca:N`` before the layout.
    seed : int
        The same seed gives the same picture.
    sample : int, "auto", "none" or None
        Rows the layout is fitted on (see `clustering.run.fit_rows.layout_rows`); the rest are placed.
    progress, cancel : optional
        ``progress(stage, share)`` and a cancel event (raises Cancelled).

    Returns
    -------
    xy : ndarray of float32, shape (n, 2)
    info : dict
        ``method``, ``fitted_on_sample_rows`` (None: every row), ``placed_by`` when sampled, and where it ran
        (device, threads, whether the seed reproduces it).
    """
    if method not in LAYOUTS:
        raise ValueError(f"layout {method!r}: choose one of {', '.join(LAYOUTS)}.")
    if method == "given":
        vectors = data.vectors if isinstance(data, Dataset) else np.asarray(data)
        if vectors.ndim != 2 or vectors.shape[1] != 2:
            width = vectors.shape[1] if vectors.ndim == 2 else vectors.ndim
            raise ValueError(f"layout 'given' needs two feature columns; the input has {width}.")
        return vectors.astype(np.float32), {"method": "given", "fitted_on_sample_rows": None}
    report(progress, "preprocess", 0.0, cancel)
    if isinstance(data, Dataset):
        x = prepared(data, preprocess, seed=seed)
    elif parse(preprocess)[0] == "none":
        x = np.asarray(data, dtype=np.float32)  # a matrix already prepared (the pipeline's): no copy, no scan
    else:
        x = Preprocessing.fit(np.asarray(data, dtype=np.float32), preprocess, seed=seed).apply(data)
    rows = layout_rows(method, len(x), sample)
    report(progress, f"{method} layout", 0.05, cancel)
    if rows is None:
        xy = project(x, method, seed=seed)
        info = {"method": method, "fitted_on_sample_rows": None, **execution(method)}
    else:
        xy, placed = layout_sampled(x, method, sample_rows=rows, seed=seed, progress=progress, cancel=cancel)
        info = {
            "method": method,
            "fitted_on_sample_rows": rows,
            "sampling": "covering",
            "placed_by": placed["search"],
            **execution(method),
        }
    if progress is not None:
        progress("layout done", 1.0)
    return np.asarray(xy, dtype=np.float32), info


def layout_note(info: dict, n: int) -> str | None:
    """One sentence on how a sampled layout was made (None when every row was fitted)."""
    rows = info.get("fitted_on_sample_rows")
    if not rows:
        return None
    return (
        f"{str(info['method']).upper()} fitted on {rows:,} rows that cover the data (half at random, half spread "
        f"over it); the other {n - rows:,} are placed at the weighted mean of their nearest fitted rows."
    )
