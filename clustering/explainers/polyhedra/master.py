"""Polyhedra, the master problem: choose half-spaces (LP relaxation with duals, integer program, rounding)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog

from clustering.explainers.polyhedra.model import (
    EXCESS_PENALTY,
    HalfSpace,
    Units,
    cuts,
    leaves_out,
    quiet_milp,
    unit_correct,
)


class Master:
    """Rows and columns of the master problem for a set of half-spaces over a set of units."""

    def __init__(
        self,
        columns: list[HalfSpace],
        units: Units,
        n_clusters: int,
        objective: str,
        alpha: float,
        complexity_budget: float | None,
        n_features: int,
    ):
        self.columns, self.units, self.k = columns, units, n_clusters
        self.objective, self.alpha, self.p = objective, alpha, n_features
        self.budget = float(complexity_budget) if complexity_budget is not None else float("inf")  # accuracy only
        u, m = len(units), len(columns)
        self.n_z, self.n_e = m, u
        features_used = [np.flatnonzero(c.weights) for c in columns]
        self.n_s = n_features if objective == "sparsity" else 0
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lower: list[float] = []
        row = 0
        # separation: for cluster k and unit u outside k
        self.sep_row: dict[tuple[int, int], int] = {}
        cut_sets = [np.flatnonzero(cuts(c, units)) for c in columns]
        by_cluster_unit: dict[tuple[int, int], list[int]] = {}
        for j, (c, units_cut) in enumerate(zip(columns, cut_sets)):
            for unit in units_cut:
                by_cluster_unit.setdefault((c.cluster, int(unit)), []).append(j)
        for k in range(n_clusters):
            for unit in np.flatnonzero(units.cluster != k):
                for j in by_cluster_unit.get((k, int(unit)), []):
                    rows.append(row)
                    cols.append(j)
                    vals.append(1.0)
                rows.append(row)
                cols.append(m + int(unit))
                vals.append(1.0)
                lower.append(1.0)
                self.sep_row[(k, int(unit))] = row
                row += 1
        # own: e_u - y_h >= 0
        self.own_rows = []
        for j, c in enumerate(columns):
            for unit in np.flatnonzero(leaves_out(c, units)):
                rows += [row, row]
                cols += [m + int(unit), j]
                vals += [1.0, -1.0]
                lower.append(0.0)
                self.own_rows.append(row)
                row += 1
        # sparsity: s_f - y_h >= 0 for each feature f of h
        for j, used in enumerate(features_used):
            if self.n_s:
                for f in used:
                    rows += [row, row]
                    cols += [m + u + int(f), j]
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
            self.b_ub = np.array([self.budget])
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
        result = linprog(self.c, A_ub=A, b_ub=b, bounds=list(zip(np.zeros(len(self.c)), self.upper)), method="highs")
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

    def solve_ip(self, time_limit: float) -> tuple[np.ndarray | None, str]:
        """The integer program over the columns within `time_limit`: the chosen columns and the solver's status."""
        A = sparse.vstack([self.A_ge, self.A_ub]).tocsr()
        low = np.concatenate([self.b_ge, np.full(len(self.b_ub), -np.inf)])
        high = np.concatenate([np.full(len(self.b_ge), np.inf), self.b_ub])
        result = quiet_milp(
            self.c,
            integrality=self.integrality,
            bounds=Bounds(0, self.upper),
            constraints=LinearConstraint(A, low, high),
            options={"time_limit": max(1.0, time_limit), "disp": False, "mip_rel_gap": 0.01},
        )
        if result.x is None:
            return None, result.message
        status = "optimal" if result.status == 0 else "time limit (best found)"
        return np.round(result.x[: self.n_z]).astype(bool), status
