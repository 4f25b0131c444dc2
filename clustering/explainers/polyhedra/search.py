"""Polyhedra, the driver: column generation, the integer program, local search, and refining the groups."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from clustering.explainers.polyhedra.master import Master
from clustering.explainers.polyhedra.model import (
    EXCESS_PENALTY,
    HalfSpace,
    PolyhedraResult,
    Units,
    make_units,
    scale,
    split_units,
)
from clustering.explainers.polyhedra.pricing import imm_columns, initial_columns, price_columns

# How the user's time limit is spent (shares of it):
COLUMN_GENERATION_SHARE = 0.55  # column generation stops once this share is used
INTEGER_PROGRAM_SHARE = 0.30  # at most this long for the integer program over the columns
LOCAL_SEARCH_SHARE = 0.15  # at most this long for local search from the best start
REFINE_RESERVE_SHARE = 0.20  # no new round of finer groups with less than this share left


@dataclass
class Search:
    """One polyhedra search: the scaled data, the user's objective and budgets, the clock and its history."""

    values: np.ndarray
    z: np.ndarray
    y: np.ndarray
    low: np.ndarray
    span: np.ndarray
    n_clusters: int
    objective: str
    alpha: float
    complexity_budget: float | None
    max_nonzeros: int
    max_weight: int
    time_limit: float
    start: float
    history: list[dict] = field(default_factory=list)
    iterations: int = 0
    progress: object = None
    cancel: object = None

    @property
    def deadline(self) -> float:
        """When the user's time limit runs out."""
        return self.start + self.time_limit

    def master(self, columns: list, units: Units) -> Master:
        """The master problem over these columns and groups."""
        return Master(
            columns, units, self.n_clusters, self.objective, self.alpha, self.complexity_budget, self.z.shape[1]
        )

    def out_of_time(self, share_left: float) -> bool:
        """Whether the search is cancelled or has less than `share_left` of its time."""
        cancelled = self.cancel is not None and self.cancel.is_set()  # type: ignore[attr-defined]
        return cancelled or time.perf_counter() > self.deadline - share_left * self.time_limit


def describe(
    values: np.ndarray,
    y: np.ndarray,
    *,
    objective: str,
    alpha: float,
    complexity_budget: float | None,
    max_nonzeros: int,
    time_limit: float,
    max_units: int,
    seed: int,
    max_weight: int = 3,
    max_iterations: int = 30,
    refine_rounds: int = 3,
    progress=None,
    cancel=None,
) -> PolyhedraResult:
    """Polyhedral descriptions of clusters y (0..k-1) in `values`; see the package text.

    The user's settings (and their defaults) are the `Polyhedra` explainer's schema; `max_weight`,
    `max_iterations` and `refine_rounds` are the algorithm's own limits. Stages: column generation on the LP,
    the integer program over the columns it uses (with LP rounding, the IMM tree and local search as other
    starts), then finer groups where points are described wrongly, while the time lasts.
    """
    if objective not in ("complexity", "sparsity", "accuracy"):
        raise ValueError(f"objective '{objective}': choose complexity, sparsity or accuracy.")
    if objective == "accuracy" and not complexity_budget:
        raise ValueError("the accuracy objective needs a complexity budget.")
    values = np.asarray(values, dtype=np.float64)
    z, low, span = scale(values)
    n_clusters = int(y.max()) + 1
    search = Search(
        values,
        z,
        y,
        low,
        span,
        n_clusters,
        objective,
        alpha,
        complexity_budget,
        max_nonzeros,
        max_weight,
        time_limit,
        time.perf_counter(),
        progress=progress,
        cancel=cancel,
    )
    units = make_units(z, y, max_units, seed)
    tree_columns = imm_columns(z, y, n_clusters)
    columns = initial_columns(z, y, units, n_clusters, seed) + tree_columns
    best: PolyhedraResult | None = None
    for _round in range(refine_rounds + 1):
        columns = generate_columns(search, _deduplicate(columns), units, max_iterations)
        master, candidates = integer_candidates(search, columns, units, tree_columns)
        best = pick_best(search, master, candidates, columns, units, best)
        if len(units) == len(z) or search.out_of_time(REFINE_RESERVE_SHARE):
            break
        wrong = _groups_in_error(best, values, y, units, n_clusters)
        if not wrong.any():
            break
        units = split_units(units, z, wrong, seed)
    if best is not None and objective != "accuracy" and 1 - best.accuracy > alpha + 1e-9:
        best.status += f"; error {1 - best.accuracy:.1%} is above the budget {alpha:.1%}"
    if best is None:
        raise RuntimeError(
            "no polyhedral description found within the time limit; allow more time or a larger error budget."
        )
    best.seconds = time.perf_counter() - search.start
    best.history = search.history
    return best


