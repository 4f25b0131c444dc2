"""Comparisons and the perception view: hand-computed agreement values and the behaviours the issue names."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.manifold import trustworthiness

from clustering.cli import main
from clustering.evaluate import compare as cmp
from clustering.evaluate import metrics
from clustering.evaluate.perception import (
    ViewModel,
    neighbourhood_preservation,
    perceive,
    trustworthiness_continuity,
    verdicts,
    visual_clusters,
)


def matrices(*labelings):
    return cmp.agreement_matrices(list(labelings))


def test_variation_of_information_hand_computed():
    assert cmp.variation_of_information([0, 0, 1, 1], [0, 0, 0, 0]) == pytest.approx(math.log(2))
    assert cmp.variation_of_information([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(2 * math.log(2))
    assert cmp.variation_of_information([0, 0, 5, 5], [1, 1, 3, 3]) == pytest.approx(0.0)  # ids, gaps: no matter


def test_noise_counts_as_singletons_and_differing_cluster_counts():
    # a's noise becomes two singletons, so both pairs below have the same table: ARI = 4/7 by hand
    noise = matrices(cmp.Labeling("a", [0, 0, -1, -1]), cmp.Labeling("b", [0, 0, 1, 1]))
    more = matrices(cmp.Labeling("a", [0, 0, 1, 1]), cmp.Labeling("b", [0, 0, 1, 2]))
    assert noise["ari"][0, 1] == pytest.approx(4 / 7)
    assert more["ari"][0, 1] == pytest.approx(4 / 7)
    assert noise["ari"][1, 0] == noise["ari"][0, 1] and noise["vi"][0, 0] == 0.0


def test_truth_unlabelled_rows_are_left_out():
    truth = cmp.Labeling("truth", [0, 0, 1, -1], is_truth=True)
    run = cmp.Labeling("run", [0, 0, 1, 1])
    out = matrices(run, truth)
    assert out["ari"][0, 1] == pytest.approx(1.0) and out["vi"][0, 1] == pytest.approx(0.0)
    as_run = matrices(run, cmp.Labeling("truth", [0, 0, 1, -1]))  # the same labels read as a run: -1 is noise
    assert as_run["ari"][0, 1] < 1.0


def test_empty_clusters_do_not_count():
    out = matrices(cmp.Labeling("a", [3, 3, 9, 9]), cmp.Labeling("b", [0, 0, 1, 1]))
    assert out["ari"][0, 1] == pytest.approx(1.0) and out["ami"][0, 1] == pytest.approx(1.0)


def test_best_matches_jaccard():
    found = {
        m["cluster"]: m for m in cmp.best_matches(cmp.Labeling("a", [0, 0, 0, 1]), cmp.Labeling("b", [0, 0, 1, 1]))
    }
    assert found[0]["best_match"] == 0 and found[0]["jaccard"] == pytest.approx(2 / 3)
    assert found[1]["best_match"] == 1 and found[1]["jaccard"] == pytest.approx(1 / 2)
    noise_only = cmp.best_matches(cmp.Labeling("a", [0, 0]), cmp.Labeling("b", [-1, -1]))
    assert noise_only[0]["best_match"] is None and noise_only[0]["jaccard"] == 0.0


def test_matched_codes_keep_colours_across_runs():
    reference = np.array([0, 0, 1, 1, 2, 2])
    relabelled = cmp.matched_codes(reference, np.array([7, 7, 3, 3, 3, -1]))
    assert relabelled.tolist() == [0, 0, 1, 1, 1, -1]
    extra = cmp.matched_codes(np.array([0, 0, 0, 0]), np.array([5, 5, 6, 6]))
    assert sorted(set(extra.tolist())) == [0, 1]  # one matched, one gets a new colour after the reference's


def test_matched_order_puts_matches_on_the_diagonal():
    table = np.array([[0, 9, 1], [8, 0, 0], [0, 1, 7]])
    rows, cols = cmp.matched_order(table)
    ordered = table[np.ix_(rows, cols)]
    assert np.all(np.diag(ordered) == [9, 8, 7])


def test_splits_merges_and_flows():
    a = np.array([0] * 10 + [1] * 10)
    b = np.array([0] * 5 + [1] * 5 + [2] * 10)
    found = cmp.splits_and_merges(a, b)
    assert found["split"] == {0: [0, 1]} and found["merged"] == {}
    assert cmp.splits_and_merges(b, a)["merged"] == {0: [0, 1]}
    links = cmp.flows(a, b)
    assert {(link["source"], link["target"], link["count"]) for link in links} == {(0, 0, 5), (0, 1, 5), (1, 2, 10)}


def test_compare_report_shape_and_errors():
    report = cmp.compare([cmp.Labeling("a", [0, 1, 1]), cmp.Labeling("b", [1, 0, 0])])
    assert report["runs"] == ["a", "b"] and report["ari"].shape == (2, 2) and len(report["matches"]) == 4
    with pytest.raises(ValueError, match="at least two"):
        cmp.compare([cmp.Labeling("a", [0])])
    with pytest.raises(ValueError, match="must align"):
        cmp.compare([cmp.Labeling("a", [0, 1]), cmp.Labeling("b", [0])])


# --- perception ---------------------------------------------------------------------------------


def test_separated_blobs_are_seen_as_their_generating_groups():
    xy, y = make_blobs(4000, centers=7, cluster_std=0.7, center_box=(-20, 20), random_state=7)
    visual = visual_clusters(xy)
    assert visual.n_regions == 7
    assert metrics.ari(visual.labels, y) >= 0.95  # on the points in a region
    assert visual.unassigned_share < 0.05


def test_heavily_overlapping_gaussians_are_one_region():
    rng = np.random.default_rng(0)
    xy = np.r_[rng.normal(0, 1, (1500, 2)), rng.normal([1.2, 0.3], 1, (1500, 2))]
    assert visual_clusters(xy).n_regions == 1


def test_splitting_one_visible_blob_flags_both_halves_merged():
    rng = np.random.default_rng(1)
    xy = np.r_[rng.normal(0, 1, (1000, 2)), rng.normal([8, 0], 1, (1000, 2))]
    run = np.r_[(xy[:1000, 1] > 0).astype(int), np.full(1000, 2)]  # the left blob cut in two
    report = perceive(xy, run)
    assert report["n_regions"] == 2
    assert report["verdicts"] == {"0": "merged", "1": "merged", "2": "visible"}


def test_split_and_hidden_verdicts():
    rng = np.random.default_rng(2)
    blobs = np.r_[rng.normal(0, 1, (800, 2)), rng.normal([10, 0], 1, (800, 2)), rng.normal([5, 9], 1, (800, 2))]
    scattered = rng.uniform([-4, -4], [14, 13], size=(40, 2))  # thin background: no region of its own
    xy = np.r_[blobs, scattered]
    run = np.r_[np.zeros(1600, int), np.ones(800, int), np.full(40, 2)]  # cluster 0 = two blobs
    found = verdicts(run, visual_clusters(xy).labels)
    assert found[0]["verdict"] == "split" and len(found[0]["regions"]) == 2
    assert found[1]["verdict"] == "visible"
    assert found[2]["verdict"] == "hidden"


def test_view_model_changes_what_is_seen():
    rng = np.random.default_rng(3)
    xy = np.r_[rng.normal(0, 1, (1000, 2)), rng.normal([6, 0], 1, (1000, 2))]  # a narrow gap
    sharp = visual_clusters(xy, ViewModel(bandwidth_px=6))
    blurred = visual_clusters(xy, ViewModel(bandwidth_px=40))
    assert sharp.n_regions == 2 and blurred.n_regions == 1


def test_trustworthiness_continuity_match_sklearn():
    rng = np.random.default_rng(0)
    high = rng.normal(size=(300, 8))
    low = high[:, :2] + 0.2 * rng.normal(size=(300, 2))
    ours = trustworthiness_continuity(high, low, k=10)
    assert ours["trustworthiness"] == pytest.approx(trustworthiness(high, low, n_neighbors=10), abs=1e-9)
    assert ours["continuity"] == pytest.approx(trustworthiness(low, high, n_neighbors=10), abs=1e-9)
    sampled = trustworthiness_continuity(high, low, k=10, sample=150)
    assert sampled["queries"] == 150 and abs(sampled["trustworthiness"] - ours["trustworthiness"]) < 0.05


def test_neighbourhood_preservation():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(200, 2))
    assert np.all(neighbourhood_preservation(xy, xy, k=5) == 1.0)
    shuffled = neighbourhood_preservation(xy, rng.permutation(xy), k=5)
    assert shuffled.mean() < 0.2


def test_perception_rejects_bad_coordinates():
    with pytest.raises(ValueError, match="2-D"):
        visual_clusters(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        visual_clusters(np.array([[0.0, np.nan], [1.0, 1.0]]))


# --- CLI ------------------------------------------------------------------------------------------


def write_labels(path, labels):
    pd.DataFrame({"row": np.arange(len(labels)), "cluster": labels}).to_csv(path, index=False)
    return str(path)


def test_cli_compare_json(tmp_path, capsys):
    a = write_labels(tmp_path / "first.csv", np.arange(1797) % 10)
    b = write_labels(tmp_path / "second.csv", np.r_[np.full(10, -1), np.arange(1787) % 5])
    assert main(["compare", "sample:digits", "--labels", a, b, "--truth", "label", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["runs"] == ["first", "second", "truth"]
    for key in ("ari", "ami", "vi"):
        assert np.asarray(report[key]).shape == (3, 3)
    assert np.allclose(np.diag(report["vi"]), 0) and np.allclose(report["ari"], np.asarray(report["ari"]).T)
    assert {"run", "cluster", "size", "other", "best_match", "jaccard"} <= set(report["matches"][0])


def test_cli_compare_errors(tmp_path, capsys):
    short = write_labels(tmp_path / "short.csv", np.zeros(5, int))
    assert main(["compare", "sample:digits", "--labels", short, "--truth", "label"]) == 2
    assert "1,792 of the data's 1,797 rows have no label" in capsys.readouterr().err
    assert main(["compare", "sample:digits", "--labels", str(tmp_path / "missing.csv"), "--truth", "label"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_perceive_given_coordinates(tmp_path, capsys):
    xy, y = make_blobs(600, centers=3, cluster_std=0.5, center_box=(-10, 10), random_state=0)
    pd.DataFrame(xy, columns=["u", "v"]).to_csv(tmp_path / "xy.csv", index=False)
    labels = write_labels(tmp_path / "run.csv", y)
    assert main(["perceive", str(tmp_path / "xy.csv"), "--projection", "given", "--labels", labels, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n_regions"] == 3 and report["ari"] > 0.95 and len(report["visual_labels"]) == 600
    assert set(report["verdicts"].values()) == {"visible"} and 0 <= report["unassigned_share"] < 0.1
    assert main(["perceive", "sample:digits", "--projection", "given"]) == 2
    assert "2-column input" in capsys.readouterr().err


def test_perception_says_what_to_change_when_every_verdict_is_the_same():
    from clustering.evaluate.perception import advice

    merged = {0: {"verdict": "merged"}, 1: {"verdict": "merged"}, 2: {"verdict": "merged"}}
    assert "fewer groups (2 regions)" in advice(merged, 2) and "resolution" in advice(merged, 2)
    assert "Smooth more" in advice({0: {"verdict": "split"}, 1: {"verdict": "split"}}, 5)
    assert advice({0: {"verdict": "merged"}, 1: {"verdict": "visible"}}, 2) is None
    assert advice({0: {"verdict": "visible"}, 1: {"verdict": "visible"}}, 2) is None


def test_a_cluster_split_into_many_small_pieces_is_called_split_and_small_flows_are_counted():
    a = np.zeros(1000, dtype=int)
    b = np.repeat(np.arange(40), 25)  # one cluster scattered over 40 pieces of 2.5% each
    found = cmp.splits_and_merges(a, b)
    assert 0 in found["split"] and found["spread"]["split"][0] == {"largest": 0.025, "parts": 40}
    assert found["split"][0] == []  # no piece holds 5%: none listed, all counted
    kept = np.r_[np.zeros(900, dtype=int), np.ones(100, dtype=int)]
    assert cmp.splits_and_merges(a, kept)["split"] == {}  # 90% stay together: not split
    assert cmp.dropped_flows(a, b, min_share=0.03) == (40, 1000)
    assert cmp.dropped_flows(a, kept) == (0, 0)


def test_small_separate_blobs_in_a_large_scatter_are_seen_not_hidden():
    from clustering.evaluate.perception import perceive

    rng = np.random.default_rng(0)
    big = [rng.normal(loc=c, scale=1.0, size=(60_000, 2)) for c in ((0, 0), (30, 0), (0, 30))]
    small = [rng.normal(loc=c, scale=0.4, size=(600, 2)) for c in ((30, 30), (45, 10), (-12, 40), (15, 45))]
    xy = np.vstack(big + small)  # each small blob is 0.33% of the points, apart from the rest
    labels = np.repeat(np.arange(7), [60_000] * 3 + [600] * 4)
    found = perceive(xy, labels)
    assert [found["verdicts"][str(c)] for c in range(7)] == ["visible"] * 7
    sparse = np.vstack([xy, rng.uniform(-20, 60, size=(3000, 2))])  # scattered points make no region
    assert perceive(sparse, np.r_[labels, np.full(3000, 7)])["verdicts"]["7"] == "hidden"
