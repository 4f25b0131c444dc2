"""The polyhedra explainer: a few sparse half-spaces per cluster, as readable inequalities."""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from clustering.explainers import trees
from clustering.explainers.base import Explainer
from clustering.explainers.explanation import Explanation, Problem
from clustering.explainers.polyhedra.model import PolyhedraResult, polygon_2d
from clustering.explainers.polyhedra.search import describe
from clustering.params import Param


class Polyhedra(Explainer):
    """Polyhedra: each cluster as an intersection of few sparse half-spaces (column generation)."""

    name = "polyhedra"
    title = "Polyhedra"
    description = "Polyhedra: a few sparse half-spaces per cluster, by integer programming (Lawless & Günlük 2023)"
    schema = (
        Param(
            "objective",
            str,
            "complexity",
            "complexity: fewest (non-zeros + 1); sparsity: fewest features; "
            "accuracy: fewest errors within a complexity budget",
            choices=("complexity", "sparsity", "accuracy"),
            label="Objective",
        ),
        Param(
            "time_limit",
            float,
            30.0,
            "seconds; the best description found is kept",
            low=1.0,
            high=86_400.0,
            label="Time limit (s)",
        ),
        Param(
            "alpha",
            float,
            0.05,
            "error budget, share of points the rules may get wrong",
            low=0.0,
            high=1.0,
            label="Error budget (share of points)",
        ),
        Param("max_nonzeros", int, 2, "features per half-space", low=1, high=20, label="Features per half-space"),
        Param(
            "complexity_budget",
            float,
            None,
            "most sum(non-zeros + 1); needed by the accuracy objective",
            low=1.0,
            high=1e6,
            nullable=True,
            label="Complexity budget",
            advanced=True,
        ),
        Param(
            "max_units",
            int,
            600,
            "most groups of points in the integer program",
            low=10,
            high=100_000,
            label="Groups of points",
            advanced=True,
        ),
        Param("seed", int, 0, "seed for grouping points", low=0, label="Seed", advanced=True),
    )

    @override
    def describe(
        self, problem: Problem, params: dict[str, Any], progress=None, cancel=None
    ) -> tuple[Explanation, list[str], list[list[dict]]]:
        k, values = problem.k, problem.values
        result = describe(problem.x, problem.y, progress=progress, cancel=cancel, **params)
        holds = result.covered(values, k)
        rule_text, halfspaces, signs = polyhedra_rules(result, problem.space.names, k)
        used = {int(j) for h in result.halfspaces for j in np.flatnonzero(h.weights)}
        complexity = {
            "halfspaces": len(result.halfspaces),
            "nonzeros": sum(h.nonzeros for h in result.halfspaces),
            "cost": sum(h.cost for h in result.halfspaces),
            "features_used": len(used),
        }
        info = {
            "status": result.status,
            "iterations": result.iterations,
            "columns": result.columns,
            "units": result.units,
            "objective": params["objective"],
            "alpha": params["alpha"],
        }
        if params["complexity_budget"]:
            info["complexity_budget"] = params["complexity_budget"]
        explanation = problem.explanation(self.name, complexity, holds, signs, info=info)
        if values.shape[1] == 2:
            for c in range(k):
                own = [result.original_units(h) for h in result.halfspaces if h.cluster == c]
                explanation.polygons[int(problem.cluster_ids[c])] = [polygon_2d(own, problem.plot_box())]
        return explanation, rule_text, halfspaces


def halfspace_text(weights: np.ndarray, bound: float, names: list[str]) -> str:
    """w . x <= b as text: 'a ≤ 3' for one feature, '2·a − b ≤ 1.5' for several (largest weight 1)."""
    nonzero = np.flatnonzero(weights)
    if len(nonzero) == 1:
        j = nonzero[0]
        value = bound / weights[j]
        return f"{names[j]} ≤ {trees._fmt(value)}" if weights[j] > 0 else f"{names[j]} ≥ {trees._fmt(value)}"
    top = np.abs(weights[nonzero]).max()
    terms = []
    for j in nonzero:
        w = weights[j] / top
        coefficient = "" if abs(abs(w) - 1) < 1e-9 else f"{abs(w):.3g}·"
        terms.append(("− " if w < 0 else "+ ") + coefficient + names[j])
    text = " ".join(terms).lstrip("+ ")
    if text.startswith("− "):
        text = "−" + text[2:]
    return f"{text} ≤ {trees._fmt(bound / top)}"


def polyhedra_rules(result: PolyhedraResult, names: list[str], k: int):
    """Rule text, half-spaces (in original units) and feature signs per cluster."""
    rules: list[str] = []
    halfspaces: list[list[dict]] = []
    signs: dict[int, dict[int, int]] = {}
    for c in range(k):
        texts: list[str] = []
        entries: list[dict] = []
        for h in result.halfspaces:
            if h.cluster != c:
                continue
            weights, bound = result.original_units(h)
            texts.append(halfspace_text(weights, bound, names))
            entries.append(
                {
                    "weights": {names[j]: float(weights[j]) for j in np.flatnonzero(weights)},
                    "bound": bound,
                    "integer_weights": {names[j]: int(h.weights[j]) for j in np.flatnonzero(h.weights)},
                }
            )
            for j in np.flatnonzero(weights):
                signs.setdefault(c, {})[int(j)] = -1 if weights[j] > 0 else 1
        rules.append(" AND ".join(texts) if texts else "always (no other cluster needs cutting off)")
        halfspaces.append(entries)
    return rules, halfspaces, signs
