"""`--method auto`: the recipe that measured best on the benchmark sets (benchmarks/trust.py), with its evidence.

1. Preprocessing: wider than 50 columns, the first 50 principal components (denoises; scanpy does the same);
   otherwise the vectors as they are. Rows of unit length (sentence embeddings) are not reduced: on the text
   benchmark (benchmarks/text.py, 1,313 docstrings in 31 groups; mean of seeds 0-2) PCA-50 took Leiden's ARI from
   0.467 to 0.362 with MiniLM and from 0.383 to 0.347 with the fast model; on the python-docs sample (MiniLM, 67
   topics) it moved it from 0.246 to 0.253.
2. Method: Leiden on the kNN graph, the most robust across dimensions in MNIST-Nd and ahead of HDBSCAN's and
   EVoC's defaults on every benchmark set here.
3. Level: modularity's own (resolution 1), checked by resampling (three other seeds, four 80% subsamples): the
   reason says how many of its clusters come back. Falling back to the level `clusterlab suggest` recommends was
   tried and measured worse: on the text sample (67 topics) resolution 1 is not reproducible and the fallback
   scored ARI 0.142 against 0.261 (then on 50 principal components; 0.246 on the vectors); on MNIST-test and
   PBMC the suggested level scored 0.795 and 0.440 against 0.813 and 0.500. So auto keeps resolution 1 and says
   when its clusters are not reproducible.
4. Confidence: calibrated from those resampled runs (`clustering.evidence.confidence`).

What it chose and why is kept in the run's info (`auto`). Above CLUSTERLAB_CONFIDENCE_MAX_ROWS rows it does not
resample: resolution 1, confidence from neighbours, and it says so.
"""

from __future__ import annotations

import numpy as np
from typing_extensions import override

from clustering.backends.base import RANDOM_STATE, Backend
from clustering.backends.leiden import Leiden
from clustering.evidence.confidence import (
    REPRODUCIBLE,
    calibrated,
    clusterwise_stability,
    full_evidence,
    neighbour_evidence,
    subsample_rows,
)
from clustering.graph.neighbors import knn_graph
from clustering.graph.projection import pca_embed
from clustering.limits import CONFIDENCE_MAX_ROWS

WIDE = 50
REPEATS = 4
UNIT_TOLERANCE = 1e-3  # rows whose lengths all lie this close to 1 are unit vectors (a sentence model's output)


def unit_rows(x: np.ndarray) -> bool:
    """Whether every row has length 1 (within UNIT_TOLERANCE): embeddings compared by angle."""
    lengths = np.linalg.norm(x[: min(len(x), 10_000)], axis=1)
    return bool(len(lengths)) and bool(np.all(np.abs(lengths - 1) < UNIT_TOLERANCE))


class Auto(Backend):
    """Chooses preprocessing, method and level from the data and the evidence; says what and why."""

    name = "auto"
    title = "Auto (chosen from the evidence)"
    description = "PCA 50 when wide, Leiden at modularity's level checked by resampling; says why; calibrated."
    schema = (RANDOM_STATE,)

    def __init__(self, random_state=0):
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n, d, params):
        return None if n >= 20 else f"auto needs 20 rows or more (got {n}); choose a method."

    def _leiden(self, x: np.ndarray, resolution: float, seed: int, knn=None) -> np.ndarray:

        return Leiden(resolution=resolution, random_state=seed).fit(x, knn=knn).labels_

    def _resampled(self, x: np.ndarray, knn, resolution: float, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Leiden at `resolution` with three other seeds (same graph) and on four seeded 80% subsamples."""

        runs = [(np.arange(len(x)), self._leiden(x, resolution, seed + s, knn)) for s in range(1, REPEATS)]
        for r in range(1, REPEATS + 1):
            rows = subsample_rows(len(x), r)  # the subsamples `clusterlab sweep` and `suggest` use
            runs.append((rows, self._leiden(x[rows], resolution, seed)))
        return runs

    @staticmethod
    def _level_reason(labels: np.ndarray, runs: list) -> str:
        """What the resampled runs say about resolution 1's clusters."""

        found_again = clusterwise_stability(labels, runs)
        count = int(len(np.unique(labels[labels >= 0])))
        if found_again >= REPRODUCIBLE:
            return (
                f"Leiden at resolution 1 (modularity's own level): its {count} clusters come back in resampled "
                f"runs ({found_again:.0%} found again)"
            )
        return (
            f"Leiden at resolution 1 (modularity's own level): only {found_again:.0%} of its {count} clusters come "
            "back in resampled runs, so read them with care (their rows' confidence says which); `clusterlab "
            "suggest` weighs other levels"
        )

    @override
    def fit(self, X, y=None):

        seed = int(self._params()["random_state"])
        x = self._check_x(X)
        unit = unit_rows(x)
        reduced = x.shape[1] > WIDE and not unit
        space = pca_embed(x, WIDE, seed=seed) if reduced else x
        knn = knn_graph(space, 15, seed=seed)
        labels = self._leiden(space, 1.0, seed, knn)
        preprocess = (
            f"the first {WIDE} principal components ({x.shape[1]} columns)"
            if reduced
            else "the vectors (unit length, as a sentence model makes them: compared by angle, not reduced)"
            if unit and x.shape[1] > WIDE
            else "the vectors"
        )
        if len(x) > CONFIDENCE_MAX_ROWS.whole():
            why = (
                f"Leiden at resolution 1 on {preprocess}; {len(x):,} rows is over CLUSTERLAB_CONFIDENCE_MAX_ROWS, so "
                "the level was not checked by resampling and confidence comes from neighbours"
            )
            evidence = neighbour_evidence(knn, labels)
        else:
            runs = self._resampled(space, knn, 1.0, seed)
            why = f"{self._level_reason(labels, runs)}; clustered on {preprocess}"
            evidence = full_evidence(knn, labels, runs)
        self.labels_ = labels
        self.calibrated_ = calibrated(evidence, labels)
        self.probabilities_ = None
        self.choice_ = {
            "preprocess": f"pca:{WIDE}" if reduced else "none",
            "method": "leiden",
            "resolution": 1.0,
            "why": why + ".",
            "confidence": f"calibrated from {evidence.kind} evidence",
        }
        return self

    @override
    def run_info(self) -> dict:
        return {"auto": dict(self.choice_)}
