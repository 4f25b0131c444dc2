"""A consensus of its own diverse ensemble: Leiden at three resolutions and several seeds, k-means at the number of
clusters Leiden finds, and HDBSCAN, all on the shared kNN graph; their co-association clustered again with Leiden
(`clustering.evidence.consensus`). Each row's probability is its agreement.

A consensus of runs the user chose is made by `clustering.evidence.consensus.consensus_result` (its parameters list the
member runs); this backend makes its own members, so it runs like any method (CLI, config, app).
"""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import RANDOM_STATE, Backend, Param
from clustering.backends.hdbscan import HDBSCAN
from clustering.backends.kmeans import KMeans
from clustering.backends.leiden import Leiden
from clustering.evidence.consensus import consensus
from clustering.graph.neighbors import reuse_or_build

RESOLUTIONS = (0.5, 1.0, 2.0)


class ConsensusEnsemble(Backend):
    """The clustering a diverse ensemble (methods, seeds, levels) agrees on."""

    name = "consensus"
    title = "Consensus of an ensemble"
    description = "What Leiden at three levels and seeds, k-means and HDBSCAN agree on; agreement per row."
    schema = (
        Param(
            "n_neighbors",
            int,
            15,
            "neighbours per point in the shared kNN graph",
            low=2,
            high=500,
            label="Neighbours per point",
            advanced=True,
        ),
        Param(
            "resolution",
            float,
            None,
            "resolution of the Leiden that clusters the co-association (empty: of 0.25, 0.5, 1 and 2, the one "
            "agreeing most with the members)",
            low=0.01,
            high=50.0,
            log=True,
            nullable=True,
            label="Resolution of the consensus",
        ),
        Param(
            "seeds",
            int,
            3,
            "seeds of each Leiden level in the ensemble",
            low=1,
            high=20,
            label="Seeds per level",
            advanced=True,
        ),
        RANDOM_STATE,
    )

    def __init__(self, n_neighbors=15, resolution=None, seeds=3, random_state=0):
        self.n_neighbors = n_neighbors
        self.resolution = resolution
        self.seeds = seeds
        self.random_state = random_state

    @classmethod
    @override
    def graph_size(cls, params: dict) -> int | None:
        return int(params.get("n_neighbors", 15))

    @classmethod
    @override
    def refusal(cls, n, d, params):
        if n < 20:
            return f"a consensus of an ensemble needs 20 rows or more (got {n}); use Leiden."
        return None

    def members(self, x: np.ndarray, knn) -> list[tuple[str, np.ndarray]]:
        """The ensemble's (name, labels), in the order they are made."""

        p = self._params()
        found: list[tuple[str, np.ndarray]] = []
        for resolution in RESOLUTIONS:
            for s in range(p["seeds"]):
                model = Leiden(n_neighbors=p["n_neighbors"], resolution=resolution, random_state=p["random_state"] + s)
                found.append((f"leiden {resolution:g} seed {p['random_state'] + s}", model.fit(x, knn=knn).labels_))
        middle = found[p["seeds"]][1]  # resolution 1, first seed
        k = max(2, int(len(np.unique(middle[middle >= 0]))))
        found.append(
            (f"kmeans k={k}", KMeans(n_clusters=min(k, len(x)), random_state=p["random_state"]).fit(x).labels_)
        )
        found.append(("hdbscan", HDBSCAN(random_state=p["random_state"]).fit(x, knn=knn).labels_))
        return found

    @override
    def fit(self, X, y=None, knn=None):

        p = self._params()
        x = self._check_x(X)
        knn = reuse_or_build(knn, x, p["n_neighbors"], "euclidean", seed=p["random_state"])
        members = self.members(x, knn)
        found = consensus(
            knn,
            [labels for _, labels in members],
            [name for name, _ in members],
            resolution=p["resolution"],
            seed=p["random_state"],
        )
        self.labels_ = found.labels
        self.probabilities_ = found.agreement.astype(np.float32)
        self.member_names_ = found.members
        self.note_ = found.note
        self.kept_member_ = found.kept_member
        return self

    @override
    def run_info(self) -> dict:
        info: dict = {"members": list(self.member_names_), "consensus": self.note_}
        return info | ({"kept": self.kept_member_} if self.kept_member_ else {})
