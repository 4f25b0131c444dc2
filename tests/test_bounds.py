"""Every bound is a named setting, checked before work; internal exception texts never reach the user."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clustering import limits
from clustering.cli import main
from clustering.data import DataError
from clustering.scale.sources import open_source
from clustering.store import Store


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_limit_is_named_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for limit in limits.ALL_LIMITS:
        assert limit.setting in readme, limit.setting


def test_a_bad_setting_is_refused_with_its_name(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_SWEEP_MAX_RUNS", "lots")
    with pytest.raises(ValueError, match="CLUSTERLAB_SWEEP_MAX_RUNS='lots': give a positive number"):
        limits.SWEEP_MAX_RUNS.value()


# --- out-of-core inputs -----------------------------------------------------------------------------------------


def test_a_zarr_that_claims_a_trillion_rows_is_refused_at_once(tmp_path):
    import zarr

    zarr.open(str(tmp_path / "huge.zarr"), mode="w", shape=(10**12, 8), chunks=(1000, 8), dtype="f4")
    start = time.perf_counter()
    with pytest.raises(DataError, match="CLUSTERLAB_OUT_OF_CORE_MAX_MB"):
        open_source(tmp_path / "huge.zarr")
    assert time.perf_counter() - start < 30


def test_a_zarr_with_a_missing_chunk_is_refused(tmp_path):
    import shutil

    import zarr

    array = zarr.open(str(tmp_path / "a.zarr"), mode="w", shape=(3000, 8), chunks=(1000, 8), dtype="f4")
    array[:] = np.random.default_rng(0).normal(size=(3000, 8))
    chunk = tmp_path / "a.zarr" / "c" / "1"
    shutil.rmtree(chunk)
    with pytest.raises(DataError, match="1 of its 3 chunks are missing"):
        open_source(tmp_path / "a.zarr")


def test_one_oversized_part_is_refused(tmp_path, monkeypatch):
    import zarr

    array = zarr.open(str(tmp_path / "a.zarr"), mode="w", shape=(3000, 8), chunks=(3000, 8), dtype="f4")
    array[:] = 1.0
    monkeypatch.setenv("CLUSTERLAB_MAX_MB", "0.01")
    with pytest.raises(DataError, match="one part .* over the 0 MB limit"):
        open_source(tmp_path / "a.zarr")


def test_a_truncated_npy_names_the_file(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((1000, 8), dtype=np.float32))
    data = (tmp_path / "x.npy").read_bytes()
    (tmp_path / "x.npy").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"x.npy: the header declares 1,000 x 8 float32 .* it was cut off"):
        open_source(tmp_path / "x.npy")


def test_ragged_vectors_and_false_dtypes_name_the_file(tmp_path):
    frame = pd.DataFrame({"embedding": [[1.0, 2.0], [3.0, 4.0], [5.0], [6.0, 7.0]]})
    frame.to_parquet(tmp_path / "r.parquet")
    source = open_source(tmp_path / "r.parquet")
    with pytest.raises(DataError, match=r"r.parquet \(row group 0\): could not read rows 0 to 3"):
        source.read(source.parts[0])
    import json

    import zarr

    array = zarr.open(str(tmp_path / "d.zarr"), mode="w", shape=(100, 4), chunks=(50, 4), dtype="f4")
    array[:] = 1.0
    meta = json.loads((tmp_path / "d.zarr" / "zarr.json").read_text())
    meta["data_type"] = "float64"
    (tmp_path / "d.zarr" / "zarr.json").write_text(json.dumps(meta))
    source = open_source(tmp_path / "d.zarr")
    with pytest.raises(DataError, match=r"d.zarr: could not read rows 0 to 99"):
        source.read(source.parts[0])


def test_the_dask_path_says_one_line_for_a_bad_part(tmp_path, capfd):
    frame = pd.DataFrame({f"emb_{j}": np.random.default_rng(j).normal(size=400) for j in range(4)})
    folder = tmp_path / "pq"
    folder.mkdir()
    frame.iloc[:200].to_parquet(folder / "a.parquet")
    bad = frame.iloc[200:].copy()
    bad.iloc[7, 0] = np.nan
    bad.to_parquet(folder / "b.parquet")
    args = ["cluster", str(folder), "--method", "kmeans", "--param", "n_clusters=2", "--sample", "1000"]
    code = main([*args, "--workers", "1", "--worker-memory", "1GB", "--out", str(tmp_path / "out")])
    err = capfd.readouterr().err
    assert code == 2 and "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "b.parquet" in errors[0] and "row 207" in errors[0], err


# --- sweeps and figures -----------------------------------------------------------------------------------------


def test_a_sweep_of_too_many_fits_is_refused_before_work(capsys):
    start = time.perf_counter()
    code, _, err = run_cli(
        ["sweep", "sample:digits", "--method", "kmeans", "--param-range", "n_clusters=5", "--seeds", "100000"], capsys
    )
    assert code == 2 and "CLUSTERLAB_SWEEP_MAX_RUNS" in err and "100,003 fits" in err
    assert time.perf_counter() - start < 60


def test_a_sweep_on_three_rows_says_why(tmp_path, capsys):
    np.save(tmp_path / "three.npy", np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32))
    code, _, err = run_cli(
        ["sweep", str(tmp_path / "three.npy"), "--method", "kmeans", "--param-range", "n_clusters=3"], capsys
    )
    assert code == 2 and "a subsample run clusters 80% of the 3 rows" in err and "n_samples" not in err


def test_a_giant_figure_is_refused_before_work(tmp_path, capsys):
    args = ["figure", "sample:digits", "--truth", "label", "--width", "100", "--height", "100", "--dpi", "600"]
    code, _, err = run_cli([*args, "--out", str(tmp_path / "f.png")], capsys)
    assert code == 2 and "3,600 megapixels" in err and "CLUSTERLAB_FIGURE_MAX_PIXELS" in err


# --- messages -----------------------------------------------------------------------------------------------------


def test_a_corrupt_store_is_called_damaged_at_once(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    store = Store(home)
    from clustering.store import DatasetRef

    store.create("p", DatasetRef(source="sample:digits"))
    path = home / "clusterlab.duckdb"
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data), 7):
        data[i] = (data[i] + 1) % 256
    path.write_bytes(bytes(data))
    monkeypatch.setenv("CLUSTERLAB_HOME", str(home))
    start = time.perf_counter()
    code, _, err = run_cli(["project", "list"], capsys)
    assert code == 2 and "damaged" in err and "another program" not in err, err
    assert time.perf_counter() - start < 10


def test_a_read_only_store_still_lists_and_shows(tmp_path, monkeypatch, capsys):
    import duckdb

    home = tmp_path / "home"
    from clustering.store import DatasetRef

    Store(home).create("p", DatasetRef(source="sample:digits"))
    real = duckdb.connect

    def no_writing(path, read_only=False, **kwargs):  # as on a folder this user may only read
        if not read_only:
            raise duckdb.IOException(f'IO Error: Cannot open file "{path}": Permission denied')
        return real(path, read_only=True, **kwargs)

    monkeypatch.setattr(duckdb, "connect", no_writing)
    monkeypatch.setenv("CLUSTERLAB_HOME", str(home))
    code, out, err = run_cli(["project", "list"], capsys)
    assert code == 0 and out.startswith("p: sample:digits"), err
    assert run_cli(["project", "show", "p"], capsys)[0] == 0
    code, _, err = run_cli(["project", "delete", "p"], capsys)
    assert code == 2 and "cannot be written here" in err and "Reading it works" in err


def test_a_store_with_a_foreign_table_shape_is_one_line(tmp_path, monkeypatch, capsys):
    import duckdb

    home = tmp_path / "home"
    from clustering.store import DatasetRef

    Store(home).create("p", DatasetRef(source="sample:digits"))
    with duckdb.connect(str(home / "clusterlab.duckdb")) as db:
        db.execute("ALTER TABLE projects DROP COLUMN note")
    monkeypatch.setenv("CLUSTERLAB_HOME", str(home))
    code, _, err = run_cli(["project", "show", "p"], capsys)
    assert code == 2 and "does not hold what Clusterlab wrote" in err and "Binder Error" in err and err.count("\n") == 1


@pytest.mark.parametrize("count", [1500])
def test_explain_and_report_of_thousands_of_clusters(tmp_path, capsys, count):
    x = np.random.default_rng(0).normal(size=(3000, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    pd.DataFrame({"row": range(3000), "cluster": np.arange(3000) % count}).to_csv(tmp_path / "l.csv", index=False)
    code, _, err = run_cli(
        ["explain", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "l.csv"), "--out", str(tmp_path / "r.json")],
        capsys,
    )
    assert code == 2 and "1,500 clusters is over the limit of 500" in err and "Recursion" not in err
    code, _, err = run_cli(
        [
            "report",
            str(tmp_path / "x.npy"),
            "--labels",
            str(tmp_path / "l.csv"),
            "--projection",
            "pca",
            "--out",
            str(tmp_path / "r.html"),
        ],
        capsys,
    )
    assert code == 0, err


def test_internal_exception_names_never_reach_the_user(tmp_path, capsys):
    """Each case once printed a Python exception's own text; now each names the file or setting."""
    np.save(tmp_path / "empty.npy", np.zeros((0, 8), dtype=np.float32))
    np.save(tmp_path / "narrow.npy", np.zeros((100, 0), dtype=np.float32))
    (tmp_path / "cols.yaml").write_text("data: {path: x.csv, columns: 5}\nruns:\n  - {method: kmeans}\n")
    cases = [
        ["info", str(tmp_path / "empty.npy")],
        ["info", str(tmp_path / "narrow.npy")],
        ["run", str(tmp_path / "cols.yaml"), "--project", "x"],
    ]
    internal = re.compile(
        r"(KeyError|TypeError|AttributeError|RecursionError|ValueError|memoryview|concatenate|literal)"
    )
    for args in cases:
        code, _, err = run_cli(args, capsys)
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and not internal.search(err), err


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--sample", "abc", "--out", "{tmp}/o.csv"],
            "'abc': give a number of rows",
        ),
        (
            ["layout", "sample:digits", "--sample", "12", "--out", "{tmp}/xy.parquet"],
            "'12': give a number of rows (at least 100)",
        ),
        (
            ["cluster", "sample:digits", "--method", "kmeans", "--keep", "label", "--out", "{tmp}/o.csv"],
            "--keep copies columns into an out-of-core run",
        ),
        (
            ["sweep", "sample:digits", "--method", "kmeans", "--param-range", "n_clusters=2:9:1000000000000"],
            "COUNT must be from 1 to 1,000",
        ),
    ],
)
def test_cli_options_are_checked_before_work(tmp_path, capsys, args, message):
    code, _, err = run_cli([a.replace("{tmp}", str(tmp_path)) for a in args], capsys)
    assert code == 2 and message in err and "invalid literal" not in err, err
    assert not list(tmp_path.iterdir())


