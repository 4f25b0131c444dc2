"""Preprocessing before neighbours and clustering: none / standardize / l2 / pca:N."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA

from clustering.data import DataError, Dataset
from clustering.limits import PREPROCESSED_KEPT

_PREPROCESSED: OrderedDict[tuple, np.ndarray] = OrderedDict()

CHOICES = ("none", "standardize", "l2", "pca:N")
# Values are brought inside [2^-RANGE_EXPONENT, 2^RANGE_EXPONENT] by a power of two, which is exact in floating
# point and leaves every scale-free method's labels unchanged, so squared float32 distances neither overflow
# (values near 1e30 made faiss return missing neighbours) nor vanish into denormals.
RANGE_EXPONENT = 40


def range_exponent(x: np.ndarray) -> int:
    """The power of two that brings x's largest |value| inside the safe float32 range (0 when it is inside)."""
    largest = float(np.abs(x).max()) if x.size else 0.0
    if largest == 0.0 or not np.isfinite(largest):
        return 0
    exponent = int(np.frexp(largest)[1])  # largest = m * 2^exponent, 0.5 <= m < 1
    return 0 if -RANGE_EXPONENT <= exponent <= RANGE_EXPONENT else exponent


def fit_range(x: np.ndarray) -> np.ndarray:
    """x scaled by a power of two when its largest |value| is outside the safe float32 range; else x itself."""
    exponent = range_exponent(x)
    return np.ldexp(x, -exponent).astype(np.float32) if exponent else x


def parse(spec: str | None) -> tuple[str, int | None]:
    """Split a spec like 'pca:50' into ('pca', 50); validate the rest."""
    spec = (spec or "none").strip().lower()
    if spec.startswith("pca"):
        _, _, count = spec.partition(":")
        try:
            n_components = int(count) if count else 50
        except ValueError:
            raise DataError(f"preprocess '{spec}': PCA needs a whole number of components, e.g. pca:50.") from None
        if n_components < 1:
            raise DataError(f"preprocess '{spec}': PCA needs at least 1 component.")
        return "pca", n_components
    if spec in ("none", "standardize", "l2"):
        return spec, None
    raise DataError(f"preprocess '{spec}': unknown; choose one of {', '.join(CHOICES)}.")


@dataclass
class Preprocessing:
    """A preprocessing fitted on some rows and applied to any rows: the same numbers for every chunk of a large
    input whose transform was fitted on a sample (`clustering.scale`), and the whole of `preprocess`."""

    kind: str  # none | standardize | l2 | pca
    exponent: int = 0  # values are scaled by 2^-exponent first (see fit_range)
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    components: np.ndarray | None = None
    unit: bool = False  # rows scaled to unit length last (cosine metric)

    @classmethod
    def fit(cls, rows: np.ndarray, spec: str | None, seed: int = 0, unit: bool = False) -> Preprocessing:
        """Fit the preprocessing on `rows` (means, scales, PCA), to apply the same to any rows."""
        kind, n_components = parse(spec)
        x = np.asarray(rows, dtype=np.float32)
        exponent = range_exponent(x)
        x = np.ldexp(x, -exponent).astype(np.float32) if exponent else x
        fitted = cls(kind=kind, exponent=exponent, unit=unit)
        if kind == "standardize":
            std = x.std(axis=0)
            std[std == 0] = 1.0
            fitted.mean, fitted.scale = x.mean(axis=0), std
        elif kind == "pca":
            count = min(n_components or 50, x.shape[1], x.shape[0])
            solver = "randomized" if min(x.shape) > 2 * count else "full"
            pca = PCA(n_components=count, svd_solver=solver, random_state=seed).fit(x)
            fitted.mean, fitted.components = pca.mean_.astype(np.float32), pca.components_.astype(np.float32)
        return fitted

    def apply(self, rows: np.ndarray) -> np.ndarray:
        """`rows` transformed as fitted, as contiguous float32 (the input is never modified)."""
        x = np.asarray(rows, dtype=np.float32)
        if self.exponent:
            x = np.ldexp(x, -self.exponent).astype(np.float32)
        if self.kind == "standardize" and self.mean is not None and self.scale is not None:
            x = (x - self.mean) / self.scale
        elif self.kind == "l2":
            x = unit_rows(x)
        elif self.kind == "pca" and self.mean is not None and self.components is not None:
            x = (x - self.mean) @ self.components.T
        if self.unit:
            x = unit_rows(x)
        return np.ascontiguousarray(x, dtype=np.float32)


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (all-zero rows left as they are)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32)


def preprocess(vectors: np.ndarray, spec: str | None, seed: int = 0) -> np.ndarray:
    """Return a float32 matrix transformed as the spec says (the input is never modified)."""
    return Preprocessing.fit(vectors, spec, seed=seed).apply(vectors)


def prepared(dataset: Dataset, spec: str, seed: int = 0) -> np.ndarray:
    """A dataset's vectors after `spec`, cached per (fingerprint, spec, seed for PCA)."""
    kind, count = parse(spec)
    key = (dataset.fingerprint, kind, count, seed if kind == "pca" else 0)
    if key not in _PREPROCESSED:
        _PREPROCESSED[key] = preprocess(dataset.vectors, spec, seed=seed)
        while len(_PREPROCESSED) > PREPROCESSED_KEPT.whole():
            _PREPROCESSED.popitem(last=False)
    _PREPROCESSED.move_to_end(key)
    return _PREPROCESSED[key]
