"""Values far outside float32's comfortable range: rescaled, clustered, written as JSON; planted caches rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from commands import clusterlab, huge_blobs

from clustering.data import DataError
from clustering.graph.neighbors import knn_graph

ROOT = Path(__file__).resolve().parent.parent


# --- 1. finite huge values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["leiden", "spectral"])
def test_huge_finite_values_cluster_without_crash(tmp_path, method):
    huge_blobs(tmp_path / "h.npy")
    args = ["cluster", "h.npy", "--method", method, "--out", "l.csv"]
    if method == "spectral":
        args += ["--param", "n_clusters=2"]
    for attempt in range(2):  # the second run reads the cached graph
        done = clusterlab(*args, cwd=tmp_path)
        assert done.returncode == 0, (attempt, done.returncode, done.stderr[-500:])
    labels = pd.read_csv(tmp_path / "l.csv")["cluster"].to_numpy()
    assert len(labels) == 60 and labels.min() >= 0


def test_power_of_two_scaling_keeps_labels(tmp_path):
    from clustering.run.pipeline import run_array

    x = huge_blobs(tmp_path / "h.npy", scale=1.0).astype(np.float32)
    plain = run_array(x, "leiden", {"resolution": 0.5}).labels
    scaled = run_array(x * np.float32(2.0**100), "leiden", {"resolution": 0.5}).labels
    np.testing.assert_array_equal(plain, scaled)
    tiny = run_array(x * np.float32(2.0**-100), "kmeans", {"n_clusters": 2}).labels
    assert len(np.unique(tiny)) == 2


def test_knn_with_missing_neighbours_is_refused_not_built():
    x = (np.random.default_rng(0).normal(size=(60, 4)) * 1e30).astype(np.float32)
    with pytest.raises(DataError, match="without 15 neighbours"):
        knn_graph(x, 15, use_cache=False)


def test_planted_cache_graph_is_checked_and_rebuilt(monkeypatch, tmp_path):
    from clustering.graph import neighbors

    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path))
    x = np.random.default_rng(1).normal(size=(80, 3)).astype(np.float32)
    good = knn_graph(x, 5)
    path = tmp_path / f"knn-{good.key}.npz"
    assert path.exists()
    bad = good.indices.copy()
    bad[3, 0] = -1
    np.savez(path, indices=bad, distances=good.distances, recall=np.float64(1.0))
    neighbors._MEMORY.clear()
    again = knn_graph(x, 5)
    assert not again.cached and (again.indices >= 0).all()
    np.testing.assert_array_equal(again.indices, good.indices)


def test_cli_json_for_huge_values(tmp_path):
    huge_blobs(tmp_path / "h.npy")
    done = clusterlab("cluster", "h.npy", "--method", "hdbscan", "--json", "--out", "l.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n_clusters"] == 2
