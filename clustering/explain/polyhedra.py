"""Polyhedral cluster descriptions by integer programming with column generation (Lawless & Günlük 2023).

Each cluster k is described by a polyhedron: a few half-spaces a.z <= b with small integer weights
on features scaled to [0, 1] (z), chosen so that the cluster's points lie inside and every other
cluster's points are cut off by at least one of them. The master problem picks half-spaces:

    min   sum_h cost_h y_h                        (cost = non-zeros + 1: "low complexity")
    s.t.  sum_{h of k cutting u} y_h + e_u >= 1    for every cluster k and unit u outside k
          e_u >= y_h                               for every h of k and unit u of k that h leaves out
          sum_u w_u e_u <= alpha N                 (error budget), y, e binary

Column generation: solve the LP relaxation over the columns so far, price new half-spaces per
cluster on its duals (an exact sweep for one-feature cuts, a small MIP for sparse multi-feature
ones), add those with negative reduced cost, repeat; then solve the master as an integer program.
Initial columns come from a CART tree, axis-aligned bounding cuts and the IMM tree's leaves (so at the
tree's complexity the description is never less accurate than the tree). Other objectives: "sparsity"
(fewest features used) and "accuracy" (fewest errors within a complexity budget, for comparing with
a tree of equal complexity).

For large n the grouping scheme: points are gathered into small groups of nearby points of one
cluster, each treated as its bounding box (a box is cut only if all of it is cut, kept only if all
of it is kept); groups the description gets partly wrong are split and the problem solved again.
Solver: HiGHS through scipy.optimize (linprog for the LPs and their duals, milp for the MIPs), each
call bounded by what is left of the user's time limit; the best description found so far is kept.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

TOLERANCE = 1e-7
MARGIN = 1e-3  # cuts are strict by this much (scaled units)
EXCESS_PENALTY = 100.0  # objective cost per point of error beyond the budget


@dataclass
class HalfSpace:
    cluster: int  # index into the clusters
    weights: np.ndarray  # integer weights on scaled features
    bound: float  # weights . z <= bound

    @property
    def nonzeros(self) -> int:
        return int(np.count_nonzero(self.weights))

    @property
    def cost(self) -> int:
        return self.nonzeros + 1

    def key(self) -> tuple:
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
def _quiet():
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


def _milp(*args, **kwargs):
    with _quiet():
        return milp(*args, **kwargs)


def scale(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    low = values.min(axis=0)
    span = values.max(axis=0) - low
    span[span == 0] = 1.0
    return (values - low) / span, low, span


def make_units(z: np.ndarray, y: np.ndarray, max_units: int, seed: int = 0) -> Units:
    """One unit per point, or (above max_units) k-means groups within each cluster as bounding boxes."""
    n = len(z)
    if n <= max_units:
        return Units(z.copy(), z.copy(), y.copy(), np.ones(n), [np.array([i]) for i in range(n)])
    from sklearn.cluster import MiniBatchKMeans

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
    from sklearn.cluster import KMeans

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


def unit_correct(chosen: np.ndarray, excluded: np.ndarray, column_cluster: np.ndarray, unit_cluster: np.ndarray,
                 k: int) -> np.ndarray:
    """Units whose own polyhedron keeps them whole and every other polyhedron cuts them off."""
    inside = np.ones((k, excluded.shape[1]), dtype=bool)
    for cluster in range(k):
        mine = chosen & (column_cluster == cluster)
        if mine.any():
            inside[cluster] = ~excluded[mine].any(axis=0)
    own = inside[unit_cluster, np.arange(excluded.shape[1])]
    return own & (inside.sum(axis=0) == 1)


def box_min(h: HalfSpace, units: Units) -> np.ndarray:
    pos, neg = np.maximum(h.weights, 0), np.maximum(-h.weights, 0)
    return units.low @ pos - units.high @ neg


def box_max(h: HalfSpace, units: Units) -> np.ndarray:
    pos, neg = np.maximum(h.weights, 0), np.maximum(-h.weights, 0)
    return units.high @ pos - units.low @ neg


def cuts(h: HalfSpace, units: Units) -> np.ndarray:
    """Units of other clusters this half-space cuts off entirely."""
    return (units.cluster != h.cluster) & (box_min(h, units) > h.bound + TOLERANCE)


def leaves_out(h: HalfSpace, units: Units) -> np.ndarray:
    """Units of its own cluster that it does not keep entirely."""
    return (units.cluster == h.cluster) & (box_max(h, units) > h.bound + TOLERANCE)


# --- master problem ------------------------------------------------------------------------------


class Master:
    """Rows and columns of the master problem for a set of half-spaces over a set of units."""

    def __init__(self, columns: list[HalfSpace], units: Units, n_clusters: int, objective: str, alpha: float,
                 complexity_budget: float | None, n_features: int):
        self.columns, self.units, self.k = columns, units, n_clusters
        self.objective, self.alpha, self.budget, self.p = objective, alpha, complexity_budget, n_features
        u, m = len(units), len(columns)
        self.n_z, self.n_e = m, u
        features_used = [np.flatnonzero(c.weights) for c in columns]
        self.n_s = n_features if objective == "sparsity" else 0
        rows, cols, vals, lower = [], [], [], []
        row = 0
        # separation: for cluster k and unit u outside k
        self.sep_row = {}
        cut_sets = [np.flatnonzero(cuts(c, units)) for c in columns]
        by_cluster_unit: dict[tuple[int, int], list[int]] = {}
        for j, (c, units_cut) in enumerate(zip(columns, cut_sets)):
            for unit in units_cut:
                by_cluster_unit.setdefault((c.cluster, int(unit)), []).append(j)
        for k in range(n_clusters):
            for unit in np.flatnonzero(units.cluster != k):
                for j in by_cluster_unit.get((k, int(unit)), []):
                    rows.append(row), cols.append(j), vals.append(1.0)
                rows.append(row), cols.append(m + unit), vals.append(1.0)
                lower.append(1.0)
                self.sep_row[(k, int(unit))] = row
                row += 1
        # own: e_u - y_h >= 0
        self.own_rows = []
        for j, c in enumerate(columns):
            for unit in np.flatnonzero(leaves_out(c, units)):
                rows += [row, row]
                cols += [m + unit, j]
                vals += [1.0, -1.0]
                lower.append(0.0)
                self.own_rows.append(row)
                row += 1
        # sparsity: s_f - y_h >= 0 for each feature f of h
        for j, used in enumerate(features_used):
            if self.n_s:
                for f in used:
                    rows += [row, row]
                    cols += [m + u + f, j]
                    vals += [1.0, -1.0]
                    lower.append(0.0)
                    row += 1
        self.n_ge = row
        self.excluded = np.array([cuts(c, units) | leaves_out(c, units) for c in columns]).reshape(m, u)
        self.column_cluster = np.array([c.cluster for c in columns], dtype=int)
        self.A_ge = sparse.csr_matrix((vals, (rows, cols)), shape=(row, m + u + self.n_s))
        self.b_ge = np.array(lower)
        weights = units.weight
        total = weights.sum()
        costs = np.array([c.cost for c in columns], dtype=float)
        # the error budget is soft: each point beyond it costs EXCESS_PENALTY, so every master is feasible
        # and its duals steer pricing towards the points still in error
        if objective == "accuracy":
            self.c = np.concatenate([np.zeros(m), weights, np.zeros(self.n_s), [0.0]])
            ub = np.concatenate([costs, np.zeros(u + self.n_s), [0.0]])
            self.b_ub = np.array([float(complexity_budget)])
        else:
            first = 0.01 * costs if objective == "sparsity" else costs
            self.c = np.concatenate([first, np.zeros(u), np.ones(self.n_s), [EXCESS_PENALTY]])
            ub = np.concatenate([np.zeros(m), weights, np.zeros(self.n_s), [-1.0]])
            self.b_ub = np.array([alpha * total])
        self.A_ub = sparse.csr_matrix(ub[None, :])
        self.A_ge = sparse.hstack([self.A_ge, sparse.csr_matrix((self.A_ge.shape[0], 1))]).tocsr()
        self.integrality = np.concatenate([np.ones(m + u + self.n_s), [0.0]])
        self.upper = np.concatenate([np.ones(m + u + self.n_s), [np.inf]])

    def solve_lp(self) -> tuple[dict | None, float | None]:
        """Duals of the LP relaxation: separation duals per (cluster, unit) and the budget's."""
        A = sparse.vstack([-self.A_ge, self.A_ub]).tocsr()
        b = np.concatenate([-self.b_ge, self.b_ub])
        result = linprog(self.c, A_ub=A, b_ub=b, bounds=list(zip(np.zeros(len(self.c)), self.upper)),
                         method="highs")
        if result.status != 0:
            return None, None
        marginals = -result.ineqlin.marginals  # >= 0
        separation = {key: marginals[row] for key, row in self.sep_row.items()}
        self.lp_x = result.x[: self.n_z]
        return {"separation": separation, "budget": marginals[self.n_ge]}, float(result.fun)

    def score(self, chosen: np.ndarray) -> float:
        """The master's objective for a choice of columns, errors counted exactly on the units (lower is better)."""
        correct = unit_correct(chosen, self.excluded, self.column_cluster, self.units.cluster, self.k)
        errors = float(self.units.weight[~correct].sum())
        costs = np.array([c.cost for c in self.columns], dtype=float)
        if self.objective == "accuracy":
            return errors + (1e9 if costs[chosen].sum() > self.budget + 1e-9 else 0.0)
        excess = max(0.0, errors - self.alpha * self.units.weight.sum())
        if self.objective == "sparsity":
            used = {int(j) for c, on in zip(self.columns, chosen) if on for j in np.flatnonzero(c.weights)}
            return len(used) + 0.01 * costs[chosen].sum() + EXCESS_PENALTY * excess
        return costs[chosen].sum() + EXCESS_PENALTY * excess

    def rounded(self) -> np.ndarray:
        """A good choice of columns from the LP solution: threshold it, keep the budget, then improve greedily."""
        x = getattr(self, "lp_x", np.zeros(self.n_z))
        costs = np.array([c.cost for c in self.columns], dtype=float)
        order = np.argsort(-x)
        best, best_score = np.zeros(self.n_z, dtype=bool), np.inf
        for t in (0.99, 0.9, 0.7, 0.5, 0.3, 0.1, 0.01):
            chosen = x >= t
            if self.objective == "accuracy":
                for j in order[::-1]:
                    if costs[chosen].sum() <= self.budget + 1e-9:
                        break
                    chosen[j] = False
            score = self.score(chosen)
            if score < best_score:
                best, best_score = chosen.copy(), score
        for _ in range(2):  # add or drop single columns while that helps
            improved = False
            for j in order:
                trial = best.copy()
                trial[j] = not trial[j]
                score = self.score(trial)
                if score < best_score - 1e-9:
                    best, best_score, improved = trial, score, True
            if not improved:
                break
        return best

    def improve(self, start: np.ndarray, deadline: float) -> np.ndarray:
        """Local search from a choice of columns: add, drop or swap one column while the score improves."""
        best, best_score = start.copy(), self.score(start)
        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            moves = [(j,) for j in range(self.n_z)]
            moves += [(out, into) for out in np.flatnonzero(best) for into in np.flatnonzero(~best)
                      if self.column_cluster[out] == self.column_cluster[into]]
            for move in moves:
                if time.perf_counter() > deadline:
                    break
                trial = best.copy()
                for j in move:
                    trial[j] = not trial[j]
                score = self.score(trial)
                if score < best_score - 1e-9:
                    best, best_score, improved = trial, score, True
                    break
        return best

    def solve_ip(self, time_limit: float) -> tuple[np.ndarray | None, str]:
        A = sparse.vstack([self.A_ge, self.A_ub]).tocsr()
        low = np.concatenate([self.b_ge, np.full(len(self.b_ub), -np.inf)])
        high = np.concatenate([np.full(len(self.b_ge), np.inf), self.b_ub])
        result = _milp(self.c, integrality=self.integrality, bounds=Bounds(0, self.upper),
                      constraints=LinearConstraint(A, low, high),
                      options={"time_limit": max(1.0, time_limit), "disp": False, "mip_rel_gap": 0.01})
        if result.x is None:
            return None, result.message
        status = "optimal" if result.status == 0 else "time limit (best found)"
        return np.round(result.x[: self.n_z]).astype(bool), status


