"""`clusterlab suggest` and the rule behind it: clusterwise stability by hand, the choice on known ladders, and
the command on digits."""

from __future__ import annotations

import json

import numpy as np
import pytest

from clustering.cli import main
from clustering.evidence.confidence import clusterwise_stability
from clustering.io.samples import load_sample
from clustering.run.suggest import Level, choose


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_clusterwise_stability_by_hand():
    reference = np.array([0, 0, 0, 0, 1, 1])
    same = (np.arange(6), np.array([3, 3, 3, 3, 7, 7]))
    assert clusterwise_stability(reference, [same]) == pytest.approx(1.0)
    # cluster 0 split 2+2 (best Jaccard 0.5, 4 rows), cluster 1 kept (1.0, 2 rows): (4 x 0.5 + 2 x 1) / 6
    split = (np.arange(6), np.array([0, 0, 1, 1, 2, 2]))
    assert clusterwise_stability(reference, [split]) == pytest.approx(4 / 6)
    # a subsample run holding rows 0, 1, 4: both clusters found whole on those rows
    assert clusterwise_stability(reference, [(np.array([0, 1, 4]), np.array([0, 0, 1]))]) == pytest.approx(1.0)


def level(k: int, found_again: float, agreement: float) -> Level:
    return Level(
        value=float(k), n_clusters=k, noise_share=0.0, stability=0.9, cluster_stability=found_again, agreement=agreement
    )


def test_choose_prefers_agreement_among_reproducible_levels():
    levels = [level(2, 0.99, 0.70), level(5, 0.95, 0.86), level(8, 0.93, 0.855), level(20, 0.60, 0.90)]
    chosen, reason = choose(levels)
    # 20 clusters agree most but do not come back; 5 and 8 tie within 0.01, the finer (8) wins
    assert chosen == 2
    assert reason.startswith("8 clusters") and "20 clusters do not come back" in reason


def test_choose_says_when_nothing_is_reproducible():
    chosen, reason = choose([level(3, 0.5, 0.6), level(6, 0.7, 0.7)])
    assert chosen == 1 and "read it with care" in reason
    assert "no structure" in choose([level(1, 1.0, 0.0)])[1]


def test_suggest_on_digits_recommends_a_level_near_the_best(capsys):
    """The recommended level's ARI is within 0.03 of the best level's on digits (the truth is never used)."""
    args = ["suggest", "sample:digits", "--preprocess", "standardize", "--repeats", "2", "--json"]
    code, out, err = run_cli(args + ["--truth", "label"], capsys)
    assert code == 0, err
    found = json.loads(out)
    levels = found["levels"]
    best = max(level["ari"] for level in levels)
    chosen = levels[found["chosen"]]
    assert chosen["ari"] >= best - 0.03
    assert found["recommended"] == {"resolution": chosen["value"], "n_clusters": chosen["n_clusters"]}
    assert found["reason"].startswith(f"{chosen['n_clusters']} clusters")
    code, out, _ = run_cli(args, capsys)
    assert json.loads(out)["chosen"] == found["chosen"]  # the same choice without the truth
    code, out, _ = run_cli(args[:-1], capsys)
    assert "<- recommended" in out and "recommended: resolution" in out


def test_suggest_refuses_bad_requests(capsys):
    code, _, err = run_cli(["suggest", "sample:digits", "--values", "a,b"], capsys)
    assert code == 2 and "--values 'a,b'" in err
    code, _, err = run_cli(["suggest", "sample:digits", "--method", "dec"], capsys)
    assert code == 2 and "invalid choice" in err
    code, _, err = run_cli(["suggest", "sample:digits", "--method", "kmeans", "--values", "0"], capsys)
    assert code == 2 and "n_clusters" in err


