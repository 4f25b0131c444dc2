"""Fit on a sample, then label and place every row in chunks: a million rows on one machine.

The expensive parts (kNN graph, the method itself, the UMAP layout) run on SAMPLE_ROWS random rows; the rest
are assigned by `SampleModel` (a vote of their nearest sample rows) in chunks of CHUNK_ROWS, which faiss
searches on every core. Measured on 1M x 64 blobs, 2 cores: see benchmarks/scale.py and the README.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from clustering.backends.base import Cancelled
from clustering.data import Dataset
from clustering.preprocess import Preprocessing
from clustering.scale.model import SampleModel

SAMPLE_ROWS = 50_000  # rows the method and the layout are fitted on
LAYOUT_FULL_ROWS = 50_000  # a UMAP layout of more rows is fitted on a sample (100k took 86 s on 2 cores)
CHUNK_ROWS = 100_000  # rows labelled and placed at a time (25 MB of 64-d float32)

Progress = Callable[[str, float], None]


def choose_rows(n: int, size: int, seed: int = 0) -> np.ndarray:
    """`size` distinct row ids out of n, uniformly at random, sorted (all rows when size >= n)."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False)).astype(np.int64)


def layout_sample_size(method: str, n: int, sample: int | str | None) -> int | None:
    """Rows a layout of n rows is fitted on (None: every row): `sample` as `pipeline.run` takes it; "auto"
    samples a UMAP above LAYOUT_FULL_ROWS (PCA of every row is fast)."""
    if sample is None or sample == "none":
        return None
    if sample == "auto":
        return SAMPLE_ROWS if method == "umap" and n > LAYOUT_FULL_ROWS else None
    rows = int(sample)
    return rows if rows < n else None


def fit_sample(
    sample: np.ndarray,
    rows: np.ndarray,
    method: str | None,
    params: dict | None = None,
    *,
    preprocess: str = "none",
    seed: int = 0,
    layout: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
):
    """Cluster (when `method`) and lay out (when `layout`) the sample; returns (SampleModel, ClusterResult | None).

    The preprocessing is fitted on the sample, so every later chunk gets exactly the same transform.
    """
    from clustering.pipeline import run
    from clustering.projection import project

    metric = (params or {}).get("metric", "euclidean")
    transform = Preprocessing.fit(sample, preprocess, seed=seed, unit=metric == "cosine")
    x = transform.apply(sample)
    result = None
    labels = None
    if method is not None:
        dataset = Dataset(vectors=x, name="sample")
        result = run(dataset, method, params, seed=seed, progress=_span(progress, 0.05, 0.5), cancel=cancel)
        labels = result.labels
    xy = None
    if layout is not None:
        _check(cancel, "the layout")
        if progress is not None:
            progress(f"{layout} layout of the sample", 0.5)
        xy = project(x, layout, seed=seed)
    _check(cancel, "indexing the sample")
    return SampleModel.build(transform, x, labels, rows, xy), result


def assign_all(
    vectors: np.ndarray,
    model: SampleModel,
    *,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Labels, vote shares and (with a layout) coordinates of every row, chunk by chunk."""
    n = len(vectors)
    labels = np.empty(n, dtype=np.int32)
    confidence = np.empty(n, dtype=np.float32)
    xy = np.empty((n, 2), dtype=np.float32) if model.xy is not None else None
    for start in range(0, n, chunk_rows):
        _check(cancel, f"row {start:,}")
        stop = min(n, start + chunk_rows)
        done = model.assign(vectors[start:stop], rows=np.arange(start, stop))
        labels[start:stop], confidence[start:stop] = done.labels, done.confidence
        if xy is not None and done.xy is not None:
            xy[start:stop] = done.xy
        if progress is not None:
            progress(f"assigned {stop:,} / {n:,} rows", 0.6 + 0.39 * stop / n)
    return labels, confidence, xy


def run_sampled(
    dataset: Dataset,
    method: str,
    params: dict | None = None,
    *,
    sample_rows: int = SAMPLE_ROWS,
    layout: str | None = None,
    preprocess: str = "none",
    seed: int = 0,
    truth: np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
):
    """Cluster every row of `dataset` by fitting `method` on `sample_rows` of them (see the module)."""
    from clustering import metrics
    from clustering.result import ClusterResult

    start = time.perf_counter()
    rows = choose_rows(dataset.n, sample_rows, seed)
    model, sample_result = fit_sample(
        dataset.vectors[rows],
        rows,
        method,
        params,
        preprocess=preprocess,
        seed=seed,
        layout=layout,
        progress=progress,
        cancel=cancel,
    )
    fitted = time.perf_counter()
    labels, confidence, xy = assign_all(dataset.vectors, model, progress=progress, cancel=cancel)
    seconds = {f"sample.{k}": v for k, v in sample_result.seconds.items()}
    seconds.update({"sample_fit": fitted - start, "assign": time.perf_counter() - fitted})
    seconds["total"] = time.perf_counter() - start
    info = {**sample_result.info, "sample": model.describe()}
    if layout is not None:
        from clustering.projection import execution

        info["layout"] = {
            "method": layout,
            "fitted_on_sample_rows": int(len(rows)),
            "placed_by": "sample neighbours",
            **execution(layout),
        }
    if progress is not None:
        progress("done", 1.0)
    return ClusterResult(
        labels=labels,
        method=method,
        params=sample_result.params,
        seed=sample_result.seed,
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds=seconds,
        probabilities=confidence,
        metrics=metrics.agreement(truth, labels) if truth is not None else None,
        device=sample_result.device,
        info=info,
        artifacts={} if xy is None else {"layout": xy},
    )


def layout_sampled(
    vectors: np.ndarray,
    method: str = "umap",
    *,
    sample_rows: int = SAMPLE_ROWS,
    preprocess: str = "none",
    seed: int = 0,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, dict]:
    """A 2-D layout of every row: fitted on a sample, the rest placed among their nearest sample rows."""
    rows = choose_rows(len(vectors), sample_rows, seed)
    model, _ = fit_sample(
        vectors[rows], rows, None, preprocess=preprocess, seed=seed, layout=method, progress=progress, cancel=cancel
    )
    _, _, xy = assign_all(vectors, model, progress=progress, cancel=cancel)
    assert xy is not None
    return xy, {"method": method, **model.describe()}


def _span(progress: Progress | None, low: float, high: float) -> Progress | None:
    if progress is None:
        return None
    return lambda stage, share: progress(f"sample: {stage}", low + (high - low) * share)


def _check(cancel: threading.Event | None, where: str) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"cancelled before {where}")
