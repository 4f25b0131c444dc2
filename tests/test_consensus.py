"""Consensus of several clusterings (issue 25, first part): at least as good as the median member, near the best."""

import json

import numpy as np
import pandas as pd
import pytest

from clustering.cli import main
from clustering.evaluate import metrics
from clustering.evidence.consensus import against_members, co_association, consensus
from clustering.graph.neighbors import knn_graph
from clustering.io.samples import load_sample
from clustering.run.pipeline import run

MEMBERS = [
    ("kmeans", {"n_clusters": 10}, 0),
    ("kmeans", {"n_clusters": 10}, 1),
    ("kmeans", {"n_clusters": 8}, 2),
    ("leiden", {}, 0),
    ("leiden", {"resolution": 0.5}, 1),
    ("agglomerative", {"n_clusters": 10}, 0),
    ("gmm", {"n_components": 10}, 0),
]


def test_the_consensus_of_digits_beats_the_median_member():
    data = load_sample("digits")
    truth = data.labels()
    members = [run(data, method, params, seed=seed).labels for method, params, seed in MEMBERS]
    found = consensus(knn_graph(data.vectors, 15), members)
    aris = [metrics.ari(truth, labels) for labels in members]
    mine = metrics.ari(truth, found.labels)
    assert mine >= np.median(aris) and mine >= max(aris) - 0.05  # measured: 0.88 (median 0.67, best 0.91)
    assert found.agreement.shape == (data.n,) and 0 <= found.agreement.min() and found.agreement.max() <= 1


def test_co_association_counts_agreement_on_neighbour_pairs_and_noise_never_agrees():
    x = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]], dtype=np.float32)
    knn = knn_graph(x, 2, use_cache=False)
    a = np.array([0, 0, 0, 1, 1, 1])
    b = np.array([0, 0, -1, 1, 1, 1])
    matrix = co_association(knn, [a, b]).toarray()
    assert matrix[0, 1] == 1.0 and matrix[1, 2] == 0.5 and matrix[3, 4] == 1.0
    assert (matrix == matrix.T).all() and matrix[0, 3] == 0
    found = consensus(knn, [a, b])
    assert metrics.ari(a, found.labels) == 1.0
    with pytest.raises(ValueError, match="labels for 6 rows"):
        co_association(knn, [a[:4]])


def test_a_consensus_below_its_median_member_says_so_and_keeps_the_most_central_member():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 50)
    members = [truth.copy() for _ in range(3)]
    members[1][:10] = 3  # members that mostly agree, the first most central
    members[2][190:] = 0
    members.append(rng.integers(0, 4, 200))  # and one that agrees with nobody
    names = ["a", "b", "c", "random"]
    assert against_members(truth, members, names) == (None, against_members(truth, members, names)[1])
    kept, note = against_members(rng.integers(0, 4, 200), members, names)  # a consensus worse than its median member
    assert kept == 0 and "kept instead" in note and "a (" in note
    x = np.vstack([rng.normal(size=(50, 2)) + 8 * centre for centre in np.eye(4, 2) * np.arange(1, 5)[:, None]])
    found = consensus(knn_graph(x.astype(np.float32), 10, use_cache=False), members, names)
    own = np.mean([metrics.ari(found.labels, m, noise="cluster") for m in members])
    central = sorted(np.mean([metrics.ari(m, o, noise="cluster") for o in members if o is not m]) for m in members)
    assert own >= np.median(central) - 1e-9 or found.kept_member is not None  # never left below the median member
    assert found.note


