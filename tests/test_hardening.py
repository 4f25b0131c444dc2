"""Issue 12's reproductions, each as a test: huge values, planted caches, --out over inputs, size limits, nan params.

The CLI cases run in a subprocess, so a native crash (exit 134/139) fails the test instead of killing pytest.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.cache import remove_stale_temporaries, temporary_for
from clustering.data import DataError
from clustering.explain import EXPLAINERS
from clustering.io import load
from clustering.neighbors import knn_graph

ROOT = Path(__file__).resolve().parent.parent


def clusterlab(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "clustering.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def huge_blobs(path: Path, scale: float = 1e30) -> np.ndarray:
    r = np.random.default_rng(0).normal(size=(60, 4))
    x = np.vstack([r[:30], r[30:] + 5])
    np.save(path, (x * scale).astype(np.float32))
    return x


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
    from clustering.pipeline import run_array

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
    from clustering import neighbors

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


# --- 2. no pickle is ever read from a cache -------------------------------------------------------------------


def test_planted_pickle_in_sweep_cache_never_runs(monkeypatch, tmp_path):
    import pickle

    from clustering.data import Dataset
    from clustering.sweep import sweep

    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path))
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    x = np.random.default_rng(0).normal(size=(90, 3)).astype(np.float32)
    data = Dataset(vectors=x)
    sweep(data, "kmeans", "n_clusters", [2], n_seeds=1, n_subsamples=0, n_jobs=1)
    cached = list((tmp_path / "sweeps").glob("*"))
    assert cached and all(p.suffix == ".npz" for p in cached)
    for path in cached:  # overwrite every cache file with a pickle, and plant more beside them
        path.write_bytes(pickle.dumps(Payload()))
    (tmp_path / "sweeps" / "output.pkl").write_bytes(pickle.dumps(Payload()))
    report = sweep(data, "kmeans", "n_clusters", [2], n_seeds=1, n_subsamples=0, n_jobs=1)
    assert report["rows"][0]["n_clusters"] == 2
    assert not marker.exists()


def test_no_pickle_loading_in_library_or_app():
    offenders = []
    for folder in ("clustering", "app"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for needle in (
                "pickle.load",
                "joblib.Memory",
                "from joblib import Memory",
                "allow_pickle=True",
                "cloudpickle",
            ):
                if needle in text:
                    offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_deep_model_files_are_npz_not_pickles(tmp_path):
    from clustering.backends.deep.model_file import load_payload

    planted = tmp_path / "model.pt"
    planted.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)  # a pickle's opening bytes
    with pytest.raises(ValueError, match="not a Clusterlab deep clustering model"):
        load_payload(planted)


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


# --- 4. limits checked before reading ------------------------------------------------------------------------


def test_five_million_column_csv_refused_fast(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["c"] * 5_000_000) + "\n")
    start = time.perf_counter()
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_COLUMNS"):
        load(path)
    assert time.perf_counter() - start < 10


def test_repeated_column_names_read_in_linear_time(tmp_path):
    path = tmp_path / "dup.csv"
    rows = [",".join(["x"] * 20_000)] + [",".join(str(i + j % 7) for j in range(20_000)) for i in range(4)]
    path.write_text("\n".join(rows) + "\n")
    start = time.perf_counter()
    data = load(path)
    assert data.d == 20_000 and data.feature_names[:3] == ["x", "x.1", "x.2"]
    assert time.perf_counter() - start < 20  # pandas' own renaming took minutes at this width


def test_npz_bomb_refused_before_decompressing(tmp_path):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, embeddings=np.zeros((4000, 4000), dtype=np.float32))  # 61 MB expands
    assert path.stat().st_size < 1_000_000
    start = time.perf_counter()
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(path, max_mb=16)
    assert time.perf_counter() - start < 2


def test_npy_header_declaring_a_huge_array_is_refused(tmp_path):
    from numpy.lib import format as npy_format

    path = tmp_path / "liar.npy"
    with open(path, "wb") as handle:
        npy_format.write_array_header_1_0(handle, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 1000)})
        handle.write(b"\x00" * 64)
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(path)


def test_npz_member_declaring_more_than_it_holds(tmp_path):
    import io

    from numpy.lib import format as npy_format

    member = io.BytesIO()
    npy_format.write_array_header_1_0(member, {"descr": "<f4", "fortran_order": False, "shape": (10**8, 100)})
    with zipfile.ZipFile(tmp_path / "liar.npz", "w") as archive:
        archive.writestr("embeddings.npy", member.getvalue() + b"\x00" * 16)
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_MB"):
        load(tmp_path / "liar.npz")


def test_random_bytes_npy_is_not_called_a_pickle(tmp_path):
    path = tmp_path / "r.npy"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(DataError, match="not a NumPy .npy array") as error:
        load(path)
    assert "pickle" not in str(error.value)


def test_object_npy_is_still_refused_as_pickle(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="pickled Python objects"):
        load(tmp_path / "o.npy")


def test_parquet_wider_than_the_limit_refused_from_its_footer(tmp_path):
    frame = pd.DataFrame(np.zeros((5, 50), dtype=np.float32), columns=[f"c{i}" for i in range(50)])
    frame.to_parquet(tmp_path / "w.parquet")
    with pytest.raises(DataError, match="CLUSTERLAB_MAX_COLUMNS"):
        load(tmp_path / "w.parquet", max_columns=20)


# --- 5. non-finite numbers refused by the schema itself ------------------------------------------------------


@pytest.mark.parametrize(
    "method, name, value",
    [
        ("leiden", "resolution", "nan"),
        ("dec", "lr", "nan"),
        ("dec", "alpha", "nan"),
        ("kmeans", "n_clusters", "inf"),
        ("kmeans", "n_clusters", float("inf")),
        ("leiden", "resolution", float("-inf")),
        ("gmm", "reg_covar", "1e400"),
    ],
)
def test_non_finite_parameters_are_refused(method, name, value):
    with pytest.raises(ParamError, match=name):
        BACKENDS[method].checked({name: value})


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["cluster", "sample:digits", "--method", "leiden", "--param", "resolution=nan", "--out", "l.csv"],
            "resolution",
        ),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--param", "n_clusters=inf", "--out", "l.csv"],
            "n_clusters",
        ),
        (["perceive", "sample:digits", "--projection", "pca", "--bandwidth", "nan"], "bandwidth"),
        (["perceive", "sample:digits", "--projection", "pca", "--width", "0"], "width"),
        (
            ["cluster", "small.npy", "--method", "kmedoids", "--param", "n_clusters=50", "--out", "l.csv"],
            "more than the 40 rows",
        ),
        (["cluster", "sample:digits", "--method", "dec", "--param", "hidden=abc", "--out", "l.csv"], "hidden"),
    ],
)
def test_cli_bad_numbers_one_clear_line(tmp_path, args, message):
    np.save(tmp_path / "small.npy", np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32))
    done = clusterlab(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and "Overflow" not in done.stderr


def test_kernel_imm_zero_bandwidth_is_a_param_error():
    from clustering.explain import Space, explain

    space = Space("features", np.random.default_rng(0).normal(size=(40, 2)), ["a", "b"])
    with pytest.raises(ParamError, match="bandwidth"):
        explain(space, np.arange(40) % 2, "kernel-imm", bandwidth=0.0)
    with pytest.raises(ParamError, match="time_limit"):
        explain(space, np.arange(40) % 2, "polyhedra", time_limit=float("nan"))


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["nan", "inf", "-1", "0", "1e400", "", "auto", " 3 ", "2.5", "abc,1"]),
)


SCHEMATIC = {
    **{f"cluster:{name}": cls for name, cls in BACKENDS.items()},
    **{f"explain:{name}": cls for name, cls in EXPLAINERS.items() if cls.schema},
}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(sorted(SCHEMATIC)), data=st.data())
def test_every_schema_accepts_valid_values_or_raises_param_error(method, data):
    backend = SCHEMATIC[method]  # clustering backends and explainers share the contract
    param = data.draw(st.sampled_from(backend.schema))
    value = data.draw(VALUES)
    try:
        checked = backend.checked({param.name: value})
    except ParamError as error:
        assert param.name in str(error)
        return
    got = checked[param.name]
    if got is None:
        assert param.nullable
        return
    assert isinstance(got, param.kind)
    if param.kind is float:
        assert np.isfinite(got)
    if param.low is not None:
        assert got >= param.low
    if param.high is not None:
        assert got <= param.high
    if param.choices is not None:
        assert got in param.choices


FAST = ["kmeans", "gmm", "agglomerative", "kmedoids", "leiden", "hdbscan", "spectral"]


def schema_value(param):
    if param.choices is not None:
        return st.sampled_from(param.choices)
    if param.kind is bool:
        return st.booleans()
    if param.kind is int:
        low = int(param.low) if param.low is not None else -5
        high = int(param.high) if param.high is not None else low + 200
        return st.integers(low, min(high, low + 200))
    low = param.low if param.low is not None else -10.0
    high = param.high if param.high is not None else low + 100
    return st.floats(low, high, allow_nan=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(method=st.sampled_from(FAST), data=st.data())
def test_any_valid_value_gives_a_valid_run_or_a_clear_refusal(method, data):
    """Runs on 70 rows with one schema value drawn per example: labels for every row, or a ParamError."""
    from clustering.pipeline import run_array

    backend = BACKENDS[method]
    param = data.draw(st.sampled_from([p for p in backend.schema if p.name not in ("seed",)]))
    if param.name in ("max_iter", "n_init", "n_iterations"):
        value = data.draw(st.integers(int(param.low or 1), 5))
    elif param.name in ("reduction", "implementation") and method == "hdbscan":
        value = data.draw(st.sampled_from(["auto", "none", "pca"]))
    else:
        value = data.draw(schema_value(param))
    x = np.random.default_rng(0).normal(size=(70, 5)).astype(np.float32)
    x[35:] += 4
    try:
        result = run_array(x, method, {param.name: value})
    except ParamError:
        return
    labels = result.labels
    assert labels.shape == (70,) and labels.min() >= -1
    assert result.n_clusters <= 70
    if method in ("kmeans", "gmm", "agglomerative", "kmedoids", "spectral"):
        assert (labels >= 0).all()


# --- crash isolation in the app's worker processes ----------------------------------------------------------


def crash(progress, cancel):
    progress("about to crash", 0.5)
    ctypes.string_at(0)  # reads address 0: SIGSEGV in this process only


def slow(progress, cancel, seconds: float = 30.0):
    for _ in range(int(seconds * 10)):
        time.sleep(0.1)


def test_a_native_crash_ends_only_the_job():
    from app import jobs

    job = jobs.start("crash", crash, {})
    assert job.wait(timeout=120)
    assert "crashed (SIGSEGV)" in job.error and job.result is None
    from clustering.pipeline import run

    x = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    from clustering.data import Dataset

    after = jobs.start("kmeans", run, {"dataset": Dataset(vectors=x), "method": "kmeans", "params": {"n_clusters": 3}})
    assert after.wait(timeout=120) and after.error is None
    assert after.result.n_clusters == 3


def test_cancel_ends_a_job_that_does_not_listen():
    from app import jobs

    job = jobs.start("slow", slow, {"seconds": 60})
    time.sleep(1.0)
    job.cancel()
    assert job.wait(timeout=jobs.CANCEL_GRACE_SECONDS + 20)
    assert job.error == "cancelled"


def test_user_strings_are_plain_in_markdown():
    import re

    from app.text import plain

    text = plain("[x](https://example.com) **bold** <img src=x onerror=alert(1)> `code` :red[hi] www.a.b\n# head")
    unescaped = re.findall(r"(?<!\\)[\[\]<>*`]", text)  # every link, HTML, emphasis and code mark is escaped
    assert unescaped == [], text
    assert "://" not in text and "www." not in text  # no bare-URL autolinks
    assert "\n\\# head" in text  # a heading at a line start is escaped too


def test_cli_json_for_huge_values(tmp_path):
    huge_blobs(tmp_path / "h.npy")
    done = clusterlab("cluster", "h.npy", "--method", "hdbscan", "--json", "--out", "l.csv", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["n_clusters"] == 2