def generate_columns(search: Search, columns: list, units: Units, max_iterations: int) -> list:
    """Column generation: solve the LP, price new half-spaces with its duals, until none helps or time is up."""
    for _ in range(max_iterations):
        if search.out_of_time(1 - COLUMN_GENERATION_SHARE):
            break
        master = search.master(columns, units)
        duals, bound = master.solve_lp()
        search.iterations += 1
        if duals is None:
            break
        added = price_columns(
            units,
            search.n_clusters,
            duals,
            search.objective,
            master,
            search.max_nonzeros,
            search.max_weight,
            search.deadline,
            search.time_limit,
            columns,
        )
        elapsed = time.perf_counter() - search.start
        search.history.append(
            {
                "iteration": search.iterations,
                "lp": bound,
                "columns": len(columns),
                "added": len(added),
                "seconds": elapsed,
                "units": len(units),
            }
        )
        if search.progress:
            message = f"column generation: {len(columns)} half-spaces, LP {bound:.2f}"
            search.progress(message, min(0.9, elapsed / search.time_limit))  # type: ignore[operator]
        if not added or _stalled(search.history):
            break
        columns.extend(added)
    return columns


def integer_candidates(search: Search, columns: list, units: Units, tree_columns: list) -> tuple[Master, list]:
    """Choices of columns to judge: the integer program, LP rounding, the IMM tree and a local search."""
    master = search.master(columns, units)
    master.solve_lp()
    tree_keys = {c.key() for c in tree_columns}
    if hasattr(master, "lp_x"):  # the integer program over the columns the LP uses: far smaller, solves better
        useful = [c for c, value in zip(columns, master.lp_x) if value > 1e-6 or c.key() in tree_keys]
        if useful:
            master = search.master(useful, units)
            master.solve_lp()
    ip_start = time.perf_counter()
    chosen, status = master.solve_ip(min(search.deadline - ip_start, INTEGER_PROGRAM_SHARE * search.time_limit))
    candidates = [("integer program", chosen, status), ("LP rounding", master.rounded(), "")]
    as_tree = np.array([c.key() in tree_keys for c in master.columns])
    if as_tree.sum() == len(tree_keys):
        candidates.append(("the IMM tree's polyhedra", as_tree, ""))
    starts = [(name, choice) for name, choice, _ in candidates if choice is not None]
    if starts:  # local search from the best start, while the time lasts
        first_name, first_choice = min(starts, key=lambda c: master.score(c[1]))
        search_end = min(search.deadline, time.perf_counter() + LOCAL_SEARCH_SHARE * search.time_limit)
        candidates.append((f"local search from {first_name}", local_search(master, first_choice, search_end), ""))
    now = time.perf_counter()
    search.history.append({"ip": status, "seconds": now - search.start, "ip_seconds": now - ip_start})
    return master, [(name, choice, detail, status) for name, choice, detail in candidates]


def pick_best(
    search: Search, master: Master, candidates: list, columns: list, units: Units, best: PolyhedraResult | None
) -> PolyhedraResult | None:
    """The best description so far, each candidate judged on the points themselves (not on the groups' boxes)."""
    for name, choice, detail, status in candidates:
        if choice is None:
            continue
        picked = [c for c, on in zip(master.columns, choice) if on]
        label = detail if name == "integer program" else f"{name} (integer program: {status})"
        result = PolyhedraResult(
            picked,
            search.low,
            search.span,
            label,
            search.iterations,
            len(columns),
            len(units),
            0.0,
            history=search.history,
        )
        result.accuracy = _accuracy(result, search.values, search.y, search.n_clusters)
        over_budget = sum(h.cost for h in picked) > (search.complexity_budget or 0.0) + 1e-9
        if search.objective == "accuracy" and over_budget:
            continue
        if best is None or _better(result, best, search.objective, search.alpha, len(search.y)):
            best = result
    return best


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


def local_search(master: Master, start: np.ndarray, deadline: float) -> np.ndarray:
    """Local search from a choice of columns: add, drop or swap one column while the score improves."""
    best, best_score = start.copy(), master.score(start)
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        moves: list[tuple[int, ...]] = [(j,) for j in range(master.n_z)]
        moves += [
            (int(out), int(into))
            for out in np.flatnonzero(best)
            for into in np.flatnonzero(~best)
            if master.column_cluster[out] == master.column_cluster[into]
        ]
        for move in moves:
            if time.perf_counter() > deadline:
                break
            trial = best.copy()
            for j in move:
                trial[j] = not trial[j]
            score = master.score(trial)
            if score < best_score - 1e-9:
                best, best_score, improved = trial, score, True
                break
    return best