def test_cli_consensus_joins_members_by_id_and_writes_labels(tmp_path, capsys):
    files = []
    for index, (method, params, seed) in enumerate(MEMBERS[:4]):
        labels = run(load_sample("digits"), method, params, seed=seed).labels
        frame = pd.DataFrame({"row": np.arange(len(labels)), "cluster": labels}).sample(frac=1, random_state=index)
        frame.to_csv(tmp_path / f"m{index}.csv", index=False)  # rows in any order: joined by their ids
        files.append(str(tmp_path / f"m{index}.csv"))
    out = tmp_path / "consensus.csv"
    assert main(["consensus", "sample:digits", "--labels", *files, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["members"] == ["m0", "m1", "m2", "m3"] and summary["n_clusters"] >= 8
    table = pd.read_csv(out)
    assert list(table.columns[:3]) == ["row", "cluster", "confidence"] and len(table) == 1797
    truth = load_sample("digits").labels()
    assert metrics.ari(truth, table["cluster"].to_numpy()) > 0.75
    assert main(["consensus", "sample:digits", "--labels", files[0], "--out", str(out)]) == 2
    assert "two label files or more" in capsys.readouterr().err


def test_a_consensus_run_lists_its_members_and_a_config_replays_it(tmp_path):
    from clustering.store import Store
    from clustering.store.config import ConfigError, load_config, parse_config
    from clustering.store.export import export_config
    from clustering.store.replay import run_config

    config = tmp_path / "c.yaml"
    config.write_text(
        "data: {path: sample:digits}\n"
        "runs:\n"
        "  - {name: km, method: kmeans, params: {n_clusters: 10}, seed: 0}\n"
        "  - {name: lei, method: leiden}\n"
        "  - {name: agreed, of: [km, lei], params: {resolution: 1.0}, seed: 3}\n"
    )
    store = Store(tmp_path / "home")
    done = run_config(load_config(config), store, "digits")
    agreed = done[2][1]
    assert agreed.method == "consensus" and agreed.params["members"] == [done[0][0], done[1][0]]
    assert agreed.confidence() is not None and len(agreed.confidence()) == 1797
    again = tmp_path / "again.yaml"
    again.write_text(export_config(store, "digits"))
    assert "of:" in again.read_text()
    replayed = run_config(load_config(again), store, "digits again")
    assert (replayed[2][1].labels == agreed.labels).all()  # identical labels from the config
    base = {"data": {"path": "sample:digits"}}
    with pytest.raises(ConfigError, match="no earlier run"):
        parse_config({**base, "runs": [{"name": "km", "method": "kmeans"}, {"of": ["km", "nope"]}]})
    with pytest.raises(ConfigError, match="two earlier runs or more"):
        parse_config({**base, "runs": [{"name": "km", "method": "kmeans"}, {"of": ["km"]}]})
    with pytest.raises(ConfigError, match="n_neighbors"):
        parse_config(
            {
                **base,
                "runs": [
                    {"name": "a", "method": "kmeans"},
                    {"name": "b", "method": "kmeans"},
                    {"of": ["a", "b"], "params": {"n_neighbors": 1}},
                ],
            }
        )


def test_method_consensus_makes_its_own_ensemble_and_beats_its_median_member(tmp_path):
    """`--method consensus`: Leiden at three levels and seeds, k-means and HDBSCAN, agreed on; as good as its
    median member on digits; in a config it replays to identical labels beside a consensus of runs."""
    from clustering.backends import get_backend
    from clustering.graph.preprocess import prepared
    from clustering.store import Store
    from clustering.store.config import load_config
    from clustering.store.export import export_config
    from clustering.store.replay import run_config

    data = load_sample("digits")
    truth = data.metadata["label"].to_numpy()
    result = run(data, "consensus", {}, preprocess="standardize", truth=truth)
    names = result.info["members"]
    assert len(names) == 11 and names[-2].startswith("kmeans k=") and names[-1] == "hdbscan"
    x = prepared(data, "standardize")
    estimator = get_backend("consensus")()
    members = estimator.members(x, None)
    aris = sorted(metrics.ari(truth, labels) for _, labels in members)
    assert result.metrics["ari"] >= aris[len(aris) // 2]
    assert result.confidence() is not None
    config = tmp_path / "c.yaml"
    config.write_text(
        "data: {path: sample:digits}\n"
        "runs:\n"
        "  - {name: ens, method: consensus, seed: 1}\n"
        "  - {name: km, method: kmeans, params: {n_clusters: 10}}\n"
        "  - {name: both, of: [ens, km]}\n"
    )
    store = Store(tmp_path / "home")
    done = run_config(load_config(config), store, "p")
    again = tmp_path / "again.yaml"
    again.write_text(export_config(store, "p"))
    text = again.read_text()
    assert "method: consensus" in text and "of:" in text
    replayed = run_config(load_config(again), store, "p2")
    for (_, first), (_, second) in zip(done, replayed):
        assert (first.labels == second.labels).all()


def test_without_a_resolution_the_consensus_agreeing_most_with_its_members_is_kept():
    from clustering.evidence.consensus import CANDIDATE_RESOLUTIONS

    data = load_sample("digits")
    members = [run(data, method, params, seed=seed).labels for method, params, seed in MEMBERS]
    knn = knn_graph(data.vectors, 15)
    chosen = consensus(knn, members, resolution=None)
    assert chosen.note.startswith("resolution ") and "the one agreeing most" in chosen.note

    def agreement(labels):
        return np.mean([metrics.ari(labels, m, noise="cluster") for m in members])

    fixed = [consensus(knn, members, resolution=r) for r in CANDIDATE_RESOLUTIONS]
    assert agreement(chosen.labels) >= max(agreement(f.labels) for f in fixed if f.kept_member is None) - 1e-9
    truth = data.labels()
    aris = [metrics.ari(truth, labels) for labels in members]
    assert metrics.ari(truth, chosen.labels) >= np.median(aris)


def test_cli_consensus_says_its_chosen_resolution_and_its_standing_without_json(tmp_path, capsys):
    from sklearn.cluster import KMeans
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(600, centers=4, n_features=5, random_state=0)
    np.save(tmp_path / "x.npy", x.astype(np.float32))
    files = []
    for index, k in enumerate((3, 4, 5)):
        labels = KMeans(k, n_init=3, random_state=index).fit_predict(x)
        pd.DataFrame({"row": np.arange(600), "cluster": labels}).to_csv(tmp_path / f"k{k}.csv", index=False)
        files.append(str(tmp_path / f"k{k}.csv"))
    assert main(["consensus", str(tmp_path / "x.npy"), "--labels", *files, "--out", str(tmp_path / "c.csv")]) == 0
    printed = capsys.readouterr().out
    assert "consensus of 3 clusterings" in printed
    assert "(of 0.25, 0.5, 1, 2: the one agreeing most)" in printed and "their median one" in printed
