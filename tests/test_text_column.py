"""A column of free text is found in any table (titles, descriptions), can be named or turned off, and feeds
the keywords; categories and ids are never taken for text."""

import json

import numpy as np
import pandas as pd
import pytest

from clustering.cli import main
from clustering.data import DataError
from clustering.io import load

WORDS = ["red", "blue", "wool", "cotton", "shoe", "boot", "lamp", "desk", "oak", "steel", "soft", "large"]


def products(path, n=300):
    rng = np.random.default_rng(0)
    group = rng.integers(0, 3, n)
    frame = pd.DataFrame(rng.normal(size=(n, 8)) + group[:, None] * 6, columns=[f"emb_{i}" for i in range(8)])
    frame["id"] = [f"sku{i}" for i in range(n)]
    frame["category"] = np.array(["shoes", "lamps", "desks"])[group]
    frame["price"] = rng.gamma(2, 20, n).round(2)
    frame["title"] = [
        " ".join([["shoe", "boot", "lamp"][g], *rng.choice(WORDS, 3), ["sole", "bulb", "drawer"][g], str(i)])
        for i, g in enumerate(group)
    ]
    frame.to_csv(path, index=False)
    return frame


def test_a_title_column_is_found_and_categories_and_ids_are_not(tmp_path):
    products(tmp_path / "p.csv")
    data = load(tmp_path / "p.csv")
    assert data.text_column == "title" and data.id_column == "id"
    assert load(tmp_path / "p.csv", text_column="").text_column is None
    assert load(tmp_path / "p.csv", text_column="category").text_column == "category"
    with pytest.raises(DataError, match="no column 'nope' for the text"):
        load(tmp_path / "p.csv", text_column="nope")
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=["a", "b", "c"])
    frame["kind"] = ["x y z"] * 50  # words, but one value repeated: a category
    frame.to_csv(tmp_path / "q.csv", index=False)
    assert load(tmp_path / "q.csv").text_column is None


def test_info_names_the_text_column_and_explain_writes_its_keywords(tmp_path, capsys):
    products(tmp_path / "p.csv")
    assert main(["info", str(tmp_path / "p.csv"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text_column"] == "title"
    out = tmp_path / "labels.csv"
    assert (
        main(["cluster", str(tmp_path / "p.csv"), "--method", "kmeans", "--param", "n_clusters=3", "--out", str(out)])
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "explain",
                str(tmp_path / "p.csv"),
                "--labels",
                str(out),
                "--space",
                "features",
                "--out",
                str(tmp_path / "r.json"),
            ]
        )
        == 0
    )
    keywords = json.loads((tmp_path / "r.json").read_text())["keywords"]
    assert sorted(words[0] for words in keywords.values()) == ["bulb", "drawer", "sole"], keywords  # its own word
    assert main(["info", str(tmp_path / "p.csv"), "--text-column", ""]) == 0
    assert "text column: (none found" in capsys.readouterr().out


def test_label_exports_carry_each_cluster_s_keywords(tmp_path, capsys):
    products(tmp_path / "p.csv")
    labels, out = tmp_path / "labels.csv", tmp_path / "joined.csv"
    argv = ["cluster", str(tmp_path / "p.csv"), "--method", "kmeans", "--param", "n_clusters=3", "--out", str(labels)]
    assert main(argv) == 0
    assert main(["export", str(tmp_path / "p.csv"), "--labels", str(labels), "--out", str(out)]) == 0
    joined = pd.read_csv(out)
    by_cluster = joined.groupby("cluster")["cluster_keywords"].first()
    assert sorted(words.split(", ")[0] for words in by_cluster) == ["bulb", "drawer", "sole"]
    assert joined.groupby("cluster")["cluster_keywords"].nunique().eq(1).all()  # one text per cluster
    capsys.readouterr()


def test_a_chosen_text_column_is_kept_in_the_project_and_its_config(tmp_path):
    from clustering.store import Store
    from clustering.store.config import load_config
    from clustering.store.data_refs import load_data
    from clustering.store.export import export_config
    from clustering.store.replay import run_config

    products(tmp_path / "p.csv")
    store = Store(tmp_path / "home")
    for choice, expected in (("", None), ("category", "category")):
        config = tmp_path / f"c{choice}.yaml"
        config.write_text(
            f"data:\n  path: {tmp_path / 'p.csv'}\n  text_column: '{choice}'\n"
            "runs:\n  - {name: km, method: kmeans, params: {n_clusters: 3}, seed: 0}\n"
        )
        run_config(load_config(config), store, f"shop{choice}")
        kept = store.project(f"shop{choice}")["dataset"]
        assert kept.text_column == choice  # "none" survives, not turned back into "found from the data"
        again = tmp_path / f"again{choice}.yaml"
        again.write_text(export_config(store, f"shop{choice}"))
        assert load_data(load_config(again).data).text_column == expected


def test_a_word_only_one_cluster_uses_is_its_first_keyword():
    from clustering.explainers.keywords import keyword_labels

    rng = np.random.default_rng(0)
    kinds = ["shoe", "lamp", "desk"]
    group = np.repeat([0, 1, 2], 50)
    adjectives = ["red", "soft", "classic", "modern"]
    titles = [f"{rng.choice(adjectives)} {kinds[g]} {rng.choice(adjectives)} model {i}" for i, g in enumerate(group)]
    found = keyword_labels(titles, group, top=3)
    assert [found[g].split(", ")[0] for g in range(3)] == kinds  # once dropped: a term in one cluster only


def test_keyword_labels_do_not_repeat_a_word():
    from clustering.explainers.keywords import keyword_labels

    titles = ["modern shoe"] * 5 + ["red shoe"] * 3 + ["desk lamp"] * 8
    labels = np.r_[np.zeros(8, dtype=int), np.ones(8, dtype=int)]
    words = keyword_labels(titles, labels, top=3)[0].split(", ")
    assert words[0] == "shoe" and all("shoe" not in w for w in words[1:])


def test_a_project_keeps_a_changed_text_column(tmp_path):
    from clustering.store import Store
    from clustering.store.data_refs import load_data, reference

    products(tmp_path / "p.csv")
    store = Store(tmp_path / "home")
    data = load(tmp_path / "p.csv")
    store.create("shop", reference(data, str(tmp_path / "p.csv")))
    store.set_text_column("shop", "")
    assert store.project("shop")["dataset"].text_column == ""
    assert load_data(store.project("shop")["dataset"]).text_column is None
    store.set_text_column("shop", "category")
    assert load_data(store.project("shop")["dataset"]).text_column == "category"


def test_short_titles_in_a_column_named_as_text_are_the_text(tmp_path):
    """Three-word product titles, 40% distinct: too short and repeated for free text, but the column says title."""
    from commands import clusterlab

    from clustering.io.checks import text_columns

    rng = np.random.default_rng(0)
    words = ["red", "blue", "steel", "mug", "lamp", "chair", "small", "large", "wooden", "desk"]
    titles = [" ".join(rng.choice(words, 3)) for _ in range(120)]
    frame = pd.DataFrame(rng.normal(size=(300, 4)), columns=[f"emb_{i}" for i in range(4)])
    frame["product_title"] = [titles[i % 120] for i in range(300)]
    frame["category"] = rng.choice(["kitchen", "office", "garden"], 300)
    frame["name"] = [f"{i % 7}" for i in range(300)]  # named as text, but numbers: not text
    assert text_columns(frame) == ["product_title"]
    frame.to_csv(tmp_path / "products.csv", index=False)
    done = clusterlab("info", "products.csv", cwd=tmp_path)
    assert "text column: product_title (its name says text and its values are words" in done.stdout, done.stdout
