"""Many people, one store: real processes racing, SIGINT and kill -9 at chosen points (issue 36, items 8-11)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from commands import clusterlab

from clustering.run.pipeline import run_array
from clustering.store import DatasetRef, Store
from clustering.store.checks import orphans

SLOW = """data: {path: sample:digits}
runs:
  - {name: slow, method: kmeans, params: {n_clusters: 400, n_init: 100}, seed: 0}
"""
QUICK_THEN_SLOW = """data: {path: sample:digits}
runs:
  - {name: quick, method: kmeans, params: {n_clusters: 5}, seed: 0}
  - {name: slow, method: kmeans, params: {n_clusters: 400, n_init: 100}, seed: 0}
"""
CREATE_UNIQUE = """
import sys, time
from clustering.store import DatasetRef, Store
store = Store(sys.argv[1])
while time.time() < float(sys.argv[2]):
    pass
print(store.create_unique("digits 2026-12-07 07.57.41", DatasetRef(source="sample:digits")), flush=True)
"""
KILLED_AFTER_RENAME = """
import os, signal, sys
import numpy as np
from clustering.run.pipeline import run_array
from clustering.store import Store
store = Store(sys.argv[1])
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # right after the labels file was renamed into place
store._insert_run = killed
store.add_run("p", run_array(np.random.default_rng(0).normal(size=(40, 3)), "kmeans", {"n_clusters": 3}), "lost")
"""


def cli(*args: str, home, cwd) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "clustering.cli", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CLUSTERLAB_HOME": str(home), "PYTHONUNBUFFERED": "1"},
    )


def small_result(seed: int = 0):
    return run_array(np.random.default_rng(seed).normal(size=(1797, 3)).astype(np.float32), "kmeans", {"seed": seed})


def wait_for(condition, seconds: float = 120.0) -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def test_two_clis_creating_one_project_both_succeed(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "c.yaml").write_text("data: {path: sample:digits}\nruns: [{name: k, method: kmeans}]\n")
    for _ in range(3):
        name = f"shared-{_}"
        runs = [cli("run", "c.yaml", "--project", name, home=home, cwd=tmp_path) for _ in range(3)]
        outcomes = [p.communicate(timeout=300) + (p.returncode,) for p in runs]
        assert all(code == 0 for _, _, code in outcomes), [err for _, err, _ in outcomes]
        assert len(Store(home).project(name)["runs"]) == 3


def test_projects_created_in_the_same_second_get_distinct_names(tmp_path):
    home = tmp_path / "home"
    Store(home)  # the store exists before the race
    start = str(time.time() + 3)
    writers = [
        subprocess.Popen([sys.executable, "-c", CREATE_UNIQUE, str(home), start], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    names = [w.communicate(timeout=120)[0].strip() for w in writers]
    assert all(w.returncode == 0 for w in writers)
    base = "digits 2026-12-07 07.57.41"
    assert sorted(names) == sorted([base, f"{base} (2)", f"{base} (3)", f"{base} (4)"])


def test_ctrl_c_keeps_another_writers_run_and_project(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "slow.yaml").write_text(SLOW)
    running = cli("run", "slow.yaml", "--project", "shared", home=home, cwd=tmp_path)
    store = Store(home)
    wait_for(lambda: store.exists("shared"))
    other = store.add_run("shared", small_result(), "from the browser")
    running.send_signal(signal.SIGINT)
    running.communicate(timeout=120)
    assert running.returncode != 0
    assert [run.id for run in store.project("shared")["runs"]] == [other]
    assert len(store.labels("shared", other)[0]) == 1797


def test_ctrl_c_alone_leaves_no_empty_project(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "slow.yaml").write_text(SLOW)
    running = cli("run", "slow.yaml", "--project", "mine", home=home, cwd=tmp_path)
    store = Store(home)
    wait_for(lambda: store.exists("mine"))
    time.sleep(0.5)
    running.send_signal(signal.SIGINT)
    running.communicate(timeout=120)
    assert not store.exists("mine")


def test_run_json_prints_each_run_as_it_is_stored(tmp_path):
    home = tmp_path / "home"
    (tmp_path / "two.yaml").write_text(QUICK_THEN_SLOW)
    running = cli("run", "two.yaml", "--json", home=home, cwd=tmp_path)
    first = json.loads(running.stdout.readline())
    assert first["run"] == "quick" and running.poll() is None  # said while the slow run still works
    os.kill(running.pid, signal.SIGKILL)
    running.communicate(timeout=60)
    assert [r.name for r in Store(home).project("two")["runs"]] == ["quick"]


def test_a_writer_killed_after_its_rename_leaves_an_orphan_that_check_finds_and_fixes(tmp_path):
    home = tmp_path / "home"
    store = Store(home)
    store.create("p", DatasetRef(source="sample:digits"))
    kept = store.add_run("p", small_result(), "kept")
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_RENAME, str(home)], timeout=120)
    assert killed.returncode == -signal.SIGKILL
    files = sorted(store.arrays.rglob("*.parquet"))
    assert len(files) == 2
    assert orphans(store) == []  # too new: a live writer may be between its rename and its commit
    orphan = next(p for p in files if p.name != f"{kept}.parquet")
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    found = clusterlab("project", "check", cwd=tmp_path, home=home)
    assert found.returncode == 0 and f"orphan: {orphan}" in found.stdout and orphan.exists()
    fixed = clusterlab("project", "check", "--fix", cwd=tmp_path, home=home)
    assert fixed.returncode == 0 and f"removed: {orphan}" in fixed.stdout and not orphan.exists()
    assert len(store.labels("p", "kept")[0]) == 1797


def test_check_names_a_damaged_run(tmp_path):
    home = tmp_path / "home"
    store = Store(home)
    store.create("p", DatasetRef(source="sample:digits"))
    run_id = store.add_run("p", small_result(), "hurt")
    next(store.arrays.rglob(f"{run_id}.parquet")).write_bytes(b"not parquet")
    found = clusterlab("project", "check", cwd=tmp_path, home=home)
    assert found.returncode == 1 and "damaged: p / hurt" in found.stdout


@pytest.mark.parametrize("target", ["database", "labels", "inside"])
def test_no_output_lands_in_the_store(tmp_path, target):
    home = tmp_path / "home"
    store = Store(home)
    store.create("p", DatasetRef(source="sample:digits"))
    run_id = store.add_run("p", small_result(), "a")
    before = {p: p.read_bytes() for p in home.rglob("*") if p.is_file()}
    out = {
        "database": store.path,
        "labels": next(store.arrays.rglob(f"{run_id}.parquet")),
        "inside": home / "arrays" / ".." / "x.csv",
    }[target]
    exports = ("project", "export", "p", "--out", str(out))
    for args in (exports, ("project", "labels", "p", "--run", "a", "--out", str(out))):
        done = clusterlab(*args, cwd=tmp_path, home=home)
        assert done.returncode == 2 and "lies in the project store" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert {p: p.read_bytes() for p in home.rglob("*") if p.is_file()} == before
    assert len(store.labels("p", "a")[0]) == 1797
