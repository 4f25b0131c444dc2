"""Scale: sample fit + nearest-sample assignment, out-of-core sources, and the Dask path on a real LocalCluster."""

from __future__ import annotations

import json
import os
import pickle
import threading

import numpy as np
import pandas as pd
import pytest

from clustering.cli import main
from clustering.data import DataError, Dataset
from clustering.evaluate import metrics
from clustering.graph.preprocess import Preprocessing
from clustering.params import ParamError
from clustering.progress import Cancelled
from clustering.run.model import SampleModel
from clustering.run.pipeline import run, sample_size
from clustering.run.sampled import choose_rows, fit_sample, layout_sampled
from clustering.scale.sources import open_source


def blobs(n: int, d: int = 8, centers: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    middle = np.random.default_rng(99).uniform(-10, 10, (centers, d))
    truth = rng.integers(0, centers, n)
    return (middle[truth] + rng.standard_normal((n, d))).astype(np.float32), truth


def write_folder(folder, x: np.ndarray, truth: np.ndarray, files: int = 3, row_group: int = 1_000) -> None:
    folder.mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(x)), files)):
        frame = pd.DataFrame(x[rows], columns=[f"emb_{j}" for j in range(x.shape[1])])
        frame["label"] = truth[rows]
        frame["name"] = [f"row {r}" for r in rows]
        frame.to_parquet(folder / f"part-{i}.parquet", row_group_size=row_group)


# -- the sample model --------------------------------------------------------------------------------------------
def test_sample_fit_labels_every_row_like_a_full_fit():
    x, truth = blobs(30_000)
    dataset = Dataset(vectors=x, name="blobs")
    sampled = run(dataset, "kmeans", {"n_clusters": 5}, sample=3_000, layout="pca")
    full = run(dataset, "kmeans", {"n_clusters": 5})
    assert sampled.labels.shape == (30_000,)
    assert metrics.ari(truth, sampled.labels) > 0.99
    assert metrics.ari(full.labels, sampled.labels) > 0.99
    info = sampled.info["sample"]
    assert info["sample_rows"] == 3_000 and info["label_agreement_with_exact"] >= 0.99
    assert sampled.artifacts["layout"].shape == (30_000, 2)
    confidence = sampled.confidence()
    assert confidence is not None and ((confidence > 0) & (confidence <= 1)).all()


def test_sample_rows_keep_their_fitted_labels_and_places():
    x, _ = blobs(8_000)
    rows = choose_rows(len(x), 6_000, seed=3)
    model, result = fit_sample(x[rows], rows, "kmeans", {"n_clusters": 5}, layout="pca")
    assert result is not None
    done = model.assign(x, rows=np.arange(len(x)))
    assert np.array_equal(done.labels[rows], result.labels)
    assert done.xy is not None and model.xy is not None
    assert np.allclose(done.xy[rows], model.xy)
    others = np.setdiff1d(np.arange(len(x)), rows)
    low, high = model.xy.min(axis=0), model.xy.max(axis=0)
    assert ((done.xy[others] >= low - 1e-3) & (done.xy[others] <= high + 1e-3)).all()  # a weighted mean


def test_model_survives_pickling_with_the_same_answers():
    x, _ = blobs(20_000)
    rows = choose_rows(len(x), 10_000)
    model, _ = fit_sample(x[rows], rows, "kmeans", {"n_clusters": 5})
    assert model.probes is not None  # above MODEL_EXACT_ROWS: an IVF index, tuned
    copy = pickle.loads(pickle.dumps(model))
    assert copy._index is None
    a, b = model.assign(x[:2_000]), copy.assign(x[:2_000])
    assert np.array_equal(a.labels, b.labels)


def test_noise_votes_and_wins_in_empty_space():
    x, _ = blobs(4_000, d=2, centers=3)
    far = np.full((5, 2), 500.0, dtype=np.float32)
    labels = np.where(np.arange(4_000) % 2 == 0, 0, -1).astype(np.int32)
    labels[:2_000] = 0
    labels[2_000:] = -1
    model = SampleModel.build(Preprocessing.fit(x, "none"), x, labels, np.arange(4_000), None)
    assert set(np.unique(model.assign(x[2_000:2_100]).labels)) == {-1}
    assert model.assign(far).labels.shape == (5,)


