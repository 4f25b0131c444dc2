"""Low-dimensional embeddings: UMAP (on the shared kNN graph), PCA, t-SNE."""

from __future__ import annotations

import os
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from clustering.graph import rapids
from clustering.graph.neighbors import KNNGraph, reuse_or_build
from clustering.limits import TSNE_MAX_ROWS
from clustering.params import ParamError

PROJECTIONS = {"umap": "UMAP", "pca": "PCA", "tsne": "t-SNE"}  # method -> name shown; the one list of layouts
METHODS = tuple(PROJECTIONS)


def umap_embed(
    x: np.ndarray,
    n_components: int = 2,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    seed: int = 0,
    knn: KNNGraph | None = None,
    n_epochs: int | None = None,
    device: str = "auto",
) -> np.ndarray:
    """UMAP fed with our cached kNN graph, so umap-learn skips pynndescent (and its JIT cold start); cuML's UMAP
    on a GPU when RAPIDS is installed and `device` allows (`clustering.graph.rapids`)."""
    # deferred: numba compiles on import; loaded on the first layout
    import umap

    x = np.asarray(x, dtype=np.float32)
    if rapids.use_gpu(device) and metric == "euclidean" and len(x) > n_neighbors:
        return rapids.umap(x, n_components, n_neighbors, min_dist, seed)
    n = len(x)
    k = min(n_neighbors, n - 1)
    knn = reuse_or_build(knn, x, max(k - 1, 1), metric, seed=seed)
    kk = min(k - 1, knn.k)
    indices = np.column_stack([np.arange(n), knn.indices[:, :kk]]).astype(np.int64)
    distances = np.column_stack([np.zeros(n), knn.distances[:, :kk]]).astype(np.float32)
    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=kk + 1,
        min_dist=min_dist,
        metric=metric,
        random_state=seed,
        precomputed_knn=(indices, distances, None),
        n_epochs=n_epochs,
        n_jobs=1,
        init="spectral" if n > n_components + 1 else "random",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reducer.fit_transform(x).astype(np.float32)


def pca_embed(x: np.ndarray, n_components: int = 2, seed: int = 0) -> np.ndarray:
    """Principal components of x (seeded randomised SVD on large inputs)."""

    n_components = min(n_components, x.shape[1], x.shape[0])
    return PCA(n_components=n_components, random_state=seed).fit_transform(x).astype(np.float32)


def tsne_embed(x: np.ndarray, n_components: int = 2, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """t-SNE of x (after PCA to 50 dimensions on wide inputs)."""

    perplexity = min(perplexity, max(2.0, (len(x) - 1) / 3))
    model = TSNE(n_components=n_components, perplexity=perplexity, random_state=seed, init="pca", n_jobs=os.cpu_count())
    return model.fit_transform(x).astype(np.float32)


def execution(method: str) -> dict:
    """How a layout runs, as a run records it. umap-learn runs on one thread so that a fixed seed gives the same
    picture every time (its parallel epochs race and differ run to run); PCA and t-SNE use every core and are
    still reproducible; cuML's UMAP on a GPU is fast but not bit-for-bit reproducible."""

    if method == "umap" and rapids.use_gpu("auto"):
        return {"device": rapids.GPU_NAMES["umap"], "threads": None, "reproducible": False}
    return {"device": "cpu", "threads": 1 if method == "umap" else os.cpu_count(), "reproducible": True}


def project(x: np.ndarray, method: str = "umap", n_components: int = 2, seed: int = 0, **options) -> np.ndarray:
    """A low-dimensional layout of x by one of `PROJECTIONS`; t-SNE above TSNE_MAX_ROWS is refused."""
    if method == "tsne" and len(x) > TSNE_MAX_ROWS.whole():
        raise ParamError(f"t-SNE on more than {TSNE_MAX_ROWS.whole():,} points takes too long here; use UMAP or PCA.")
    if method == "umap":
        return umap_embed(x, n_components=n_components, seed=seed, **options)
    if method == "pca":
        return pca_embed(x, n_components=n_components, seed=seed)
    if method == "tsne":
        return tsne_embed(x, n_components=n_components, seed=seed, **options)
    raise ValueError(f"unknown projection '{method}'; choose {', '.join(METHODS)}")
