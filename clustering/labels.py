"""Cluster labels as numbers: clusters renumbered by decreasing size, so legends read largest first."""

from __future__ import annotations

import numpy as np


def relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (readable legends); -1 (noise) stays -1."""
    labels = np.asarray(labels).astype(np.int64)
    out = np.full(labels.shape, -1, dtype=np.int32)
    clustered = labels >= 0
    if not clustered.any():
        return out
    values, inverse, counts = np.unique(labels[clustered], return_inverse=True, return_counts=True)
    rank = np.empty(len(values), dtype=np.int32)
    rank[np.argsort(-counts, kind="stable")] = np.arange(len(values), dtype=np.int32)
    out[clustered] = rank[inverse]
    return out


def size_order(labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cluster ids by decreasing size (ties by id), the order relabel_by_size numbers them in; empty ids last."""
    counts = np.bincount(np.asarray(labels)[np.asarray(labels) >= 0], minlength=n_clusters)
    return np.argsort(-counts, kind="stable")
