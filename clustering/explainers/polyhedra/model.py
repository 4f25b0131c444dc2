"""Polyhedra, the model: half-spaces on features scaled to [0, 1], groups of points (units), the result."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import milp
from sklearn.cluster import KMeans, MiniBatchKMeans

TOLERANCE = 1e-7
MARGIN = 1e-3  # cuts are strict by this much (scaled units)
EXCESS_PENALTY = 100.0  # objective cost per point of error beyond the budget


@dataclass
class HalfSpace:
    """One half-space w . x <= b in scaled features, for one cluster."""

    cluster: int  # index into the clusters
    weights: np.ndarray  # integer weights on scaled features
    bound: float  # weights . z <= bound

    @property
    def nonzeros(self) -> int:
        """Features the half-space uses."""
        return int(np.count_nonzero(self.weights))

    @property
    def cost(self) -> int:
        """Its complexity: one for the threshold plus one per feature used."""
        return self.nonzeros + 1

    def key(self) -> tuple:
        """Identity for de-duplication: cluster, weights and threshold."""
        return (self.cluster, tuple(np.round(self.weights, 6)), round(self.bound, 6))


@dataclass
class Units:
    """Points, or groups of points as bounding boxes, in scaled coordinates."""

    low: np.ndarray  # u x p
    high: np.ndarray  # u x p
    cluster: np.ndarray  # u, index into clusters
    weight: np.ndarray  # u, number of points
    members: list[np.ndarray]  # row indices per unit

    def __len__(self) -> int:
        return len(self.cluster)


@dataclass
class PolyhedraResult:
    """Chosen half-spaces in the data's own units, with the search's status, sizes and history."""

    halfspaces: list[HalfSpace]
    scale_low: np.ndarray
    scale_span: np.ndarray
    status: str
    iterations: int
    columns: int
    units: int
    seconds: float
    accuracy: float = 0.0  # on the points, as the units are only an aggregate
    history: list[dict] = field(default_factory=list)

    def covered(self, values: np.ndarray, n_clusters: int) -> np.ndarray:
        """n x k: does row i satisfy every half-space of cluster k (a cluster with none covers everything)."""
        z = (np.asarray(values, dtype=np.float64) - self.scale_low) / self.scale_span
        out = np.ones((len(z), n_clusters), dtype=bool)
        for h in self.halfspaces:
            out[:, h.cluster] &= z @ h.weights <= h.bound + TOLERANCE
        return out

    def original_units(self, h: HalfSpace) -> tuple[np.ndarray, float]:
        """The half-space in the features' own units: weights . x <= bound."""
        weights = h.weights / self.scale_span
        return weights, float(h.bound + (weights * self.scale_low).sum())


@contextlib.contextmanager
def quiet():
    """Silence HiGHS's MIP debug lines, which it prints straight to file descriptor 1."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def quiet_milp(*args, **kwargs):
    """scipy's milp with the solver's own output silenced."""
    with quiet():
        return milp(*args, **kwargs)


def scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features scaled to [0, 1]: the scaled values, each feature's minimum and range."""
    low = values.min(axis=0)
    span = values.max(axis=0) - low
    span[span == 0] = 1.0
    return (values - low) / span, low, span


def make_units(z: np.ndarray, y: np.ndarray, max_units: int, seed: int = 0) -> Units:
    """One unit per point, or (above max_units) k-means groups within each cluster as bounding boxes."""
    n = len(z)
    if n <= max_units:
        return Units(z.copy(), z.copy(), y.copy(), np.ones(n), [np.array([i]) for i in range(n)])

    low, high, cluster, weight, members = [], [], [], [], []
    for k in np.unique(y):
        rows = np.flatnonzero(y == k)
        groups = max(1, int(round(max_units * len(rows) / n)))
        if groups >= len(rows):
            parts = [np.array([r]) for r in rows]
        else:
            assign = MiniBatchKMeans(groups, random_state=seed, n_init=1, batch_size=2048).fit_predict(z[rows])
            parts = [rows[assign == g] for g in np.unique(assign)]
        for part in parts:
            low.append(z[part].min(axis=0))
            high.append(z[part].max(axis=0))
            cluster.append(k)
            weight.append(len(part))
            members.append(part)
    return Units(np.array(low), np.array(high), np.array(cluster), np.array(weight, dtype=float), members)


