"""The values a report is made of: each run to report (`ReportRun`), the report's options, and how numbers read."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.result import ClusterResult


@dataclass
class ReportRun:
    """One clustering to report: its labels and, where known, how it was made."""

    name: str
    labels: np.ndarray
    method: str = ""
    params: dict = field(default_factory=dict)
    seed: int | None = None
    preprocess: str = ""
    versions: dict = field(default_factory=dict)
    device: str | None = None
    seconds: dict = field(default_factory=dict)
    confidence: np.ndarray | None = None
    cluster_names: dict[int, str] = field(default_factory=dict)
    explanation: dict | None = None  # the JSON of `clusterlab explain --out`
    source: str = ""
    run_id: str = ""  # a project's run id (a consensus run lists its members by id)
    confidence_note: str = ""  # where the confidence comes from (the run's info)
    rows: np.ndarray | None = None  # a drill-down: the rows it clustered (its -1 elsewhere is not noise)

    def __post_init__(self) -> None:
        self.labels = np.asarray(self.labels).astype(np.int64)

    @classmethod
    def of(cls, result: ClusterResult, name: str | None = None, **extra) -> ReportRun:
        """A run to report from a `ClusterResult` (its settings, confidence and, for a drill-down, its rows)."""
        fields = {
            "name": name or result.name,
            "labels": result.labels,
            "method": result.method,
            "params": result.params,
            "seed": result.seed,
            "preprocess": result.preprocess,
            "versions": result.versions,
            "device": result.device,
            "seconds": result.seconds,
            "confidence": result.confidence(),
            "confidence_note": str(result.info.get("confidence", "")),
            "rows": result.artifacts.get("rows"),
        }
        return cls(**{**fields, **extra})


@dataclass
class ReportOptions:
    """What to put in: the truth column, the layout, explanations, perception verdicts."""

    title: str = "Clustering report"
    truth: str | None = None  # metadata column of true labels
    projection: str = "umap"  # umap | pca | given
    preprocess: str = "none"  # before the layout
    seed: int = 0
    explain: str = "imm"  # explanation method for runs without a saved one; "none" for no rules
    perception: bool = False
    suggestion: dict | None = None  # a kept `Suggestion.summary()`, shown under "How sure is this?"


def fmt(value) -> str:
    """A number as a report writes it (four significant digits, "–" when not finite)."""
    if isinstance(value, float):
        return "–" if not np.isfinite(value) else f"{value:.4g}"
    return str(value)
