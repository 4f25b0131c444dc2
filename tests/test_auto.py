"""`--method auto`: what it chooses from the data, why, and its calibrated confidence."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from sklearn.datasets import make_blobs

from clustering.cli import main
from clustering.data import Dataset
from clustering.io.samples import load_sample
from clustering.run.pipeline import run


def test_auto_checks_its_level_by_resampling_and_keeps_its_most_typical_seed():
    data = load_sample("digits")
    result = run(data, "auto", {}, truth=data.metadata["label"].to_numpy())
    choice = result.info["auto"]
    assert choice["preprocess"] == "none" and choice["method"] == "leiden" and choice["resolution"] == 1.0
    assert "come back in resampled runs" in choice["why"] and "clustered on the vectors" in choice["why"]
    assert "most typical of 4 seeds" in choice["why"] and choice["seed"] in (0, 1, 2, 3)
    if choice["seed"] != 0:
        assert f"seed {choice['seed']} instead of 0" in choice["why"]  # it says why it moved from the given seed
    assert result.info["confidence"] == "calibrated from resampled evidence"
    assert result.metrics["ari"] >= 0.85
    confidence = result.confidence()
    assert confidence is not None and 0 < confidence.mean() < 1


def test_auto_reduces_only_very_wide_data():
    x, y = make_blobs(300, n_features=1200, centers=4, cluster_std=1.0, random_state=0)
    data = Dataset(vectors=x.astype(np.float32), metadata=pd.DataFrame({"label": y}), name="wide")
    choice = run(data, "auto", {}, truth=y).info["auto"]
    assert choice["preprocess"] == "pca:50" and "first 50 principal components (1200 columns)" in choice["why"]


def test_the_typical_run_is_the_one_agreeing_most_with_the_others_and_the_given_seed_wins_a_tie():
    from clustering.backends.auto import typical_run

    truth = np.repeat(np.arange(4), 25)
    odd = np.roll(truth, 13)
    near = truth.copy()
    near[:3] = 1
    assert typical_run([odd, truth, near, truth], 5)[0] in (1, 3)
    index, why = typical_run([odd, truth, near, truth], 5)
    assert f"seed {5 + index} instead of 5" in why
    assert typical_run([truth, truth, truth], 0) == (0, typical_run([truth, truth, truth], 0)[1])
    assert "seed 0 kept" in typical_run([truth, truth, truth], 0)[1]


def test_auto_on_narrow_data_keeps_the_vectors_and_says_when_clusters_do_not_come_back():
    x, y = make_blobs(800, n_features=6, centers=5, cluster_std=1.0, random_state=2)
    data = Dataset(vectors=x.astype(np.float32), metadata=pd.DataFrame({"label": y}), name="blobs")
    result = run(data, "auto", {}, truth=y)
    assert result.info["auto"]["preprocess"] == "none" and "clustered on the vectors" in result.info["auto"]["why"]
    assert result.metrics["ari"] > 0.9
    noise = Dataset(vectors=np.random.default_rng(0).normal(size=(600, 6)).astype(np.float32), name="noise")
    why = run(noise, "auto", {}).info["auto"]["why"]
    assert "read them with care" in why  # structureless data: its clusters do not come back


def test_cli_cluster_method_auto(tmp_path, capsys):
    out = tmp_path / "a.csv"
    assert main(["cluster", "sample:digits", "--method", "auto", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["info"]["auto"]["why"].startswith("Leiden at resolution 1")
    assert set(pd.read_csv(out).columns) >= {"row", "cluster", "confidence"}