def split_units(units: Units, z: np.ndarray, which: np.ndarray, seed: int = 0) -> Units:
    """Split the chosen groups in two (k-means) and rebuild their boxes."""

    low, high, cluster, weight, members = [], [], [], [], []
    for u in range(len(units)):
        rows = units.members[u]
        parts = [rows]
        if which[u] and len(rows) > 1:
            assign = KMeans(2, random_state=seed, n_init=1).fit_predict(z[rows])
            parts = [rows[assign == g] for g in (0, 1) if (assign == g).any()]
        for part in parts:
            low.append(z[part].min(axis=0))
            high.append(z[part].max(axis=0))
            cluster.append(units.cluster[u])
            weight.append(len(part))
            members.append(part)
    return Units(np.array(low), np.array(high), np.array(cluster), np.array(weight, dtype=float), members)


def unit_correct(
    chosen: np.ndarray, excluded: np.ndarray, column_cluster: np.ndarray, unit_cluster: np.ndarray, k: int
) -> np.ndarray:
    """Units whose own polyhedron keeps them whole and every other polyhedron cuts them off."""
    inside = np.ones((k, excluded.shape[1]), dtype=bool)
    for cluster in range(k):
        mine = chosen & (column_cluster == cluster)
        if mine.any():
            inside[cluster] = ~excluded[mine].any(axis=0)
    own = inside[unit_cluster, np.arange(excluded.shape[1])]
    return own & (inside.sum(axis=0) == 1)


def box_min(h: HalfSpace, units: Units) -> np.ndarray:
    """The smallest value of w . x over each group's box."""
    pos, neg = np.maximum(h.weights, 0), np.maximum(-h.weights, 0)
    return units.low @ pos - units.high @ neg


def box_max(h: HalfSpace, units: Units) -> np.ndarray:
    """The largest value of w . x over each group's box."""
    pos, neg = np.maximum(h.weights, 0), np.maximum(-h.weights, 0)
    return units.high @ pos - units.low @ neg


def cuts(h: HalfSpace, units: Units) -> np.ndarray:
    """Units of other clusters this half-space cuts off entirely."""
    return (units.cluster != h.cluster) & (box_min(h, units) > h.bound + TOLERANCE)


def leaves_out(h: HalfSpace, units: Units) -> np.ndarray:
    """Units of its own cluster that it does not keep entirely."""
    return (units.cluster == h.cluster) & (box_max(h, units) > h.bound + TOLERANCE)


def polygon_2d(halfspaces: list[tuple[np.ndarray, float]], box: tuple[float, float, float, float]) -> list:
    """Vertices of {x in box : w . x <= b for all} for 2-D half-spaces (Sutherland-Hodgman clipping)."""
    x0, x1, y0, y1 = box
    polygon = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    for w, b in halfspaces:
        clipped = []
        for i, current in enumerate(polygon):
            previous = polygon[i - 1]
            inside_c = w[0] * current[0] + w[1] * current[1] <= b + 1e-12
            inside_p = w[0] * previous[0] + w[1] * previous[1] <= b + 1e-12
            if inside_c != inside_p:
                dx, dy = current[0] - previous[0], current[1] - previous[1]
                denominator = w[0] * dx + w[1] * dy
                t = (b - w[0] * previous[0] - w[1] * previous[1]) / denominator if denominator else 0.0
                clipped.append((previous[0] + t * dx, previous[1] + t * dy))
            if inside_c:
                clipped.append(current)
        polygon = clipped
        if not polygon:
            break
    return [[float(x), float(y)] for x, y in polygon]