def test_a_sampled_sweep_joins_its_truth_file_on_every_row(tmp_path, capsys):
    from clustering.io.samples import load_input

    labels = load_input("sample:digits").metadata["label"]
    pd.DataFrame({"row": range(1797), "label": labels}).iloc[::-1].to_csv(tmp_path / "t.csv", index=False)
    args = ["sweep", "sample:digits", "--method", "kmeans", "--param-range", "n_clusters=10", "--sample", "900"]
    code, out, err = run_cli(
        [*args, "--truth", str(tmp_path / "t.csv"), "--seeds", "1", "--subsamples", "0", "--json"], capsys
    )
    assert code == 0, err
    import json

    assert json.loads(out)["rows"][0]["ari"] > 0.4


@pytest.mark.parametrize("shape", [(0, 8), (100, 0), (2, 4)])
def test_an_empty_out_of_core_input_is_refused_before_dask_starts(tmp_path, shape):
    np.save(tmp_path / "x.npy", np.zeros(shape, dtype=np.float32))
    with pytest.raises(DataError, match=r"x.npy: no data to cluster \(.* rows x .* columns\)"):
        open_source(tmp_path / "x.npy")


def test_dask_options_are_checked_before_a_cluster_starts(capsys):
    from clustering.scale.dask_run import dask_client

    for args, message in ((["--workers", "-1"], "from 1 to 1024"), (["--worker-memory", "lots"], "such as 4GB")):
        code, _, err = run_cli(
            ["cluster", "sample:digits", "--method", "kmeans", "--dask", *args, "--out", "x"], capsys
        )
        assert code == 2 and message in err, err
    with pytest.raises(DataError, match="worker memory 'lots'"):
        with dask_client(worker_memory="lots"):
            pass
