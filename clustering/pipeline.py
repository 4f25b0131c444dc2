"""load -> preprocess -> neighbours -> cluster, timed per stage; the engine behind CLI and app."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from clustering import metrics as metrics_module
from clustering.backends import get_backend
from clustering.backends.base import Cancelled, ParamError
from clustering.data import Dataset, fingerprint_array
from clustering.neighbors import knn_graph
from clustering.preprocess import parse as parse_preprocess
from clustering.preprocess import preprocess as apply_preprocess
from clustering.result import ClusterResult

Progress = Callable[[str, float], None]
_PREPROCESSED: OrderedDict[tuple, np.ndarray] = OrderedDict()


def prepared(dataset: Dataset, spec: str, seed: int = 0) -> np.ndarray:
    """Preprocessed vectors, cached per (fingerprint, spec)."""
    kind, count = parse_preprocess(spec)
    key = (dataset.fingerprint, kind, count, seed if kind == "pca" else 0)
    if key not in _PREPROCESSED:
        _PREPROCESSED[key] = apply_preprocess(dataset.vectors, spec, seed=seed)
        while len(_PREPROCESSED) > 6:
            _PREPROCESSED.popitem(last=False)
    _PREPROCESSED.move_to_end(key)
    return _PREPROCESSED[key]


def refusal(
    dataset: Dataset, method: str, params: dict, preprocess: str = "none", sample: int | str | None = None
) -> str | None:
    """Why running `method` on this dataset after `preprocess` would be hopeless (with an alternative), or None.

    The width after preprocessing is read from the spec (pca:N keeps N), so nothing is computed to answer; with
    `sample` (as `run` takes it) the method is judged on the rows it would be fitted on.
    """
    kind, count = parse_preprocess(preprocess)
    width = min(count, dataset.d) if kind == "pca" and count else dataset.d
    backend = get_backend(method)
    rows = sample_size(method, dataset.n, sample) or dataset.n
    return backend.why_not(rows, width, backend.checked(params))


def check_feasible(method: str, n: int, d: int, params: dict | None = None) -> None:
    """Raise ParamError with the reason and an alternative when a run would be hopeless."""
    backend = get_backend(method)
    values = backend.checked(params or {})
    reason = backend.why_not(n, d, values)
    if reason:
        raise ParamError(reason)


def run(
    dataset: Dataset,
    method: str,
    params: dict | None = None,
    *,
    seed: int | None = None,
    preprocess: str = "none",
    truth: np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    sample: int | str | None = None,
    layout: str | None = None,
) -> ClusterResult:
    """Cluster a dataset with one method.

    Parameters
    ----------
    dataset : Dataset
        The vectors to cluster.
    method : str
        A key of `clustering.backends.BACKENDS` (leiden, hdbscan, kmeans, gmm, dec, ...).
    params : dict, optional
        The method's parameters (its schema, `BACKENDS[method].schema`); text values are parsed, defaults fill
        the rest, anything out of range raises ParamError.
    seed : int, optional
        Overrides the method's seed parameter.
    preprocess : str
        ``none``, ``standardize``, ``l2`` or ``pca:N``, applied (and cached) before clustering.
    truth : ndarray of int, optional
        True labels (-1 unlabelled): the result then carries ARI, AMI, NMI and ACC.
    progress : callable, optional
        ``progress(stage, share)``, called as the run advances.
    cancel : threading.Event, optional
        Set it to stop the run (raises Cancelled).
    sample : int or "auto", optional
        Fit on this many random rows and label the rest by their nearest sample rows
        (`clustering.scale.sampled`); ``"auto"`` samples the method's `sample_rows` when the data has more
        than its `full_fit_rows`. None (default): fit on every row.
    layout : str, optional
        Also compute a 2-D layout (``umap`` or ``pca``), kept in ``artifacts["layout"]``; with a sample it is
        fitted on the sample and the rest placed among their neighbours. With ``sample="auto"`` a UMAP of more
        than LAYOUT_FULL_ROWS rows is fitted on a sample even when the method fits every row.

    Returns
    -------
    ClusterResult
        Labels (-1 noise), probabilities where the method has them, the exact parameters, seed, versions,
        device, timings per stage, metrics and run info.
    """
    backend_cls = get_backend(method)
    sample_rows = sample_size(method, dataset.n, sample)
    if sample_rows is not None:
        from clustering.scale.sampled import run_sampled

        return run_sampled(
            dataset,
            method,
            params,
            sample_rows=sample_rows,
            layout=layout,
            preprocess=preprocess,
            seed=seed if seed is not None else int(backend_cls.checked(params or {}).get("seed") or 0),
            truth=truth,
            progress=progress,
            cancel=cancel,
        )
    given = dict(params or {})
    if seed is not None and "seed" in {p.name for p in backend_cls.schema}:
        given["seed"] = seed
    values = backend_cls.checked(given)
    seconds: dict[str, float] = {}
    start = time.perf_counter()

    def stage(name: str, share: float) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled(f"cancelled before {name}")
        if progress is not None:
            progress(name, share)

    stage("preprocess", 0.0)
    t = time.perf_counter()
    x = prepared(dataset, preprocess, seed=values.get("seed", 0))
    seconds["preprocess"] = time.perf_counter() - t
    reason = backend_cls.why_not(x.shape[0], x.shape[1], values)
    if reason:
        raise ParamError(reason)
    estimator = backend_cls(**values)
    fit_kwargs: dict = {}
    info: dict = {}
    k = backend_cls.graph_size(values)
    if k is not None:
        stage("neighbors", 0.1)
        t = time.perf_counter()
        graph = knn_graph(x, k, values.get("metric", "euclidean"), seed=values.get("seed", 0))
        seconds["neighbors"] = time.perf_counter() - t
        info["knn"] = {"k": graph.k, "exact": graph.exact, "recall": graph.recall, "cached": graph.cached}
        fit_kwargs["knn"] = graph
    if backend_cls.accepts_callbacks:
        fit_kwargs["progress"] = _training_progress(progress) if progress else None
        fit_kwargs["cancel"] = cancel
    stage("cluster", 0.3)
    t = time.perf_counter()
    estimator.fit(x, **fit_kwargs)
    seconds["cluster"] = time.perf_counter() - t
    stage("metrics", 0.95)
    info.update(estimator.run_info())
    for stage_name, stage_seconds in estimator.stage_seconds().items():
        seconds[f"cluster.{stage_name}"] = stage_seconds
    artifacts = {"estimator": estimator, **estimator.artifacts()}
    if layout is not None:
        from clustering.projection import execution, project
        from clustering.scale.sampled import layout_sample_size, layout_sampled

        stage(f"{layout} layout", 0.9)
        t = time.perf_counter()
        layout_seed = values.get("seed", 0) or 0
        layout_rows = layout_sample_size(layout, len(x), sample)
        if layout_rows is None:
            artifacts["layout"] = project(x, layout, seed=layout_seed)
            info["layout"] = {"method": layout, "fitted_on_sample_rows": None, **execution(layout)}
        else:  # the method fitted every row, the layout a sample (a UMAP of every row is the slow part)
            artifacts["layout"], placed = layout_sampled(x, layout, sample_rows=layout_rows, seed=layout_seed)
            info["layout"] = {
                "method": layout,
                "fitted_on_sample_rows": layout_rows,
                "placed_by": placed["search"],
                **execution(layout),
            }
        seconds["layout"] = time.perf_counter() - t
    result_metrics = None
    if truth is not None:
        t = time.perf_counter()
        result_metrics = metrics_module.agreement(truth, estimator.labels_)
        seconds["metrics"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - start
    if progress is not None:
        progress("done", 1.0)
    return ClusterResult(
        labels=estimator.labels_,
        method=method,
        params=values,
        seed=values.get("seed"),
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds=seconds,
        probabilities=estimator.probabilities_,
        metrics=result_metrics,
        device=estimator.run_device(),
        info=info,
        artifacts=artifacts,
    )


def sample_size(method: str, n: int, sample: int | str | None) -> int | None:
    """Rows to fit on when sampling applies (fewer than n), else None; "auto" follows the method's limits."""
    if sample is None or sample == "none":
        return None
    if sample == "auto":
        backend = get_backend(method)
        return backend.sample_rows if n > backend.full_fit_rows else None
    try:
        rows = int(sample)
    except (TypeError, ValueError):
        raise ParamError(f"sample={sample!r}: give a number of rows, 'auto' or 'none'.") from None
    if rows < 100:
        raise ParamError(f"sample={rows}: fit on at least 100 rows (or 'none' for every row).")
    return rows if rows < n else None


