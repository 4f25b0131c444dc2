"""Kernel IMM: a threshold tree on Gaussian-kernel Taylor features, for non-convex clusters (Fleissner et al. 2024).

More leaves than clusters grow it as kernel ExKMC. Each split reads as an interval of one original feature.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from clustering.explainers import trees
from clustering.explainers.explanation import Problem
from clustering.explainers.imm import TreeExplainer
from clustering.params import Param


class KernelIMM(TreeExplainer):
    """Kernel IMM: IMM on interpretable Taylor features of the Gaussian kernel, for non-convex clusters."""

    name = "kernel-imm"
    title = "Kernel IMM"
    description = (
        "Kernel IMM: a tree on Gaussian-kernel Taylor features, for non-convex clusters (Fleissner et al. "
        "2024); more leaves than clusters grow it as kernel ExKMC"
    )
    schema = (
        Param(
            "bandwidth",
            float,
            1.0,
            "Gaussian width in standard-deviation units",
            low=0.01,
            high=100.0,
            label="Kernel width (std units)",
        ),
        Param("degree", int, 3, "Taylor degree of the kernel's features", low=1, high=6, label="Taylor degree"),
        Param(
            "max_leaves",
            int,
            None,
            "leaves; more than the clusters grows it as kernel ExKMC (default: one per cluster)",
            low=2,
            high=10_000,
            nullable=True,
            label="Leaves",
        ),
    )

    @override
    def taylor_map(self, problem: Problem, params: dict[str, Any]) -> trees.TaylorMap:
        return trees.TaylorMap.fit(problem.x, bandwidth=params["bandwidth"], degree=params["degree"])

    @override
    def leaves(self, problem: Problem, params: dict[str, Any]) -> int:
        return max(params["max_leaves"] or problem.k, problem.k)
