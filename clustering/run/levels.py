"""Levels of granularity: one method at several settings, coarse to fine, on the shared kNN graph.

Leiden's levels are resolutions (its class's `map_ladder` for the map's labels by zoom); any
method whose backend declares a `ladder` has one (HDBSCAN: minimum cluster sizes, its condensed tree built
again at each; the k-methods: k). A level that adds no cluster to a coarser one is dropped.
"""

from __future__ import annotations

from clustering.backends import BACKENDS
from clustering.data import Dataset
from clustering.evidence.confidence import neighbour_confidence
from clustering.graph.preprocess import prepared
from clustering.progress import report
from clustering.result import ClusterResult
from clustering.run.pipeline import run

LADDER: tuple[float, ...] = BACKENDS["leiden"].map_ladder  # declared on the Leiden backend, with its ladder


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

    ladder = BACKENDS[method].ladder if method in BACKENDS else None
    if ladder is None:
        having = [n for n, b in BACKENDS.items() if b.ladder is not None]
        raise ValueError(f"{method} has no ladder of levels; choose one of {', '.join(having)}.")
    name = ladder[0]
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


def layer_levels(
    dataset: Dataset,
    method: str = "evoc",
    params: dict | None = None,
    *,
    preprocess: str = "none",
    seed: int = 0,
    progress=None,
    cancel=None,
) -> list[ClusterResult]:
    """The layers of one fit of a method that has them (`Backend.has_layers`: EVoC) as runs, coarse first: each is
    the run `layer=i` gives (same labels, same seed)."""

    if not BACKENDS[method].has_layers:
        raise ValueError(f"{method} has no layers; {', '.join(n for n, b in BACKENDS.items() if b.has_layers)} do.")
    report(progress, f"{method} and its layers", 0.1, cancel)
    x = prepared(dataset, preprocess, seed=seed)
    fitted = run(dataset, method, {**(params or {}), "layer": -1}, seed=seed, preprocess=preprocess)
    levels = []
    for index, labels in enumerate(fitted.artifacts["layers"]):
        found = ClusterResult(
            labels=labels,
            method=method,
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
