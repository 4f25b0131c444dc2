"""Polyhedra, pricing: new half-spaces with negative reduced cost (exact one-feature sweep, small MIP), and the
starting columns (CART, bounding cuts, the IMM tree's leaves)."""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint
from sklearn.tree import DecisionTreeClassifier

from clustering.explainers import trees
from clustering.explainers.polyhedra.model import (
    MARGIN,
    TOLERANCE,
    HalfSpace,
    Units,
    box_max,
    cuts,
    leaves_out,
    quiet_milp,
)

MIP_PRICING_MIN_LEFT_SHARE = 0.35  # the multi-feature MIP is tried only while this share of the time limit is left
MIP_PRICING_RESERVE_SHARE = 0.30  # ...and each MIP call leaves this share for the integer program and search


def axis_pricing(units: Units, k: int, prize: np.ndarray, penalty: np.ndarray, unit_cost: float) -> tuple | None:
    """Best one-feature half-space for cluster k: (reduced cost, HalfSpace). prize/penalty per unit."""
    own = units.cluster == k
    other = ~own
    best = None
    p = units.low.shape[1]
    for j in range(p):
        for sign in (1.0, -1.0):
            # sign +1: z_j <= t cuts others with low > t, leaves out own with high > t
            # sign -1: z_j >= t (-z_j <= -t) cuts others with high < t, leaves out own with low < t
            if sign > 0:
                own_edge, other_edge = units.high[own, j], units.low[other, j]
                candidates = np.unique(own_edge)
                cut_gain = _suffix_sum(other_edge, prize[other], candidates)
                lost = _suffix_sum(own_edge, penalty[own], candidates)
            else:
                own_edge, other_edge = -units.low[own, j], -units.high[other, j]
                candidates = np.unique(own_edge)
                cut_gain = _suffix_sum(other_edge, prize[other], candidates)
                lost = _suffix_sum(own_edge, penalty[own], candidates)
            value = cut_gain - lost
            if not len(value):
                continue
            at = int(np.argmax(value))
            reduced = 2 * unit_cost - value[at]
            if best is None or reduced < best[0]:
                weights = np.zeros(p)
                weights[j] = sign
                best = (reduced, HalfSpace(k, weights, float(candidates[at])))
    return best


