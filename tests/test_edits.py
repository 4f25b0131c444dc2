"""Editing clusters: merge, split, move, noise as values; an edited run keeps its provenance and a config replays
it to identical labels."""

import numpy as np
import pandas as pd
import pytest

from clustering.data import Dataset
from clustering.run.edits import EDITED, EditError, apply_edits, edited_result, row_ids
from clustering.run.pipeline import run
from clustering.store import Store
from clustering.store.config import ConfigError, load_config, parse_config
from clustering.store.export import export_config
from clustering.store.replay import run_config


def blobs(n_per=60, ids=True):
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    group = np.repeat(np.arange(4), n_per)
    x = centres[group] + rng.normal(scale=0.5, size=(len(group), 2))
    metadata = pd.DataFrame({"sku": [f"sku-{i:03d}" for i in range(len(group))]}) if ids else pd.DataFrame()
    return Dataset(vectors=x, metadata=metadata, name="blobs", id_column="sku" if ids else None), group


def test_each_edit_changes_what_it_names_and_nothing_else():
    data, group = blobs()
    merged = apply_edits(data, group, [{"merge": [1, 3]}])
    assert set(np.unique(merged)) == {0, 1, 2} and (merged[group == 3] == 1).all()
    moved = apply_edits(data, group, [{"move": ["sku-000", "sku-001"], "to": 7}])
    assert moved[0] == moved[1] == 7 and (moved[2:] == group[2:]).all()
    noised = apply_edits(data, group, [{"noise": ["sku-005"]}])
    assert noised[5] == -1 and (np.delete(noised, 5) == np.delete(group, 5)).all()
    # split cluster 0 after merging 0 and 1: k-means on its rows gives the two blobs back
    split = apply_edits(
        data, group, [{"merge": [0, 1]}, {"split": 0, "method": "kmeans", "params": {"n_clusters": 2}, "seed": 0}]
    )
    parts = [set(np.unique(split[group == g])) for g in (0, 1)]
    assert all(len(p) == 1 for p in parts) and parts[0] != parts[1]
    assert (split[group == 2] == 2).all() and (split[group == 3] == 3).all()
    assert (group == np.repeat(np.arange(4), 60)).all()  # the input is not changed


def test_rows_are_named_by_id_not_position():
    data, group = blobs()
    assert row_ids(data, np.array([3, 1])) == ["sku-003", "sku-001"]
    plain, _ = blobs(ids=False)
    assert row_ids(plain, np.array([3])) == [3]
    assert apply_edits(plain, group, [{"noise": [3]}])[3] == -1


@pytest.mark.parametrize(
    "edit, message",
    [
        ({"merge": [0]}, "two clusters or more"),
        ({"merge": [0, 9]}, "no cluster 9"),
        ({"move": ["nope"], "to": 1}, "not in the data"),
        ({"move": ["sku-001"]}, "says where to"),
        ({"noise": ["sku-001", "sku-001"]}, "listed twice"),
        ({"split": 0}, "names the method"),
        ({"split": 0, "method": "nope"}, "unknown method"),
        ({"split": 0, "method": "kmeans", "params": {"n_clusters": -3}}, "kmeans"),
        ({"merge": [0, 1], "noise": ["sku-001"]}, "names one of"),
        ({"merge": [0, 1], "into": 3}, "unknown key 'into'"),
    ],
)
def test_bad_edits_are_refused_with_their_place(edit, message):
    data, group = blobs()
    with pytest.raises(EditError, match=message):
        apply_edits(data, group, [{"merge": [2, 3]}, edit])


