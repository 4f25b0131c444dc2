"""Fit on a sample, then label and place every row in chunks: a million rows on one machine.

The expensive parts (kNN graph, the method itself, the UMAP layout) run on SAMPLE_ROWS random rows; the rest
are assigned by `SampleModel` (a vote of their nearest sample rows) in chunks of CHUNK_ROWS, which faiss
searches on every core. Measured on 1M x 64 blobs, 2 cores: see benchmarks/scale.py and the README.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.graph.preprocess import Preprocessing
from clustering.graph.projection import execution, project
from clustering.limits import CHUNK_ROWS, LAYOUT_SAMPLE_ROWS, SAMPLE_ROWS
from clustering.params import ParamError
from clustering.progress import Progress, check_cancel, span
from clustering.result import ClusterResult
from clustering.run.coverage import covering_rows
from clustering.run.fit import Fitted, checked_params, fit
from clustering.run.model import SampleModel

CONTEXT_TIMES = 10  # sample rows clustered beside each uncovered row in the second pass


def choose_rows(n: int, size: int, seed: int = 0) -> np.ndarray:
    """`size` distinct row ids out of n, uniformly at random, sorted (all rows when size >= n)."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False)).astype(np.int64)


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
) -> tuple[SampleModel, Fitted | None]:
    """Cluster (when `method`) and lay out (when `layout`) the sample; returns (SampleModel, Fitted | None).

    The preprocessing is fitted on the sample, so every later chunk gets exactly the same transform. The method
    is fitted by the plain core (`clustering.run.fit`), never by the pipeline that may have called this.
    """
    metric = (params or {}).get("metric", "euclidean")
    transform = Preprocessing.fit(sample, preprocess, seed=seed, unit=metric == "cosine")
    x = transform.apply(sample)
    fitted = None
    labels = None
    if method is not None:
        values = checked_params(method, params, seed)
        fitted = fit(x, method, values, progress=span(progress, 0.05, 0.5, "sample: "), cancel=cancel)
        labels = fitted.labels
    xy = None
    if layout is not None:
        check_cancel(cancel, "the layout")
        if progress is not None:
            progress(f"{layout} layout of the sample", 0.5)
        xy = sample_layout(x, layout, seed)
    check_cancel(cancel, "indexing the sample")
    return SampleModel.build(transform, x, labels, rows, xy), fitted


def sample_layout(x: np.ndarray, layout: str, seed: int) -> np.ndarray:
    """The sample's own layout: UMAP of more than LAYOUT_SAMPLE_ROWS rows is fitted on a covering part of them and
    the others placed among their nearest fitted rows (as every other row will be)."""
    if layout != "umap" or len(x) <= LAYOUT_SAMPLE_ROWS.whole():
        return project(x, layout, seed=seed)
    part = covering_rows(x, LAYOUT_SAMPLE_ROWS.whole(), seed)
    placer = SampleModel.build(
        Preprocessing.fit(x[:1], "none"), x[part], None, part, project(x[part], layout, seed=seed)
    )
    xy = placer.assign(x, rows=np.arange(len(x))).xy
    assert xy is not None
    return xy


