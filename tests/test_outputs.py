"""Outputs never overwrite inputs, fail before the work, leave no temporaries; user text is inert Markdown."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from commands import clusterlab

from clustering.cache import remove_stale_temporaries, temporary_for
from clustering.graph.neighbors import knn_graph

ROOT = Path(__file__).resolve().parent.parent


# --- 3. outputs never overwrite inputs; no temporaries left behind -------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".npy"])
def test_out_equal_to_input_is_refused(tmp_path, suffix):
    x = np.random.default_rng(0).normal(size=(30, 3)).astype(np.float32)
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(path, index=False)
    else:
        np.save(path, x)
    before = path.read_bytes()
    done = clusterlab("cluster", path.name, "--method", "kmeans", "--out", f"./{path.name}", cwd=tmp_path)
    assert done.returncode == 2 and "is also an input" in done.stderr
    assert path.read_bytes() == before


def test_explain_out_equal_to_labels_is_refused(tmp_path):
    pd.DataFrame({"row": np.arange(1797), "cluster": np.arange(1797) % 3}).to_csv(tmp_path / "l.csv", index=False)
    before = (tmp_path / "l.csv").read_bytes()
    done = clusterlab("explain", "sample:digits", "--labels", "l.csv", "--out", "l.csv", cwd=tmp_path)
    assert done.returncode == 2 and "is also an input" in done.stderr
    assert (tmp_path / "l.csv").read_bytes() == before


@pytest.mark.parametrize(
    "out, message", [("missing/l.csv", "does not exist"), ("", "--out is empty"), (".", "is a folder")]
)
def test_bad_out_fails_before_the_run(tmp_path, out, message):
    start = time.perf_counter()
    done = clusterlab(
        "cluster", "sample:digits", "--method", "dec", "--param", "pretrain_epochs=300", "--out", out, cwd=tmp_path
    )
    assert done.returncode == 2 and message in done.stderr and done.stderr.count("\n") == 1
    assert time.perf_counter() - start < 60  # refused before training, which would take minutes


def test_stale_temporaries_of_killed_writers_are_removed(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path))
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    writer.kill()  # kill -9 mid-write: its 0-byte temporary stays behind
    writer.wait()
    stale = tmp_path / f".knn-abc.npz.{writer.pid}.tmp.npz"
    stale.write_bytes(b"")
    mine = temporary_for(tmp_path / "other.npz")
    mine.write_bytes(b"")  # this process's own temporary (a write in progress) is kept
    x = np.random.default_rng(2).normal(size=(50, 3)).astype(np.float32)
    knn_graph(x, 5)
    assert not stale.exists() and mine.exists()
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name and p != mine]
    mine.unlink()
    assert remove_stale_temporaries(tmp_path) == 0


def test_cache_setting_pointing_at_a_file_names_the_setting(tmp_path):
    (tmp_path / "afile").write_text("x")
    done = clusterlab(
        "cluster",
        "sample:digits",
        "--method",
        "leiden",
        "--out",
        "l.csv",
        cwd=tmp_path,
        env={"CLUSTERLAB_CACHE": str(tmp_path / "afile")},
    )
    assert done.returncode == 2 and "CLUSTERLAB_CACHE" in done.stderr and "is a file" in done.stderr


def test_user_strings_are_plain_in_markdown():
    import re

    from clustering.app.text import plain

    text = plain("[x](https://example.com) **bold** <img src=x onerror=alert(1)> `code` :red[hi] www.a.b\n# head")
    unescaped = re.findall(r"(?<!\\)[\[\]<>*`]", text)  # every link, HTML, emphasis and code mark is escaped
    assert unescaped == [], text
    assert "://" not in text and "www." not in text  # no bare-URL autolinks
    assert "\n\\# head" in text  # a heading at a line start is escaped too