@pytest.mark.parametrize("spec", ["standardize", "l2", "pca:3"])
def test_transform_fitted_on_the_sample_matches_preprocess(spec):
    from clustering.graph.preprocess import preprocess

    x, _ = blobs(2_000)
    transform = Preprocessing.fit(x, spec)
    expected = preprocess(x, spec)
    got = transform.apply(x)
    if spec.startswith("pca"):  # components are defined up to sign
        got, expected = np.abs(got), np.abs(expected)
    assert np.allclose(got, expected, atol=1e-3)


def test_sample_setting_is_checked_and_auto_follows_the_method():
    assert sample_size("leiden", 10_000, "auto") is None
    assert sample_size("leiden", 1_000_000, "auto") == 50_000
    assert sample_size("hdbscan", 100_000, "auto") == 12_000
    assert sample_size("kmeans", 500, 1_000) is None  # more than the rows: every row
    with pytest.raises(ParamError, match="number of rows"):
        sample_size("kmeans", 500, "lots")
    with pytest.raises(ParamError, match="at least 100"):
        sample_size("kmeans", 500, 10)


def test_sampled_run_can_be_cancelled():
    x, _ = blobs(5_000)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        run(Dataset(vectors=x, name="b"), "kmeans", {"n_clusters": 3}, sample=1_000, cancel=cancel)


def test_layout_from_a_sample_keeps_neighbourhoods():
    from sklearn.manifold import trustworthiness

    x, _ = blobs(12_000, d=10)
    xy, info = layout_sampled(x, "pca", sample_rows=2_000)
    rows = np.arange(0, 12_000, 12)
    assert xy.shape == (12_000, 2) and info["sample_rows"] == 2_000
    assert trustworthiness(x[rows], xy[rows], n_neighbors=10) > 0.85


# -- out-of-core sources ---------------------------------------------------------------------------------------
def test_sources_cover_every_row_once(tmp_path):
    import zarr

    x, truth = blobs(5_000)
    np.save(tmp_path / "x.npy", x)
    array = zarr.open(str(tmp_path / "x.zarr"), mode="w", shape=x.shape, chunks=(700, x.shape[1]), dtype="f4")
    array[:] = x
    write_folder(tmp_path / "pq", x, truth)
    for path in ("x.npy", "x.zarr", "pq"):
        source = open_source(tmp_path / path, keep=["label"] if path == "pq" else None)
        assert (source.n_rows, source.dim) == x.shape
        assert sum(p.rows for p in source.parts) == 5_000
        got = np.concatenate([source.read(p) for p in source.parts])
        assert np.array_equal(got, x), path
    assert open_source(tmp_path / "pq").columns == tuple(f"emb_{j}" for j in range(8))


def test_bad_parts_are_named(tmp_path):
    x, truth = blobs(3_000)
    x[2_500, 3] = np.nan
    write_folder(tmp_path / "pq", x, truth)
    source = open_source(tmp_path / "pq")
    with pytest.raises(DataError, match=r"part-2\.parquet.*row 2,500"):
        for part in source.parts:
            source.read(part)
    other = tmp_path / "pq" / "part-9.parquet"
    pd.DataFrame({"a": [1.0, 2.0]}).to_parquet(other)
    with pytest.raises(DataError, match="columns differ"):
        open_source(tmp_path / "pq")
    with pytest.raises(DataError, match="not a folder of .parquet"):
        open_source(tmp_path)
    other.write_text("not parquet")
    with pytest.raises(DataError, match=r"part-9\.parquet: not a readable parquet file"):
        open_source(tmp_path / "pq")


# -- Dask, on a real LocalCluster ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from clustering.scale.dask_run import dask_client

    with dask_client(workers=2, worker_memory="1GB") as live:
        yield live


