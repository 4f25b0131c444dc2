"""k-medoids with FasterPAM (the `kmedoids` package) on a full distance matrix, any metric."""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import CHOOSE_K, RANDOM_STATE, Backend, Param, memory_refusal, relabel_by_size
from clustering.limits import KMEDOIDS_MAX_ROWS


class KMedoids(Backend):
    """k-medoids: each cluster is represented by one of its rows; any distance."""

    name = "kmedoids"
    title = "k-medoids (FasterPAM)"
    description = "Like k-means, but each centre is a real data point; robust to outliers, any distance."
    schema = (
        Param(
            "n_clusters",
            int,
            8,
            "number of clusters; " + CHOOSE_K,
            low=1,
            high=1000,
            at_most_rows=True,
            label="Clusters (k): choose it",
        ),
        Param("metric", str, "euclidean", "distance", choices=("euclidean", "cosine", "manhattan"), label="Distance"),
        Param("max_iter", int, 100, "swap iterations", low=1, high=10000, label="Swap iterations", advanced=True),
        RANDOM_STATE,
    )

    def __init__(self, n_clusters=8, metric="euclidean", max_iter=100, random_state=0):
        self.n_clusters = n_clusters
        self.metric = metric
        self.max_iter = max_iter
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        if n > KMEDOIDS_MAX_ROWS.whole():
            return (
                f"k-medoids keeps all {n:,}^2 distances (limit {KMEDOIDS_MAX_ROWS.whole():,} rows). "
                "Use k-means, or run k-medoids on a sample."
            )
        return memory_refusal("k-medoids", 8.0 * n * n, "Use k-means instead.")

    @override
    def fit(self, X, y=None):
        # deferred: the registry loads at every start; the engine loads on fit
        import kmedoids
        from sklearn.metrics import pairwise_distances

        p = self._params()
        x = self._check_x(X)
        distances = pairwise_distances(x, metric=p["metric"], n_jobs=-1).astype(np.float64)
        result = kmedoids.fasterpam(
            distances, p["n_clusters"], max_iter=p["max_iter"], init="random", random_state=p["random_state"]
        )
        raw = np.asarray(result.labels)
        self.labels_ = relabel_by_size(raw)
        medoids = np.asarray(result.medoids)
        self.medoid_indices_ = np.array(
            [medoids[raw[np.flatnonzero(self.labels_ == c)[0]]] for c in range(self.labels_.max() + 1)]
        )
        self.cluster_centers_ = x[self.medoid_indices_]
        self.inertia_ = float(result.loss)
        return self
