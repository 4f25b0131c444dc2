"""Polyhedra, the driver: column generation, the integer program, local search, and refining the groups."""

from __future__ import annotations

import time

import numpy as np

from clustering.explain.polyhedra.master import Master
from clustering.explain.polyhedra.model import (
    EXCESS_PENALTY,
    HalfSpace,
    PolyhedraResult,
    Units,
    make_units,
    scale,
    split_units,
)
from clustering.explain.polyhedra.pricing import imm_columns, initial_columns, price_columns

# How the user's time limit is spent (shares of it):
COLUMN_GENERATION_SHARE = 0.55  # column generation stops once this share is used
INTEGER_PROGRAM_SHARE = 0.30  # at most this long for the integer program over the columns
LOCAL_SEARCH_SHARE = 0.15  # at most this long for local search from the best start
REFINE_RESERVE_SHARE = 0.20  # no new round of finer groups with less than this share left


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
    `max_iterations` and `refine_rounds` are the algorithm's own limits.
    """
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
    history: list[dict] = []
    iterations = 0
    for _round in range(refine_rounds + 1):
        columns = _deduplicate(columns)
        for _ in range(max_iterations):
            if time.perf_counter() > deadline - (1 - COLUMN_GENERATION_SHARE) * time_limit or (
                cancel is not None and cancel.is_set()
            ):
                break
            master = Master(columns, units, n_clusters, objective, alpha, complexity_budget, z.shape[1])
            duals, bound = master.solve_lp()
            iterations += 1
            if duals is None:
                break
            added = price_columns(
                units, n_clusters, duals, objective, master, max_nonzeros, max_weight, deadline, time_limit, columns
            )
            history.append(
                {
                    "iteration": iterations,
                    "lp": bound,
                    "columns": len(columns),
                    "added": len(added),
                    "seconds": time.perf_counter() - start,
                    "units": len(units),
                }
            )
            if progress:
                progress(
                    f"column generation: {len(columns)} half-spaces, LP {bound:.2f}",
                    min(0.9, (time.perf_counter() - start) / time_limit),
                )
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
        chosen, status = master.solve_ip(min(deadline - ip_start, INTEGER_PROGRAM_SHARE * time_limit))
        candidates = [("integer program", chosen, status), ("LP rounding", master.rounded(), "")]
        tree_keys = {c.key() for c in tree_columns}
        as_tree = np.array([c.key() in tree_keys for c in master.columns])
        if as_tree.sum() == len(tree_keys):
            candidates.append(("the IMM tree's polyhedra", as_tree, ""))
        starts = [(name, choice) for name, choice, _ in candidates if choice is not None]
        if starts:  # local search from the best start, while the time lasts
            first_name, first_choice = min(starts, key=lambda c: master.score(c[1]))
            search_end = min(deadline, time.perf_counter() + LOCAL_SEARCH_SHARE * time_limit)
            candidates.append((f"local search from {first_name}", local_search(master, first_choice, search_end), ""))
        history.append(
            {"ip": status, "seconds": time.perf_counter() - start, "ip_seconds": time.perf_counter() - ip_start}
        )
        for name, choice, detail in candidates:  # judged on the points themselves, not on the groups' boxes
            if choice is None:
                continue
            picked = [c for c, on in zip(master.columns, choice) if on]
            label = detail if name == "integer program" else f"{name} (integer program: {status})"
            result = PolyhedraResult(
                picked, low, span, label, iterations, len(columns), len(units), 0.0, history=history
            )
            result.accuracy = _accuracy(result, values, y, n_clusters)
            if objective == "accuracy" and sum(h.cost for h in picked) > (complexity_budget or 0.0) + 1e-9:
                continue
            if best is None or _better(result, best, objective, alpha, len(y)):
                best = result
        if len(units) == len(z) or time.perf_counter() > deadline - REFINE_RESERVE_SHARE * time_limit:
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
    best.seconds = time.perf_counter() - start
    best.history = history
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
