"""The plain core: fit one backend on one matrix. No sampling, no layout, no result object: those are the
pipeline's (`clustering.run.pipeline`), which calls this for a full fit and, through `clustering.run.sampled`,
for a fit on a sample.

Stages, as in fast_hdbscan's plain-function core: `neighbours` (the shared kNN graph, for methods that use one),
then `estimate` (the backend's own fit).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from clustering.backends import get_backend
from clustering.backends.base import Backend, ParamError
from clustering.graph.neighbors import knn_graph
from clustering.progress import Progress, report


@dataclass
class Fitted:
    """A fitted estimator with what the run records of it: info (kNN graph, the backend's own) and seconds."""

    estimator: Backend
    params: dict
    info: dict = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> np.ndarray:
        """The fitted labels (int32, -1 noise)."""
        return np.asarray(self.estimator.labels_, dtype=np.int32)


def checked_params(method: str, params: dict | None, seed: int | None = None) -> dict:
    """The method's full, validated parameters; `seed` (when given) overrides the schema's `random_state`."""
    backend = get_backend(method)
    given = dict(params or {})
    if seed is not None and any(p.name == "random_state" for p in backend.schema):
        given["random_state"] = seed
    return backend.checked(given)


def fit(
    x: np.ndarray, method: str, values: dict, *, progress: Progress | None = None, cancel: threading.Event | None = None
) -> Fitted:
    """Fit `method` with checked parameters `values` (see `checked_params`) on the matrix `x`.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        Preprocessed vectors.
    method : str
        A key of `clustering.backends.BACKENDS`.
    values : dict
        The method's full parameters, as `checked_params` returns them.
    progress : callable, optional
        ``progress(stage, share)`` with shares 0 to 1 of this fit.
    cancel : threading.Event, optional
        Set it to stop the fit (raises Cancelled).

    Returns
    -------
    Fitted
        The estimator (labels_, probabilities_), its run info and seconds per stage.

    Raises
    ------
    ParamError
        When the run would be hopeless on this matrix (the reason says what to do instead).
    """
    backend = get_backend(method)
    reason = backend.why_not(x.shape[0], x.shape[1], values)
    if reason:
        raise ParamError(reason)
    fitted = Fitted(estimator=backend(**values), params=values)
    fit_kwargs: dict = {}
    k = backend.graph_size(values)
    if k is not None:  # the shared kNN graph (cached), for methods that use one
        report(progress, "neighbors", 0.0, cancel)
        start = time.perf_counter()
        graph = knn_graph(x, k, values.get("metric", "euclidean"), seed=values.get("random_state", 0))
        fitted.seconds["neighbors"] = time.perf_counter() - start
        fitted.info["knn"] = {"k": graph.k, "exact": graph.exact, "recall": graph.recall, "cached": graph.cached}
        fit_kwargs["knn"] = graph
    if backend.accepts_callbacks:
        fit_kwargs["progress"] = training_progress(backend, progress)
        fit_kwargs["cancel"] = cancel
    report(progress, "cluster", 0.3, cancel)
    start = time.perf_counter()
    fitted.estimator.fit(x, **fit_kwargs)
    fitted.seconds["cluster"] = time.perf_counter() - start
    fitted.info.update(fitted.estimator.run_info())
    for stage_name, stage_seconds in fitted.estimator.stage_seconds().items():
        fitted.seconds[f"cluster.{stage_name}"] = stage_seconds
    return fitted


def training_progress(backend: type[Backend], progress: Progress | None):
    """Adapt a training backend's (stage, step, total, loss, changed) events to ``progress(message, share)``,
    each stage over the span its backend declares (`stage_spans`), inside this fit's 0.3 to 1.0."""
    if progress is None:
        return None

    def update(stage: str, step: int, total: int, loss: float, changed: float | None) -> None:
        low, high = backend.stage_spans.get(stage, (0.0, 1.0))
        share = low + (high - low) * (step / total if total else 1.0)
        message = f"{stage} {step}/{total}"
        if loss == loss:  # not NaN
            message += f" · loss {loss:.4f}"
        if changed is not None:
            message += f" · {100 * changed:.2f}% labels changed"
        progress(message, 0.3 + 0.7 * share)

    return update
