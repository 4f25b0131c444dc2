"""How sure is a run: the resampled runs behind its calibrated confidence.

`run_confidence` makes the runs (cached on disk by `clustering.run.sweep.run_labels`, spread over all cores),
turns them into evidence (`clustering.evidence.confidence`) and calibrates it. Above CLUSTERLAB_CONFIDENCE_MAX_ROWS
rows it keeps
to the neighbour evidence every run has.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed

from clustering.backends import BACKENDS, get_backend
from clustering.data import Dataset
from clustering.evidence.confidence import Evidence, calibrated, full_evidence, neighbour_evidence
from clustering.graph.neighbors import knn_graph
from clustering.graph.preprocess import prepared
from clustering.limits import CONFIDENCE_MAX_ROWS
from clustering.progress import Cancelled, report
from clustering.run.sweep import run_labels

REPEATS = 4


@dataclass(frozen=True)
class RunConfidence:
    """Each row's calibrated confidence (noise 0), the evidence behind it and what kind it is."""

    values: np.ndarray
    evidence: Evidence
    note: str

    @property
    def kind(self) -> str:
        """``resampled`` or ``neighbours``."""
        return self.evidence.kind


def _tasks(method: str, params: dict, seed: int, repeats: int) -> list[tuple[str, str, int]]:
    """(name, params JSON, subsample) for the resampled runs: other seeds (when the method has one) and subsamples."""
    backend = get_backend(method)
    has_seed = "random_state" in {p.name for p in backend.schema}
    base = backend.checked(params)

    def as_json(s: int) -> str:
        return json.dumps({**base, "random_state": s} if has_seed else base, sort_keys=True)

    tasks = [(f"{method} seed {seed + s}", as_json(seed + s), 0) for s in range(1, repeats)] if has_seed else []
    tasks += [(f"{method} on 80% sample {r}", as_json(seed), r) for r in range(1, repeats + 1)]
    return tasks


def run_confidence(
    dataset: Dataset,
    labels: np.ndarray,
    method: str,
    params: dict,
    *,
    preprocess: str = "none",
    seed: int = 0,
    resample: bool = True,
    repeats: int = REPEATS,
    n_jobs: int | None = None,
    progress=None,
    cancel=None,
) -> RunConfidence:
    """Calibrated confidence of `labels` (a run of `method` with `params`) on `dataset`.

    With `resample` and at most CLUSTERLAB_CONFIDENCE_MAX_ROWS rows, from resampled runs of the same method and
    its neighbours; otherwise (or for methods that cannot be rerun: edited, consensus) from neighbours.
    """
    labels = np.asarray(labels)
    report(progress, "the kNN graph", 0.05, cancel)
    x = prepared(dataset, preprocess, seed=seed)
    knn = knn_graph(x, 15, str(params.get("metric", "euclidean")))
    limit = CONFIDENCE_MAX_ROWS.whole()

    reason = ""
    if not resample:
        reason = "from neighbours (resampling not asked)"
    elif dataset.n > limit:
        reason = f"from neighbours only: {dataset.n:,} rows is over CLUSTERLAB_CONFIDENCE_MAX_ROWS ({limit:,})"
    elif method not in BACKENDS or "members" in params:  # edited runs, imported labels, a consensus of runs
        reason = f"from neighbours only: a {method} run cannot be rerun on resampled data"
    if reason:
        evidence = neighbour_evidence(knn, labels, x)
        return RunConfidence(calibrated(evidence, labels), evidence, reason)
    key = dataset.fingerprint + preprocess
    same = _tasks(method, params, seed, repeats)
    jobs = [(method, params_json, sub) for _, params_json, sub in same]
    report(progress, f"{len(jobs)} runs to compare with", 0.15, cancel)
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled before the runs started")
    workers = n_jobs or min(len(jobs), os.cpu_count() or 1)
    outputs = Parallel(n_jobs=workers, prefer="processes")(delayed(run_labels)(key, x, m, p, sub) for m, p, sub in jobs)
    report(progress, "calibrating", 0.9, cancel)
    resampled = [(o[0], o[1]) for o in outputs]
    evidence = full_evidence(knn, labels, x, resampled, [name for name, _, _ in same])
    note = f"from {len(same)} resampled runs of {method} (other seeds, 80% subsamples) and its neighbours"
    report(progress, "confidence done", 1.0, cancel)
    return RunConfidence(calibrated(evidence, labels), evidence, note)
