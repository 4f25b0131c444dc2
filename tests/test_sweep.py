import numpy as np

from clustering.data import Dataset
from clustering.run.sweep import _cache_path, pairwise_ari, sweep


def test_pairwise_ari_on_common_rows():
    a = (np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]))
    b = (np.array([1, 2, 3, 4]), np.array([5, 7, 7, 9]))
    assert pairwise_ari([a, b]) == [1.0]


def test_sweep_reports_and_extends_from_cache(blobs):
    x, y = blobs
    data = Dataset(vectors=x, name="blobs")
    report = sweep(data, "kmeans", "n_clusters", [2, 4, 8], n_seeds=2, n_subsamples=2, truth=y, n_jobs=1)
    rows = report["rows"]
    assert [r["value"] for r in rows] == [2, 4, 8]
    assert [r["n_clusters"] for r in rows] == [2, 4, 8]
    best = max(rows, key=lambda r: r["silhouette"])
    assert best["value"] == 4 and best["ari"] > 0.95
    assert rows[1]["seed_stability"] > 0.95 and rows[1]["subsample_stability"] > 0.95
    # extending the sweep: the earlier values are already cached
    import json

    params = {"n_clusters": 4, "n_init": 10, "max_iter": 300, "algorithm": "auto", "random_state": 0}
    assert _cache_path(data.fingerprint + "none", "kmeans", json.dumps(params, sort_keys=True), 0).exists()


def test_sweep_leiden_resolution(blobs):
    x, _ = blobs
    report = sweep(
        Dataset(vectors=x), "leiden", "resolution", np.linspace(0.1, 2.0, 3), n_seeds=2, n_subsamples=2, n_jobs=2
    )
    counts = [r["n_clusters"] for r in report["rows"]]
    assert counts == sorted(counts)