def test_dask_run_writes_partitioned_labels(client, tmp_path):
    from clustering.scale.dask_run import read_labels, run_on_dask

    x, truth = blobs(40_000)
    write_folder(tmp_path / "pq", x, truth, files=4, row_group=5_000)
    source = open_source(tmp_path / "pq", keep=["label", "name"])
    messages: list[tuple[str, float]] = []
    summary = run_on_dask(
        client,
        source,
        "leiden",
        {},
        tmp_path / "out",
        sample_rows=4_000,
        layout="pca",
        truth_column="label",
        keep=("name",),
        progress=lambda message, share: messages.append((message, share)),
    )
    assert summary["ari"] > 0.95 and summary["n_clusters"] == 5
    assert summary["workers"] == 2 and summary["parts"] == 8
    assert 50 < summary["worker_peak_rss_mb"] < 4_000  # each worker's own peak, under its memory limit
    assert summary["layout"] == {"method": "pca", "device": "cpu", "threads": os.cpu_count(), "reproducible": True}
    assert len(list((tmp_path / "out").glob("part-*.parquet"))) == 8
    assert json.loads((tmp_path / "out" / "run.json").read_text())["rows"] == 40_000
    labels, confidence, xy = read_labels(tmp_path / "out")
    assert labels is not None and metrics.ari(truth, labels) == pytest.approx(summary["ari"], abs=1e-9)
    assert xy is not None and xy.shape == (40_000, 2)
    part = pd.read_parquet(tmp_path / "out" / "part-00003.parquet")
    assert list(part.columns) == ["row_id", "cluster", "confidence", "uncovered", "x", "y", "name"]
    assert (part["name"] == [f"row {r}" for r in part["row_id"]]).all()
    shares = [share for _, share in messages]
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert any("40,000 / 40,000 rows assigned" in message for message, _ in messages)


def test_an_out_of_core_run_is_kept_as_a_project_of_a_sample(client, tmp_path):
    from clustering.scale.dask_run import read_labels, run_on_dask
    from clustering.scale.keep import keep_as_project
    from clustering.store import Store
    from clustering.store.data_refs import load_data

    x, truth = blobs(20_000)
    write_folder(tmp_path / "pq", x, truth, files=2, row_group=5_000)
    source = open_source(tmp_path / "pq", keep=["label"])
    run_on_dask(
        client,
        source,
        "kmeans",
        {"n_clusters": 5},
        tmp_path / "out",
        sample_rows=2_000,
        layout="pca",
        truth_column="label",
        opened={"keep": ["label"]},
    )
    store = Store(tmp_path / "home")
    run_id = keep_as_project(tmp_path / "out", store, "big", rows=3_000)
    found = store.project("big")
    data = load_data(found["dataset"])
    assert data.n == 3_000 and data.name == "pq (3,000 of 20,000 rows)" and data.id_column == "id"
    ids = data.metadata["id"].to_numpy()
    labels, _, xy = read_labels(tmp_path / "out")
    kept, _ = store.labels("big", run_id)
    assert (kept == labels[ids]).all()  # the sample's rows keep their own labels, joined by their ids
    assert np.allclose(data.vectors, x[ids], atol=1e-5) and (data.metadata["label"].to_numpy() == truth[ids]).all()
    assert np.allclose(store.layout("big", "pca", "none", 0, 3_000), xy[ids])
    record = store.find_run("big", run_id)
    assert record.info["out_of_core"]["rows"] == 20_000 and record.method == "kmeans"
    with pytest.raises(DataError, match="exists already"):
        keep_as_project(tmp_path / "out", store, "big")
    with pytest.raises(DataError, match="no run.json"):
        keep_as_project(tmp_path / "pq", store, "other")


def test_the_app_and_the_cli_keep_an_out_of_core_run_and_explore_opens_it(client, tmp_path, monkeypatch, capsys):
    from streamlit.testing.v1 import AppTest

    from clustering.cli import main
    from clustering.scale.dask_run import run_on_dask

    monkeypatch.setenv("CLUSTERLAB_HOME", str(tmp_path / "home"))
    x, truth = blobs(6_000)
    write_folder(tmp_path / "pq", x, truth, files=2, row_group=1_500)
    summary = run_on_dask(
        client,
        open_source(tmp_path / "pq"),
        "kmeans",
        {"n_clusters": 5},
        tmp_path / "out",
        sample_rows=1_000,
        layout="pca",
    )
    assert main(["project", "keep", str(tmp_path / "out"), "--project", "from cli", "--rows", "2000"]) == 0
    assert "pq (2,000 of 6,000 rows)" in capsys.readouterr().out
    at = AppTest.from_string("from clustering.app.views import data\ndata.render()\n", default_timeout=240)
    at.session_state["data-source"] = "Out of core (Dask)"
    at.session_state["ooc-summary"] = summary
    at.run()
    at.text_input(key="ooc-project").set_value("kept in app").run()
    at.button(key="ooc-keep").click().run()
    assert not at.exception and not at.error
    assert at.session_state["project"] == "kept in app" and len(at.session_state["runs"]) == 1
    explore = AppTest.from_string("from clustering.app.views import explore\nexplore.render()\n", default_timeout=240)
    explore.query_params["project"] = "kept in app"
    explore.session_state["projection"] = "pca"
    explore.run()
    assert not explore.exception and not explore.error
    assert explore.selectbox(key="colour-by").value.startswith("run:")


