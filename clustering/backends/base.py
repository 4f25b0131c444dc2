"""The backend contract: a scikit-learn estimator plus a declared parameter schema and size model.

The schema (name, type, default, range, help) is the single source for validation, CLI flags
(`--param k=v`) and the app's widgets.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from clustering.graph.preprocess import fit_range
from clustering.labels import relabel_by_size, size_order
from clustering.params import Param, ParamError, check_params, with_schema_doc
from clustering.progress import Cancelled

__all__ = [
    "METRIC",
    "RANDOM_STATE",
    "Backend",
    "Cancelled",
    "Param",
    "ParamError",
    "by_size",
    "memory_refusal",
    "relabel_by_size",
    "size_order",
]


CHOOSE_K = "it is not found from the data: choose it (the default is only a start; a sweep shows how it matters)"
RANDOM_STATE = Param(
    "random_state",
    int,
    0,
    "random seed; the same seed gives the same labels (`seed`, its name before 2026-12, is still read)",
    low=0,
    high=2**31 - 1,
    label="Seed",
    advanced=True,
)
FORMER_NAMES = {"seed": "random_state"}  # every backend's former names: `seed` became scikit-learn's `random_state`
METRIC = Param(
    "metric",
    str,
    "euclidean",
    "distance between vectors",
    choices=("euclidean", "cosine"),
    label="Distance",
    advanced=True,
)


def available_memory_bytes() -> int:
    """MemAvailable from /proc/meminfo (falls back to total physical memory)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


class Backend(ClusterMixin, BaseEstimator):
    """Base for every clustering method. Subclasses list their parameters in `__init__` and `schema`."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    schema: ClassVar[tuple[Param, ...]]
    accepts_callbacks: ClassVar[bool] = False  # fit takes progress= and cancel= (long methods)
    # with accepts_callbacks: the share of the fit's progress bar each named training stage spans
    stage_spans: ClassVar[dict[str, tuple[float, float]]] = {}
    aliases: ClassVar[dict[str, str]] = {}  # former parameter names, still read (saved configs and projects)
    full_fit_rows: ClassVar[int] = 200_000  # above this, sample="auto" fits on `sample_rows` random rows
    sample_rows: ClassVar[int] = 50_000  # rows of that sample
    # The family's ladder of levels, coarse to fine: (parameter, values); `suggest` and the levels read it here.
    ladder: ClassVar[tuple[str, tuple] | None] = None
    has_layers: ClassVar[bool] = False  # one fit gives several levels (`artifacts["layers"]`, coarse to fine)

    labels_: np.ndarray
    probabilities_: np.ndarray | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        with_schema_doc(cls)  # numpydoc Parameters from the schema: one source for docs, CLI, widgets

    @classmethod
    def param(cls, name: str) -> Param:
        """The parameter of this name in the schema."""
        return next(p for p in cls.schema if p.name == name)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every parameter's default value."""
        return {p.name: p.default for p in cls.schema}

    @classmethod
    def checked(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Full, validated parameter dict (defaults filled in); unknown names are refused."""
        former = {**FORMER_NAMES, **cls.aliases}
        renamed = {former.get(name, name): value for name, value in params.items()}
        return check_params(cls.name, cls.schema, renamed)

    @classmethod
    def graph_size(cls, params: dict[str, Any]) -> int | None:
        """Neighbours of the shared kNN graph the pipeline builds and passes to fit (knn=...); None: no graph."""
        return None

    # -- what a fit tells the run record (read by the pipeline, never probed by attribute name) -----------
    def run_info(self) -> dict[str, Any]:
        """Facts about this fit kept with the run (reduction used, device, iterations, convergence...)."""
        return {}

    def run_device(self) -> str | None:
        """The device the fit ran on, for methods that can use a GPU."""
        return None

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per internal stage of the fit (pretraining, clustering...)."""
        return {}

    def artifacts(self) -> dict[str, Any]:
        """Non-JSON extras of the fit worth keeping in memory (a deep method's replay)."""
        return {}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Backend:
        """An estimator from (partial) parameters, checked against the schema."""
        return cls(**cls.checked(params))

    @classmethod
    def refusal(cls, n: int, d: int, params: dict[str, Any]) -> str | None:
        """Why a run on n x d would be hopeless (memory/time), with an alternative; None when fine."""
        return None

    @classmethod
    def why_not(cls, n: int, d: int, params: dict[str, Any]) -> str | None:
        """Every reason a run on n x d rows cannot start: counts above the rows, then the method's own refusal."""
        for param in cls.schema:
            value = params.get(param.name)
            if param.at_most_rows and value is not None and value > n:
                return f"{cls.name}: {param.name}={value} is more than the {n} rows to cluster. Choose at most {n}."
        return cls.refusal(n, d, params)

    def _params(self) -> dict[str, Any]:
        return self.checked(self.get_params())

    def _check_x(self, x: Any, reset: bool = True) -> np.ndarray:
        """The input as float32 rows, checked as scikit-learn checks it (2-D, real, finite, at least 2 rows and
        one feature; on fit it sets `n_features_in_`, on predict it must match it); sparse input is refused."""
        if issparse(x):
            raise TypeError(
                f"{type(self).__name__} does not support sparse input: give a dense array (X.toarray()) or reduce it "
                "first (TruncatedSVD)."
            )
        rows = 2 if reset else 1  # a fit needs two rows; one new row can be predicted
        checked = validate_data(self, x, reset=reset, dtype=[np.float64, np.float32], ensure_min_samples=rows)
        return fit_range(np.asarray(checked, dtype=np.float32))  # near 1e30, squared float32 distances overflow

    def _check_predict(self, x: Any, fitted: str = "labels_") -> np.ndarray:
        """`predict`'s input, once the estimator is fitted (NotFittedError before), checked against the fit's."""
        check_is_fitted(self, fitted)
        return self._check_x(x, reset=False)

    def fit_predict(self, X, y=None, **fit_params) -> np.ndarray:
        """Fit and return `labels_`."""
        return self.fit(X, y, **fit_params).labels_


def memory_refusal(method: str, need_bytes: float, alternative: str) -> str | None:
    """A refusal message when a method needs more than ~60% of the free memory."""
    budget = 0.6 * available_memory_bytes()
    if need_bytes <= budget:
        return None
    return (
        f"{method} would need about {need_bytes / 2**30:.1f} GiB of memory here "
        f"(available {budget / 0.6 / 2**30:.1f} GiB). {alternative}"
    )


def by_size(raw: np.ndarray, n_clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered by decreasing size, and the original ids in that order (to reorder centres or columns)."""
    return relabel_by_size(raw), size_order(raw, n_clusters)
