"""Explain any clustering with rules a person can read: threshold trees, polyhedra, keywords.

`explain(space, labels, method, **params)` works for every backend's labels. Each method is an `Explainer`
(registry `EXPLAINERS`) with a `Param` schema that drives validation, the CLI's `--param k=v` and the app's
widgets, as the clustering backends' do.
"""

from clustering.explain import polyhedra, trees
from clustering.explain.base import Explainer
from clustering.explain.explanation import ClusterRule, Explanation, dot_text
from clustering.explain.imm import leaf_curve
from clustering.explain.polyhedra.explainer import halfspace_text
from clustering.explain.registry import EXPLAINERS, METHODS, explain, explain_in_space, get_explainer
from clustering.explain.spaces import SPACES, Space, available_spaces, build_space

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
