"""Samples that keep rare clusters: a covering sample, the rows it does not cover, and the second pass."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.data import Dataset
from clustering.run import sampled
from clustering.run.coverage import covering_rows, uncovered
from clustering.run.pipeline import run


def rare_data(big: int = 20_000, small: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four big blobs and one far group of `small` rows, in 20-D."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, (5, 20)).astype(np.float32)
    truth = np.concatenate([np.repeat(np.arange(4), big // 4), np.full(small, 4)])
    return centres[truth] + rng.standard_normal((len(truth), 20), dtype=np.float32), truth


def test_a_covering_sample_holds_a_rare_group():
    x, truth = rare_data()
    rows = covering_rows(x, 1000, seed=0)
    assert len(rows) == 1000 and len(np.unique(rows)) == 1000 and (np.diff(rows) > 0).all()
    assert (truth[rows] == 4).sum() >= 10  # a uniform sample holds about 2 of its 40 rows
    assert np.array_equal(covering_rows(x, 1000, seed=0), rows)  # reproducible from the seed


def test_uncovered_by_hand():
    distances = np.array([[1.0, 1.0, 1.2], [9.0, 10.0, 1.0]])
    voters = np.array([[0, 1, 2], [0, 1, 2]])
    scale = np.array([1.0, 1.0, 1.0])
    assert uncovered(distances, voters, scale).tolist() == [False, True]


def test_sampled_hdbscan_finds_the_rare_group_and_records_how():
    x, truth = rare_data()
    result = run(Dataset(vectors=x, name="rare"), "hdbscan", {}, sample=2000)
    rare_rows = result.labels[truth == 4]
    assert (rare_rows >= 0).mean() > 0.9 and len(np.unique(rare_rows[rare_rows >= 0])) == 1
    assert (result.labels[truth != 4] != np.bincount(rare_rows[rare_rows >= 0]).argmax()).all()
    described = result.info["sample"]
    assert described["sampling"].startswith("covering") and "second_pass" in described
    assert described["min_cluster_size"].startswith("kept at 15 rows of the sample")


def test_rows_the_sample_missed_are_clustered_in_a_second_pass(monkeypatch):
    x, truth = rare_data(small=60)
    never = np.flatnonzero(truth != 4)  # a sample that holds none of the rare group's rows

    def without_rare(vectors, size, seed=0):
        return np.sort(np.random.default_rng(seed).choice(never, size, replace=False))

    monkeypatch.setattr(sampled, "covering_rows", without_rare)
    result = run(Dataset(vectors=x, name="rare"), "hdbscan", {}, sample=2000)
    second = result.info["sample"]["second_pass"]
    assert second["uncovered_rows"] == pytest.approx(60, abs=3) and second["clusters"] == 1
    rare_rows = result.labels[truth == 4]
    assert len(np.unique(rare_rows)) == 1 and rare_rows[0] == result.labels.max()  # a new cluster, numbered last


def test_a_sampled_run_lays_out_a_covering_part_of_its_sample(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_LAYOUT_SAMPLE_ROWS", "300")
    x, truth = rare_data(big=4000)
    result = run(Dataset(vectors=x, name="rare"), "leiden", {}, sample=1000, layout="umap")
    xy = result.artifacts["layout"]
    assert xy.shape == (len(x), 2) and np.isfinite(xy).all()
    assert result.info["layout"]["fitted_on_sample_rows"] == 300
    centre = xy[truth == 4].mean(axis=0)  # the far group is drawn apart from the big blobs
    others = np.array([xy[truth == c].mean(axis=0) for c in range(4)])
    assert np.linalg.norm(others - centre, axis=1).min() > 2 * xy[truth == 4].std(axis=0).max()


# -- the same on Dask, on a real LocalCluster ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    from clustering.scale.dask_run import dask_client

    with dask_client(workers=2, worker_memory="1GB") as live:
        yield live


def rare_folder(tmp_path, small: int = 40):
    from test_scale import write_folder

    from clustering.scale.sources import open_source

    x, truth = rare_data(small=small)
    order = np.random.default_rng(1).permutation(len(x))  # the rare rows spread over every part
    x, truth = x[order], truth[order]
    write_folder(tmp_path / "pq", x, truth, files=2, row_group=4_000)
    return open_source(tmp_path / "pq", keep=["label"]), truth


def test_dask_samples_cover_the_space_and_find_the_rare_group(client, tmp_path):
    from clustering.scale.dask_run import read_labels, run_on_dask

    source, truth = rare_folder(tmp_path)
    summary = run_on_dask(
        client, source, "hdbscan", {}, tmp_path / "out", sample_rows=2_000, layout=None, truth_column="label"
    )
    assert summary["sample"]["sampling"].startswith("covering") and "second_pass" in summary["sample"]
    labels, _, _ = read_labels(tmp_path / "out")
    rare = labels[truth == 4]
    assert (rare >= 0).mean() > 0.9 and len(np.unique(rare[rare >= 0])) == 1
    assert not np.isin(labels[truth != 4], np.unique(rare[rare >= 0])).any()
    again = run_on_dask(
        client, source, "hdbscan", {}, tmp_path / "again", sample_rows=2_000, layout=None, truth_column="label"
    )
    assert again["sizes"] == summary["sizes"]  # the covering sample is reproducible from the seed


def test_dask_clusters_the_rows_its_sample_missed_in_a_second_pass(client, tmp_path, monkeypatch):
    import pandas as pd

    from clustering.scale import dask_run
    from clustering.scale.dask_run import read_labels, run_on_dask

    source, truth = rare_folder(tmp_path, small=60)
    never = np.flatnonzero(truth != 4)

    def without_rare(client, source, size, seed, read, gather):
        rows = np.sort(np.random.default_rng(seed).choice(never, size, replace=False))
        return rows, read(rows, 0.01, 0.1)

    monkeypatch.setattr(dask_run, "covering_rows_on_dask", without_rare)
    summary = run_on_dask(
        client, source, "hdbscan", {}, tmp_path / "out", sample_rows=2_000, layout=None, truth_column="label"
    )
    second = summary["sample"]["second_pass"]
    assert second["uncovered_rows"] == pytest.approx(60, abs=3) and second["clusters"] == 1
    labels, _, _ = read_labels(tmp_path / "out")
    rare = labels[truth == 4]
    assert len(np.unique(rare)) == 1 and rare[0] == labels.max()  # a new cluster, numbered last, in the files
    assert summary["sizes"][str(rare[0])] == 60 and summary["ari"] > 0.95  # the summary counts the rewritten parts
    parts = pd.concat(pd.read_parquet(p) for p in sorted((tmp_path / "out").glob("part-*.parquet")))
    assert parts["uncovered"].sum() == second["uncovered_rows"]


def test_relabel_part_makes_every_uncovered_row_noise(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from clustering.scale.dask_cover import relabel_part
    from clustering.scale.sources import Part, Source

    table = pa.table(
        {
            "row_id": np.arange(10, 15),
            "cluster": np.array([0, 1, 1, 2, 2]),
            "confidence": np.ones(5, dtype=np.float32),
            "uncovered": np.array([False, True, False, True, False]),
        }
    )
    pq.write_table(table, tmp_path / "part-00003.parquet")
    part = Part(index=3, file="unused", start=10, rows=5)
    source = Source(path="unused", kind="npy", n_rows=15, dim=2, parts=(part,))
    summary = relabel_part(str(tmp_path), part, None, None, None, source, None)
    written = pq.read_table(tmp_path / "part-00003.parquet").to_pydict()
    assert written["cluster"] == [0, -1, 1, -1, 2] and written["confidence"] == [1.0, 0.0, 1.0, 0.0, 1.0]
    assert summary["sizes"] == {0: 1, 1: 1, 2: 1, -1: 2}
    summary = relabel_part(str(tmp_path), part, np.array([12]), np.array([7]), np.array([0.5]), source, None)
    assert pq.read_table(tmp_path / "part-00003.parquet").column("cluster").to_pylist() == [0, -1, 7, -1, 2]


def test_rows_voted_noise_are_looked_at_again():
    """A group covered by sample rows a density method called noise: its rows vote noise, though a fit on every row
    would find it; the second look clusters them again beside sample rows."""
    x, truth = rare_data(small=60)
    rows = np.sort(np.random.default_rng(0).choice(np.flatnonzero(truth != 4), 2000, replace=False))
    model, fitted = sampled.fit_sample(x[rows], rows, "hdbscan", {})
    far = np.zeros(len(x), dtype=bool)
    labels, confidence, _ = sampled.assign_all(x, model)
    rare = truth == 4
    labels[rare], confidence[rare] = -1, 0.6  # as if the group's few sample rows had been noise
    second = sampled.second_pass(model, x, far, labels, confidence, "hdbscan", fitted.params)
    assert second["uncovered_rows"] == 0 and second["noise_voted_rows"] >= 60 and second["clusters"] == 1
    assert len(np.unique(labels[rare])) == 1 and labels[rare][0] == labels.max()
    assert (labels[~rare] >= 0).all()  # the rows the sample's clusters took keep their vote
