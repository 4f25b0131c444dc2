"""HDBSCAN, with a reduction first: on raw high-dimensional embeddings density is flat and almost
every point becomes noise (published: MNIST PCA-50 ARI 0.054, UMAP-2D first 0.924).

Implementation, measured in benchmarks/engine.py against scikit-learn's HDBSCAN and fast_hdbscan on
the same reduction: all run the exact minimum spanning tree (the `hdbscan` package's default
approximate tree gave a different, luckier clustering of MNIST: ARI 0.742 against 0.632 for all three
exact ones, so it is turned off). fast_hdbscan is the fastest (100k x 10: 12.6 s against 20.6 s)
but compiles with numba once per installation (39 s here, 2 s per process after that), so `auto`
uses it from HDBSCAN_FAST_MIN_ROWS rows, where it saves more than its load time, and the `hdbscan` package
(no JIT) below; both give the same labels. GLOSH outlier scores come from the `hdbscan` package.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from typing_extensions import override

from clustering.backends.base import METRIC, RANDOM_STATE, Backend, Param, relabel_by_size
from clustering.graph import rapids
from clustering.graph.neighbors import KNNGraph
from clustering.graph.projection import pca_embed, umap_embed
from clustering.graph.rapids import DEVICES, device_refusal, use_gpu
from clustering.limits import HDBSCAN_FAST_MAX_DIMS, HDBSCAN_FAST_MIN_ROWS


class HDBSCAN(Backend):
    """HDBSCAN on a low-dimensional reduction: clusters of any shape and density, with noise."""

    name = "hdbscan"
    ladder = ("min_cluster_size", (5, 10, 15, 25, 50, 100, 200))
    title = "HDBSCAN (density)"
    description = "Dense regions become clusters, sparse points noise (-1). Reduces dimensions first."
    aliases = {"method": "cluster_selection_method"}  # its name before 2026-11
    full_fit_rows = 50_000  # the UMAP reduction dominates: 100k x 50 took 170 s on every row
    # Above 10,000 rows umap-learn runs 200 epochs instead of 500, so 12,000 rows fit faster than 10,000: 100k x 50
    # blobs in 24 s from a cold process (10,000: 32 s; 20,000: 37 s), ARI 1.0; see benchmarks/scale.py.
    sample_rows = 12_000
    schema = (
        Param(
            "min_cluster_size",
            int,
            15,
            "smallest group that counts as a cluster",
            low=2,
            log=True,
            label="Smallest cluster",
        ),
        Param(
            "min_samples",
            int,
            None,
            "how conservative: more marks more points noise (empty = min_cluster_size)",
            low=1,
            nullable=True,
            label="Caution (min samples)",
        ),
        Param(
            "cluster_selection_epsilon",
            float,
            0.0,
            "merge clusters closer than this distance",
            low=0.0,
            label="Merge distance",
            advanced=True,
        ),
        Param(
            "cluster_selection_method",
            str,
            "eom",
            "eom (excess of mass: larger clusters) or leaf (finer clusters)",
            choices=("eom", "leaf"),
            label="Cluster selection",
            advanced=True,
        ),
        Param(
            "reduction",
            str,
            "auto",
            "auto: none up to 16 dims, else UMAP; or none / pca / umap",
            choices=("auto", "none", "pca", "umap"),
            label="Reduce dimensions first",
            advanced=True,
        ),
        Param(
            "reduce_dims",
            int,
            10,
            "dimensions after reduction",
            low=2,
            high=100,
            label="Dimensions after reduction",
            advanced=True,
        ),
        Param(
            "umap_neighbors",
            int,
            15,
            "UMAP neighbours for the reduction",
            low=2,
            high=200,
            label="UMAP neighbours",
            advanced=True,
        ),
        Param(
            "implementation",
            str,
            "auto",
            "auto: fast_hdbscan from 20,000 rows, else hdbscan (same labels)",
            choices=("auto", "hdbscan", "fast_hdbscan"),
            label="Implementation",
            advanced=True,
        ),
        Param(
            "device",
            str,
            "auto",
            "auto: cuML's UMAP and HDBSCAN on a GPU when RAPIDS is installed, else the CPU implementation",
            choices=DEVICES,
            label="Device",
            advanced=True,
        ),
        METRIC,
        RANDOM_STATE,
    )

    @classmethod
    @override
    def refusal(cls, n: int, d: int, params: dict) -> str | None:
        return device_refusal(params["device"])

    @classmethod
    @override
    def graph_size(cls, params: dict) -> int | None:
        return int(params["umap_neighbors"])  # the UMAP reduction's graph

    def __init__(
        self,
        min_cluster_size=15,
        min_samples=None,
        cluster_selection_epsilon=0.0,
        cluster_selection_method="eom",
        reduction="auto",
        reduce_dims=10,
        umap_neighbors=15,
        implementation="auto",
        device="auto",
        metric="euclidean",
        random_state=0,
    ):
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_epsilon = cluster_selection_epsilon
        self.cluster_selection_method = cluster_selection_method
        self.reduction = reduction
        self.reduce_dims = reduce_dims
        self.umap_neighbors = umap_neighbors
        self.implementation = implementation
        self.device = device
        self.metric = metric
        self.random_state = random_state

    def reduce(self, x: np.ndarray, knn: KNNGraph | None = None) -> np.ndarray:
        """The space HDBSCAN runs in."""
        p = self._params()
        reduction = p["reduction"]
        if reduction == "auto":
            reduction = "none" if x.shape[1] <= HDBSCAN_FAST_MAX_DIMS.whole() else "umap"
        self.reduction_used_ = reduction
        if reduction == "none" or x.shape[1] <= p["reduce_dims"]:
            if p["metric"] == "cosine":
                return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
            return x
        if reduction == "pca":
            return pca_embed(x, p["reduce_dims"], seed=p["random_state"])
        if use_gpu(p["device"]) and p["metric"] == "euclidean":
            return rapids.umap(x, p["reduce_dims"], p["umap_neighbors"], 0.0, p["random_state"])
        return umap_embed(
            x,
            n_components=p["reduce_dims"],
            n_neighbors=p["umap_neighbors"],
            min_dist=0.0,
            metric=p["metric"],
            seed=p["random_state"],
            knn=knn,
        )

    @override
    def run_info(self) -> dict:
        return {"reduction_used": self.reduction_used_}

    @override
    def run_device(self) -> str | None:
        return self.device_

    @override
    def fit(self, X, y=None, knn: KNNGraph | None = None, reduced: np.ndarray | None = None):
        p = self._params()
        x = self._check_x(X)
        space = self.reduce(x, knn) if reduced is None else np.asarray(reduced, dtype=np.float32)
        implementation = p["implementation"]
        self.device_ = "cpu"
        if use_gpu(p["device"]):
            implementation, self.device_ = "cuml", rapids.GPU_NAMES["hdbscan"]
        if implementation == "cuml":
            labels, probabilities = rapids.hdbscan(
                space,
                p["min_cluster_size"],
                p["min_samples"],
                p["cluster_selection_epsilon"],
                p["cluster_selection_method"],
            )
            self.labels_, self.probabilities_ = relabel_by_size(labels), probabilities
            self.model_, self.implementation_, self.reduced_ = None, implementation, space
            return self
        if implementation == "auto":
            implementation = "fast_hdbscan" if len(space) >= HDBSCAN_FAST_MIN_ROWS.whole() else "hdbscan"
        if implementation == "fast_hdbscan":
            # deferred: numba compiles on import; the registry loads at every start
            import fast_hdbscan

            model = fast_hdbscan.HDBSCAN(
                min_cluster_size=p["min_cluster_size"],
                min_samples=p["min_samples"],
                cluster_selection_epsilon=p["cluster_selection_epsilon"],
                cluster_selection_method=p["cluster_selection_method"],
            )
            model.fit(np.ascontiguousarray(space, dtype=np.float32))  # the dtype the app's warm-up compiles
        else:
            model = self._hdbscan_model(p)
            model.fit(space.astype(np.float64))
        self.labels_ = relabel_by_size(model.labels_)
        self.probabilities_ = np.asarray(model.probabilities_, dtype=np.float32)
        self.model_ = model
        self.implementation_ = implementation
        self.reduced_ = space
        return self

    @staticmethod
    def _hdbscan_model(p: dict):
        # deferred: numba compiles on import; the registry loads at every start
        import hdbscan

        return hdbscan.HDBSCAN(
            min_cluster_size=p["min_cluster_size"],
            min_samples=p["min_samples"],
            cluster_selection_epsilon=p["cluster_selection_epsilon"],
            cluster_selection_method=p["cluster_selection_method"],
            approx_min_span_tree=False,
            core_dist_n_jobs=os.cpu_count() or 1,
        )

    @property
    def outlier_scores_(self) -> np.ndarray:
        """GLOSH outlier scores (computed on first access: they cost as much as a quarter of the fit)."""
        if not hasattr(self, "_outlier_scores"):
            model: Any = self.model_
            if self.implementation_ in ("fast_hdbscan", "cuml"):  # no GLOSH there: the same tree via hdbscan
                model = self._hdbscan_model(self._params()).fit(self.reduced_.astype(np.float64))
            self._outlier_scores = np.nan_to_num(np.asarray(model.outlier_scores_, dtype=np.float32))
        return self._outlier_scores
