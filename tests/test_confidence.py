"""Calibrated confidence: the evidence functions by hand, every run carrying one, and its calibration on data
whose classes are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import roc_auc_score

from clustering.data import Dataset
from clustering.evidence.confidence import cluster_mean, majority_correct, neighbour_share, reliability, row_jaccard
from clustering.run.pipeline import run
from clustering.run.resampling import run_confidence


def test_row_jaccard_by_hand():
    reference = np.array([0, 0, 0, 1, 1, -1])
    other = np.array([5, 5, 6, 6, 6, 6])
    # row 0: cluster {0,1,2} vs {0,1} -> 2/3; row 2: {0,1,2} vs {2,3,4,5} -> 1/6; row 3: {3,4} vs {2,3,4,5} -> 2/4
    found = row_jaccard(reference, np.arange(6), other)
    assert found == pytest.approx([2 / 3, 2 / 3, 1 / 6, 0.5, 0.5, 0.0])
    # a subsample run holds rows 1..4 only: Jaccard on those rows
    sub = row_jaccard(reference, np.array([1, 2, 3, 4]), np.array([1, 1, 1, 2]))
    # on rows 1..4 the reference is {1,2} {3,4}; the run {1,2,3} {4}
    assert sub == pytest.approx([2 / 3, 2 / 3, 1 / 4, 0.5])


def test_neighbour_share_and_cluster_mean():
    labels = np.array([0, 0, 1, -1])
    indices = np.array([[1, 2], [0, 3], [0, 1], [0, 1]])
    share = neighbour_share(indices, labels)
    assert share == pytest.approx([0.5, 0.5, 0.0, 0.0])
    assert cluster_mean(share, labels) == pytest.approx([0.5, 0.5, 0.0, 0.0])


def test_reliability_and_majority_by_hand():
    labels = np.array([0, 0, 0, 1, 1, -1])
    truth = np.array([3, 3, 4, 5, 5, 5])
    assert majority_correct(labels, truth).tolist() == [True, True, False, True, True, False]
    found = reliability(np.array([0.95, 0.95, 0.15, 0.15]), np.array([1, 1, 0, 1]), bins=10)
    # bin 9: conf .95, accuracy 1 -> gap .05 (2 rows); bin 1: conf .15, accuracy .5 -> gap .35 (2 rows)
    assert found.ece == pytest.approx((2 * 0.05 + 2 * 0.35) / 4)
    assert found.rows.sum() == 4


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(1500, n_features=8, centers=6, cluster_std=2.5, random_state=7)
    return Dataset(vectors=x.astype(np.float32), metadata=pd.DataFrame({"label": y}), name="blobs"), y


@pytest.mark.parametrize("method,params", [("kmeans", {"n_clusters": 6}), ("leiden", {}), ("agglomerative", {})])
def test_every_run_has_a_calibrated_confidence(blobs, method, params):
    dataset, _ = blobs
    result = run(dataset, method, params)
    confidence = result.confidence()
    assert confidence is not None and confidence.shape == (dataset.n,)
    assert result.info["confidence"] == "calibrated from neighbours"
    assert ((confidence >= 0) & (confidence <= 1)).all()


def test_resampled_confidence_is_calibrated_where_the_classes_are_known(blobs):
    """Six overlapping blobs (not a calibration set): rows the clustering gets wrong sit at lower confidence, and
    confidence matches the share in the majority class within 0.08."""
    dataset, truth = blobs
    result = run(dataset, "kmeans", {"n_clusters": 6})
    found = run_confidence(dataset, result.labels, "kmeans", result.params, n_jobs=1)
    assert found.kind == "resampled" and "resampled runs" in found.note
    correct = majority_correct(result.labels, truth)
    assert roc_auc_score(correct, found.values) > 0.9
    assert reliability(found.values, correct).ece <= 0.08
    assert len(found.evidence.runs) == 7  # three other seeds, four 80% subsamples


def test_confidence_keeps_to_neighbours_above_the_limit(blobs, monkeypatch):
    dataset, _ = blobs
    monkeypatch.setenv("CLUSTERLAB_CONFIDENCE_MAX_ROWS", "100")
    result = run(dataset, "leiden", {})
    found = run_confidence(dataset, result.labels, "leiden", result.params)
    assert found.kind == "neighbours" and "CLUSTERLAB_CONFIDENCE_MAX_ROWS" in found.note
    edited = run_confidence(dataset, result.labels, "edited", {})
    assert edited.kind == "neighbours"


def test_cli_cluster_writes_the_resampled_confidence(tmp_path, capsys):
    import json

    from clustering.cli import main

    out = tmp_path / "k.csv"
    args = ["cluster", "sample:digits", "--method", "kmeans", "--param", "n_clusters=10", "--out", str(out)]
    assert main(args + ["--confidence", "resampled", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["info"]["confidence"].startswith("calibrated from 7 resampled runs of kmeans")
    frame = pd.read_csv(out)
    assert frame["confidence"].between(0, 1).all() and frame["confidence"].std() > 0.01
    assert main(args + ["--confidence", "maybe"]) == 2


def test_a_cluster_that_glues_separate_groups_is_less_sure_though_every_neighbour_agrees():
    """Two far-apart blobs given one label: each row's neighbours all share it (the neighbour evidence sees nothing
    wrong), but the finer reference splits the cluster, so its purity and calibrated confidence are lower."""
    from clustering.evidence.confidence import neighbour_confidence, neighbour_evidence
    from clustering.graph.neighbors import knn_graph

    centers = [[0] * 8, [20] * 8, [-20] * 8, [0] * 7 + [40]]
    x, y = make_blobs(1000, n_features=8, centers=centers, cluster_std=1.0, random_state=3)
    x = x.astype(np.float32)
    glued = np.where(y == 1, 0, y)
    evidence = neighbour_evidence(knn_graph(x, 15), glued, x).features
    assert evidence["neighbours"].min() == 1.0  # the neighbours cannot tell
    merged, clean = glued == 0, glued != 0
    assert evidence["purity"][merged].max() < evidence["purity"][clean].min()
    confidence = neighbour_confidence(x, glued)
    assert confidence is not None
    assert confidence[merged].mean() < confidence[clean].mean() - 0.1


def test_the_held_out_error_is_the_median_of_the_calibration_files_runs():
    from clustering.evidence.confidence import held_out_ece, load_calibration

    found = load_calibration()["neighbours"]["held_out"]
    runs = [run["ece"] for per_set in found.values() for run in per_set["runs"].values()]
    assert len(found) == 6 and len(runs) == 42 and held_out_ece() == pytest.approx(float(np.median(runs)))


def test_margin_and_density_are_scale_free_and_mark_rows_between_clusters_or_where_a_cluster_is_thin():
    from clustering.evidence.confidence import centre_margin, relative_density

    x = np.array([[0.0], [0.2], [-0.2], [10.0], [10.2], [9.8], [5.2]])
    labels = np.array([0, 0, 0, 1, 1, 1, 0])  # the last row lies nearly halfway, towards cluster 1
    margin = centre_margin(x, labels)
    assert margin[6] < 0.6 < margin[:6].min() and np.allclose(margin, centre_margin(x * 1000, labels))
    assert centre_margin(x, np.zeros(7, dtype=int)).tolist() == [1.0] * 7  # one cluster: nothing to be between
    distances = np.array([[1.0], [1.0], [1.0], [1.0], [1.0], [1.0], [4.0]])
    density = relative_density(distances, labels)
    assert density[0] == 0.5 and density[6] < 0.25 and np.allclose(density, relative_density(distances * 7, labels))
    assert relative_density(distances, np.array([0, 0, 0, 1, 1, 1, -1]))[6] == 0.0  # noise rows carry none


def test_noise_swept_into_clusters_gets_lower_confidence_than_the_clusters_rows():
    """The density set's failure: Leiden gives every row a cluster, the uniform noise too; its confidence must say
    which rows those are (AUROC of right rows against wrong ones)."""
    x, y = make_blobs(1200, n_features=6, centers=5, cluster_std=1.0, random_state=4)
    rng = np.random.default_rng(4)
    noise = rng.uniform(x.min(0), x.max(0), (200, 6))
    data = Dataset(vectors=np.vstack([x, noise]).astype(np.float32), name="density")
    truth = np.r_[y, np.full(200, 99)]
    result = run(data, "leiden", {})
    confidence = result.confidence()
    right = majority_correct(result.labels, truth)
    assert roc_auc_score(right, confidence) > 0.85
    assert confidence[-200:].mean() < confidence[:1200].mean() - 0.2
