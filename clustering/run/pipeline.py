"""The dispatcher behind the CLI and the app: a full or sampled fit, then the layout, metrics and the result.

The fit itself is `clustering.run.fit` (plain core); how many rows to fit on is `clustering.run.fit_rows`; the layout
rule is `clustering.run.layout`. Nothing here loops back: the sampled path calls the core, not this module.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from clustering.backends import get_backend
from clustering.backends.base import ParamError
from clustering.data import Dataset, fingerprint_array
from clustering.evaluate import metrics as metrics_module
from clustering.evidence.confidence import neighbour_confidence
from clustering.graph.preprocess import parse as parse_preprocess
from clustering.graph.preprocess import prepared
from clustering.progress import Progress, report, span
from clustering.result import ClusterResult
from clustering.run.fit import checked_params, fit
from clustering.run.fit_rows import SampleSpec, method_rows
from clustering.run.layout import layout as make_layout
from clustering.run.sampled import run_sampled

__all__ = ["check_feasible", "prepared", "refusal", "run", "run_array", "run_subset", "sample_size"]


def sample_size(method: str, n: int, sample: SampleSpec) -> int | None:
    """Rows `method` is fitted on (None: every row); see `clustering.run.fit_rows.method_rows`."""
    return method_rows(method, n, sample)


def refusal(
    dataset: Dataset, method: str, params: dict, preprocess: str = "none", sample: SampleSpec = None
) -> str | None:
    """Why running `method` on this dataset after `preprocess` would be hopeless (with an alternative), or None.

    The width after preprocessing is read from the spec (pca:N keeps N), so nothing is computed to answer; with
    `sample` (as `run` takes it) the method is judged on the rows it would be fitted on.
    """
    kind, count = parse_preprocess(preprocess)
    width = min(count, dataset.d) if kind == "pca" and count else dataset.d
    backend = get_backend(method)
    rows = method_rows(method, dataset.n, sample) or dataset.n
    return backend.why_not(rows, width, backend.checked(params))


def check_feasible(method: str, n: int, d: int, params: dict | None = None) -> None:
    """Raise ParamError with the reason and an alternative when a run would be hopeless."""
    backend = get_backend(method)
    reason = backend.why_not(n, d, backend.checked(params or {}))
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
    sample: SampleSpec = None,
    layout: str | None = None,
    confidence: str = "neighbours",
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
        (`clustering.run.sampled`); ``"auto"`` samples the method's `sample_rows` when the data has more
        than its `full_fit_rows`. None (default): fit on every row.
    layout : str, optional
        Also compute a 2-D layout (``umap`` or ``pca``), kept in ``artifacts["layout"]`` (`clustering.run.layout`
        decides whether it is fitted on a sample).
    confidence : str
        ``neighbours`` (default): each row's calibrated confidence from its kNN neighbours; ``resampled``: also
        from reruns over seeds and 80% subsamples (`clustering.run.resampling`, several fits more).

    Returns
    -------
    ClusterResult
        Labels (-1 noise), probabilities where the method has them, the exact parameters, seed, versions,
        device, timings per stage, metrics and run info.
    """
    if confidence not in ("neighbours", "resampled"):
        raise ParamError(f"confidence: '{confidence}' is not neighbours or resampled.")
    values = checked_params(method, params, seed)
    rows = method_rows(method, dataset.n, sample)
    if rows is not None:
        return run_sampled(
            dataset,
            method,
            params,
            sample_rows=rows,
            layout=layout,
            preprocess=preprocess,
            seed=int(values.get("seed") or 0),
            truth=truth,
            progress=progress,
            cancel=cancel,
        )
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    report(progress, "preprocess", 0.0, cancel)
    x = prepared(dataset, preprocess, seed=values.get("seed", 0))
    seconds["preprocess"] = time.perf_counter() - start
    fitted = fit(x, method, values, progress=span(progress, 0.05, 0.9), cancel=cancel)
    seconds.update(fitted.seconds)
    artifacts = {"estimator": fitted.estimator, **fitted.estimator.artifacts()}
    info = dict(fitted.info)
    if layout is not None:
        t = time.perf_counter()
        report(progress, f"{layout} layout", 0.9, cancel)
        artifacts["layout"], info["layout"] = make_layout(x, layout, seed=values.get("seed", 0) or 0, sample=sample)
        seconds["layout"] = time.perf_counter() - t
    calibrated = getattr(fitted.estimator, "calibrated_", None)  # a method that calibrates itself (auto)
    if calibrated is not None:
        info["confidence"] = info.get("auto", {}).get("confidence", "calibrated by the method")
    else:
        calibrated = neighbour_confidence(x, fitted.labels, str(values.get("metric", "euclidean")))
        if calibrated is not None:
            info["confidence"] = "calibrated from neighbours"
    if confidence == "resampled":
        from clustering.run.resampling import run_confidence

        report(progress, "confidence from resampled runs", 0.92, cancel)
        found = run_confidence(
            dataset, fitted.labels, method, values, preprocess=preprocess, seed=values.get("seed") or 0
        )
        calibrated, info["confidence"] = found.values, f"calibrated {found.note}"
    result_metrics = None
    if truth is not None:
        t = time.perf_counter()
        report(progress, "metrics", 0.95, cancel)
        result_metrics = metrics_module.agreement(truth, fitted.labels)
        seconds["metrics"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - start
    if progress is not None:
        progress("done", 1.0)
    return ClusterResult(
        labels=fitted.labels,
        method=method,
        params=values,
        seed=values.get("seed"),
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds=seconds,
        probabilities=fitted.estimator.probabilities_,
        calibrated=calibrated,
        metrics=result_metrics,
        device=fitted.estimator.run_device(),
        info=info,
        artifacts=artifacts,
    )


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
        artifacts={"rows": rows},  # kept by the store (its -1 outside the rows is not noise)
    )


def run_array(x: np.ndarray, method: str, params: dict | None = None, **kwargs) -> ClusterResult:
    """Convenience for a bare matrix."""
    return run(Dataset(vectors=x, name=f"array-{fingerprint_array(np.asarray(x))[:8]}"), method, params, **kwargs)
