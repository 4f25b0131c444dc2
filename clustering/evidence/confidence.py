"""Calibrated confidence for any run: the evidence around each row, mapped to the chance it is in its cluster's
majority class.

Evidence per clustered row (noise rows get confidence 0):

- ``neighbours``: the share of its kNN neighbours in its cluster, and (``cluster_neighbours``) that share averaged
  over its cluster; cheap, so every run has it.
- ``purity``: the share of its cluster that lies in the cluster's most common community of a finer reference
  (Leiden at resolution REFERENCE_RESOLUTION on the same kNN graph). A cluster that glues two groups of the graph
  together has a low purity. Every run has it too: one Leiden run on a graph already built. It lowered the
  held-out per-run ECE of the neighbour model from 0.149 to 0.113 (median over 35 runs on the five sets).
- ``margin``: how much nearer it lies to its own cluster's centre than to the next cluster's, as
  next / (own + next) (0.5: halfway between). Rows of a cluster that lie towards another are wrong more often.
- ``density``: how dense its place is against its own cluster, as m / (m + d) for its distance d to its k-th
  neighbour and the cluster's median m (0.5: as dense as the cluster's typical row). Noise swept into a
  cluster sits where the cluster is thin. Both are scale-free, so one model serves every set.
- ``resampled``: its cluster found again by the same method under other seeds and on 80% subsamples, as the
  Jaccard of its cluster with the cluster it lands in (mean over runs that hold it).

Other methods' runs were tried as a third kind of evidence (the same Jaccard against Leiden at three
resolutions and k-means): on the five benchmark sets it made held-out calibration worse (mean per-run ECE 0.155
against 0.137), so it is left out.

A logistic model (`clustering/evidence/calibration.json`, fitted by `benchmarks/calibrate.py` on synthetic sets whose
classes are the geometry and on the benchmark sets) maps the evidence to a probability. The benchmark reports its
expected calibration error and AUROC on each benchmark set with that set held out of the fit. Margin and density
carry most of the weight: they took the held-out ECE of Leiden's runs on the density set with noise from 0.059 to
0.038 and their AUROC there to 0.94; where the classes are finer than the clusters (67 text topics in 13 clusters)
the confidence stays too high, and the app and report say so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from clustering.data import Dataset
from clustering.graph.neighbors import knn_graph
from clustering.graph.preprocess import prepared
from clustering.limits import NEIGHBOUR_CONFIDENCE_ROWS

if TYPE_CHECKING:
    from clustering.graph.neighbors import KNNGraph

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
NEIGHBOUR_FEATURES = ("neighbours", "cluster_neighbours", "purity", "margin", "density")
FULL_FEATURES = (*NEIGHBOUR_FEATURES, "resampled", "cluster_resampled")
MARGIN_CHUNK = 8192  # rows whose distances to every centre are held at once
REFERENCE_RESOLUTION = 2.0  # finer than Leiden's default: of 0.5, 1, 2 and 4 it calibrated best held out
SUBSAMPLE_SHARE = 0.8  # resampled runs fit on this share of the rows (the MNIST-Nd protocol)
REPRODUCIBLE = 0.8  # a clustering whose clusters are found again at least this much (row-weighted Jaccard)
UNCERTAIN_BELOW = 0.5  # a row under this confidence is "uncertain" on the map and in selections


@dataclass(frozen=True)
class Evidence:
    """Per-row evidence (one array per feature name, clustered and noise rows alike) and what it was drawn from."""

    features: dict[str, np.ndarray]
    runs: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``resampled`` when the runs behind it were made, else ``neighbours``."""
        return "resampled" if "resampled" in self.features else "neighbours"


def subsample_rows(n: int, subsample: int) -> np.ndarray:
    """All rows, or (subsample > 0) a random SUBSAMPLE_SHARE of them seeded by `subsample`, sorted."""
    if subsample <= 0:
        return np.arange(n)
    rng = np.random.default_rng(subsample)
    return np.sort(rng.choice(n, size=int(SUBSAMPLE_SHARE * n), replace=False))


