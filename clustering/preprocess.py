"""Preprocessing before neighbours and clustering: none / standardize / l2 / pca:N."""

from __future__ import annotations

import numpy as np

from clustering.data import DataError

CHOICES = ("none", "standardize", "l2", "pca:N")
# Values are brought inside [2^-RANGE_EXPONENT, 2^RANGE_EXPONENT] by a power of two, which is exact in floating
# point and leaves every scale-free method's labels unchanged, so squared float32 distances neither overflow
# (values near 1e30 made faiss return missing neighbours) nor vanish into denormals.
RANGE_EXPONENT = 40


def fit_range(x: np.ndarray) -> np.ndarray:
    """x scaled by a power of two when its largest |value| is outside the safe float32 range; else x itself."""
    largest = float(np.abs(x).max()) if x.size else 0.0
    if largest == 0.0 or not np.isfinite(largest):
        return x
    exponent = int(np.frexp(largest)[1])  # largest = m * 2^exponent, 0.5 <= m < 1
    if -RANGE_EXPONENT <= exponent <= RANGE_EXPONENT:
        return x
    return np.ldexp(x, -exponent).astype(np.float32)


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


def preprocess(vectors: np.ndarray, spec: str | None, seed: int = 0) -> np.ndarray:
    """Return a float32 matrix transformed as the spec says (the input is never modified)."""
    kind, n_components = parse(spec)
    x = fit_range(np.asarray(vectors, dtype=np.float32))
    if kind == "none":
        return x
    if kind == "standardize":
        std = x.std(axis=0)
        std[std == 0] = 1.0
        return fit_range(((x - x.mean(axis=0)) / std).astype(np.float32))
    if kind == "l2":
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return (x / norms).astype(np.float32)
    from sklearn.decomposition import PCA

    n_components = min(n_components, x.shape[1], x.shape[0])
    solver = "randomized" if min(x.shape) > 2 * n_components else "full"
    return PCA(n_components=n_components, svd_solver=solver, random_state=seed).fit_transform(x).astype(np.float32)