def assign_all(
    vectors: np.ndarray,
    model: SampleModel,
    *,
    chunk_rows: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    far: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Labels, vote shares and (with a layout) coordinates of every row, chunk by chunk; `far` (a bool array of
    the rows), when given, is filled with the rows the sample did not cover."""
    chunk_rows = CHUNK_ROWS.whole() if chunk_rows is None else chunk_rows
    n = len(vectors)
    labels = np.empty(n, dtype=np.int32)
    confidence = np.empty(n, dtype=np.float32)
    xy = np.empty((n, 2), dtype=np.float32) if model.xy is not None else None
    for start in range(0, n, chunk_rows):
        check_cancel(cancel, f"row {start:,}")
        stop = min(n, start + chunk_rows)
        done = model.assign(vectors[start:stop], rows=np.arange(start, stop))
        labels[start:stop], confidence[start:stop] = done.labels, done.confidence
        if far is not None:
            far[start:stop] = False if done.uncovered is None else done.uncovered
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
    sample_rows: int | None = None,
    layout: str | None = None,
    preprocess: str = "none",
    seed: int = 0,
    truth: np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ClusterResult:
    """Cluster every row of `dataset` by fitting `method` on `sample_rows` of them (see the module)."""
    sample_rows = SAMPLE_ROWS.whole() if sample_rows is None else sample_rows
    start = time.perf_counter()
    if progress is not None:
        progress("choosing a sample that covers the data", 0.01)
    rows = covering_rows(dataset.vectors, sample_rows, seed)
    model, fitted = fit_sample(
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
    assert fitted is not None
    done = time.perf_counter()
    far = np.zeros(dataset.n, dtype=bool)
    labels, confidence, xy = assign_all(dataset.vectors, model, progress=progress, cancel=cancel, far=far)
    assigned = time.perf_counter()
    second = second_pass(model, dataset.vectors, far, labels, confidence, method, fitted.params, cancel, seed)
    seconds = {f"sample.{k}": v for k, v in fitted.seconds.items()}
    seconds.update(
        {"sample_fit": done - start, "assign": assigned - done, "second_pass": time.perf_counter() - assigned}
    )
    seconds["total"] = time.perf_counter() - start
    info = {**fitted.info, "sample": {**model.describe(), "sampling": SAMPLING, "second_pass": second}}
    if "min_cluster_size" in fitted.params:  # a density method: what its smallest cluster means on a sample
        info["sample"]["min_cluster_size"] = (
            f"kept at {fitted.params['min_cluster_size']} rows of the sample (not scaled down: the covering sample "
            "gives a small, separate group rows of its own, and rows it misses are clustered again on all their rows)"
        )
    if layout is not None:
        info["layout"] = {
            "method": layout,
            "fitted_on_sample_rows": int(min(len(rows), LAYOUT_SAMPLE_ROWS.whole()) if layout == "umap" else len(rows)),
            "placed_by": "sample neighbours",
            **execution(layout),
        }
    if progress is not None:
        progress("done", 1.0)
    return ClusterResult(
        labels=labels,
        method=method,
        params=fitted.params,
        seed=fitted.params.get("random_state"),
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds=seconds,
        probabilities=confidence,
        metrics=metrics.agreement(truth, labels) if truth is not None else None,
        device=fitted.estimator.run_device(),
        info=info,
        artifacts={} if xy is None else {"layout": xy},
    )


SAMPLING = "covering: half uniform, half one row per occupied cell of a grid in 10 principal components"


def second_pass(
    model: SampleModel,
    vectors: np.ndarray,
    far: np.ndarray,
    labels: np.ndarray,
    confidence: np.ndarray,
    method: str,
    params: dict,
    cancel: threading.Event | None = None,
    seed: int = 0,
    offset: int | None = None,
) -> dict:
    """Cluster the rows the sample did not cover, and the rows its noise took, with the same method and
    parameters, beside CONTEXT_TIMES as many sample rows (so one far group is a cluster among others: HDBSCAN never
    returns a single cluster). A small group with only a row or two in the sample is covered, but those rows are
    noise to a density method; a fit on every row would have found it, so it is looked at again.

    A found cluster made mostly of uncovered rows becomes a new cluster (numbered after the sample's); uncovered
    rows in a cluster of sample rows keep their vote, and rows it calls noise become noise. More uncovered rows
    than the sample holds stay noise, with the reason. `labels` and `confidence` change in place. `offset`: the
    first new cluster number (default: after the largest in `labels`; pass it when `labels` holds only some rows).
    """
    voted_noise = (labels < 0) & ~far
    rows = np.flatnonzero(far | voted_noise)
    out: dict[str, int | str] = {
        "uncovered_rows": int(far.sum()),
        "noise_voted_rows": int(voted_noise.sum()),
        "clusters": 0,
        "noise_rows": 0,
    }
    if len(rows) == 0:
        return out
    if len(rows) > len(model.rows):
        labels[far], confidence[far] = -1, 0.0
        out.update(noise_rows=int(len(rows)), why_noise=f"more rows than the sample ({len(model.rows):,})")
        return out
    check_cancel(cancel, "the second pass")
    rng = np.random.default_rng(seed)
    context = rng.choice(len(model.rows), min(len(model.rows), CONTEXT_TIMES * len(rows)), replace=False)
    x = np.concatenate([model.transform.apply(vectors[rows]), model.vectors[context]])
    try:
        found = fit(x, method, params).labels
    except ParamError as error:  # too few rows for the method's settings: they stay noise, and why
        labels[rows], confidence[rows] = -1, 0.0
        out.update(noise_rows=int(len(rows)), why_noise=str(error))
        return out
    mine, theirs = found[: len(rows)], found[len(rows) :]
    if offset is None:
        offset = int(labels.max()) + 1 if (labels >= 0).any() else 0
    new = 0
    for cluster in np.unique(mine[mine >= 0]):
        members = mine == cluster
        if members.sum() >= (theirs == cluster).sum():  # mostly rows the sample missed: a cluster of its own
            labels[rows[members]], confidence[rows[members]] = offset + new, 1.0
            new += 1
    noise = rows[mine < 0]
    labels[noise], confidence[noise] = -1, 0.0
    out.update(clusters=new, noise_rows=int(len(noise)))
    return out


def layout_sampled(
    vectors: np.ndarray,
    method: str = "umap",
    *,
    sample_rows: int | None = None,
    preprocess: str = "none",
    seed: int = 0,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[np.ndarray, dict]:
    """A 2-D layout of every row: fitted on a covering sample, the rest placed among their nearest sample rows."""
    sample_rows = SAMPLE_ROWS.whole() if sample_rows is None else sample_rows
    rows = covering_rows(vectors, sample_rows, seed)
    model, _ = fit_sample(
        vectors[rows], rows, None, preprocess=preprocess, seed=seed, layout=method, progress=progress, cancel=cancel
    )
    _, _, xy = assign_all(vectors, model, progress=progress, cancel=cancel)
    assert xy is not None
    return xy, {"method": method, **model.describe()}
