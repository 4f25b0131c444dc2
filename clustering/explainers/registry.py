"""Every explanation method by name, and `explain(space, labels, method, **params)` over them."""

from __future__ import annotations

import numpy as np

from clustering.explainers.base import Explainer
from clustering.explainers.exkmc import ExKMC
from clustering.explainers.explanation import Explanation
from clustering.explainers.imm import IMM, leaf_curve
from clustering.explainers.kernel_imm import KernelIMM
from clustering.explainers.polyhedra.explainer import Polyhedra
from clustering.explainers.spaces import Space, build_space
from clustering.params import ParamError

EXPLAINERS: dict[str, type[Explainer]] = {cls.name: cls for cls in (IMM, ExKMC, KernelIMM, Polyhedra)}
METHODS = {name: cls.description for name, cls in EXPLAINERS.items()}  # name -> one line, for menus and help


def get_explainer(name: str) -> type[Explainer]:
    """The explainer class of a method name; an unknown name is refused with the choices."""
    if name not in EXPLAINERS:
        raise ParamError(f"unknown explanation method '{name}'; choose one of {', '.join(EXPLAINERS)}.")
    return EXPLAINERS[name]


def explain(
    space: Space, labels: np.ndarray, method: str = "imm", *, progress=None, cancel=None, **params
) -> Explanation:
    """Rules for each cluster of `labels` in the features of `space`, with accuracy and complexity.

    Parameters
    ----------
    space : Space
        The features to write rules in (see `build_space`).
    labels : ndarray of int, shape (n,)
        A run's labels; -1 (noise) is left out of the rules and of every measure.
    method : str
        One of `EXPLAINERS` (imm, exkmc, kernel-imm, polyhedra).
    **params
        The method's settings (its `schema`); defaults fill the rest.

    Returns
    -------
    Explanation
        One rule per cluster with precision and recall; overall accuracy and complexity.
    """
    return get_explainer(method)().explain(space, labels, progress=progress, cancel=cancel, **params)


def explain_in_space(
    dataset,
    labels: np.ndarray,
    space_name: str,
    method: str,
    params: dict,
    *,
    xy: np.ndarray | None = None,
    n_components: int = 10,
    progress=None,
    cancel=None,
) -> dict:
    """Build the named feature space, explain the labels there; ExKMC adds its accuracy-by-leaves curve."""
    checked = get_explainer(method).checked(params)  # refused before the space is built
    if progress is not None:
        progress("building the feature space", 0.05)
    space = build_space(dataset, space_name, xy=xy, n_components=int(n_components))
    if progress is not None:
        progress(f"{method} on {space.values.shape[1]} features", 0.15)
    found = explain(space, labels, method, progress=progress, cancel=cancel, **checked)
    k = len(np.unique(labels[labels >= 0]))
    curve = leaf_curve(space, labels, max(checked.get("max_leaves") or 2 * k, 2 * k)) if method == "exkmc" else None
    return {"explanation": found, "curve": curve}
