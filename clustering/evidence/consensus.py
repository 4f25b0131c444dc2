"""Consensus of several clusterings: their co-association on the shared kNN graph, clustered again with Leiden.

Each edge of the data's kNN graph (row i, one of its neighbours j) is weighted by the share of members that put i
and j in the same cluster (noise never agrees); Leiden on that graph gives the consensus. Restricting the
co-association to neighbour pairs keeps it sparse (n x k, not n x n) and a million rows possible; pairs that
are not neighbours would weigh little in a modularity partition anyway. Each row's `agreement` is the mean
co-association over its neighbours in its own consensus cluster (1: every member agrees around it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering.graph.neighbors import KNNGraph, knn_graph, leiden_membership, to_igraph
from clustering.graph.preprocess import prepared
from clustering.labels import relabel_by_size
from clustering.progress import report
from clustering.result import ClusterResult

CONSENSUS_RESOLUTION = 1.0


@dataclass(frozen=True)
class Consensus:
    """The consensus labels (-1 for rows no neighbour agrees with), each row's agreement, the members' names."""

    labels: np.ndarray
    agreement: np.ndarray
    members: list[str]


def co_association(knn: KNNGraph, labelings: list[np.ndarray]) -> sp.csr_matrix:
    """Symmetric n x n sparse matrix: for each kNN pair, the share of labelings that cluster both rows together."""
    n, k = knn.indices.shape
    if not labelings:
        raise ValueError("a consensus needs at least one clustering.")
    rows = np.repeat(np.arange(n), k)
    cols = knn.indices.ravel().astype(np.int64)
    agree = np.zeros(len(rows), dtype=np.float64)
    for labels in labelings:
        labels = np.asarray(labels)
        if len(labels) != n:
            raise ValueError(f"a clustering has {len(labels)} labels for {n} rows.")
        agree += (labels[rows] == labels[cols]) & (labels[rows] >= 0)
    agree /= len(labelings)
    keep = (agree > 0) & (rows != cols)
    matrix = sp.csr_matrix((agree[keep], (rows[keep], cols[keep])), shape=(n, n))
    return matrix.maximum(matrix.T).tocsr()


def consensus(
    knn: KNNGraph,
    labelings: list[np.ndarray],
    names: list[str] | None = None,
    *,
    resolution: float = CONSENSUS_RESOLUTION,
    seed: int = 0,
) -> Consensus:
    """Leiden (modularity) on the co-association graph of `labelings`; see the module text."""

    matrix = co_association(knn, labelings)
    graph = to_igraph(matrix)
    membership = leiden_membership(graph, resolution, seed=seed)
    isolated = np.asarray(matrix.getnnz(axis=1)) == 0
    labels = np.where(isolated, -1, membership)
    labels = relabel_by_size(labels)
    coo = matrix.tocoo()
    same = labels[coo.row] == labels[coo.col]
    total = np.bincount(coo.row[same], weights=coo.data[same], minlength=len(labels))
    count = np.bincount(coo.row[same], minlength=len(labels))
    agreement = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    return Consensus(
        labels.astype(np.int32), agreement, list(names or [f"member {i + 1}" for i in range(len(labelings))])
    )


CONSENSUS = "consensus"  # the method name of a consensus run


def consensus_result(
    dataset,
    members: list[tuple[str, np.ndarray]],
    *,
    preprocess: str = "none",
    n_neighbors: int = 15,
    resolution: float = CONSENSUS_RESOLUTION,
    seed: int = 0,
    progress=None,
    cancel=None,
):
    """A consensus run of `members` ((run id, labels) pairs) on `dataset`: its provenance lists the members, its
    confidence is each row's agreement."""

    if len(members) < 2:
        raise ValueError("a consensus needs two clusterings or more.")
    started = time.perf_counter()
    report(progress, "the kNN graph", 0.1, cancel)
    knn = knn_graph(prepared(dataset, preprocess), n_neighbors)
    report(progress, f"co-association of {len(members)} clusterings", 0.5, cancel)
    found = consensus(knn, [labels for _, labels in members], [i for i, _ in members], resolution=resolution, seed=seed)
    report(progress, "consensus done", 1.0, cancel)
    return ClusterResult(
        labels=found.labels,
        method=CONSENSUS,
        params={"members": [i for i, _ in members], "n_neighbors": n_neighbors, "resolution": resolution},
        seed=seed,
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds={"total": time.perf_counter() - started},
        probabilities=found.agreement,
        info={"members": len(members)},
    )
