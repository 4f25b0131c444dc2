"""k-means (Lloyd, k-means++ init); mini-batch above KMEANS_MINIBATCH_ROWS rows or when asked."""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import CHOOSE_K, RANDOM_STATE, Backend, Param, by_size, memory_refusal
from clustering.limits import KMEANS_MINIBATCH_ROWS


class KMeans(Backend):
    """k-means (k-means++ starts): round clusters of similar size."""

    name = "kmeans"
    ladder = ("n_clusters", (2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30))
    title = "k-means"
    description = "k round clusters around centres; fast baseline. Every point gets a cluster."
    schema = (
        Param(
            "n_clusters",
            int,
            8,
            "number of clusters k; " + CHOOSE_K,
            low=1,
            high=5000,
            at_most_rows=True,
            label="Clusters (k): choose it",
        ),
        Param(
            "n_init",
            int,
            10,
            "restarts; the best (lowest inertia) is kept",
            low=1,
            high=100,
            label="Restarts",
            advanced=True,
        ),
        Param(
            "max_iter",
            int,
            300,
            "iterations per restart",
            low=1,
            high=10000,
            label="Iterations per restart",
            advanced=True,
        ),
        Param(
            "algorithm",
            str,
            "auto",
            f"auto: mini-batch above {KMEANS_MINIBATCH_ROWS.whole():,} rows; lloyd; minibatch",
            choices=("auto", "lloyd", "minibatch"),
            label="Algorithm",
            advanced=True,
        ),
        RANDOM_STATE,
    )

    def __init__(self, n_clusters=8, n_init=10, max_iter=300, algorithm="auto", random_state=0):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.algorithm = algorithm
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        return memory_refusal("k-means", 3 * n * d * 4, "Reduce dimensions with PCA first.")

    @override
    def fit(self, X, y=None):
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.cluster import KMeans as SkKMeans
        from sklearn.cluster import MiniBatchKMeans

        p = self._params()
        x = self._check_x(X)
        minibatch = p["algorithm"] == "minibatch" or (
            p["algorithm"] == "auto" and len(x) > KMEANS_MINIBATCH_ROWS.whole()
        )
        if minibatch:
            model = MiniBatchKMeans(
                n_clusters=p["n_clusters"],
                n_init=p["n_init"],
                max_iter=p["max_iter"],
                random_state=p["random_state"],
                batch_size=4096,
            )
        else:
            model = SkKMeans(
                n_clusters=p["n_clusters"], n_init=p["n_init"], max_iter=p["max_iter"], random_state=p["random_state"]
            )
        raw = model.fit_predict(x)
        self.labels_, order = by_size(raw, p["n_clusters"])
        self.cluster_centers_ = model.cluster_centers_[order[: self.labels_.max() + 1]].astype(np.float32)
        self.inertia_ = float(model.inertia_)
        self.model_ = model
        return self

    @override
    def predict(self, X) -> np.ndarray:
        x = self._check_predict(X)
        d2 = ((x[:, None, :] - self.cluster_centers_[None]) ** 2).sum(-1)
        return d2.argmin(axis=1).astype(np.int32)
