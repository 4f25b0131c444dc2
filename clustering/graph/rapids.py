"""RAPIDS on a GPU, when installed (`pip install clusterlab[rapids]` on a CUDA machine): cuML's UMAP and
HDBSCAN, cuGraph's Leiden. Methods with a `device` parameter use them for ``device="auto"`` when
`unavailable()` is None and record it in the run (run_device: "gpu (RAPIDS ...)"); ``device="cpu"`` never does,
``device="gpu"`` refuses to start without them. Labels are not promised to equal the CPU path's: different
implementations, the same methods.
"""

from __future__ import annotations

from functools import cache

import numpy as np

DEVICES = ("auto", "cpu", "gpu")


@cache
def unavailable() -> str | None:
    """Why RAPIDS cannot run here (None: it can)."""
    try:
        # deferred: optional GPU libraries
        import cuml  # noqa: F401
        import cupy
    except ImportError as error:
        return f"RAPIDS is not installed ({error.name} missing; pip install clusterlab[rapids] on a CUDA machine)"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "no CUDA device is visible"
    except Exception as error:  # a driver or runtime problem reads as no GPU
        return f"CUDA is not usable ({error})"
    return None


def use_gpu(device: str) -> bool:
    """Whether a method asked for `device` runs on RAPIDS; device="gpu" without it raises ValueError."""
    if device == "cpu":
        return False
    reason = unavailable()
    if device == "gpu" and reason:
        raise ValueError(f"device=gpu: {reason}. Use device=auto or cpu.")
    return reason is None


def device_refusal(device: str) -> str | None:
    """Why a method asked to run with `device` cannot start (device=gpu without RAPIDS), or None."""
    reason = unavailable() if device == "gpu" else None
    return f"device=gpu: {reason}. Use device=auto or cpu." if reason else None


def umap(x: np.ndarray, n_components: int, n_neighbors: int, min_dist: float, seed: int) -> np.ndarray:
    """cuML UMAP (its own kNN on the GPU)."""
    # deferred: optional GPU library
    from cuml.manifold import UMAP

    model = UMAP(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed)
    return np.asarray(model.fit_transform(np.asarray(x, dtype=np.float32)), dtype=np.float32)


def hdbscan(x: np.ndarray, min_cluster_size: int, min_samples, epsilon: float, selection: str):
    """cuML HDBSCAN: (labels, membership probabilities)."""
    # deferred: optional GPU library
    from cuml.cluster import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=min_cluster_size,
        min_samples=min_samples,
        cluster_selection_epsilon=epsilon,
        cluster_selection_method=selection,
    ).fit(np.asarray(x, dtype=np.float32))
    return np.asarray(model.labels_), np.asarray(model.probabilities_, dtype=np.float32)


def leiden(adjacency, resolution: float, n_iterations: int, seed: int) -> np.ndarray:
    """cuGraph Leiden (modularity) on a symmetric weighted adjacency (scipy sparse); the membership per row."""
    # deferred: optional GPU library
    import cudf
    import cugraph

    coo = adjacency.tocoo()
    edges = cudf.DataFrame(
        {"src": coo.row.astype(np.int32), "dst": coo.col.astype(np.int32), "weight": coo.data.astype(np.float32)}
    )
    graph = cugraph.Graph(directed=False)
    graph.from_cudf_edgelist(edges, source="src", destination="dst", edge_attr="weight")
    parts, _ = cugraph.leiden(graph, resolution=resolution, max_iter=max(n_iterations, 1) * 50, random_state=seed)
    parts = parts.to_pandas()
    membership = np.zeros(adjacency.shape[0], dtype=np.int64)
    membership[parts["vertex"].to_numpy()] = parts["partition"].to_numpy()
    return membership


GPU_NAMES = {"umap": "gpu (RAPIDS cuML UMAP)", "hdbscan": "gpu (RAPIDS cuML)", "leiden": "gpu (RAPIDS cuGraph)"}
