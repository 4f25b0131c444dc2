"""Metrics against hand-computed small cases."""

import math

import numpy as np
import pytest

from clustering.evaluate import metrics


def test_ari_hand_computed():
    # truth {0,0,1,1}, pred {0,0,0,1}: pairs: sum C(nij,2)=1, a: C(3,2)+0=3, b: 1+1=2, C(4,2)=6
    # expected = 3*2/6 = 1; max = (3+2)/2 = 2.5; ARI = (1-1)/(2.5-1) = 0
    assert metrics.ari([0, 0, 1, 1], [0, 0, 0, 1]) == pytest.approx(0.0)
    assert metrics.ari([0, 0, 1, 1], [5, 5, 7, 7]) == pytest.approx(1.0)


def test_acc_hungarian_permutation_and_extra_clusters():
    assert metrics.acc([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1]) == pytest.approx(1.0)
    # best one-to-one: cluster 0 -> class 0 (2 right), cluster 2 -> class 1 (2 right); cluster 1 unmatched
    assert metrics.acc([0, 0, 1, 1, 1], [0, 0, 1, 2, 2]) == pytest.approx(4 / 5)


def test_acc_counts_noise_as_wrong_and_ignores_unlabelled():
    assert metrics.acc([0, 0, 1, 1], [0, -1, 1, 1]) == pytest.approx(3 / 4)
    assert metrics.acc([0, 0, -1, 1], [0, 0, 3, 1]) == pytest.approx(1.0)


def test_noise_modes():
    truth = [0, 0, 0, 1, 1, 1]
    labels = [0, 0, -1, 1, 1, -1]
    assert metrics.ari(truth, labels, noise="exclude") == pytest.approx(1.0)
    assert metrics.ari(truth, labels, noise="singletons") < 1.0
    # noise as one cluster: truth {0,0,0,1,1,1}, pred {0,0,n,1,1,n}
    expected = metrics.ari(truth, [0, 0, 9, 1, 1, 9], noise="cluster")
    assert metrics.ari(truth, labels, noise="cluster") == pytest.approx(expected)


def test_nmi_ami_perfect_and_independent():
    assert metrics.nmi([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert metrics.ami([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert metrics.nmi([0, 1, 0, 1], [0, 0, 1, 1]) == pytest.approx(0.0, abs=1e-12)


def test_agreement_keys_are_stable():
    result = metrics.agreement(np.array([0, 0, 1, 1]), np.array([0, 0, 1, -1]))
    assert {"ari", "ami", "nmi", "acc", "clustered_share"} <= set(result)
    assert result["clustered_share"] == pytest.approx(0.75)


def test_internal_scores_and_sampling():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.1, (50, 2)), rng.normal(5, 0.1, (50, 2))])
    labels = np.repeat([0, 1], 50)
    scores = metrics.internal(x, labels)
    assert scores["silhouette"] > 0.9 and scores["silhouette_sample"] == 100
    assert scores["davies_bouldin"] < 0.1 and scores["calinski_harabasz"] > 1000
    sampled = metrics.internal(x, labels, sample_size=40)
    assert sampled["silhouette_sample"] == 40
    assert metrics.internal(x, np.zeros(100, dtype=int))["silhouette"] is None


def test_all_unlabelled_is_nan():
    assert math.isnan(metrics.ari([-1, -1], [0, 1]))