def test_kept_columns_never_replace_computed_ones(client, tmp_path):
    from clustering.scale.dask_run import run_on_dask

    x, truth = blobs(4_000)
    write_folder(tmp_path / "pq", x, truth, files=2)
    for file in (tmp_path / "pq").glob("*.parquet"):
        frame = pd.read_parquet(file)
        frame["cluster"], frame["row_id"] = "theirs", -7
        frame.to_parquet(file, row_group_size=1_000)
    source = open_source(tmp_path / "pq", keep=["cluster", "row_id", "name"])
    summary = run_on_dask(
        client,
        source,
        "kmeans",
        {"n_clusters": 5},
        tmp_path / "out",
        sample_rows=1_000,
        layout=None,
        keep=("cluster", "row_id", "name"),
    )
    assert summary["renamed_columns"] == {"cluster": "input_cluster", "row_id": "input_row_id"}
    part = pd.read_parquet(tmp_path / "out" / "part-00001.parquet")
    assert list(part.columns) == [
        "row_id",
        "cluster",
        "confidence",
        "uncovered",
        "input_cluster",
        "input_row_id",
        "name",
    ]
    assert (
        (part["row_id"] >= 0).all() and part["cluster"].dtype.kind == "i" and (part["input_cluster"] == "theirs").all()
    )


def test_dask_workers_have_the_memory_setting(client):
    limits = {w["memory_limit"] for w in client.scheduler_info()["workers"].values()}
    assert limits == {10**9}


def test_dask_run_cancel_stops_it(client, tmp_path):
    from clustering.scale.dask_run import run_on_dask

    x, truth = blobs(6_000)
    write_folder(tmp_path / "pq", x, truth)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled, match="rows sampled"):
        run_on_dask(client, open_source(tmp_path / "pq"), "kmeans", {"n_clusters": 5}, tmp_path / "out", cancel=cancel)
    assert not list(tmp_path.glob("out/part-*"))


def test_dask_task_errors_arrive_as_the_data_error(client, tmp_path):
    from clustering.scale.dask_run import run_on_dask

    x, truth = blobs(6_000)
    x[5_999, 0] = np.inf
    write_folder(tmp_path / "pq", x, truth)
    with pytest.raises(DataError, match="row 5,999"):
        run_on_dask(client, open_source(tmp_path / "pq"), "kmeans", {"n_clusters": 5}, tmp_path / "out")


def test_output_folder_never_overwrites(tmp_path):
    from clustering.scale.dask_run import check_output_folder

    x, truth = blobs(1_000)
    write_folder(tmp_path / "pq", x, truth)
    source = open_source(tmp_path / "pq")
    with pytest.raises(DataError, match="inside the input"):
        check_output_folder(tmp_path / "pq" / "labels", source)
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "keep.txt").write_text("mine")
    with pytest.raises(DataError, match="not an empty folder"):
        check_output_folder(tmp_path / "used", source)


# -- the command line ------------------------------------------------------------------------------------------
def test_cli_cluster_in_memory_with_sample_and_layout(tmp_path, capsys):
    x, truth = blobs(6_000)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "labels.parquet"
    code = main(
        ["cluster", str(tmp_path / "x.npy"), "--method", "kmeans", "--param", "n_clusters=5"]
        + ["--sample", "1000", "--layout", "pca", "--out", str(out)]
    )
    assert code == 0
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["row", "cluster", "confidence", "x", "y"]
    assert metrics.ari(truth, frame["cluster"]) > 0.99
    assert "fitted on 1,000 covering rows" in capsys.readouterr().out
    assert main(["layout", str(tmp_path / "x.npy"), "--method", "pca", "--out", str(tmp_path / "xy.parquet")]) == 0
    assert list(pd.read_parquet(tmp_path / "xy.parquet").columns) == ["row", "x", "y"]