def _suffix_sum(edges: np.ndarray, amounts: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Sum of amounts whose edge > threshold (strictly, with tolerance), for every threshold."""
    if len(edges) == 0:
        return np.zeros(len(thresholds))
    order = np.argsort(edges)
    sorted_edges = edges[order]
    tail = np.concatenate([np.cumsum(amounts[order][::-1])[::-1], [0.0]])
    return tail[np.searchsorted(sorted_edges, thresholds + TOLERANCE, side="right")]


def mip_pricing(
    units: Units,
    k: int,
    prize: np.ndarray,
    penalty: np.ndarray,
    unit_cost: float,
    features: np.ndarray,
    max_nonzeros: int,
    max_weight: int,
    time_limit: float,
    max_rows: int = 400,
) -> tuple | None:
    """A sparse integer-weight half-space for cluster k maximising prize of cut units minus penalties (HiGHS MIP)."""
    own = np.flatnonzero(units.cluster == k)
    other = np.flatnonzero((units.cluster != k) & (prize > TOLERANCE))
    if len(other) == 0:
        return None
    if len(other) > max_rows:
        other = other[np.argsort(-prize[other])[:max_rows]]
    if len(own) > max_rows:
        own = own[np.argsort(-penalty[own])[:max_rows]]
    q = len(features)
    n_o, n_w = len(other), len(own)
    # variables: a+ (q), a- (q), s (q), b, v (n_o), w (n_w)
    total = 3 * q + 1 + n_o + n_w
    ia, ib, isv, ibv = 0, q, 2 * q, 3 * q
    iv, iw = 3 * q + 1, 3 * q + 1 + n_o
    big = 2 * max_weight * max_nonzeros + 1
    c = np.zeros(total)
    c[isv : isv + q] = unit_cost
    c[iv : iv + n_o] = -prize[other]
    c[iw : iw + n_w] = penalty[own]
    rows = []
    low_b, high_b = [], []
    lo_o, hi_o = units.low[other][:, features], units.high[other][:, features]
    lo_w, hi_w = units.low[own][:, features], units.high[own][:, features]
    for r in range(n_o):  # min over box > b + margin if v: a+ lo - a- hi - b - big v >= margin - big
        row = np.zeros(total)
        row[ia : ia + q], row[ib : ib + q], row[ibv] = lo_o[r], -hi_o[r], -1.0
        row[iv + r] = -big
        rows.append(row)
        low_b.append(MARGIN - big)
        high_b.append(np.inf)
    for r in range(n_w):  # max over box <= b unless w: a+ hi - a- lo - b - big w <= 0
        row = np.zeros(total)
        row[ia : ia + q], row[ib : ib + q], row[ibv] = hi_w[r], -lo_w[r], -1.0
        row[iw + r] = -big
        rows.append(row)
        low_b.append(-np.inf)
        high_b.append(0.0)
    for f in range(q):  # a+ + a- <= M s
        row = np.zeros(total)
        row[ia + f], row[ib + f], row[isv + f] = 1.0, 1.0, -max_weight
        rows.append(row)
        low_b.append(-np.inf)
        high_b.append(0.0)
    row = np.zeros(total)
    row[isv : isv + q] = 1.0
    rows.append(row)
    low_b.append(1.0)
    high_b.append(float(max_nonzeros))
    upper = np.concatenate([np.full(2 * q, max_weight), np.ones(q), [max_weight * max_nonzeros], np.ones(n_o + n_w)])
    lower = np.concatenate([np.zeros(3 * q), [-max_weight * max_nonzeros], np.zeros(n_o + n_w)])
    integrality = np.ones(total)
    integrality[ibv] = 0
    result = quiet_milp(
        c,
        integrality=integrality,
        bounds=Bounds(lower, upper),
        constraints=LinearConstraint(sparse.csr_matrix(np.array(rows)), low_b, high_b),
        options={"time_limit": max(0.5, time_limit), "disp": False},
    )
    if result.x is None:
        return None
    x = result.x
    weights_q = np.round(x[ia : ia + q]) - np.round(x[ib : ib + q])
    if not weights_q.any():
        return None
    weights = np.zeros(units.low.shape[1])
    weights[features] = weights_q
    # the tightest bound that keeps the own units the MIP kept: the largest box max among them
    h = HalfSpace(k, weights, 0.0)
    kept = np.round(x[iw : iw + n_w]) < 0.5
    maxima = box_max(h, units)[own]
    h.bound = float(maxima[kept].max()) if kept.any() else float(x[ibv])
    return unit_cost * (h.nonzeros + 1) - _value(h, units, prize, penalty), h


def _value(h: HalfSpace, units: Units, prize: np.ndarray, penalty: np.ndarray) -> float:
    return float(prize[cuts(h, units)].sum() - penalty[leaves_out(h, units)].sum())


# --- initial columns --------------------------------------------------------------------------------


def initial_columns(z: np.ndarray, y: np.ndarray, units: Units, n_clusters: int, seed: int = 0) -> list[HalfSpace]:
    """Half-spaces from the paths of a CART tree, and each cluster's best axis-aligned bounding cuts."""

    columns = []
    sample = np.random.default_rng(seed).choice(len(z), size=min(len(z), 20_000), replace=False)
    tree = DecisionTreeClassifier(
        max_leaf_nodes=max(2, 3 * n_clusters), random_state=seed, min_samples_leaf=max(1, len(sample) // 500)
    ).fit(z[sample], y[sample])
    t = tree.tree_
    stack: list[tuple[int, list[tuple[int, float, bool]]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        if t.children_left[node] == -1:
            k = int(tree.classes_[np.argmax(t.value[node][0])])
            for feature, threshold, left in path:
                weights = np.zeros(z.shape[1])
                weights[feature] = 1.0 if left else -1.0
                columns.append(HalfSpace(k, weights, threshold if left else -threshold))
            continue
        f, th = int(t.feature[node]), float(t.threshold[node])
        stack.append((t.children_left[node], path + [(f, th, True)]))
        stack.append((t.children_right[node], path + [(f, th, False)]))
    uniform = units.weight.astype(float)
    for k in range(n_clusters):
        found = axis_pricing(units, k, uniform, uniform * 4, 1.0)
        if found:
            columns.append(found[1])
    return columns


def imm_columns(z: np.ndarray, y: np.ndarray, n_clusters: int) -> list[HalfSpace]:
    """The IMM tree's leaves as polyhedra (one leaf per cluster is one polyhedron): the description has
    at least the tree's accuracy at the tree's complexity, as the paper's comparison expects."""

    centres = trees.class_means(z, y, np.arange(n_clusters))
    root = trees.imm_tree(z, y, centres)
    columns = []
    for leaf, path in trees.path_conditions(root):
        bounds: dict[int, list[float]] = {}
        for j, threshold, left in path:
            low, high = bounds.setdefault(j, [-np.inf, np.inf])
            bounds[j] = [low, min(high, threshold)] if left else [max(low, threshold), high]
        for j, (low, high) in bounds.items():
            if np.isfinite(high):
                weights = np.zeros(z.shape[1])
                weights[j] = 1.0
                columns.append(HalfSpace(leaf.leaf_cluster, weights, float(high)))
            if np.isfinite(low):  # x > low on the data is x >= the next data value above it
                above = z[:, j][z[:, j] > low]
                weights = np.zeros(z.shape[1])
                weights[j] = -1.0
                columns.append(HalfSpace(leaf.leaf_cluster, weights, -float(above.min() if len(above) else low)))
    return columns


def price_columns(units, n_clusters, duals, objective, master, max_nonzeros, max_weight, deadline, time_limit, columns):
    """New half-spaces with negative reduced cost under the LP's duals (the pricing problem)."""
    known = {c.key() for c in columns}
    added = []
    budget_dual = duals["budget"]
    for k in range(n_clusters):
        prize = np.zeros(len(units))
        for (cluster, unit), value in duals["separation"].items():
            if cluster == k:
                prize[unit] = value
        if objective == "accuracy":
            penalty, unit_cost = units.weight * 1.0, max(budget_dual, 1e-3)
        else:
            penalty = units.weight * max(budget_dual, 1e-3)
            unit_cost = 0.01 if objective == "sparsity" else 1.0
        found = axis_pricing(units, k, prize, penalty, unit_cost)
        if found and found[0] < -1e-6 and found[1].key() not in known:
            added.append(found[1])
            known.add(found[1].key())
            continue
        left = deadline - time.perf_counter()
        if max_nonzeros >= 2 and left > MIP_PRICING_MIN_LEFT_SHARE * time_limit:
            scores = np.abs(_feature_scores(units, k, prize))
            features = np.argsort(-scores)[: min(12, len(scores))]
            found = mip_pricing(
                units,
                k,
                prize,
                penalty,
                unit_cost,
                features,
                max_nonzeros,
                max_weight,
                time_limit=min(1.0, left - MIP_PRICING_RESERVE_SHARE * time_limit),
            )
            if found and found[0] < -1e-6 and found[1].key() not in known:
                added.append(found[1])
                known.add(found[1].key())
    return added


def _feature_scores(units: Units, k: int, prize: np.ndarray) -> np.ndarray:
    """How far the prized outside units lie from cluster k per feature (to choose the MIP's features)."""
    own = units.cluster == k
    centre = (units.low[own] + units.high[own]).mean(axis=0) / 2
    spread = units.high[own].max(axis=0) - units.low[own].min(axis=0) + 1e-6
    outside = prize > TOLERANCE
    if not outside.any():
        return np.zeros(units.low.shape[1])
    gap = np.abs((units.low[outside] + units.high[outside]) / 2 - centre) / spread
    return (gap * prize[outside, None]).sum(axis=0)