def test_an_edited_run_is_stored_with_its_edits_and_a_config_replays_it_identically(tmp_path):
    data, group = blobs()
    path = tmp_path / "blobs.csv"
    frame = pd.DataFrame(data.vectors, columns=["f0", "f1"])
    frame.insert(0, "id", data.metadata["sku"])  # the data's id column: edits name rows by it
    frame.to_csv(path, index=False)
    config = tmp_path / "c.yaml"
    config.write_text(
        f"data: {{path: {path}}}\n"
        "runs:\n"
        "  - {name: km, method: kmeans, params: {n_clusters: 3}, seed: 0}\n"
        "  - name: km fixed\n"
        "    from: km\n"
        "    edits:\n"
        "      - {split: 0, method: kmeans, params: {n_clusters: 2}, seed: 1}\n"
        "      - {move: [sku-000, sku-100], to: 9}\n"
        "  - {name: km fixed twice, from: km fixed, edits: [{noise: [sku-007]}]}\n"
    )
    store = Store(tmp_path / "home")
    done = run_config(load_config(config), store, "shop")
    edited = done[1][1]
    assert edited.method == EDITED and edited.params["from"] == done[0][0] and len(edited.params["edits"]) == 2
    assert edited.labels[0] == edited.labels[100] == 9
    assert done[2][1].labels[7] == -1 and done[2][1].params["from"] == done[1][0]
    again = tmp_path / "again.yaml"
    again.write_text(export_config(store, "shop"))
    replayed = run_config(load_config(again), store, "shop again")
    assert [r.method for _, r in replayed] == ["kmeans", EDITED, EDITED]
    for (_, first), (_, second) in zip(done, replayed, strict=True):
        assert (first.labels == second.labels).all()
    record = store.find_run("shop", "km fixed")
    assert record.params["edits"][1] == {"move": ["sku-000", "sku-100"], "to": 9}  # provenance kept in the store


def test_configs_refuse_an_edit_of_a_later_or_unknown_run():
    base = {"data": {"path": "sample:digits"}}
    with pytest.raises(ConfigError, match="names no earlier run"):
        parse_config({**base, "runs": [{"name": "e", "from": "km", "edits": [{"merge": [0, 1]}]}]})
    with pytest.raises(ConfigError, match="lists the edits"):
        parse_config({**base, "runs": [{"name": "km", "method": "kmeans"}, {"from": "km", "edits": []}]})
    with pytest.raises(ConfigError, match="leave `method:` out"):
        parse_config(
            {
                **base,
                "runs": [
                    {"name": "km", "method": "kmeans"},
                    {"from": "km", "method": "leiden", "edits": [{"merge": [0, 1]}]},
                ],
            }
        )


def test_edited_result_of_a_plain_run():
    data, _ = blobs()
    base = run(data, "kmeans", {"n_clusters": 4}, seed=0)
    result = edited_result(data, base, "abc123", [{"noise": ["sku-001"]}])
    assert result.labels[1] == -1 and result.params == {"from": "abc123", "edits": [{"noise": ["sku-001"]}]}


def test_a_config_with_a_malformed_edit_is_refused_before_any_run(tmp_path):
    from clustering.store import Store

    config = tmp_path / "c.yaml"
    config.write_text(
        "data: {path: sample:digits}\nruns:\n  - {name: a, method: kmeans}\n"
        "  - {name: e, from: a, edits: [{merge: [0]}]}\n"
    )
    with pytest.raises(ConfigError, match="merge lists two clusters or more"):
        load_config(config)  # refused when read: no run starts, no project is made
    assert not Store(tmp_path / "home").exists("e")


def test_an_edited_run_carries_a_calibrated_confidence_and_a_merge_of_two_groups_is_less_sure():
    data, group = blobs()
    base = run(data, "kmeans", {"n_clusters": 4}, seed=0)
    result = edited_result(data, base, "abc123", [{"merge": [0, 1]}])
    confidence = result.confidence()
    assert result.calibrated is not None and result.info["confidence"] == "calibrated from neighbours"
    assert confidence is not None and confidence.shape == (data.n,)
    merged = np.isin(base.labels, [0, 1])
    assert len(np.unique(group[merged])) == 2  # the merged cluster holds two blobs
    assert confidence[merged].mean() < confidence[~merged].mean()


def test_a_move_to_a_huge_cluster_number_is_refused_at_once():
    """No bincount sized by 2**31 - 1: refused in milliseconds, naming the number to use."""
    import time

    data, group = blobs()
    started = time.perf_counter()
    with pytest.raises(EditError, match=r"a new cluster takes a number up to .* e\.g\. 4"):
        apply_edits(data, group, [{"move": ["sku-000"], "to": 2**31 - 1}])
    assert time.perf_counter() - started < 1.0
    moved = apply_edits(data, group, [{"move": ["sku-000"], "to": 4}])
    assert moved[0] == 4