# --- pricing ---------------------------------------------------------------------------------------


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


def mip_pricing(units: Units, k: int, prize: np.ndarray, penalty: np.ndarray, unit_cost: float, features: np.ndarray,
                max_nonzeros: int, max_weight: int, time_limit: float, max_rows: int = 400) -> tuple | None:
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
    c[isv:isv + q] = unit_cost
    c[iv:iv + n_o] = -prize[other]
    c[iw:iw + n_w] = penalty[own]
    rows = []
    low_b, high_b = [], []
    lo_o, hi_o = units.low[other][:, features], units.high[other][:, features]
    lo_w, hi_w = units.low[own][:, features], units.high[own][:, features]
    for r in range(n_o):  # min over box > b + margin if v: a+ lo - a- hi - b - big v >= margin - big
        row = np.zeros(total)
        row[ia:ia + q], row[ib:ib + q], row[ibv] = lo_o[r], -hi_o[r], -1.0
        row[iv + r] = -big
        rows.append(row), low_b.append(MARGIN - big), high_b.append(np.inf)
    for r in range(n_w):  # max over box <= b unless w: a+ hi - a- lo - b - big w <= 0
        row = np.zeros(total)
        row[ia:ia + q], row[ib:ib + q], row[ibv] = hi_w[r], -lo_w[r], -1.0
        row[iw + r] = -big
        rows.append(row), low_b.append(-np.inf), high_b.append(0.0)
    for f in range(q):  # a+ + a- <= M s
        row = np.zeros(total)
        row[ia + f], row[ib + f], row[isv + f] = 1.0, 1.0, -max_weight
        rows.append(row), low_b.append(-np.inf), high_b.append(0.0)
    row = np.zeros(total)
    row[isv:isv + q] = 1.0
    rows.append(row), low_b.append(1.0), high_b.append(float(max_nonzeros))
    upper = np.concatenate([np.full(2 * q, max_weight), np.ones(q), [max_weight * max_nonzeros], np.ones(n_o + n_w)])
    lower = np.concatenate([np.zeros(3 * q), [-max_weight * max_nonzeros], np.zeros(n_o + n_w)])
    integrality = np.ones(total)
    integrality[ibv] = 0
    result = _milp(c, integrality=integrality,
                  bounds=Bounds(lower, upper), constraints=LinearConstraint(sparse.csr_matrix(np.array(rows)),
                                                                           low_b, high_b),
                  options={"time_limit": max(0.5, time_limit), "disp": False})
    if result.x is None:
        return None
    x = result.x
    weights_q = np.round(x[ia:ia + q]) - np.round(x[ib:ib + q])
    if not weights_q.any():
        return None
    weights = np.zeros(units.low.shape[1])
    weights[features] = weights_q
    # the tightest bound that keeps the own units the MIP kept: the largest box max among them
    h = HalfSpace(k, weights, 0.0)
    kept = np.round(x[iw:iw + n_w]) < 0.5
    maxima = box_max(h, units)[own]
    h.bound = float(maxima[kept].max()) if kept.any() else float(x[ibv])
    return unit_cost * (h.nonzeros + 1) - _value(h, units, prize, penalty), h


