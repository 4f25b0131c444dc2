"""Leiden community detection on the shared kNN graph.

igraph's `community_leiden` is the default: orders of magnitude faster than leidenalg's
`find_partition` (100k x 50 graph: 43 s with leidenalg). leidenalg stays available for its
partition types (RBConfiguration for modularity with resolution, CPM).
"""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import METRIC, RANDOM_STATE, Backend, Param, relabel_by_size
from clustering.graph import rapids
from clustering.graph.neighbors import KNNGraph, reuse_or_build
from clustering.graph.rapids import DEVICES, device_refusal, use_gpu


class Leiden(Backend):
    """Leiden communities of the kNN graph: any shape, no noise label; resolution sets how many."""

    name = "leiden"
    ladder = ("resolution", (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0))
    title = "Leiden (kNN graph)"
    description = "Communities of the kNN graph; resolution sets how many. Finds any shape, no noise label."
    schema = (
        Param(
            "n_neighbors",
            int,
            15,
            "neighbours per point in the kNN graph",
            low=2,
            high=500,
            label="Neighbours per point",
            advanced=True,
        ),
        METRIC,
        Param(
            "weighting",
            str,
            "umap",
            "edge weights: UMAP fuzzy connectivities or Jaccard overlap (SNN)",
            choices=("umap", "jaccard"),
            label="Edge weights",
            advanced=True,
        ),
        Param(
            "resolution",
            float,
            1.0,
            "higher gives more, smaller clusters",
            low=0.0,
            high=50.0,
            log=True,
            label="Resolution (more = more clusters)",
        ),
        Param(
            "objective",
            str,
            "modularity",
            "quality function",
            choices=("modularity", "CPM"),
            label="Quality function",
            advanced=True,
        ),
        Param(
            "n_iterations",
            int,
            2,
            "Leiden passes; -1 runs until the partition is stable",
            low=-1,
            high=100,
            label="Passes",
            advanced=True,
        ),
        Param(
            "implementation",
            str,
            "igraph",
            "igraph (fast) or leidenalg (reference)",
            choices=("igraph", "leidenalg"),
            label="Implementation",
            advanced=True,
        ),
        Param(
            "device",
            str,
            "auto",
            "auto: cuGraph on a GPU when RAPIDS is installed (modularity only), else the CPU implementation",
            choices=DEVICES,
            label="Device",
            advanced=True,
        ),
        RANDOM_STATE,
    )

    @classmethod
    @override
    def graph_size(cls, params: dict) -> int | None:
        return int(params["n_neighbors"])

    def __init__(
        self,
        n_neighbors=15,
        metric="euclidean",
        weighting="umap",
        resolution=1.0,
        objective="modularity",
        n_iterations=2,
        implementation="igraph",
        device="auto",
        random_state=0,
    ):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.weighting = weighting
        self.resolution = resolution
        self.objective = objective
        self.n_iterations = n_iterations
        self.implementation = implementation
        self.device = device
        self.random_state = random_state

    @override
    def fit(self, X, y=None, knn: KNNGraph | None = None):
        p = self._params()
        x = self._check_x(X)
        knn = reuse_or_build(knn, x, p["n_neighbors"], p["metric"], seed=p["random_state"])
        self.device_ = "cpu"
        if use_gpu(p["device"]) and p["objective"] == "modularity":
            membership = rapids.leiden(
                knn.connectivities(p["weighting"]), p["resolution"], p["n_iterations"], p["random_state"]
            )
            self.device_ = rapids.GPU_NAMES["leiden"]
            self.knn_ = knn
            return self._finish(membership)
        if p["implementation"] == "igraph":
            membership = knn.leiden(
                p["resolution"],
                weighting=p["weighting"],
                objective=p["objective"],
                n_iterations=p["n_iterations"],
                seed=p["random_state"],
            )
        else:
            graph = knn.igraph(p["weighting"])
            # deferred: leidenalg loads igraph and matplotlib (0.4 s); the registry loads at every start
            import leidenalg

            kind = leidenalg.CPMVertexPartition if p["objective"] == "CPM" else leidenalg.RBConfigurationVertexPartition
            partition = leidenalg.find_partition(
                graph,
                kind,
                weights="weight",
                resolution_parameter=p["resolution"],
                n_iterations=p["n_iterations"],
                seed=p["random_state"],
            )
            membership = partition.membership
        self.knn_ = knn
        return self._finish(membership)

    def _finish(self, membership) -> Leiden:
        self.labels_ = relabel_by_size(np.asarray(membership))
        return self

    @override
    def run_device(self) -> str | None:
        return self.device_

    @classmethod
    @override
    def refusal(cls, n: int, d: int, params: dict) -> str | None:
        return device_refusal(params["device"])
