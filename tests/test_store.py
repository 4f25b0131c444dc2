"""Projects on a real DuckDB file: configs, export and re-run, damaged stores, concurrency, kill -9 mid-write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
from commands import clusterlab

from clustering.run.pipeline import run_array
from clustering.store import ConfigError, DatasetRef, Store, StoreError, load_config

CONFIG = """data: {path: sample:digits}
runs:
  - {name: km, method: kmeans, params: {n_clusters: 10}, seed: 3}
  - {name: lei, method: leiden, params: {resolution: 0.8}}
"""


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "home")


def small_result(seed: int = 0):
    x = np.random.default_rng(seed).normal(size=(40, 3)).astype(np.float32)
    return run_array(x, "kmeans", {"n_clusters": 3, "seed": seed})


def test_config_runs_show_export_rerun_identical(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "two.yaml").write_text(CONFIG)
    done = clusterlab("run", "two.yaml", "--json", cwd=tmp_path, home=home)
    assert done.returncode == 0, done.stderr
    summaries = [json.loads(line) for line in done.stdout.splitlines()]
    assert [s["run"] for s in summaries] == ["km", "lei"]
    assert {"method", "params", "seed", "n_clusters", "n_noise", "seconds", "metrics"} <= set(summaries[0])
    shown = json.loads(clusterlab("project", "show", "two", "--json", cwd=tmp_path, home=home).stdout)
    assert [r["name"] for r in shown["runs"]] == ["km", "lei"] and shown["runs"][0]["seed"] == 3
    assert shown["dataset"]["fingerprint"] and shown["runs"][0]["versions"]["numpy"]
    assert clusterlab("project", "export", "two", "--out", "e.yaml", cwd=tmp_path, home=home).returncode == 0
    assert "numpy" in load_config(tmp_path / "e.yaml").versions
    again = clusterlab("run", "e.yaml", "--project", "copy", cwd=tmp_path, home=home)
    assert again.returncode == 0, again.stderr
    store = Store(home)
    for run in ("km", "lei"):
        np.testing.assert_array_equal(store.labels("two", run)[0], store.labels("copy", run)[0])
    listed = clusterlab("project", "list", "--json", cwd=tmp_path, home=home)
    assert {p["name"] for p in json.loads(listed.stdout)["projects"]} == {"two", "copy"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("data: {path: nowhere.npy}\nruns: [{method: leiden}]\n", "nowhere.npy: file not found"),
        ("data: sample:digits\nruns: [{method: foo}]\n", "unknown method 'foo'"),
        ("data: sample:digits\nruns: [{method: leiden, params: {resolution: nan}}]\n", "resolution"),
        ("data: sample:digits\nruns: [{method: kmeans, params: {k: 3}}]\n", "unknown parameter"),
        ("data: sample:digits\nruns: [{method: leiden\n", "not valid YAML (line"),
        ("runs: [{method: leiden}]\n", "`data:` needs `path:`"),
    ],
)
def test_bad_configs_give_one_clear_line(tmp_path, text, message):
    (tmp_path / "bad.yaml").write_text(text)
    done = clusterlab("run", "bad.yaml", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_labels_export_carries_cluster_names_and_confidence(tmp_path):
    store = Store(tmp_path / "home")
    store.create("p", DatasetRef(source="sample:digits"))
    x = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    result = run_array(x, "gmm", {"n_components": 2})
    run_id = store.add_run("p", result, "g")
    store.name_cluster("p", run_id, 0, "left <b>", "a note")
    assert store.cluster_names("p", run_id) == {0: ("left <b>", "a note")}
    done = clusterlab("project", "labels", "p", "--run", "g", "--out", "l.csv", cwd=tmp_path, home=tmp_path / "home")
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(tmp_path / "l.csv", keep_default_na=False)
    assert list(frame.columns) == ["row", "cluster", "cluster_name", "confidence"]
    assert (frame.loc[frame.cluster == 0, "cluster_name"] == "left <b>").all()
    np.testing.assert_array_equal(frame.cluster.to_numpy(), result.labels)


def test_rename_delete_and_run_management(store):
    store.create("a", DatasetRef(source="sample:digits"))
    run_id = store.add_run("a", small_result(), "first")
    store.rename("a", "b")
    assert [p["name"] for p in store.projects()] == ["b"] and store.projects()[0]["runs"] == 1
    store.rename_run("b", run_id, "renamed")
    assert store.project("b")["runs"][0].name == "renamed"
    with pytest.raises(StoreError, match="exists already"):
        store.create("b", DatasetRef(source="sample:digits"))
    with pytest.raises(StoreError, match="name"):
        store.create("two\nlines", DatasetRef(source="x"))
    store.delete("b")
    assert store.projects() == [] and not any(store.arrays.rglob("*.parquet"))


def test_changed_label_file_is_refused(store):
    store.create("p", DatasetRef(source="sample:digits"))
    run_id = store.add_run("p", small_result(), "r")
    path = next(store.arrays.rglob(f"{run_id}.parquet"))
    path.write_bytes(path.read_bytes()[:-8] + b"00000000")
    with pytest.raises(StoreError, match="missing or changed"):
        store.labels("p", "r")


def test_damaged_or_foreign_store_is_refused_and_left_untouched(tmp_path):
    import duckdb

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "clusterlab.duckdb").write_bytes(b"this is not a database" * 100)
    before = (damaged / "clusterlab.duckdb").read_bytes()
    with pytest.raises(StoreError, match="not a Clusterlab project store"):
        Store(damaged).projects()
    assert (damaged / "clusterlab.duckdb").read_bytes() == before

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with duckdb.connect(str(foreign / "clusterlab.duckdb")) as db:
        db.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(StoreError, match="other tables"):
        Store(foreign).projects()

    newer = tmp_path / "newer"
    Store(newer).projects()
    with duckdb.connect(str(newer / "clusterlab.duckdb")) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer Clusterlab"):
        Store(newer).projects()


def test_a_version_1_store_is_migrated_in_place(tmp_path):
    import duckdb

    from clustering.store import database

    folder = tmp_path / "old"
    folder.mkdir()
    with duckdb.connect(str(folder / "clusterlab.duckdb")) as db:  # the store as schema 1 wrote it
        for statement in database.SCHEMA[:4]:
            db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('app', 'clusterlab'), ('schema_version', '1')")
        db.execute(
            "INSERT INTO projects VALUES (?, 'kept', '{\"source\": \"sample:digits\"}', '', 1.0, 1.0)", ["0" * 32]
        )
    store = Store(folder)
    assert [p["name"] for p in store.projects()] == ["kept"]
    store.save_layout("kept", "pca", "none", 0, np.zeros((5, 2), dtype=np.float32))
    with duckdb.connect(str(folder / "clusterlab.duckdb")) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
        tables = {row[0] for row in db.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert {"layouts", "explanations", "comparisons"} <= tables


def test_layouts_and_explanations_are_kept(store):
    store.create("p", DatasetRef(source="sample:digits"))
    run_id = store.add_run("p", small_result(), "r")
    xy = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    store.save_layout("p", "umap", "none", 0, xy, seconds=1.5)
    np.testing.assert_array_equal(store.layout("p", "umap", "none", 0, 40), xy)
    assert store.layout("p", "umap", "none", 0, 41) is None and store.layout("p", "pca", "none", 0, 40) is None
    store.save_layout("p", "umap", "none", 0, xy + 1)  # replaced, the old file removed
    np.testing.assert_array_equal(store.layout("p", "umap", "none", 0, 40), xy + 1)
    assert len(list(store.arrays.rglob("layout-*.parquet"))) == 1
    found = {"method": "imm", "space": "features", "accuracy": 0.9, "clusters": [{"cluster": 0, "rule": "a <= 1"}]}
    store.save_explanation("p", run_id, {"method": "imm", "space": "features"}, found)
    kept = store.explanations("p", run_id)
    assert kept[0]["result"] == found and kept[0]["settings"]["space"] == "features"
    other = store.add_run("p", small_result(1), "other")
    store.save_comparison("p", "stability", [run_id], {"repeats": 3}, {"seed_stability": 0.9})
    store.save_comparison("p", "stability", [other], {"repeats": 3}, {"seed_stability": 0.5})
    assert [c["result"]["seed_stability"] for c in store.comparisons("p", "stability")] == [0.5, 0.9]
    store.delete_run("p", run_id)  # its explanations and comparisons go with it
    assert store.explanations("p") == []
    assert [c["run_ids"] for c in store.comparisons("p")] == [[other]]


WRITER = """
import sys, numpy as np
from clustering.run.pipeline import run_array
from clustering.store import Store
store = Store(sys.argv[1])
x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
for i in range(int(sys.argv[3])):
    store.add_run(sys.argv[2], run_array(x, "kmeans", {"n_clusters": 3, "seed": i}), f"cli-{i}")
    print(i, flush=True)
