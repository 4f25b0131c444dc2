"""Agreement with truth (ARI, AMI, NMI, Hungarian ACC) and internal quality scores.

Noise (-1 in predictions) is handled explicitly: by default every noise point is its own
singleton cluster, so labelling points noise never raises a score; `noise="exclude"` scores
the clustered points only, `noise="cluster"` treats noise as one more cluster. Truth -1 means
unlabelled: those rows are left out of every agreement score.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn import metrics as skm

from clustering.limits import SILHOUETTE_ROWS

NoiseMode = Literal["singletons", "cluster", "exclude"]


def _prepare(truth: np.ndarray, labels: np.ndarray, noise: NoiseMode) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(truth).astype(np.int64)
    labels = np.asarray(labels).astype(np.int64)
    if truth.shape != labels.shape:
        raise ValueError(f"truth has {truth.shape[0]} rows, labels {labels.shape[0]}: they must align.")
    keep = truth >= 0
    if noise == "exclude":
        keep &= labels >= 0
    truth, labels = truth[keep], labels[keep]
    if noise == "singletons":
        labels = noise_as_singletons(labels)
    return truth, labels


def noise_as_singletons(labels: np.ndarray) -> np.ndarray:
    """A copy where each noise point (-1) is a cluster of its own, numbered after the real clusters.

    How every agreement score here counts noise: as many one-point clusters, never as one big cluster.
    """
    out = np.asarray(labels).astype(np.int64, copy=True)
    noise = out < 0
    out[noise] = out.max(initial=-1) + 1 + np.arange(noise.sum())
    return out


def ari(truth, labels, noise: NoiseMode = "singletons") -> float:
    """Adjusted Rand index of labels against truth (noise: singletons, dropped or one cluster)."""
    t, p = _prepare(truth, labels, noise)
    return float(skm.adjusted_rand_score(t, p)) if len(t) else float("nan")


def mean_ari_with_others(labelings: list[np.ndarray]) -> np.ndarray:
    """Each labeling's mean ARI with the other labelings (noise as one cluster): how typical each one is."""
    n = len(labelings)
    pairs = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            pairs[i, j] = pairs[j, i] = ari(labelings[i], labelings[j], noise="cluster")
    return (pairs.sum(axis=1) - 1) / max(n - 1, 1)


def ari_from_contingency(counts: dict[tuple, int]) -> float:
    """ARI from {(true label, cluster): rows} counts, as `ari` scores it (noise singletons, truth < 0 left out).

    For runs whose labels never sit in one process (a Dask run sums each part's counts).
    """
    pairs = 0.0
    true_sizes: dict = {}
    cluster_sizes: dict = {}
    n = 0
    for (true, cluster), count in counts.items():
        if isinstance(true, (int, np.integer)) and true < 0:
            continue
        n += count
        true_sizes[true] = true_sizes.get(true, 0) + count
        if cluster >= 0:  # a noise row is a cluster of one: it makes no pair
            pairs += count * (count - 1) / 2
            cluster_sizes[cluster] = cluster_sizes.get(cluster, 0) + count
    if n < 2:
        return float("nan")
    total = n * (n - 1) / 2
    true_pairs = sum(c * (c - 1) / 2 for c in true_sizes.values())
    cluster_pairs = sum(c * (c - 1) / 2 for c in cluster_sizes.values())
    expected = true_pairs * cluster_pairs / total
    best = (true_pairs + cluster_pairs) / 2
    return 1.0 if best == expected else float((pairs - expected) / (best - expected))


def ami(truth, labels, noise: NoiseMode = "singletons") -> float:
    """Adjusted mutual information of labels against truth."""
    t, p = _prepare(truth, labels, noise)
    return float(skm.adjusted_mutual_info_score(t, p)) if len(t) else float("nan")


def nmi(truth, labels, noise: NoiseMode = "singletons") -> float:
    """Normalised mutual information of labels against truth."""
    t, p = _prepare(truth, labels, noise)
    return float(skm.normalized_mutual_info_score(t, p)) if len(t) else float("nan")


def acc(truth, labels) -> float:
    """Accuracy after the best one-to-one matching of clusters to classes (Hungarian); noise is wrong."""
    truth = np.asarray(truth).astype(np.int64)
    labels = np.asarray(labels).astype(np.int64)
    keep = truth >= 0
    truth, labels = truth[keep], labels[keep]
    if len(truth) == 0:
        return float("nan")
    clustered = labels >= 0
    classes, t = np.unique(truth[clustered], return_inverse=True)
    clusters, p = np.unique(labels[clustered], return_inverse=True)
    if len(classes) == 0:
        return 0.0
    table = np.zeros((len(clusters), len(classes)), dtype=np.int64)
    np.add.at(table, (p, t), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(truth))


def agreement(truth, labels) -> dict[str, float]:
    """Scores of labels against a truth, as the CLI, app and reports give them.

    Parameters
    ----------
    truth : array of int
        True classes, -1 for unlabelled rows (left out).
    labels : array of int
        A run's labels, -1 for noise (each noise point its own cluster, so noise counts against the score).

    Returns
    -------
    dict
        ``ari``, ``ami``, ``nmi``, ``acc`` (Hungarian-matched accuracy), ``ari_clustered`` (noise left out),
        ``clustered_share`` and ``n_labelled``.
    """
    labels = np.asarray(labels)
    truth = np.asarray(truth)
    labelled = truth >= 0
    return {
        "ari": ari(truth, labels),
        "ami": ami(truth, labels),
        "nmi": nmi(truth, labels),
        "acc": acc(truth, labels),
        "ari_clustered": ari(truth, labels, noise="exclude"),
        "clustered_share": float((labels[labelled] >= 0).mean()) if labelled.any() else float("nan"),
        "n_labelled": int(labelled.sum()),
    }


def internal(x: np.ndarray, labels: np.ndarray, seed: int = 0, sample_size: int | None = None) -> dict:
    """Silhouette (sampled above sample_size points), Davies-Bouldin, Calinski-Harabasz on non-noise points."""
    sample_size = SILHOUETTE_ROWS.whole() if sample_size is None else sample_size
    labels = np.asarray(labels)
    keep = labels >= 0
    x, labels = np.asarray(x)[keep], labels[keep]
    n_clusters = len(np.unique(labels))
    result: dict = {"silhouette": None, "silhouette_sample": 0, "davies_bouldin": None, "calinski_harabasz": None}
    if n_clusters < 2 or n_clusters >= len(labels):
        return result
    sample = min(sample_size, len(labels))
    result["silhouette"] = float(
        skm.silhouette_score(x, labels, sample_size=sample if sample < len(labels) else None, random_state=seed)
    )
    result["silhouette_sample"] = sample
    result["davies_bouldin"] = float(skm.davies_bouldin_score(x, labels))
    result["calinski_harabasz"] = float(skm.calinski_harabasz_score(x, labels))
    return result
