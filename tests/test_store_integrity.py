"""A crafted or damaged store never makes a command read, write or delete a file outside it."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from clustering.cli import main
from clustering.run.pipeline import run_array
from clustering.store import DatasetRef, Store, StoreError


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    monkeypatch.setenv("CLUSTERLAB_HOME", str(folder))
    return folder


@pytest.fixture
def victim(tmp_path):
    folder = tmp_path / "victim"
    folder.mkdir()
    (folder / "important.txt").write_text("keep me")
    return folder


def small_result(seed: int = 0, n: int = 1797):
    x = np.random.default_rng(seed).normal(size=(n, 3)).astype(np.float32)
    return run_array(x, "kmeans", {"n_clusters": 3, "seed": seed})


def make_project(home, name="p", n=1797) -> tuple[Store, str]:
    store = Store(home)
    store.create(name, DatasetRef(source="sample:digits"))
    return store, store.add_run(name, small_result(n=n), "km")


def sql(home, statement, params=()):
    with duckdb.connect(str(home / "clusterlab.duckdb")) as db:
        db.execute(statement, list(params))


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("crafted", ["ABSOLUTE", ".", "../../x", "..", "arrays/../.."])
def test_project_delete_never_leaves_the_store(home, victim, capsys, crafted):
    store, _ = make_project(home)
    project_id = str(victim) if crafted == "ABSOLUTE" else crafted
    for table in ("runs", "cluster_names", "layouts", "explanations", "comparisons"):
        sql(home, f"UPDATE {table} SET project_id = ?", [project_id])
    sql(home, "UPDATE projects SET id = ?", [project_id])
    code, _, err = run_cli(["project", "delete", "p"], capsys)
    assert code == 2 and "not of the store's form" in err and "Nothing was read, written or deleted" in err
    assert (victim / "important.txt").read_text() == "keep me"
    assert home.is_dir() and (home / "clusterlab.duckdb").is_file()


def test_a_project_folder_that_links_outside_is_refused(home, victim, capsys):
    store, run_id = make_project(home)
    folder = next(store.arrays.iterdir())
    for item in folder.iterdir():
        item.rename(victim / item.name)
    folder.rmdir()
    folder.symlink_to(victim)
    code, _, err = run_cli(["project", "delete", "p"], capsys)
    assert code == 2 and "leads outside the store folder" in err
    assert (victim / "important.txt").exists() and (victim / f"{run_id}.parquet").exists()
    with pytest.raises(StoreError, match="leads outside the store folder"):
        store.labels("p", run_id)


def test_report_never_deletes_a_crafted_layout_file(home, victim, tmp_path, capsys):
    store, _ = make_project(home)
    xy = np.zeros((1797, 2), dtype=np.float32)
    store.save_layout("p", "pca", "none", 0, xy)
    sql(home, "UPDATE layouts SET file = ?", ["../../../victim/important.txt"])
    code, _, err = run_cli(
        ["report", "--project", "p", "--projection", "pca", "--explain", "none", "--out", str(tmp_path / "r.html")],
        capsys,
    )
    assert code == 0, err
    assert (victim / "important.txt").read_text() == "keep me"
    store.save_layout("p", "pca", "none", 0, xy)  # replacing the crafted row never deletes what it named
    assert (victim / "important.txt").read_text() == "keep me"
    assert store.layout("p", "pca", "none", 0, 1797) is not None


def test_a_labels_file_outside_the_store_is_never_read(home, tmp_path, capsys):
    store, run_id = make_project(home)
    other = tmp_path / "other.parquet"
    pd.DataFrame({"cluster": np.zeros(1797, dtype=np.int32)}).to_parquet(other)
    for crafted in (str(other), "../../other.parquet", f"../{run_id}.parquet"):
        sql(home, "UPDATE runs SET labels_file = ?", [crafted])
        code, _, err = run_cli(["project", "labels", "p", "--run", "km", "--out", str(tmp_path / "l.csv")], capsys)
        assert code == 2 and "not of the store's form" in err, err
    assert not (tmp_path / "l.csv").exists()


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame({"cluster": np.zeros(1797, dtype=np.float64)}), "not numbers of the expected kind"),
        (pd.DataFrame({"cluster": np.zeros(1796, dtype=np.int32)}), "does not hold 1797 integer labels"),
        (pd.DataFrame({"cluster": np.full(1797, -5, dtype=np.int32)}), "does not hold 1797 integer labels"),
        (pd.DataFrame({"cluster": np.zeros(1797, dtype=np.int32), "confidence": np.full(1797, np.nan)}), "finite"),
    ],
)
def test_stored_labels_are_checked_beyond_their_checksum(home, table, message):
    import hashlib

    store, run_id = make_project(home)
    path = next(store.arrays.rglob(f"{run_id}.parquet"))
    table.to_parquet(path)
    sql(home, "UPDATE runs SET labels_sha256 = ?", [hashlib.sha256(path.read_bytes()).hexdigest()])
    with pytest.raises(StoreError, match=message):
        store.labels("p", run_id)


def test_run_ids_are_matched_before_names_and_names_cannot_look_like_ids(home):
    store, first = make_project(home)
    second = store.add_run("p", small_result(1), "other")
    sql(home, "UPDATE runs SET name = ? WHERE id = ?", [first, second])  # an old store where a name shadowed an id
    assert store.find_run("p", first).id == first
    np.testing.assert_array_equal(store.labels("p", first)[0], small_result(n=1797).labels)
    with pytest.raises(StoreError, match="has the form of a run id"):
        store.add_run("p", small_result(2), first)
    with pytest.raises(StoreError, match="has the form of a run id"):
        store.rename_run("p", second, "0123456789ab")


@pytest.mark.parametrize("name", [" padded ", "bad\u202ename", "c1\x85name", "lone\ud800"])
def test_bad_names_are_refused_before_any_work(home, tmp_path, name, capsys):
    (tmp_path / "c.yaml").write_text(
        "data: {path: sample:digits}\nruns:\n  - {method: kmeans, params: {n_clusters: 3}}\n"
    )
    code, _, err = run_cli(["run", str(tmp_path / "c.yaml"), "--project", name], capsys)
    assert code == 2 and "name" in err
    assert Store(home).projects() == []
    store, _ = make_project(home, "q")
    before = sorted(p.name for p in store.arrays.rglob("*.parquet"))
    with pytest.raises(StoreError):
        store.add_run("q", small_result(), name)
    assert sorted(p.name for p in store.arrays.rglob("*.parquet")) == before  # no orphan file


def test_a_huge_seed_is_refused_before_work_and_leaves_nothing(home, tmp_path, capsys):
    store, _ = make_project(home)
    before = sorted(p.name for p in store.arrays.rglob("*.parquet"))
    code, _, err = run_cli(
        ["cluster", "sample:digits", "--method", "kmeans", "--seed", str(2**70), "--out", str(tmp_path / "x.csv")],
        capsys,
    )
    assert code == 2 and "above the maximum" in err
    (tmp_path / "c.yaml").write_text(f"data: {{path: sample:digits}}\nruns:\n  - {{method: kmeans, seed: {2**70}}}\n")
    code, _, err = run_cli(["run", str(tmp_path / "c.yaml"), "--project", "p"], capsys)
    assert code == 2 and "above the maximum" in err
    assert sorted(p.name for p in store.arrays.rglob("*.parquet")) == before


def test_names_print_escaped_in_the_terminal(home, capsys):
    store, _ = make_project(home)
    sql(home, "UPDATE projects SET name = ?", ["evil\u202e\x9bname"])  # written by an old version or by hand
    sql(home, "UPDATE runs SET name = ?", ["run\x1b[31m"])
    code, out, _ = run_cli(["project", "list"], capsys)
    assert code == 0 and "\u202e" not in out and "\x9b" not in out and "evil\\u202e\\x9bname" in out
    code, out, _ = run_cli(["project", "show", "evil\u202e\x9bname"], capsys)
    assert code == 0 and "\x1b" not in out and "run\\x1b[31m" in out


@pytest.mark.parametrize(
    "dataset",
    ["[]", "{}", '{"source": 5}', '{"source": "sample:digits", "n_rows": "abc"}', '{"source": "x", "columns": 5}'],
)
def test_a_damaged_dataset_reference_is_one_line(home, capsys, dataset):
    make_project(home)
    sql(home, "UPDATE projects SET dataset = ?", [dataset])
    for args in (["project", "list"], ["project", "show", "p"]):
        code, _, err = run_cli(args, capsys)
        assert code == 2 and "dataset reference is damaged" in err and err.count("\n") == 1, err


def test_a_config_whose_first_run_fails_leaves_no_project(home, tmp_path, capsys):
    (tmp_path / "c.yaml").write_text(
        "data: {path: sample:digits}\nruns:\n  - {method: kmeans, params: {n_clusters: 5000}}\n"
    )
    code, _, err = run_cli(["run", str(tmp_path / "c.yaml"), "--project", "fresh"], capsys)
    assert code == 2 and "5000" in err
    assert Store(home).projects() == []