"""


def test_two_sessions_and_a_cli_write_at_once_and_lose_nothing(tmp_path):
    store = Store(tmp_path / "home")
    store.create("shared", DatasetRef(source="sample:digits"))
    cli = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.folder), "shared", "8"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[Exception] = []

    def session(tag: str) -> None:
        try:
            for i in range(8):
                Store(store.folder).add_run("shared", small_result(i), f"{tag}-{i}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=session, args=(tag,)) for tag in ("tab-a", "tab-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _, stderr = cli.communicate(timeout=300)
    assert not errors and cli.returncode == 0, (errors, stderr[-500:])
    names = {run.name for run in store.project("shared")["runs"]}
    assert names == {f"{tag}-{i}" for tag in ("tab-a", "tab-b", "cli") for i in range(8)}
    for name in names:
        assert len(store.labels("shared", name)[0]) == 40


def test_kill_9_mid_write_loses_at_most_the_run_being_written(tmp_path):
    store = Store(tmp_path / "home")
    store.create("p", DatasetRef(source="sample:digits"))
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(store.folder), "p", "1000"], stdout=subprocess.PIPE, text=True
    )
    written = 0
    while written < 5:
        line = writer.stdout.readline()
        assert line, "writer ended early"
        written = int(line) + 1
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    time.sleep(0.2)
    runs = store.project("p")["runs"]
    assert len(runs) >= written
    for run in runs:  # every committed run is whole
        assert len(store.labels("p", run.id)[0]) == 40
    store.add_run("p", small_result(), "after")  # the store still takes writes, and clears the killed temporary
    assert not [p for p in store.arrays.rglob("*") if ".tmp" in p.name]


def test_config_refuses_a_project_holding_other_data(tmp_path):
    store = Store(tmp_path / "home")
    store.create("p", DatasetRef(source="sample:pbmc", fingerprint="0" * 32))
    from clustering.store import run_config
    from clustering.store.config import parse_config

    config = parse_config({"data": {"path": "sample:digits"}, "runs": [{"method": "kmeans"}]})
    with pytest.raises(ConfigError, match="holds another dataset"):
        run_config(config, store, "p")


def test_drop_nonfinite_is_part_of_the_reference(tmp_path):
    """A file loaded with its NaN rows dropped reopens, exports and re-runs the same way."""
    from clustering.store import export_config, run_config
    from clustering.store.config import parse_config

    x = np.random.default_rng(0).normal(size=(50, 3))
    x[7, 1] = np.nan
    pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(tmp_path / "d.csv", index=False)
    store = Store(tmp_path / "home")
    config = parse_config(
        {
            "data": {"path": str(tmp_path / "d.csv"), "drop_nonfinite": True},
            "runs": [{"name": "k", "method": "kmeans", "params": {"n_clusters": 2}}],
        }
    )
    run_config(config, store, "p")
    assert store.project("p")["dataset"].drop_nonfinite and store.project("p")["dataset"].n_rows == 49
    (tmp_path / "e.yaml").write_text(export_config(store, "p"))
    run_config(load_config(tmp_path / "e.yaml"), store, "q")
    np.testing.assert_array_equal(store.labels("p", "k")[0], store.labels("q", "k")[0])


def test_a_drill_down_keeps_its_rows_so_its_outside_is_not_read_as_noise(tmp_path):
    from clustering.io.samples import load_sample
    from clustering.run.pipeline import run, run_subset

    store = Store(tmp_path / "home")
    data = load_sample("digits")
    store.create("drill", DatasetRef(source="sample:digits", fingerprint=data.fingerprint))
    rows = np.arange(100, 400)
    drill = store.add_run("drill", run_subset(data, rows, "kmeans", {"n_clusters": 3}), "drill")
    whole = store.add_run("drill", run(data, "kmeans", {"n_clusters": 3}, seed=0), "whole")
    assert (store.subset_rows("drill", drill) == rows).all()
    assert store.subset_rows("drill", whole) is None
    assert store.find_run("drill", drill).is_subset and not store.find_run("drill", whole).is_subset
