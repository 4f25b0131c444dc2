"""Consensus of several clusterings: their co-association on the shared kNN graph, clustered again with Leiden.

Each edge of the data's kNN graph (row i, one of its neighbours j) is weighted by the share of members that put i
and j in the same cluster (noise never agrees); Leiden on that graph gives the consensus. Restricting the
co-association to neighbour pairs keeps it sparse (n x k, not n x n) and a million rows possible; pairs that
are not neighbours would weigh little in a modularity partition anyway. Each row's `agreement` is the mean
co-association over its neighbours in its own consensus cluster (1: every member agrees around it).

Without a resolution given, the consensus is made at each of CANDIDATE_RESOLUTIONS and the one agreeing most with
its members (mean ARI) is kept: the median-partition principle of Strehl & Ghosh (2002). A fixed resolution 1 fell
below its median member on digits (0.872 against 0.897, seeds 0-2); the chosen one reached 0.905 there, and held
its median member on MNIST-test, PBMC, the text sample and the density set (benchmarks/trust.py).

A consensus must agree with its members at least as well as their median member does (mean ARI with the members,
noise as a cluster): when it does not, the most central member (the one agreeing most with the others) is kept
instead, and the result says so. No classes are needed for that check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from clustering.evaluate import metrics
from clustering.graph.neighbors import KNNGraph, knn_graph, leiden_membership, to_igraph
from clustering.graph.preprocess import prepared
from clustering.labels import relabel_by_size
from clustering.progress import report
from clustering.result import ClusterResult

CONSENSUS_RESOLUTION = 1.0  # a consensus of chosen runs (app, configs) unless told otherwise
CANDIDATE_RESOLUTIONS = (0.25, 0.5, 1.0, 2.0)  # tried when no resolution is given


@dataclass(frozen=True)
class Consensus:
    """The consensus labels (-1 for rows no neighbour agrees with), each row's agreement, the members' names."""

    labels: np.ndarray
    agreement: np.ndarray
    members: list[str]
    kept_member: str | None = None  # the member kept instead, when the consensus agreed less than the median one
    note: str = ""  # how the consensus stands against its members, in words


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
    resolution: float | None = CONSENSUS_RESOLUTION,
    seed: int = 0,
) -> Consensus:
    """Leiden (modularity) on the co-association graph of `labelings` at `resolution` (None: the one of
    CANDIDATE_RESOLUTIONS agreeing most with the members); see the module text."""

    matrix = co_association(knn, labelings)
    graph = to_igraph(matrix)
    isolated = np.asarray(matrix.getnnz(axis=1)) == 0
    tried = CANDIDATE_RESOLUTIONS if resolution is None else (resolution,)
    found = [relabel_by_size(np.where(isolated, -1, leiden_membership(graph, r, seed=seed))) for r in tried]
    agreement = [float(np.mean([metrics.ari(f, m, noise="cluster") for m in labelings])) for f in found]
    best = int(np.argmax(agreement))
    labels = found[best]
    names = list(names or [f"member {i + 1}" for i in range(len(labelings))])
    kept, note = against_members(labels, labelings, names, own=agreement[best])
    if resolution is None:
        chosen = f"resolution {tried[best]:g} (of {', '.join(f'{r:g}' for r in tried)}: the one agreeing most)"
        note = f"{chosen}; {note}" if note else chosen
    if kept is not None:
        labels = relabel_by_size(np.asarray(labelings[kept]))
    return Consensus(
        labels.astype(np.int32),
        row_agreement(matrix, labels),
        names,
        kept_member=None if kept is None else names[kept],
        note=note,
    )


def row_agreement(matrix: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Each row's mean co-association over its kNN neighbours in its own cluster (0 with none there)."""
    coo = matrix.tocoo()
    same = labels[coo.row] == labels[coo.col]
    total = np.bincount(coo.row[same], weights=coo.data[same], minlength=len(labels))
    count = np.bincount(coo.row[same], minlength=len(labels))
    return np.where(count > 0, total / np.maximum(count, 1), 0.0)


def against_members(
    labels: np.ndarray, labelings: list[np.ndarray], names: list[str], own: float | None = None
) -> tuple[int | None, str]:
    """The index of the member to keep instead of `labels` (None: keep the consensus) and why, from each one's mean
    ARI with the members (a member's with the others; `own`: the consensus's, when already measured)."""
    if len(labelings) < 3:  # two members: each one's agreement is the other's, there is no median to beat
        return None, ""
    central = metrics.mean_ari_with_others(labelings)
    if own is None:
        own = float(np.mean([metrics.ari(labels, member, noise="cluster") for member in labelings]))
    median = float(np.median(central))
    if own >= median:
        return None, f"agrees with its members (mean ARI {own:.2f}) at least as well as their median one ({median:.2f})"
    best = int(np.argmax(central))
    return best, (
        f"the consensus agreed with its members less (mean ARI {own:.2f}) than their median one ({median:.2f}), so "
        f"the most central member, {names[best]} ({central[best]:.2f}), is kept instead"
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
        info={
            "members": len(members),
            "consensus": found.note,
            **({"kept": found.kept_member} if found.kept_member else {}),
        },
    )