def _value(h: HalfSpace, units: Units, prize: np.ndarray, penalty: np.ndarray) -> float:
    return float(prize[cuts(h, units)].sum() - penalty[leaves_out(h, units)].sum())


# --- initial columns --------------------------------------------------------------------------------


def initial_columns(z: np.ndarray, y: np.ndarray, units: Units, n_clusters: int, seed: int = 0) -> list[HalfSpace]:
    """Half-spaces from the paths of a CART tree, and each cluster's best axis-aligned bounding cuts."""
    from sklearn.tree import DecisionTreeClassifier

    columns = []
    sample = np.random.default_rng(seed).choice(len(z), size=min(len(z), 20_000), replace=False)
    tree = DecisionTreeClassifier(max_leaf_nodes=max(2, 3 * n_clusters), random_state=seed,
                                  min_samples_leaf=max(1, len(sample) // 500)).fit(z[sample], y[sample])
    t = tree.tree_
    stack = [(0, [])]
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
    from clustering.explain import trees

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
                columns.append(HalfSpace(leaf.cluster, weights, float(high)))
            if np.isfinite(low):  # x > low on the data is x >= the next data value above it
                above = z[:, j][z[:, j] > low]
                weights = np.zeros(z.shape[1])
                weights[j] = -1.0
                columns.append(HalfSpace(leaf.cluster, weights, -float(above.min() if len(above) else low)))
    return columns


# --- driver ------------------------------------------------------------------------------------------


def describe(values: np.ndarray, y: np.ndarray, *, objective: str = "complexity", alpha: float = 0.05,
             complexity_budget: float | None = None, max_nonzeros: int = 2, max_weight: int = 3,
             time_limit: float = 60.0, max_units: int = 600, max_iterations: int = 30, refine_rounds: int = 3,
             seed: int = 0, progress=None, cancel=None) -> PolyhedraResult:
    """Polyhedral descriptions of clusters y (0..k-1) in `values`; see the module text."""
    if objective not in ("complexity", "sparsity", "accuracy"):
        raise ValueError(f"objective '{objective}': choose complexity, sparsity or accuracy.")
    if objective == "accuracy" and not complexity_budget:
        raise ValueError("the accuracy objective needs a complexity budget.")
    start = time.perf_counter()
    deadline = start + time_limit
    values = np.asarray(values, dtype=np.float64)
    z, low, span = scale(values)
    n_clusters = int(y.max()) + 1
    units = make_units(z, y, max_units, seed)
    tree_columns = imm_columns(z, y, n_clusters)
    columns = initial_columns(z, y, units, n_clusters, seed) + tree_columns
    best: PolyhedraResult | None = None
    history = []
    iterations = 0
    for round_ in range(refine_rounds + 1):
        columns = _deduplicate(columns)
        for _ in range(max_iterations):
            if time.perf_counter() > deadline - 0.45 * time_limit or (cancel is not None and cancel.is_set()):
                break
            master = Master(columns, units, n_clusters, objective, alpha, complexity_budget, z.shape[1])
            duals, bound = master.solve_lp()
            iterations += 1
            if duals is None:
                break
            added = _price(units, n_clusters, duals, objective, master, max_nonzeros, max_weight, deadline,
                           time_limit, columns)
            history.append({"iteration": iterations, "lp": bound, "columns": len(columns), "added": len(added),
                            "seconds": time.perf_counter() - start, "units": len(units)})
            if progress:
                progress(f"column generation: {len(columns)} half-spaces, LP {bound:.2f}",
                         min(0.9, (time.perf_counter() - start) / time_limit))
            if not added or _stalled(history):
                break
            columns.extend(added)
        master = Master(columns, units, n_clusters, objective, alpha, complexity_budget, z.shape[1])
        master.solve_lp()
        if hasattr(master, "lp_x"):  # the integer program over the columns the LP uses: far smaller, solves better
            tree_keys = {c.key() for c in tree_columns}
            useful = [c for c, value in zip(columns, master.lp_x) if value > 1e-6 or c.key() in tree_keys]
            if useful:
                master = Master(useful, units, n_clusters, objective, alpha, complexity_budget, z.shape[1])
                master.solve_lp()
        ip_start = time.perf_counter()
        chosen, status = master.solve_ip(min(deadline - ip_start, 0.3 * time_limit))
        candidates = [("integer program", chosen, status), ("LP rounding", master.rounded(), "")]
        tree_keys = {c.key() for c in tree_columns}
        as_tree = np.array([c.key() in tree_keys for c in master.columns])
        if as_tree.sum() == len(tree_keys):
            candidates.append(("the IMM tree's polyhedra", as_tree, ""))
        starts = [c for c in candidates if c[1] is not None]
        if starts:  # local search from the best start, while the time lasts
            first = min(starts, key=lambda c: master.score(c[1]))
            search_end = min(deadline, time.perf_counter() + 0.15 * time_limit)
            candidates.append((f"local search from {first[0]}", master.improve(first[1], search_end), ""))
        history.append({"ip": status, "seconds": time.perf_counter() - start, "ip_seconds": time.perf_counter() - ip_start})
        for name, choice, detail in candidates:  # judged on the points themselves, not on the groups' boxes
            if choice is None:
                continue
            picked = [c for c, on in zip(master.columns, choice) if on]
            label = detail if name == "integer program" else f"{name} (integer program: {status})"
            result = PolyhedraResult(picked, low, span, label, iterations, len(columns), len(units), 0.0,
                                     history=history)
            result.accuracy = _accuracy(result, values, y, n_clusters)
            if objective == "accuracy" and sum(h.cost for h in picked) > complexity_budget + 1e-9:
                continue
            if best is None or _better(result, best, objective, alpha, len(y)):
                best = result
        if len(units) == len(z) or time.perf_counter() > deadline - 0.2 * time_limit:
            break
        wrong = _groups_in_error(best, values, y, units, n_clusters)
        if not wrong.any():
            break
        units = split_units(units, z, wrong, seed)
    if best is not None and objective != "accuracy" and 1 - best.accuracy > alpha + 1e-9:
        best.status += f"; error {1 - best.accuracy:.1%} is above the budget {alpha:.1%}"
    if best is None:
        raise RuntimeError("no polyhedral description found within the time limit; allow more time or a larger "
                           "error budget.")
    best.seconds = time.perf_counter() - start
    best.history = history
    return best


def _price(units, n_clusters, duals, objective, master, max_nonzeros, max_weight, deadline, time_limit, columns):
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
        if max_nonzeros >= 2 and left > 0.35 * time_limit:
            scores = np.abs(_feature_scores(units, k, prize))
            features = np.argsort(-scores)[: min(12, len(scores))]
            found = mip_pricing(units, k, prize, penalty, unit_cost, features, max_nonzeros, max_weight,
                                time_limit=min(1.0, left - 0.3 * time_limit))
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


def _stalled(history: list[dict], window: int = 3, share: float = 0.01) -> bool:
    """The LP bound improved by less than `share` over the last `window` iterations."""
    bounds = [h["lp"] for h in history if "lp" in h]
    if len(bounds) <= window:
        return False
    before, now = bounds[-window - 1], bounds[-1]
    return before - now <= share * max(abs(before), 1e-9)


def _deduplicate(columns: list[HalfSpace]) -> list[HalfSpace]:
    seen, out = set(), []
    for c in columns:
        if c.key() not in seen:
            seen.add(c.key())
            out.append(c)
    return out


def _accuracy(result: PolyhedraResult, values: np.ndarray, y: np.ndarray, n_clusters: int) -> float:
    covered = result.covered(values, n_clusters)
    own = covered[np.arange(len(y)), y]
    return float((own & (covered.sum(axis=1) == 1)).mean())


def _better(result: PolyhedraResult, best: PolyhedraResult, objective: str, alpha: float, n: int) -> bool:
    """Compare two descriptions by the master's objective, errors counted on the points."""
    def value(r: PolyhedraResult) -> tuple:
        cost = sum(h.cost for h in r.halfspaces)
        if objective == "accuracy":
            return (-r.accuracy, cost)
        excess = max(0.0, (1 - r.accuracy) - alpha) * n  # points in error beyond the budget
        if objective == "sparsity":
            used = len({int(j) for h in r.halfspaces for j in np.flatnonzero(h.weights)})
            return (used + 0.01 * cost + EXCESS_PENALTY * excess, cost)
        return (cost + EXCESS_PENALTY * excess, -r.accuracy)

    return value(result) < value(best)


def _groups_in_error(result, values, y, units: Units, n_clusters: int) -> np.ndarray:
    """Groups whose points the description gets partly right and partly wrong: worth splitting."""
    covered = result.covered(values, n_clusters)
    correct = covered[np.arange(len(y)), y] & (covered.sum(axis=1) == 1)
    return np.array([len(m) > 1 and 0 < correct[m].sum() < len(m) for m in units.members])


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
