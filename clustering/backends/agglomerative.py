"""Agglomerative (hierarchical) clustering; above AGGLOMERATIVE_GRAPH_ROWS rows merges only along the kNN graph."""

from __future__ import annotations

from typing_extensions import override

from clustering.backends.base import CHOOSE_K, METRIC, Backend, Param, ParamError, memory_refusal, relabel_by_size
from clustering.graph.neighbors import KNNGraph, reuse_or_build
from clustering.limits import AGGLOMERATIVE_GRAPH_ROWS, AGGLOMERATIVE_MAX_ROWS, AGGLOMERATIVE_UNCONNECTED_MAX_ROWS


class Agglomerative(Backend):
    """Agglomerative (Ward or linkage) clustering, on a kNN connectivity graph when asked."""

    name = "agglomerative"
    ladder = ("n_clusters", (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30))
    title = "Agglomerative"
    description = "Merges nearest groups bottom-up (Ward, average, complete or single linkage)."
    schema = (
        Param(
            "n_clusters",
            int,
            8,
            "number of clusters; " + CHOOSE_K,
            low=1,
            high=5000,
            at_most_rows=True,
            label="Clusters: choose it",
        ),
        Param(
            "linkage",
            str,
            "ward",
            "how group distance is measured",
            choices=("ward", "average", "complete", "single"),
            label="Linkage",
        ),
        Param(
            "connectivity",
            str,
            "auto",
            f"merge only kNN neighbours: auto (above {AGGLOMERATIVE_GRAPH_ROWS.whole():,} rows), always, never",
            choices=("auto", "always", "never"),
            label="Merge only neighbours",
            advanced=True,
        ),
        Param(
            "n_neighbors",
            int,
            15,
            "neighbours in the connectivity graph",
            low=2,
            high=200,
            label="Neighbours in the graph",
            advanced=True,
        ),
        METRIC,
    )

    @classmethod
    @override
    def graph_size(cls, params: dict) -> int | None:
        return int(params["n_neighbors"])

    def __init__(self, n_clusters=8, linkage="ward", connectivity="auto", n_neighbors=15, metric="euclidean"):
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.connectivity = connectivity
        self.n_neighbors = n_neighbors
        self.metric = metric

    @staticmethod
    def _connected(n: int, mode: str) -> bool:
        return mode == "always" or (mode == "auto" and n > AGGLOMERATIVE_GRAPH_ROWS.whole())

    @classmethod
    @override
    def refusal(cls, n, d, params):
        if params.get("linkage", "ward") == "ward" and params.get("metric", "euclidean") != "euclidean":
            return "ward linkage needs metric=euclidean; choose linkage average or complete for cosine."
        if n > AGGLOMERATIVE_MAX_ROWS.whole():
            return (
                f"Agglomerative clustering of {n:,} rows would take hours (limit {AGGLOMERATIVE_MAX_ROWS.whole():,}). "
                "Use Leiden or HDBSCAN, or k-means, which scale to millions."
            )
        if not cls._connected(n, params.get("connectivity", "auto")) and n > AGGLOMERATIVE_UNCONNECTED_MAX_ROWS.whole():
            return (
                f"Agglomerative without connectivity on {n:,} rows needs all pairwise distances. "
                "Set connectivity=auto or always."
            )
        need = 8 * n * n / 2 if not cls._connected(n, params.get("connectivity", "auto")) else 8 * n * 60
        return memory_refusal("Agglomerative", need, "Use connectivity=always, or Leiden.")

    @override
    def fit(self, X, y=None, knn: KNNGraph | None = None):
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.cluster import AgglomerativeClustering

        p = self._params()
        x = self._check_x(X)
        if p["linkage"] == "ward" and p["metric"] != "euclidean":
            raise ParamError("ward linkage needs metric=euclidean; choose average or complete for cosine")
        connectivity = None
        if self._connected(len(x), p["connectivity"]):
            knn = reuse_or_build(knn, x, p["n_neighbors"], p["metric"])
            connectivity = knn.connectivities("binary")
        model = AgglomerativeClustering(
            n_clusters=p["n_clusters"], linkage=p["linkage"], metric=p["metric"], connectivity=connectivity
        )
        self.labels_ = relabel_by_size(model.fit_predict(x))
        self.model_ = model
        return self