def _training_progress(progress: Progress):
    """Adapt a deep backend's (stage, step, total, loss, changed) events to (message, share)."""
    spans = {"pretrain": (0.3, 0.6), "cluster": (0.6, 0.95), "umap": (0.6, 0.85), "gmm": (0.85, 0.95)}

    def report(stage: str, step: int, total: int, loss: float, changed: float | None) -> None:
        low, high = spans.get(stage, (0.3, 0.95))
        share = low + (high - low) * (step / total if total else 1.0)
        message = f"{stage} {step}/{total}"
        if loss == loss:  # not NaN
            message += f" · loss {loss:.4f}"
        if changed is not None:
            message += f" · {100 * changed:.2f}% labels changed"
        progress(message, share)

    return report


def run_subset(
    dataset: Dataset,
    rows: np.ndarray,
    method: str,
    params: dict | None = None,
    *,
    preprocess: str = "none",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ClusterResult:
    """Cluster only `rows` of a dataset (a drill-down); labels cover every row, -1 outside the selection."""
    rows = np.asarray(rows, dtype=np.int64)
    sub = run(dataset.subset(rows), method, params, preprocess=preprocess, progress=progress, cancel=cancel)
    full = np.full(dataset.n, -1, dtype=np.int32)
    full[rows] = sub.labels
    return ClusterResult(
        labels=full,
        method=sub.method,
        params=sub.params,
        seed=sub.seed,
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds=sub.seconds,
        info={**sub.info, "subset_rows": int(len(rows))},
    )


def run_array(x: np.ndarray, method: str, params: dict | None = None, **kwargs) -> ClusterResult:
    """Convenience for a bare matrix."""
    return run(Dataset(vectors=x, name=f"array-{fingerprint_array(np.asarray(x))[:8]}"), method, params, **kwargs)
