"""The short Python front's two verbs over the library: `cluster` a dataset and `report` results as HTML.

They only gather arguments for `clustering.run.pipeline.run` and `clustering.reports.build_report`, so a script, the
CLI and the app make the same runs and reports.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clustering.cache import write_text
from clustering.data import Dataset
from clustering.evaluate.compare import Labeling
from clustering.evaluate.compare import compare as compare_labelings
from clustering.reports import ReportOptions, ReportRun, build_report
from clustering.result import ClusterResult
from clustering.run.pipeline import run


def cluster(
    data: Dataset,
    method: str = "leiden",
    *,
    seed: int | None = None,
    preprocess: str = "none",
    truth: np.ndarray | None = None,
    sample: int | str | None = None,
    layout: str | None = None,
    confidence: str = "neighbours",
    **params,
) -> ClusterResult:
    """Cluster `data` with one method of `BACKENDS`; its parameters as keywords (checked by its schema).

    Examples
    --------
    >>> result = cluster(load_sample("digits"), "leiden", resolution=1.0)  # doctest: +SKIP
    """
    return run(
        data,
        method,
        params,
        seed=seed,
        preprocess=preprocess,
        truth=truth,
        sample=sample,
        layout=layout,
        confidence=confidence,
    )


def compare(results: dict[str, ClusterResult | np.ndarray], truth: np.ndarray | None = None) -> dict:
    """Agreement between named results (or label arrays), and a truth when given: ARI, AMI, VI and matches."""
    labelings = [
        Labeling(name, found.labels if isinstance(found, ClusterResult) else np.asarray(found))
        for name, found in results.items()
    ]
    if truth is not None:
        labelings.append(Labeling("truth", np.asarray(truth), is_truth=True))
    return compare_labelings(labelings)


def report(
    data: Dataset,
    results: list[ClusterResult],
    path: str | Path | None = None,
    *,
    title: str = "Clustering report",
    truth: str | None = None,
    projection: str = "umap",
) -> str:
    """A self-contained HTML report of `results` on `data` (written to `path` when given); returns the HTML.

    `truth` names a metadata column of true classes; `projection` is ``umap`` or ``pca``.
    """
    runs = [ReportRun.of(result) for result in results]
    options = ReportOptions(title=title, truth=truth, projection=projection)
    html = build_report(data, runs, options)
    if path is not None:
        write_text(Path(path), html)
    return html