def test_a_suggestion_kept_in_a_project_is_in_its_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_HOME", str(tmp_path / "home"))
    config = tmp_path / "c.yaml"
    config.write_text("data: {path: sample:digits}\nruns:\n  - {name: lei, method: leiden}\n")
    assert run_cli(["run", str(config), "--project", "kept"], capsys)[0] == 0
    args = ["suggest", "sample:digits", "--repeats", "2", "--values", "0.5,1,2", "--project", "kept"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    report = tmp_path / "r.html"
    code, _, err = run_cli(["report", "--project", "kept", "--projection", "pca", "--out", str(report)], capsys)
    assert code == 0, err
    assert "How many clusters: leiden, level by level" in report.read_text()
    code, _, err = run_cli(["suggest", "sample:pbmc", "--repeats", "2", "--values", "1,2", "--project", "kept"], capsys)
    assert code == 2 and "holds other data" in err


def test_repeated_values_do_not_weigh():
    from clustering.data import Dataset
    from clustering.run.suggest import suggest

    x = np.random.default_rng(0).normal(size=(300, 4))
    x[:100] += 6
    x[100:200] -= 6
    data = Dataset(vectors=x.astype(np.float32), name="three")
    once = suggest(data, "kmeans", values=[2, 4, 6], n_jobs=1)
    repeated = suggest(data, "kmeans", values=[2, 2, 2, 4, 6], n_jobs=1)
    assert [lv.value for lv in repeated.levels] == [2, 4, 6]
    assert repeated.level.value == once.level.value and repeated.structure


@pytest.mark.parametrize("method", ["leiden", "kmeans", "hdbscan"])
@pytest.mark.parametrize("kind", ["identical", "noise"])
def test_no_structure_recommends_one_cluster(method, kind):
    from clustering.data import Dataset
    from clustering.run.suggest import suggest

    rng = np.random.default_rng(0)
    x = np.ones((400, 8)) if kind == "identical" else rng.normal(size=(400, 8))
    found = suggest(Dataset(vectors=x.astype(np.float32), name=kind), method, n_jobs=1)
    assert not found.structure and found.reason.startswith("no structure")
    assert found.summary()["recommended"] == {"n_clusters": 1}


def test_clear_blobs_still_have_structure():
    from clustering.data import Dataset
    from clustering.run.suggest import suggest

    x = np.random.default_rng(1).normal(size=(300, 4))
    x[:100] += 6
    x[100:200] -= 6
    found = suggest(Dataset(vectors=x.astype(np.float32), name="three"), "kmeans", n_jobs=1)
    assert found.structure and found.level.n_clusters >= 3  # which level is issue 41's; here: not "none"


def test_the_reason_says_finer_only_when_a_tie_was_broken():
    alone = choose([level(2, 0.99, 0.90), level(5, 0.95, 0.70)])
    assert alone[0] == 0 and "finer" not in alone[1]
    tied = choose([level(5, 0.95, 0.86), level(8, 0.93, 0.855)])
    assert tied[0] == 1 and "level within 0.01 with 5 clusters: the finer one is taken" in tied[1]


def test_a_family_ladder_is_declared_once_on_its_backend(monkeypatch):
    """Changing Leiden's ladder is a change to clustering/backends/leiden.py alone: suggest and levels read it."""
    from clustering.backends.leiden import Leiden
    from clustering.data import Dataset
    from clustering.run.levels import ladder_levels
    from clustering.run.suggest import suggest

    monkeypatch.setattr(Leiden, "ladder", ("resolution", (0.3, 1.5)))
    x = np.random.default_rng(0).normal(size=(300, 4))
    x[:150] += 6
    data = Dataset(vectors=x.astype(np.float32), name="two")
    assert [lv.value for lv in suggest(data, "leiden", n_jobs=1, repeats=1).levels] == [0.3, 1.5]
    assert {r.params["resolution"] for r in ladder_levels(data, "leiden", [0.3, 1.5])} <= {0.3, 1.5}


def test_the_default_level_is_kept_unless_another_is_clearly_better_and_the_reason_says_so():
    levels = [level(4, 0.99, 0.908), level(8, 0.91, 0.894), level(11, 0.92, 0.857)]  # PBMC, seed 0, as measured
    chosen, reason = choose(levels, default=1)
    assert chosen == 1 and reason.startswith("8 clusters, the default level, kept") and "4 clusters" in reason
    assert choose(levels) == (0, choose(levels)[1])  # without a default the evidence alone picks 4
    clearer = [level(4, 0.99, 0.95), level(8, 0.85, 0.90)]
    chosen, reason = choose(clearer, default=1)
    assert chosen == 0 and "chosen over the default level (8 clusters)" in reason
    shaky = [level(6, 0.81, 0.617), level(12, 0.78, 0.654)]  # text, seed 1: the default does not come back
    chosen, reason = choose(shaky, default=1)
    assert chosen == 1 and "read them with care" in reason


def test_suggest_keeps_leidens_default_level_on_digits_when_no_level_is_clearly_better():
    from clustering.run.suggest import suggest

    data = load_sample("digits")
    found = suggest(data, "leiden", preprocess="standardize", repeats=2, seed=1, n_jobs=1)
    assert found.level.value == 1.0 and "the default level, kept" in found.reason  # the rule alone took 1.5 here
