"""Spectral clustering on the shared kNN graph's fuzzy connectivities (sparse eigensolver)."""

from __future__ import annotations

from typing_extensions import override

from clustering.backends.base import CHOOSE_K, METRIC, RANDOM_STATE, Backend, Param, relabel_by_size
from clustering.graph.neighbors import KNNGraph, reuse_or_build
from clustering.limits import SPECTRAL_MAX_ROWS


class Spectral(Backend):
    """Spectral clustering on the kNN affinity graph: non-convex clusters of moderate size."""

    name = "spectral"
    title = "Spectral (kNN graph)"
    description = "Embeds the kNN graph with its Laplacian's eigenvectors, then clusters there."
    schema = (
        Param(
            "n_clusters",
            int,
            8,
            "number of clusters; " + CHOOSE_K,
            low=2,
            high=500,
            at_most_rows=True,
            label="Clusters: choose it",
        ),
        Param(
            "n_neighbors",
            int,
            15,
            "neighbours in the affinity graph",
            low=2,
            high=200,
            label="Neighbours in the graph",
            advanced=True,
        ),
        Param(
            "assign_labels",
            str,
            "cluster_qr",
            "how labels are read from the eigenvectors",
            choices=("kmeans", "discretize", "cluster_qr"),
        ),
        METRIC,
        RANDOM_STATE,
    )

    @classmethod
    @override
    def graph_size(cls, params: dict) -> int | None:
        return int(params["n_neighbors"])

    def __init__(self, n_clusters=8, n_neighbors=15, assign_labels="cluster_qr", metric="euclidean", random_state=0):
        self.n_clusters = n_clusters
        self.n_neighbors = n_neighbors
        self.assign_labels = assign_labels
        self.metric = metric
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        if n > SPECTRAL_MAX_ROWS.whole():
            return (
                f"Spectral clustering of {n:,} rows needs an eigendecomposition too slow to wait for "
                f"(limit {SPECTRAL_MAX_ROWS.whole():,}). Use Leiden on the same kNN graph instead."
            )
        if params.get("n_clusters", 0) >= n:  # its eigensolver needs fewer eigenvectors than rows
            return (
                f"Spectral clustering finds fewer clusters than rows: n_clusters {params['n_clusters']} for {n:,} "
                f"rows; choose at most {n - 1:,}."
            )
        return None

    @override
    def fit(self, X, y=None, knn: KNNGraph | None = None):
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.cluster import SpectralClustering

        p = self._params()
        x = self._check_x(X)
        knn = reuse_or_build(knn, x, p["n_neighbors"], p["metric"], seed=p["random_state"])
        model = SpectralClustering(
            n_clusters=p["n_clusters"],
            affinity="precomputed",
            assign_labels=p["assign_labels"],
            random_state=p["random_state"],
        )
        self.labels_ = relabel_by_size(model.fit_predict(knn.connectivities("umap")))
        return self
