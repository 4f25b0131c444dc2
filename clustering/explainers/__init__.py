"""Explain any clustering with rules a person can read: threshold trees, polyhedra, keywords.

`explain(space, labels, method, **params)` works for every backend's labels. Each method is an `Explainer`
(registry `EXPLAINERS`) with a `Param` schema that drives validation, the CLI's `--param k=v` and the app's
widgets, as the clustering backends' do.
"""

from clustering.explainers import polyhedra, trees
from clustering.explainers.base import Explainer
from clustering.explainers.explanation import ClusterRule, Explanation, dot_text
from clustering.explainers.imm import leaf_curve
from clustering.explainers.polyhedra.explainer import halfspace_text
from clustering.explainers.registry import EXPLAINERS, METHODS, explain, explain_in_space, get_explainer
from clustering.explainers.spaces import SPACES, Space, available_spaces, build_space

__all__ = [
    "EXPLAINERS",
    "METHODS",
    "SPACES",
    "ClusterRule",
    "Explainer",
    "Explanation",
    "Space",
    "available_spaces",
    "build_space",
    "dot_text",
    "explain",
    "explain_in_space",
    "get_explainer",
    "halfspace_text",
    "leaf_curve",
    "polyhedra",
    "trees",
]
