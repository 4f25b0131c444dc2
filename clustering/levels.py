"""Levels of granularity: one clustering at several resolutions, coarse to fine, on the shared kNN graph.

For now a ladder of Leiden resolutions (0.1 to 2). The map labels the coarse level when zoomed
out and finer levels as the view zooms in (`clustering.report.map_labels.level_labels`).
"""

from __future__ import annotations

from clustering.data import Dataset
from clustering.result import ClusterResult

LADDER = (0.1, 0.25, 0.5, 1.0, 2.0)


def leiden_levels(
    dataset: Dataset,
    resolutions: tuple[float, ...] = LADDER,
    *,
    preprocess: str = "none",
    seed: int = 0,
    progress=None,
    cancel=None,
) -> list[ClusterResult]:
    """The ladder's runs (each a plain Leiden run, its resolution in its parameters), coarse first."""
    from clustering.pipeline import run
    from clustering.progress import report

    levels: list[ClusterResult] = []
    for index, resolution in enumerate(sorted(resolutions)):
        report(progress, f"Leiden at resolution {resolution:g}", index / len(resolutions), cancel)
        result = run(dataset, "leiden", {"resolution": float(resolution)}, seed=seed, preprocess=preprocess)
        if not levels or result.n_clusters > levels[-1].n_clusters:
            levels.append(result)
    report(progress, "levels done", 1.0, cancel)
    return levels
