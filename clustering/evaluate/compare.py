"""Compare clusterings: agreement matrices, best matches, matched colours, contingency and flows.

Labels follow one convention everywhere: in a *run*, -1 is noise and each noise point counts as
its own singleton (so calling points noise never raises agreement, as in metrics.py); in *truth*,
-1 means unlabelled and those rows are left out of every score that involves the truth.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as skm

from clustering.evaluate.metrics import noise_as_singletons


@dataclass
class Labeling:
    """One clustering to compare: its name, labels, and whether -1 means unlabelled (truth) or noise."""

    name: str
    labels: np.ndarray
    is_truth: bool = False

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels).astype(np.int64)

    @property
    def valid(self) -> np.ndarray:
        """Rows that take part in scores (a truth's unlabelled rows do not)."""
        return self.labels >= 0 if self.is_truth else np.ones(len(self.labels), dtype=bool)


def _pair(a: Labeling, b: Labeling) -> tuple[np.ndarray, np.ndarray]:
    if len(a.labels) != len(b.labels):
        raise ValueError(f"'{a.name}' has {len(a.labels)} labels and '{b.name}' {len(b.labels)}: they must align.")
    keep = a.valid & b.valid
    return noise_as_singletons(a.labels[keep]), noise_as_singletons(b.labels[keep])


def variation_of_information(a: np.ndarray, b: np.ndarray) -> float:
    """VI = H(A|B) + H(B|A) in nats (0 for identical partitions; Meila 2007)."""
    a, b = np.asarray(a), np.asarray(b)
    n = len(a)
    if n == 0:
        return float("nan")
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    joint = np.bincount(ia * (ib.max() + 1) + ib).astype(float)
    joint = joint[joint > 0] / n
    pa = np.bincount(ia) / n
    pb = np.bincount(ib) / n
    entropy = lambda p: float(-(p * np.log(p)).sum())  # noqa: E731
    return 2 * entropy(joint) - entropy(pa) - entropy(pb)


def agreement_matrices(labelings: list[Labeling]) -> dict:
    """Square ARI, AMI and VI matrices over all labelings, in the given order."""
    k = len(labelings)
    ari, ami, vi = np.eye(k), np.eye(k), np.zeros((k, k))
    for i, j in itertools.combinations(range(k), 2):
        a, b = _pair(labelings[i], labelings[j])
        if len(a) == 0:
            ari[i, j] = ami[i, j] = vi[i, j] = np.nan
        else:
            ari[i, j] = skm.adjusted_rand_score(a, b)
            ami[i, j] = skm.adjusted_mutual_info_score(a, b)
            vi[i, j] = variation_of_information(a, b)
        ari[j, i], ami[j, i], vi[j, i] = ari[i, j], ami[i, j], vi[i, j]
    return {"runs": [lab.name for lab in labelings], "ari": ari, "ami": ami, "vi": vi}


def contingency(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts table (clusters of a x clusters of b) with the values labelling its rows and columns; -1 kept."""
    rows, ia = np.unique(np.asarray(a), return_inverse=True)
    cols, ib = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((len(rows), len(cols)), dtype=np.int64)
    np.add.at(table, (ia, ib), 1)
    return table, rows, cols


def best_matches(a: Labeling, b: Labeling) -> list[dict]:
    """For each cluster of a: the cluster of b with the highest Jaccard index (noise is not a cluster)."""
    keep = a.valid & b.valid
    table, rows, cols = contingency(a.labels[keep], b.labels[keep])
    sizes_a, sizes_b = table.sum(axis=1), table.sum(axis=0)
    out = []
    for r, cluster in enumerate(rows):
        if cluster < 0:
            continue
        real = cols >= 0
        union = sizes_a[r] + sizes_b - table[r]
        jaccard = np.where(real & (union > 0), table[r] / np.maximum(union, 1), -1.0)
        best = int(np.argmax(jaccard))
        found = jaccard[best] > 0
        out.append(
            {
                "run": a.name,
                "cluster": int(cluster),
                "size": int(sizes_a[r]),
                "other": b.name,
                "best_match": int(cols[best]) if found else None,
                "jaccard": float(jaccard[best]) if found else 0.0,
                "overlap": int(table[r, best]) if found else 0,
            }
        )
    return out


def all_matches(labelings: list[Labeling]) -> list[dict]:
    """Best matches in both directions for every pair of labelings."""
    out = []
    for a, b in itertools.permutations(labelings, 2):
        out.extend(best_matches(a, b))
    return out


def matched_codes(reference: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Relabel `labels` so each cluster takes the id of the reference cluster it overlaps most (Hungarian).

    Unmatched clusters get new ids after the reference's largest; noise stays -1. Used so the same
    group keeps its colour across small multiples.
    """
    reference, labels = np.asarray(reference), np.asarray(labels)
    both = (reference >= 0) & (labels >= 0)
    ref_ids = np.unique(reference[reference >= 0])
    own_ids = np.unique(labels[labels >= 0])
    mapping: dict[int, int] = {}
    if len(ref_ids) and len(own_ids):
        table = np.zeros((len(own_ids), len(ref_ids)), dtype=np.int64)
        np.add.at(table, (np.searchsorted(own_ids, labels[both]), np.searchsorted(ref_ids, reference[both])), 1)
        rows, cols = linear_sum_assignment(table, maximize=True)
        for r, c in zip(rows, cols):
            if table[r, c] > 0:
                mapping[int(own_ids[r])] = int(ref_ids[c])
    next_id = int(ref_ids.max()) + 1 if len(ref_ids) else 0
    for cluster in own_ids:  # unmatched: new colours, largest first
        if int(cluster) not in mapping:
            mapping[int(cluster)] = next_id
            next_id += 1
    out = np.full(len(labels), -1, dtype=np.int64)
    clustered = labels >= 0
    out[clustered] = [mapping[int(v)] for v in labels[clustered]] if clustered.any() else []
    return out


def matched_order(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column orders that put the matched (Hungarian) pairs on the diagonal, largest first."""
    rows, cols = linear_sum_assignment(table, maximize=True)
    pairs = sorted(zip(rows, cols), key=lambda rc: -table[rc[0], rc[1]])
    row_order = [r for r, _ in pairs] + [r for r in np.argsort(-table.sum(axis=1)) if r not in set(rows)]
    col_order = [c for _, c in pairs]
    rest = [c for c in range(table.shape[1]) if c not in set(cols)]
    rest.sort(key=lambda c: (row_order.index(int(np.argmax(table[:, c]))), -table[:, c].sum()))
    return np.asarray(row_order, dtype=int), np.asarray(col_order + rest, dtype=int)


def flows(a: np.ndarray, b: np.ndarray, min_share: float = 0.005) -> list[dict]:
    """Sankey links {source, target, count} between the clusters of a and b (noise as -1); links under
    `min_share` of the rows are dropped (`dropped_flows` counts them)."""
    table, rows, cols = contingency(a, b)
    total = table.sum()
    links = []
    for r, c in zip(*np.nonzero(table)):
        if table[r, c] >= max(1, min_share * total):
            links.append({"source": int(rows[r]), "target": int(cols[c]), "count": int(table[r, c])})
    return sorted(links, key=lambda link: -link["count"])


def dropped_flows(a: np.ndarray, b: np.ndarray, min_share: float = 0.005) -> tuple[int, int]:
    """How many links `flows` leaves out, and how many rows they carry."""
    table, _, _ = contingency(a, b)
    small = (table > 0) & (table < max(1, min_share * table.sum()))
    return int(small.sum()), int(table[small].sum())


def splits_and_merges(a: np.ndarray, b: np.ndarray, share: float = 0.2, part: float = 0.05) -> dict:
    """Clusters of a that b splits, and clusters of b that merge several of a's (noise left out).

    A cluster is split when at least `share` of its rows lie outside its largest part: split into 37 small pieces
    counts as split, not only two large ones. `split`/`merged` list the parts holding at least `part` of it, largest
    first; `spread` gives, for each, its largest part's share and how many parts it has in all.
    """
    table, rows, cols = contingency(a, b)
    real_r, real_c = rows >= 0, cols >= 0
    t = table[np.ix_(real_r, real_c)]
    row_ids, col_ids = rows[real_r], cols[real_c]

    def pieces(counts: np.ndarray, ids: np.ndarray) -> tuple[list[int], float, int] | None:
        total = counts.sum()
        if total == 0 or counts.max() > (1 - share) * total:
            return None
        order = np.argsort(-counts, kind="stable")
        listed = [int(ids[k]) for k in order if counts[k] >= part * total]
        return listed, float(counts.max() / total), int((counts > 0).sum())

    split: dict[int, list[int]] = {}
    merged: dict[int, list[int]] = {}
    spread: dict[str, dict[int, dict]] = {"split": {}, "merged": {}}
    for i in range(t.shape[0]):
        found = pieces(t[i], col_ids)
        if found:
            split[int(row_ids[i])] = found[0]
            spread["split"][int(row_ids[i])] = {"largest": found[1], "parts": found[2]}
    for j in range(t.shape[1]):
        found = pieces(t[:, j], row_ids)
        if found:
            merged[int(col_ids[j])] = found[0]
            spread["merged"][int(col_ids[j])] = {"largest": found[1], "parts": found[2]}
    return {"split": split, "merged": merged, "spread": spread}


def compare(labelings: list[Labeling]) -> dict:
    """Agreement between clusterings (runs, and a truth with `is_truth=True`).

    Parameters
    ----------
    labelings : list of Labeling
        Two or more, with distinct names and one label per row each.

    Returns
    -------
    dict
        ``runs`` (names), ``ari``, ``ami`` and ``vi`` matrices (noise as singletons, unlabelled truth rows left
        out), ``matches`` (each cluster's best Jaccard match in every other labeling) and ``n_clusters``; what
        `clusterlab compare --json` prints.
    """
    if len(labelings) < 2:
        raise ValueError("compare needs at least two clusterings (runs, or one run and the truth).")
    names = [lab.name for lab in labelings]
    if len(set(names)) != len(names):
        raise ValueError(f"clustering names must differ; got {names}.")
    out = agreement_matrices(labelings)
    out["matches"] = all_matches(labelings)
    out["n_clusters"] = {lab.name: int(len(np.unique(lab.labels[lab.labels >= 0]))) for lab in labelings}
    return out
