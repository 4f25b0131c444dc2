"""One result assembly for every path: a sampled fit's confidence means what a full fit's does (issue 37, item 4:
`--sample 1000 --confidence resampled` wrote the vote share, 1.0 on every row, as `confidence`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from commands import clusterlab

from clustering.data import Dataset
from clustering.run.pipeline import run


def blobs(n: int = 3000) -> np.ndarray:
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=4, size=(6, 8))
    return (centres[rng.integers(0, 6, n)] + rng.normal(size=(n, 8))).astype(np.float32)


def test_a_sampled_fit_is_given_the_confidence_asked_for(tmp_path):
    x = blobs()
    np.save(tmp_path / "blobs.npy", x)
    args = ["cluster", "blobs.npy", "--method", "kmeans", "--param", "n_clusters=6", "--seed", "0"]
    for extra, out in ((["--sample", "1000"], "sampled.csv"), ([], "full.csv")):
        done = clusterlab(*args, *extra, "--confidence", "resampled", "--out", out, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    sampled = pd.read_csv(tmp_path / "sampled.csv")["confidence"].to_numpy()
    full = pd.read_csv(tmp_path / "full.csv")["confidence"].to_numpy()
    assert not np.allclose(sampled, 1.0)  # the vote share was 1.0 on every row
    assert abs(sampled.mean() - full.mean()) < 0.05  # the same measure on both paths


def test_every_path_says_where_its_confidence_comes_from():
    data = Dataset(vectors=blobs(), name="blobs")
    full = run(data, "kmeans", {"n_clusters": 6}, seed=0)
    sampled = run(data, "kmeans", {"n_clusters": 6}, seed=0, sample=1000)
    assert full.info["confidence"] == sampled.info["confidence"] == "calibrated from neighbours"
    assert sampled.calibrated is not None and sampled.probabilities is not None  # the vote share is kept apart
    resampled = run(data, "kmeans", {"n_clusters": 6}, seed=0, sample=1000, confidence="resampled")
    assert resampled.info["confidence"].startswith("calibrated") and "resampled" in resampled.info["confidence"]
    assert resampled.seconds["total"] >= resampled.seconds["confidence"] > 0
