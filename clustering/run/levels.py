"""Levels of granularity: one method at several settings, coarse to fine, on the shared kNN graph.

Leiden's levels are resolutions (and `zoom_levels`, the map's names by zoom, each about four times finer); any
method whose backend declares a `ladder` has one (HDBSCAN: minimum cluster sizes, its condensed tree built
again at each; the k-methods: k). A level that adds no cluster to a coarser one is dropped.
"""

from __future__ import annotations

import numpy as np

from clustering.backends import BACKENDS
from clustering.data import Dataset
from clustering.evidence.confidence import neighbour_confidence
from clustering.graph.preprocess import prepared
from clustering.progress import report
from clustering.result import ClusterResult
from clustering.run.pipeline import run

# Names by zoom: each doubling of the zoom shows a quarter of the map, so a level about four times finer than the one
# before names more in view; a name needs about this many rows to be read from (keywords of a handful of texts).
ZOOM_STEP = 4.0
ZOOM_MIN_ROWS = 8
ZOOM_DEPTH = 3  # finer levels after the map's own clusters


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


def zoom_levels(
    dataset: Dataset,
    coarsest: int,
    *,
    depth: int = ZOOM_DEPTH,
    preprocess: str = "none",
    seed: int = 0,
    progress=None,
    cancel=None,
) -> list[ClusterResult]:
    """Leiden levels for the map's names by zoom, each about ZOOM_STEP times finer than the one before, starting
    from a map of `coarsest` clusters; none with groups under ZOOM_MIN_ROWS rows on average. Coarse first.

    The resolution doubles until each level's count is reached (Leiden's count grows about 1.5-2x per doubling), on
    the shared kNN graph, so the search costs a few Leiden runs and no new graph.
    """

    high = float(next(p.high for p in BACKENDS["leiden"].schema if p.name == "resolution") or 50.0)
    resolutions = [min(2.0**power, high) for power in range(int(np.log2(high)) + 2)]  # 1, 2, 4, ..., 32, 50
    finest = max(dataset.n // ZOOM_MIN_ROWS, 1)
    targets = [min(coarsest * ZOOM_STEP ** (level + 1), finest) for level in range(depth)]
    levels: list[ClusterResult] = []
    candidate = None  # clearly finer than the last level, short of its target: kept if nothing nearer comes
    for resolution in resolutions:
        if len(levels) == depth:
            break
        report(progress, f"names by zoom: Leiden at resolution {resolution:g}", len(levels) / depth, cancel)
        result = run(dataset, "leiden", {"resolution": resolution}, seed=seed, preprocess=preprocess)
        if result.n_clusters > finest:
            break
        if result.n_clusters < max(coarsest, levels[-1].n_clusters if levels else 0) * 1.5:  # must name clearly more
            continue
        candidate = result
        if result.n_clusters >= 0.7 * targets[len(levels)]:  # near enough: the next doubling would overshoot as far
            levels.append(result)
            candidate = None
    if candidate is not None and len(levels) < depth:
        levels.append(candidate)
    report(progress, "levels done", 1.0, cancel)
    return levels


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
