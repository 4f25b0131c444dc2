"""The explainer contract, as the backends': a name, a parameter schema, and `explain(space, labels, **params)`."""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np

from clustering.explainers.explanation import Explanation, Problem, measure
from clustering.explainers.spaces import Space
from clustering.limits import EXPLAIN_MAX_CLUSTERS
from clustering.params import Param, ParamError, check_params, with_schema_doc


class Explainer:
    """Base of every explanation method; subclasses declare `schema` and implement `describe`."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    schema: ClassVar[tuple[Param, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        with_schema_doc(cls)  # numpydoc Parameters from the schema

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every setting's default value."""
        return {p.name: p.default for p in cls.schema}

    @classmethod
    def checked(cls, params: dict[str, Any]) -> dict[str, Any]:
        """Full, validated settings (defaults filled in); unknown names are refused with the known ones."""
        return check_params(cls.name, cls.schema, params)

    def describe(
        self, problem: Problem, params: dict[str, Any], progress=None, cancel=None
    ) -> tuple[Explanation, list[str], list[list[dict]] | None]:
        """The explanation (its `holds` filled in), each cluster's rule text, and polyhedra's half-spaces."""
        raise NotImplementedError

    def explain(self, space: Space, labels: np.ndarray, *, progress=None, cancel=None, **params) -> Explanation:
        """Rules for each cluster of `labels` in the features of `space`, with accuracy and complexity.

        Parameters
        ----------
        space : Space
            The features to write rules in (see `build_space`).
        labels : ndarray of int, shape (n,)
            A run's labels; -1 (noise) is left out of the rules and of every measure.
        progress, cancel : optional
            ``progress(text, share)`` callback and a ``threading.Event``-like flag, for long methods.
        **params
            Settings from this explainer's `schema`; unknown or out-of-range values raise ParamError.

        Returns
        -------
        Explanation
        """
        checked = self.checked(params)
        check_cluster_count(labels)
        problem = Problem.of(space, labels)
        start = time.perf_counter()
        explanation, rule_text, halfspaces = self.describe(problem, checked, progress=progress, cancel=cancel)
        explanation.info = {
            "n_explained": int(problem.clustered.sum()),
            "n_noise": int((~problem.clustered).sum()),
            **explanation.info,
        }
        measure(explanation, problem, rule_text, halfspaces)
        explanation.info["seconds"] = time.perf_counter() - start
        return explanation


def check_cluster_count(labels: np.ndarray) -> None:
    """Rules for thousands of clusters are neither readable nor cheap: refused over EXPLAIN_MAX_CLUSTERS."""
    count = len(np.unique(np.asarray(labels)[np.asarray(labels) >= 0]))
    if count > EXPLAIN_MAX_CLUSTERS.value():
        raise ParamError(
            f"{count:,} clusters is over the limit of {EXPLAIN_MAX_CLUSTERS.value():,.0f} for rules (setting "
            "CLUSTERLAB_EXPLAIN_MAX_CLUSTERS); explain a coarser run, or a drill-down on some of its clusters."
        )
