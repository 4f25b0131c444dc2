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


def test_auto_on_wide_data_reduces_then_checks_its_level_by_resampling():
    data = load_sample("digits")
    result = run(data, "auto", {}, truth=data.metadata["label"].to_numpy())
    choice = result.info["auto"]
    assert choice["preprocess"] == "pca:50" and choice["method"] == "leiden" and choice["resolution"] == 1.0
    assert (
        "come back in resampled runs" in choice["why"] and "first 50 principal components (64 columns)" in choice["why"]
    )
    assert result.info["confidence"] == "calibrated from resampled evidence"
    assert result.metrics["ari"] >= 0.85
    confidence = result.confidence()
    assert confidence is not None and 0 < confidence.mean() < 1


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
