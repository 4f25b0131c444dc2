"""EVoC (Embedding Vector Oriented Clustering, the `evoc` package): a node embedding of the kNN graph clustered
by density, with layers of granularity; the layer EVoC scores most persistent is the run's labels, every layer is
kept (`artifacts["layers"]`, finest first) to colour by or compare as levels.

EVoC treats float vectors by cosine distance. Its numba code compiles on the first fit in a fresh environment
(about 100 s here, once: numba caches it) and then fits digits in well under a second.
"""

from __future__ import annotations

import time

import numpy as np
from typing_extensions import override

from clustering.backends.base import RANDOM_STATE, Backend, Param, memory_refusal, relabel_by_size

EVOC_MIN_DIMS = 4  # evoc starts its node embedding from a PCA of at least 4 components of the data


class EVoC(Backend):
    """EVoC: density clusters of a node embedding of the kNN graph; noise label; layers coarse to fine."""

    name = "evoc"
    has_layers = True
    title = "EVoC (embedding vectors)"
    description = "Density clusters of a node embedding of the kNN graph, for embeddings; noise label, layers."
    schema = (
        Param(
            "noise_level",
            float,
            0.5,
            "0 clusters more rows, 1 keeps only clear clusters and calls more rows noise",
            low=0.0,
            high=1.0,
            label="Noise level",
        ),
        Param(
            "base_min_cluster_size",
            int,
            5,
            "smallest cluster of the finest layer",
            low=2,
            high=100_000,
            at_most_rows=True,
            label="Smallest cluster (finest layer)",
        ),
        Param(
            "approx_n_clusters",
            int,
            0,
            "0: EVoC chooses; else aim for about this many clusters (one layer)",
            low=0,
            high=5000,
            label="About this many clusters (0: EVoC chooses)",
            advanced=True,
        ),
        Param(
            "n_neighbors",
            int,
            15,
            "neighbours in EVoC's own kNN graph",
            low=2,
            high=200,
            label="Neighbours",
            advanced=True,
        ),
        Param(
            "min_samples",
            int,
            5,
            "samples in the density estimate",
            low=1,
            high=1000,
            label="Min samples",
            advanced=True,
        ),
        Param("n_epochs", int, 50, "epochs of the node embedding", low=1, high=2000, label="Epochs", advanced=True),
        Param(
            "layer",
            int,
            -1,
            "-1: the layer EVoC scores most persistent; 0 the finest, 1 the next coarser... (the coarsest if fewer)",
            low=-1,
            high=100,
            label="Layer (-1: EVoC's choice)",
            advanced=True,
        ),
        RANDOM_STATE,
    )

    def __init__(
        self,
        noise_level=0.5,
        base_min_cluster_size=5,
        approx_n_clusters=0,
        n_neighbors=15,
        min_samples=5,
        n_epochs=50,
        layer=-1,
        random_state=0,
    ):
        self.noise_level = noise_level
        self.base_min_cluster_size = base_min_cluster_size
        self.approx_n_clusters = approx_n_clusters
        self.n_neighbors = n_neighbors
        self.min_samples = min_samples
        self.n_epochs = n_epochs
        self.layer = layer
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        if n < max(3 * int(params.get("n_neighbors", 15)), 30):
            return f"EVoC needs more rows than {n:,} for its kNN graph and node embedding; use Leiden or HDBSCAN."
        return memory_refusal("EVoC", 4 * n * d * 4, "Reduce dimensions with PCA first.")

    @override
    def fit(self, X, y=None):
        # deferred: numba compiles on import; the registry loads at every start
        from evoc import EVoC as Model

        p = self._params()
        x = self._check_x(X)
        if x.shape[1] < EVOC_MIN_DIMS:  # zero columns leave every distance as it is, and give evoc's PCA start room
            x = np.hstack([x, np.zeros((len(x), EVOC_MIN_DIMS - x.shape[1]), dtype=np.float32)])
        model = Model(
            noise_level=p["noise_level"],
            base_min_cluster_size=p["base_min_cluster_size"],
            approx_n_clusters=p["approx_n_clusters"] or None,
            n_neighbors=p["n_neighbors"],
            min_samples=p["min_samples"],
            n_epochs=p["n_epochs"],
            random_state=p["random_state"],
        )
        raw = np.asarray(model.fit_predict(x))
        strengths = np.asarray(model.membership_strengths_, dtype=np.float32)
        self.layers_ = [relabel_by_size(np.asarray(layer)) for layer in model.cluster_layers_]
        if p["layer"] >= 0:
            chosen = min(p["layer"], len(self.layers_) - 1)
            raw = np.asarray(model.cluster_layers_[chosen])
            strengths = np.asarray(model.membership_strength_layers_[chosen], dtype=np.float32)
        self.labels_ = relabel_by_size(raw)
        self.probabilities_ = strengths
        return self

    @override
    def artifacts(self) -> dict:
        return {"layers": self.layers_}

    @override
    def run_info(self) -> dict:
        return {"layers": [int(len(np.unique(layer[layer >= 0]))) for layer in self.layers_]}


def warm() -> float:
    """Fit EVoC once on a small random matrix so numba compiles (and caches) its code; the seconds it took.

    `make` runs it after installing, so the first fit in the app or the tests does not wait for the compiler.
    """

    start = time.perf_counter()
    x = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
    x[150:] += 3
    EVoC(random_state=0).fit(x)
    return time.perf_counter() - start
