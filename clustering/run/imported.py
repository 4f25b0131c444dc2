"""A run read from a labels file (`clustering.io.labels`): the labels as they were joined to the data by id, with the
file's own confidence or one calibrated from neighbours."""

from __future__ import annotations

import time

import numpy as np

from clustering.data import Dataset
from clustering.evidence.confidence import labels_confidence
from clustering.io.labels import LabelFile
from clustering.result import ClusterResult

IMPORTED = "imported"  # the method name of a run read from a labels file


def imported_result(dataset: Dataset, found: LabelFile, file_name: str, preprocess: str = "none") -> ClusterResult:
    """A run read from a labels file: its own confidence kept (said uncalibrated), else calibrated from neighbours."""
    started = time.perf_counter()
    confidence = None if found.confidence is None else np.nan_to_num(found.confidence, nan=0.0)
    calibrated = labels_confidence(dataset, found.labels, preprocess) if confidence is None else None
    if confidence is not None:
        said = "the file's own confidence column (not calibrated)"
    else:
        said = "calibrated from neighbours" if calibrated is not None else "none"
    return ClusterResult(
        labels=found.labels,
        method=IMPORTED,
        params={"file": file_name},
        seed=None,
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds={"total": time.perf_counter() - started},
        probabilities=confidence,
        calibrated=calibrated,
        info={
            "imported_from": file_name,
            "id_column": found.id_column,
            "unlabelled": found.unlabelled,
            "confidence": said,
        },
    )
