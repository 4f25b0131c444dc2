"""A drill-down is a run over a subset: stored with its rows, exported and replayed (test_config_roundtrip), in
reports with its own section, scored on its rows, compared on the rows shared (issue 36, item 13)."""

from __future__ import annotations

import numpy as np

from clustering.evaluate.metrics import ari
from clustering.io.samples import load_sample
from clustering.reports import project_report
from clustering.run.pipeline import run, run_subset
from clustering.store import DatasetRef, Store


def test_a_project_report_holds_its_drill_down_scored_on_its_rows(tmp_path):
    store = Store(tmp_path / "home")
    data = load_sample("digits")
    store.create("p", DatasetRef(source="sample:digits", fingerprint=data.fingerprint))
    rows = np.arange(300, 600)
    store.add_run("p", run(data, "kmeans", {"n_clusters": 10}, seed=0), "whole")
    drill = run_subset(data, rows, "kmeans", {"n_clusters": 10, "seed": 0})
    store.add_run("p", drill, "zoomed in")
    xy = np.random.default_rng(0).normal(size=(data.n, 2)).astype(np.float32)
    store.save_layout("p", "umap", "none", 0, xy)  # no UMAP in this test
    html = project_report(store, "p")
    assert "Run: zoomed in" in html
    assert "A drill-down: 300 of the data&#39;s 1,797 rows" in html
    assert "Compared on the 300 rows every drill-down here clustered" in html
    truth = data.labels("label")
    own = ari(truth[rows], drill.labels[rows])
    section = html[html.index("Run: zoomed in") :]
    assert f"ari {own:.4g} ·" in section  # its ARI on its own rows, not on every row with the others as noise
    assert f"ari {ari(truth, drill.labels):.4g} ·" not in html


def test_the_python_front_reports_a_drill_down_as_one(tmp_path):
    import clustering as cl

    data = load_sample("digits")
    drill = run_subset(data, np.arange(200), "kmeans", {"n_clusters": 3, "seed": 0})
    html = cl.report([cl.Clustering(data, drill)], tmp_path / "r.html", projection="pca")
    assert "A drill-down: 200 of the data&#39;s 1,797 rows" in html
