"""Levels of granularity: one method at several settings, coarse to fine, on the shared kNN graph.

Leiden's levels are resolutions (0.1 to 2 for the map's labels by zoom, `clustering.visual.map_labels`); any
method of `clustering.run.suggest.LADDERS` has a ladder (HDBSCAN: minimum cluster sizes, its condensed tree built
again at each; the k-methods: k). A level that adds no cluster to a coarser one is dropped.
"""

from __future__ import annotations

from clustering.data import Dataset
from clustering.result import ClusterResult

LADDER = (0.1, 0.25, 0.5, 1.0, 2.0)


def ladder_levels(
    dataset: Dataset,
    method: str,
    values: list | tuple,
    *,
    preprocess: str = "none",
    seed: int = 0,
    progress=None,
    cancel=None,
) -> list[ClusterResult]:
    """One plain run of `method` per ladder value (its parameter in the run's parameters), coarse first."""
    from clustering.progress import report
    from clustering.run.pipeline import run
    from clustering.run.suggest import LADDERS

    name = LADDERS[method][0] if method in LADDERS else None
    if name is None:
        raise ValueError(f"{method} has no ladder of levels; choose one of {', '.join(LADDERS)}.")
    found: list[ClusterResult] = []
    for index, value in enumerate(values):
        report(progress, f"{method} at {name} {value:g}", index / max(len(values), 1), cancel)
        found.append(run(dataset, method, {name: value}, seed=seed, preprocess=preprocess))
    found.sort(key=lambda result: result.n_clusters)
    levels: list[ClusterResult] = []
    for result in found:
        if result.n_clusters >= 1 and (not levels or result.n_clusters > levels[-1].n_clusters):
            levels.append(result)
    report(progress, "levels done", 1.0, cancel)
    return levels


def leiden_levels(
    dataset: Dataset,
    resolutions: tuple[float, ...] = LADDER,
    *,
    preprocess: str = "none",
    seed: int = 0,
    progress=None,
    cancel=None,
) -> list[ClusterResult]:
    """The Leiden ladder's runs (each a plain Leiden run, its resolution in its parameters), coarse first."""
    return ladder_levels(
        dataset, "leiden", sorted(resolutions), preprocess=preprocess, seed=seed, progress=progress, cancel=cancel
    )


def evoc_levels(
    dataset: Dataset, params: dict | None = None, *, preprocess: str = "none", seed: int = 0, progress=None, cancel=None
) -> list[ClusterResult]:
    """EVoC's layers of one fit as runs, coarse first: each is the run `layer=i` gives (same labels, same seed)."""
    from clustering.evidence.confidence import neighbour_confidence
    from clustering.graph.preprocess import prepared
    from clustering.progress import report
    from clustering.run.pipeline import run

    report(progress, "EVoC and its layers", 0.1, cancel)
    x = prepared(dataset, preprocess, seed=seed)
    fitted = run(dataset, "evoc", {**(params or {}), "layer": -1}, seed=seed, preprocess=preprocess)
    levels = []
    for index, labels in enumerate(fitted.artifacts["layers"]):
        found = ClusterResult(
            labels=labels,
            method="evoc",
            params={**fitted.params, "layer": index},
            seed=fitted.seed,
            preprocess=preprocess,
            dataset_fingerprint=dataset.fingerprint,
            calibrated=neighbour_confidence(x, labels),
            info={"layers": fitted.info.get("layers"), "confidence": "calibrated from neighbours"},
        )
        levels.append(found)
    report(progress, "levels done", 1.0, cancel)
    return sorted(levels, key=lambda result: result.n_clusters)
