"""A clustering result is a value: labels plus everything needed to reproduce and report it."""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata

import numpy as np


@dataclass
class ClusterResult:
    """A clustering as a value: labels (-1 noise) and everything needed to reproduce and report it."""

    labels: np.ndarray  # int32, -1 = noise
    method: str
    params: dict
    seed: int | None
    preprocess: str
    dataset_fingerprint: str
    seconds: dict[str, float] = field(default_factory=dict)
    probabilities: np.ndarray | None = None  # (n,) membership strength or (n, k) soft assignment
    calibrated: np.ndarray | None = None  # (n,) calibrated confidence (clustering.evidence.confidence), noise 0
    metrics: dict | None = None
    device: str | None = None
    info: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    name: str = ""
    artifacts: dict = field(default_factory=dict, repr=False)  # non-JSON extras: replay, fitted estimator

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels, dtype=np.int32)
        if not self.versions:
            self.versions = library_versions()
        if not self.name:
            self.name = f"{self.method} ({short_params(self.params)})"

    @property
    def n_clusters(self) -> int:
        """Number of clusters (noise not counted)."""
        return int(len(np.unique(self.labels[self.labels >= 0])))

    @property
    def n_noise(self) -> int:
        """Number of noise rows."""
        return int((self.labels < 0).sum())

    @property
    def total_seconds(self) -> float:
        """Seconds the run took: its `total`, else the sum of its steps (0 when none were timed)."""
        return float(self.seconds.get("total", sum(self.seconds.values())))

    @property
    def noise_share(self) -> float:
        """Share of rows that are noise."""
        return self.n_noise / max(len(self.labels), 1)

    def confidence(self) -> np.ndarray | None:
        """Each row's confidence in its cluster: the calibrated one where the run has it, else the method's own
        (membership strength, or the largest soft assignment), or None."""
        if self.calibrated is not None:
            return np.asarray(self.calibrated)
        if self.probabilities is None:
            return None
        p = np.asarray(self.probabilities)
        return p.max(axis=1) if p.ndim == 2 else p

    def summary(self) -> dict:
        """The stable JSON shape printed by `clusterlab cluster --json`."""
        out = {
            "method": self.method,
            "params": self.params,
            "seed": self.seed,
            "preprocess": self.preprocess,
            "n_clusters": self.n_clusters,
            "n_noise": self.n_noise,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
        }
        if self.device:
            out["device"] = self.device
        if self.info:
            out["info"] = self.info
        if self.metrics is not None:
            out["metrics"] = self.metrics
        return out


def json_safe(value):
    """Plain JSON values: numpy scalars as numbers, NaN and infinities as null, keys as text."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def short_params(params: dict, limit: int = 3) -> str:
    """The first `limit` parameters as 'k=v, ...' text."""
    shown = [f"{k}={v}" for k, v in params.items() if k not in ("seed", "random_state")][:limit]
    return ", ".join(shown)


_VERSIONS: dict | None = None


def library_versions() -> dict:
    """Versions of the libraries a run depends on."""
    global _VERSIONS
    if _VERSIONS is None:
        names = [
            "clusterlab",
            "numpy",
            "scikit-learn",
            "igraph",
            "leidenalg",
            "hdbscan",
            "umap-learn",
            "faiss-cpu",
            "fast-hdbscan",
            "torch",
        ]
        _VERSIONS = {"python": platform.python_version()}
        for name in names:
            try:
                _VERSIONS[name] = importlib_metadata.version(name)
            except importlib_metadata.PackageNotFoundError:
                pass
    return dict(_VERSIONS)
