"""ExKMC: the IMM tree grown to more leaves, trading simplicity for accuracy (Frost et al. 2020)."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from clustering.explainers.explanation import Problem
from clustering.explainers.imm import TreeExplainer
from clustering.params import Param

MAX_LEAVES = Param(
    "max_leaves",
    int,
    None,
    "leaves of the tree (default: twice the clusters)",
    low=2,
    high=10_000,
    nullable=True,
    label="Leaves",
)


class ExKMC(TreeExplainer):
    """ExKMC: the IMM tree grown past k leaves where that most lowers the k-means cost."""

    name = "exkmc"
    title = "ExKMC"
    description = "ExKMC: the IMM tree grown to more leaves for accuracy (Frost et al. 2020)"
    schema = (MAX_LEAVES,)

    @override
    def leaves(self, problem: Problem, params: dict[str, Any]) -> int:
        return params["max_leaves"] or 2 * problem.k
