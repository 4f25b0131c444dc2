"""The backend contract: a scikit-learn estimator plus a declared parameter schema and size model.

The schema (name, type, default, range, help) is the single source for validation, CLI flags
(`--param k=v`) and the app's widgets.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from clustering.preprocess import fit_range


class Cancelled(RuntimeError):
    """The user cancelled a long run; nothing was changed."""


class ParamError(ValueError):
    """A parameter value outside its schema; the message says the valid range."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    nullable: bool = False  # None (empty) allowed, meaning "automatic"
    log: bool = False  # widgets step on a log scale
    at_most_rows: bool = False  # a count of clusters/components: never more than the rows clustered
    check: Callable[[Any], str | None] | None = None  # extra rule on the parsed value; returns the problem

    def describe(self) -> str:
        if self.choices:
            rng = " | ".join(map(str, self.choices))
        elif self.low is not None or self.high is not None:
            rng = f"{'' if self.low is None else self.low} .. {'' if self.high is None else self.high}"
        else:
            rng = self.kind.__name__
        return f"{self.name} ({rng}; default {self.default}): {self.help}"

    def coerce(self, value: Any) -> Any:
        """Parse (from CLI text too) and validate one value."""
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "auto")
                             and self.nullable):
            if self.nullable:
                return None
            raise ParamError(f"{self.name}: a value is required. {self.describe()}")
        if isinstance(value, str) and self.kind in (int, float, bool):
            value = value.strip()
        try:
            if self.kind is bool:
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(value)
                    value = value.lower() in ("true", "1", "yes")
                elif not isinstance(value, (bool, int, np.integer)) or value not in (0, 1):
                    raise ValueError(value)
                value = bool(value)
            elif self.kind is int:
                if isinstance(value, (bool, np.bool_)):
                    raise ValueError(value)
                number = float(value)
                if not math.isfinite(number) or number != int(number):
                    raise ValueError(value)
                value = int(number)
            elif self.kind is float:
                if isinstance(value, (bool, np.bool_)):
                    raise ValueError(value)
                value = float(value)
                if not math.isfinite(value):
                    raise ParamError(f"{self.name}: {value} is not a finite number. {self.describe()}")
            else:
                if not isinstance(value, str):
                    raise ValueError(value)
                value = value.strip()
        except (TypeError, ValueError, OverflowError) as error:
            if isinstance(error, ParamError):
                raise
            raise ParamError(f"{self.name}: {value!r} is not a valid {self.kind.__name__}. {self.describe()}") from None
        if self.choices is not None and value not in self.choices:
            raise ParamError(f"{self.name}: {value!r} is not one of {', '.join(map(str, self.choices))}.")
        if self.low is not None and value < self.low:
            raise ParamError(f"{self.name}: {value} is below the minimum {self.low}. {self.describe()}")
        if self.high is not None and value > self.high:
            raise ParamError(f"{self.name}: {value} is above the maximum {self.high}. {self.describe()}")
        if self.check is not None:
            problem = self.check(value)
            if problem:
                raise ParamError(f"{self.name}: {problem}")
        return value


SEED = Param("seed", int, 0, "random seed; the same seed gives the same labels", low=0)
METRIC = Param("metric", str, "euclidean", "distance between vectors", choices=("euclidean", "cosine"))


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
    uses_graph: ClassVar[bool] = False  # fit accepts a precomputed kNN graph (knn=...)

    labels_: np.ndarray
    probabilities_: np.ndarray | None = None

    @classmethod
    def param(cls, name: str) -> Param:
        return next(p for p in cls.schema if p.name == name)

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: p.default for p in cls.schema}

    @classmethod
    def checked(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Full, validated parameter dict (defaults filled in); unknown names are refused."""
        known = {p.name: p for p in cls.schema}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParamError(
                f"{cls.name}: unknown parameter(s) {', '.join(unknown)}. Known: {', '.join(known)}."
            )
        values = cls.defaults()
        values.update({k: known[k].coerce(v) for k, v in params.items()})
        return values

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "Backend":
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
                return (f"{cls.name}: {param.name}={value} is more than the {n} rows to cluster. "
                        f"Choose at most {n}.")
        return cls.refusal(n, d, params)

    def _params(self) -> dict[str, Any]:
        return self.checked(self.get_params())

    @staticmethod
    def _check_x(x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        if x.ndim != 2 or x.shape[0] < 2:
            raise ValueError(f"expected a 2-D array with at least 2 rows, got shape {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("input contains NaN or infinite values")
        return fit_range(x)  # values near 1e30 would overflow squared float32 distances

    def fit_predict(self, X, y=None, **fit_params) -> np.ndarray:
        return self.fit(X, y, **fit_params).labels_


def memory_refusal(method: str, need_bytes: float, alternative: str) -> str | None:
    """A refusal message when a method needs more than ~60% of the free memory."""
    budget = 0.6 * available_memory_bytes()
    if need_bytes <= budget:
        return None
    return (f"{method} would need about {need_bytes / 2**30:.1f} GiB of memory here "
            f"(available {budget / 0.6 / 2**30:.1f} GiB). {alternative}")


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (readable legends); -1 (noise) stays -1."""
    labels = np.asarray(labels).astype(np.int64)
    out = np.full(labels.shape, -1, dtype=np.int32)
    clustered = labels >= 0
    if not clustered.any():
        return out
    values, inverse, counts = np.unique(labels[clustered], return_inverse=True, return_counts=True)
    rank = np.empty(len(values), dtype=np.int32)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(values), dtype=np.int32)
    out[clustered] = rank[inverse]
    return out