def neighbour_share(indices: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's share of kNN neighbours (rows of `indices`) that carry its label; 0 for noise rows."""
    labels = np.asarray(labels)
    same = (labels[indices] == labels[:, None]).mean(axis=1)
    return np.where(labels >= 0, same, 0.0)


def cluster_mean(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each row's value replaced by the mean over its cluster (noise rows keep 0)."""
    labels = np.asarray(labels)
    clustered = labels >= 0
    out = np.zeros(len(labels))
    if clustered.any():
        sums = np.bincount(labels[clustered], weights=values[clustered])
        counts = np.bincount(labels[clustered])
        out[clustered] = (sums / np.maximum(counts, 1))[labels[clustered]]
    return out


def row_jaccard(reference: np.ndarray, rows: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each of `rows`: Jaccard (on `rows`) of its cluster in `reference` with its cluster in `other`.

    `other` labels `rows` only (a subsample run). Rows that are noise in either get 0.
    """
    a = np.asarray(reference)[rows].astype(np.int64)
    b = np.asarray(other).astype(np.int64)
    both = (a >= 0) & (b >= 0)
    out = np.zeros(len(rows))
    if not both.any():
        return out
    size_a = np.bincount(a[a >= 0], minlength=int(a.max()) + 1)
    size_b = np.bincount(b[b >= 0], minlength=int(b.max()) + 1)
    pair = a[both] * (int(b.max()) + 1) + b[both]
    codes, inverse, shared = np.unique(pair, return_inverse=True, return_counts=True)
    del codes
    inter = shared[inverse]
    union = size_a[a[both]] + size_b[b[both]] - inter
    out[both] = inter / np.maximum(union, 1)
    return out


def mean_over_runs(n: int, reference: np.ndarray, runs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Mean `row_jaccard` over runs ((rows, labels) pairs), each row averaged over the runs that hold it."""
    total, seen = np.zeros(n), np.zeros(n)
    for rows, labels in runs:
        total[rows] += row_jaccard(reference, rows, labels)
        seen[rows] += 1
    return np.where(seen > 0, total / np.maximum(seen, 1), 0.0)


def reference_communities(knn: KNNGraph) -> np.ndarray:
    """Leiden at REFERENCE_RESOLUTION (seed 0, the backend's defaults) on a kNN graph: the finer groups that a
    cluster's purity is counted in."""
    return knn.leiden(REFERENCE_RESOLUTION)


def centre_margin(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each clustered row's next / (own + next) distance to its cluster's centre and the nearest other one (1 with
    a single cluster; noise rows 0)."""
    labels = np.asarray(labels)
    clustered = labels >= 0
    out = np.zeros(len(labels))
    if not clustered.any():
        return out
    codes = np.unique(labels[clustered])
    if len(codes) == 1:
        return clustered.astype(np.float64)
    x = np.asarray(x)  # kept as it is (float32): one chunk at a time is widened
    index = np.searchsorted(codes, np.where(clustered, labels, codes[0]))
    members = sp.csr_matrix(
        (np.ones(int(clustered.sum())), (index[clustered], np.flatnonzero(clustered))), shape=(len(codes), len(x))
    )  # cluster x row indicator: its product with x sums each cluster's rows
    centres = np.asarray(members @ x, dtype=np.float64) / np.asarray(members.sum(axis=1))
    norms = (centres**2).sum(axis=1)
    for start in range(0, len(x), MARGIN_CHUNK):
        part = slice(start, start + MARGIN_CHUNK)
        chunk = x[part].astype(np.float64)
        squared = (chunk**2).sum(axis=1)[:, None] - 2 * chunk @ centres.T + norms[None, :]
        distance = np.sqrt(np.maximum(squared, 0.0))
        rows = np.arange(distance.shape[0])
        own = distance[rows, index[part]].copy()
        distance[rows, index[part]] = np.inf
        other = distance.min(axis=1)
        out[part] = other / np.maximum(own + other, 1e-12)
    return np.where(clustered, out, 0.0)


def relative_density(distances: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each clustered row's m / (m + d): d its distance to its k-th neighbour, m its cluster's median d (noise 0)."""
    labels = np.asarray(labels)
    reach = np.asarray(distances, dtype=np.float64)[:, -1]
    out = np.zeros(len(labels))
    clustered = labels >= 0
    if not clustered.any():
        return out
    m = pd.Series(reach[clustered]).groupby(labels[clustered]).transform("median").to_numpy()
    out[clustered] = m / np.maximum(m + reach[clustered], 1e-12)
    return out


def neighbour_evidence(knn: KNNGraph, labels: np.ndarray, x: np.ndarray) -> Evidence:
    """The cheap evidence every run carries: neighbour agreement, its cluster mean, the cluster's purity, the
    row's margin between cluster centres and its density against its cluster (`x`: the clustered vectors)."""
    share = neighbour_share(knn.indices, labels)
    purity = cluster_mean(majority_correct(labels, reference_communities(knn)).astype(np.float64), labels)
    return Evidence(
        {
            "neighbours": share,
            "cluster_neighbours": cluster_mean(share, labels),
            "purity": purity,
            "margin": centre_margin(x, labels),
            "density": relative_density(knn.distances, labels),
        }
    )


def full_evidence(
    knn: KNNGraph,
    labels: np.ndarray,
    x: np.ndarray,
    resampled: list[tuple[np.ndarray, np.ndarray]],
    names: list[str] | None = None,
) -> Evidence:
    """Neighbour evidence plus the agreement of `resampled` runs (the same method, other seeds and subsamples)."""
    labels = np.asarray(labels)
    features = dict(neighbour_evidence(knn, labels, x).features)
    again = mean_over_runs(len(labels), labels, resampled)
    features["resampled"] = again
    features["cluster_resampled"] = cluster_mean(again, labels)
    return Evidence(features, list(names or []))


def neighbour_confidence(x: np.ndarray, labels: np.ndarray, metric: str = "euclidean") -> np.ndarray | None:
    """Calibrated confidence from the shared kNN graph (cached: graph methods built it already), or None when the
    data has more than NEIGHBOUR_CONFIDENCE_ROWS rows or fewer than three."""

    if not 3 <= len(labels) <= NEIGHBOUR_CONFIDENCE_ROWS.whole():
        return None
    knn = knn_graph(x, min(15, len(labels) - 1), metric if metric == "cosine" else "euclidean")
    return calibrated(neighbour_evidence(knn, labels, x), labels)


def labels_confidence(dataset: Dataset, labels: np.ndarray, preprocess: str = "none") -> np.ndarray | None:
    """`neighbour_confidence` of labels made outside a fit (imported from a file, edited), on the vectors as the run
    saw them: such runs carry a calibrated confidence like every other."""
    return neighbour_confidence(prepared(dataset, preprocess), labels)


def load_calibration(path: Path = CALIBRATION_FILE) -> dict:
    """The fitted models: ``{"neighbours": {...}, "resampled": {...}}``, each with features, coef, intercept."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def held_out_ece(kind: str = "neighbours") -> float:
    """The median per-run ECE of a kind's model on the benchmark sets, each set held out of the fit."""
    found = load_calibration()[kind]["held_out"]
    return float(np.median([run["ece"] for per_set in found.values() for run in per_set["runs"].values()]))


LOGIT_CLIP = 0.02  # evidence of 0 or 1 counts as 0.02 or 0.98; of 0.001, 0.01, 0.02, 0.05 it calibrated best


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)), with p kept inside [LOGIT_CLIP, 1 - LOGIT_CLIP]."""
    p = np.clip(p, LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(p / (1 - p))


def design(evidence: Evidence, features: tuple[str, ...]) -> np.ndarray:
    """The model's inputs: the logit of each feature, in the model's order."""
    return np.column_stack([logit(evidence.features[name]) for name in features])


def calibrated(evidence: Evidence, labels: np.ndarray, model: dict | None = None) -> np.ndarray:
    """Each row's calibrated confidence (noise rows 0) from `evidence`, by the model of its kind."""
    model = model or load_calibration()[evidence.kind]
    x = design(evidence, tuple(model["features"]))
    score = x @ np.asarray(model["coef"], dtype=np.float64) + float(model["intercept"])
    p = 1.0 / (1.0 + np.exp(-score))
    return np.where(np.asarray(labels) >= 0, p, 0.0)


def majority_correct(labels: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """True for rows whose known class is their cluster's most common class (noise rows: False)."""
    labels, truth = np.asarray(labels), np.asarray(truth)
    correct = np.zeros(len(labels), dtype=bool)
    for cluster in np.unique(labels[labels >= 0]):
        members = labels == cluster
        values, counts = np.unique(truth[members], return_counts=True)
        correct[members] = truth[members] == values[counts.argmax()]
    return correct


@dataclass(frozen=True)
class Reliability:
    """A reliability diagram: per confidence bin, rows, mean confidence and the share in the majority class."""

    edges: np.ndarray
    rows: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> Reliability:
    """Bin rows by confidence; ECE is the row-weighted mean gap between confidence and accuracy."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows = np.bincount(which, minlength=bins)
    mean_conf = np.bincount(which, weights=confidence, minlength=bins) / np.maximum(rows, 1)
    accuracy = np.bincount(which, weights=correct, minlength=bins) / np.maximum(rows, 1)
    ece = float((rows * np.abs(mean_conf - accuracy)).sum() / max(rows.sum(), 1))
    return Reliability(edges, rows, mean_conf, accuracy, ece)


def clusterwise_stability(reference: np.ndarray, runs: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Row-weighted mean, over the reference's clusters, of each cluster's best Jaccard in every other run (on the
    rows both hold); noise is not a cluster."""
    if not runs or (reference < 0).all():
        return 0.0
    sizes = np.bincount(reference[reference >= 0])
    scores = np.zeros(len(sizes))
    for rows, labels in runs:
        a, b = reference[rows], labels
        keep = a >= 0
        a_sizes = np.bincount(a[keep], minlength=len(sizes)).astype(float)
        b_valid = b >= 0
        b_sizes = np.bincount(b[b_valid], minlength=1).astype(float)
        both = keep & b_valid
        pairs = np.zeros((len(sizes), len(b_sizes)))
        np.add.at(pairs, (a[both], b[both]), 1.0)
        jaccard = pairs / np.maximum(a_sizes[:, None] + b_sizes[None, :] - pairs, 1.0)
        scores += jaccard.max(axis=1)
    scores /= len(runs)
    return float((scores * sizes).sum() / sizes.sum())