@pytest.mark.slow  # two LocalClusters of its own (57 s); the module-scoped cluster tests Dask in the fast suite
def test_cli_out_of_core_and_sweep_on_a_local_cluster(tmp_path, capsys):
    x, truth = blobs(20_000)
    write_folder(tmp_path / "pq", x, truth)
    out = tmp_path / "run"
    args = ["cluster", str(tmp_path / "pq"), "--method", "kmeans", "--param", "n_clusters=5", "--truth", "label"]
    assert main([*args, "--sample", "3000", "--workers", "2", "--worker-memory", "1GB", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "ari 1.000" in printed.out and "20,000 / 20,000 rows assigned" in printed.err
    assert main([*args, "--out", str(out)]) == 2  # the folder is now used: refused, nothing overwritten
    assert "not an empty folder" in capsys.readouterr().err
    sweep = ["sweep", str(tmp_path / "pq"), "--method", "kmeans", "--param-range", "n_clusters=4,5"]
    assert main([*sweep, "--sample", "2000", "--seeds", "2", "--subsamples", "1", "--workers", "2", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["n_clusters"] for r in rows] == [4, 5] and rows[1]["seed_stability"] > 0.99


def test_a_sampled_run_exports_to_a_config_that_reruns_it_identically(tmp_path):
    from clustering.store import Store, export_config, run_config
    from clustering.store.config import ConfigError, load_config, parse_config

    x, _ = blobs(3_000)
    np.save(tmp_path / "x.npy", x)
    store = Store(tmp_path / "home")
    runs = [{"name": "s", "method": "kmeans", "params": {"n_clusters": 5, "seed": 4}, "sample": 400}]
    run_config(parse_config({"data": {"path": str(tmp_path / "x.npy")}, "runs": runs}), store, "p")
    assert store.project("p")["runs"][0].info["sample"]["sample_rows"] == 400
    (tmp_path / "e.yaml").write_text(export_config(store, "p"))
    assert "sample: 400" in (tmp_path / "e.yaml").read_text()
    run_config(load_config(tmp_path / "e.yaml"), store, "q")
    np.testing.assert_array_equal(store.labels("p", "s")[0], store.labels("q", "s")[0])
    with pytest.raises(ConfigError, match="at least 100"):
        parse_config({"data": {"path": str(tmp_path / "x.npy")}, "runs": [{"method": "kmeans", "sample": 5}]})


def test_the_method_seed_chooses_the_sample_when_no_seed_is_given():
    x, _ = blobs(5_000)
    data = Dataset(vectors=x, name="b")
    a = run(data, "kmeans", {"n_clusters": 5, "seed": 1}, sample=300)
    b = run(data, "kmeans", {"n_clusters": 5}, seed=1, sample=300)
    assert a.params["random_state"] == 1 and np.array_equal(a.labels, b.labels)


def test_a_full_fit_lays_out_a_sample_above_the_layout_limit(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_LAYOUT_FULL_ROWS", "1000")
    monkeypatch.setenv("CLUSTERLAB_LAYOUT_SAMPLE_ROWS", "800")
    x, _ = blobs(3_000)
    data = Dataset(vectors=x, name="b")
    result = run(data, "kmeans", {"n_clusters": 5}, sample="auto", layout="umap")
    assert "sample" not in result.info  # k-means fitted every row
    assert result.info["layout"]["fitted_on_sample_rows"] == 800
    assert result.info["layout"]["threads"] == 1 and result.info["layout"]["reproducible"]  # umap-learn, seeded
    assert result.artifacts["layout"].shape == (3_000, 2)
    full = run(data, "kmeans", {"n_clusters": 5}, layout="pca")  # sample=None: every row, for both
    assert full.info["layout"]["fitted_on_sample_rows"] is None


def test_worker_peak_memory_is_its_own_not_its_parents():
    """A process started by a large one reports its own peak (ru_maxrss would start at the parent's RSS)."""
    import subprocess
    import sys

    ballast = np.ones(400 * 2**20 // 8)  # 400 MB resident in this process when the child starts
    code = "from clustering.scale.dask_run import peak_rss_mb; print(peak_rss_mb())"
    reported = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert ballast.sum() > 0 and 10 < reported < 300
