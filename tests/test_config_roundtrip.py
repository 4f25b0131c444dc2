"""Every run kind the store holds re-runs from an exported config to identical labels (issue 36, item 1)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from commands import clusterlab

from clustering.io.labels import read_label_file
from clustering.io.samples import load_sample
from clustering.run.imported import imported_result
from clustering.run.pipeline import run, run_subset
from clustering.store import DatasetRef, Store

CONFIG = """data: {path: sample:digits}
runs:
  - {name: a, method: kmeans, params: {n_clusters: 5}, seed: 0}
  - {name: b, method: kmeans, params: {n_clusters: 8}, seed: 1}
  - {name: c, of: [a, b]}
  - {name: d, from: a, edits: [{merge: [0, 1]}]}
"""


def test_a_config_with_consensus_and_edits_runs_and_reruns(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "c.yaml").write_text(CONFIG)
    done = clusterlab("run", "c.yaml", cwd=tmp_path, home=home)
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines()] == ["c / a", "c / b", "c / c", "c / d"]
    assert "consensus" in done.stdout and "edited" in done.stdout
    as_json = clusterlab("run", "c.yaml", "--project", "j", "--json", cwd=tmp_path, home=home)
    assert as_json.returncode == 0, as_json.stderr
    assert [json.loads(line)["run"] for line in as_json.stdout.splitlines()] == ["a", "b", "c", "d"]
    assert clusterlab("project", "export", "c", "--out", "e.yaml", cwd=tmp_path, home=home).returncode == 0
    again = clusterlab("run", "e.yaml", "--project", "again", cwd=tmp_path, home=home)
    assert again.returncode == 0, again.stderr
    store = Store(home)
    for name in "abcd":
        np.testing.assert_array_equal(store.labels("c", name)[0], store.labels("again", name)[0])


def test_every_run_kind_survives_export_and_rerun(tmp_path):
    """Plain, consensus, edited, drill-down, imported labels and an edit of the imported run."""
    home = tmp_path / "home"
    store = Store(home)
    data = load_sample("digits")
    store.create("all", DatasetRef(source="sample:digits", fingerprint=data.fingerprint))
    plain = run(data, "kmeans", {"n_clusters": 6}, seed=2)
    plain_id = store.add_run("all", plain, "plain")
    rows = np.sort(np.random.default_rng(0).choice(data.n, 300, replace=False))
    store.add_run("all", run_subset(data, rows, "kmeans", {"n_clusters": 3, "seed": 4}), "drill")
    truth = data.labels()
    pd.DataFrame({"row": np.arange(data.n)[::-1], "cluster": [f"digit {t}" for t in truth[::-1]]}).to_csv(
        tmp_path / "mine.csv", index=False
    )
    found = read_label_file(tmp_path / "mine.csv", data)
    imported_id = store.add_run("all", imported_result(data, found, "mine.csv"), "mine")
    for code, name in found.names.items():
        store.name_cluster("all", imported_id, code, name)
    from clustering.evidence.consensus import consensus_result
    from clustering.run.edits import edited_result

    store.add_run("all", consensus_result(data, [(plain_id, plain.labels), (imported_id, found.labels)]), "agreed")
    imported = store.find_run("all", imported_id).to_result(*store.labels("all", imported_id), data.fingerprint)
    store.add_run("all", edited_result(data, imported, imported_id, [{"merge": [0, 1]}]), "fixed")

    out = tmp_path / "out"
    out.mkdir()
    exported = clusterlab("project", "export", "all", "--out", "out/all.yaml", cwd=tmp_path, home=home)
    assert exported.returncode == 0, exported.stderr
    assert sorted(p.name for p in (out / "all.files").iterdir()) == ["01-drill.rows.csv", "02-mine.labels.csv"]
    (tmp_path / "mine.csv").unlink()  # the config needs only what export wrote
    again = clusterlab("run", "out/all.yaml", "--project", "copy", cwd=tmp_path, home=home)
    assert again.returncode == 0, again.stderr
    for name in ("plain", "drill", "mine", "agreed", "fixed"):
        np.testing.assert_array_equal(store.labels("all", name)[0], store.labels("copy", name)[0], err_msg=name)
    copy_drill = store.find_run("copy", "drill")
    assert copy_drill.is_subset and (store.subset_rows("copy", copy_drill.id) == rows).all()
    names = store.cluster_names("copy", store.find_run("copy", "mine").id)
    assert {name for name, _ in names.values()} == {f"digit {d}" for d in range(10)}


def test_a_config_file_path_that_is_missing_is_one_line(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "c.yaml").write_text("data: sample:digits\nruns:\n  - {name: x, labels: gone.csv}\n")
    done = clusterlab("run", "c.yaml", cwd=tmp_path, home=home)
    assert done.returncode == 2 and "gone.csv" in done.stderr and "beside the config" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
