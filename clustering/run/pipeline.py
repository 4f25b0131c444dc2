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
from clustering.limits import NEIGHBOUR_CONFIDENCE_ROWS
from clustering.progress import Progress, report, span
from clustering.result import ClusterResult
from clustering.run.fit import checked_params, fit
from clustering.run.fit_rows import SampleSpec, method_rows
from clustering.run.layout import layout as make_layout
from clustering.run.resampling import run_confidence
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
        sampled = run_sampled(
            dataset,
            method,
            params,
            sample_rows=rows,
            layout=layout,
            preprocess=preprocess,
            seed=int(values.get("random_state") or 0),
            truth=truth,
            progress=span(progress, 0.0, 0.9),
            cancel=cancel,
        )
        return with_confidence(sampled, dataset, confidence, None, progress, cancel)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    report(progress, "preprocess", 0.0, cancel)
    x = prepared(dataset, preprocess, seed=values.get("random_state", 0))
    seconds["preprocess"] = time.perf_counter() - start
    fitted = fit(x, method, values, progress=span(progress, 0.05, 0.9), cancel=cancel)
    seconds.update(fitted.seconds)
    artifacts = {"estimator": fitted.estimator, **fitted.estimator.artifacts()}
    info = dict(fitted.info)
    if layout is not None:
        t = time.perf_counter()
        report(progress, f"{layout} layout", 0.9, cancel)
        artifacts["layout"], info["layout"] = make_layout(
            x, layout, seed=values.get("random_state", 0) or 0, sample=sample
        )
        seconds["layout"] = time.perf_counter() - t
    calibrated = getattr(fitted.estimator, "calibrated_", None)  # a method that calibrates itself (auto)
    if calibrated is not None:
        info["confidence"] = info.get("auto", {}).get("confidence", "calibrated by the method")
    result_metrics = None
    if truth is not None:
        t = time.perf_counter()
        report(progress, "metrics", 0.95, cancel)
        result_metrics = metrics_module.agreement(truth, fitted.labels)
        seconds["metrics"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - start
    result = ClusterResult(
        labels=fitted.labels,
        method=method,
        params=values,
        seed=values.get("random_state"),
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
    return with_confidence(result, dataset, confidence, x, progress, cancel)


def with_confidence(
    result: ClusterResult,
    dataset: Dataset,
    confidence: str,
    x: np.ndarray | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ClusterResult:
    """The one last step of every fit, full or sampled: the confidence, calibrated from neighbours (up to
    NEIGHBOUR_CONFIDENCE_ROWS rows), or from resampled runs when asked; a method's own calibration is kept. The
    result says which in `info["confidence"]`; a sampled fit's vote share stays its `probabilities`. A dataset
    embedded from text adds its model to `info["embedding"]`."""
    started = time.perf_counter()
    if confidence == "resampled":
        report(progress, "confidence from resampled runs", 0.92, cancel)
        found = run_confidence(
            dataset, result.labels, result.method, result.params, preprocess=result.preprocess, seed=result.seed or 0
        )
        result.calibrated, result.info["confidence"] = found.values, f"calibrated {found.note}"
    elif result.calibrated is None and 3 <= dataset.n <= NEIGHBOUR_CONFIDENCE_ROWS.whole():
        report(progress, "confidence from neighbours", 0.95, cancel)
        x = prepared(dataset, result.preprocess, seed=result.seed or 0) if x is None else x
        metric = str(result.params.get("metric", "euclidean"))
        result.calibrated = neighbour_confidence(x, result.labels, metric)
        if result.calibrated is not None:
            result.info["confidence"] = "calibrated from neighbours"
    if result.calibrated is None and "confidence" not in result.info and result.probabilities is not None:
        result.info["confidence"] = "the method's own (not calibrated): " + (
            "the share of the sample's nearest rows that voted for the cluster"
            if "sample" in result.info
            else "its membership strength"
        )
    result.seconds["confidence"] = time.perf_counter() - started
    result.seconds["total"] = result.seconds.get("total", 0.0) + result.seconds["confidence"]
    if dataset.embedding is not None:  # vectors made from text: the model and its version are the run's too
        result.info["embedding"] = dict(dataset.embedding)
    if progress is not None:
        progress("done", 1.0)
    return result


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
