"""The library's public front: `import clustering as cl` and five lines from a sample to a report (issue 37)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

import clustering as cl


def test_the_public_names_and_nothing_else():
    assert sorted(dir(cl)) == sorted(cl.__all__)
    assert "leiden" in cl.BACKENDS and "imm" in cl.EXPLAINERS
    try:
        cl.pipeline  # noqa: B018
    except AttributeError as error:
        assert "public names" in str(error)
    else:  # pragma: no cover
        raise AssertionError("a private module leaked into the public front")


def test_importing_the_front_loads_nothing_heavy():
    heavy = ("sklearn", "torch", "clustering.")
    code = f"import sys, clustering; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_five_lines_from_a_sample_to_a_report(tmp_path):
    data = cl.load_sample("digits")
    res = cl.cluster(data, "kmeans", n_clusters=10, seed=0, truth="label")
    rules = res.explain()  # pixels: the most readable space of image data
    html = cl.report([res], tmp_path / "r.html", truth="label", projection="pca")
    assert isinstance(res.result, cl.ClusterResult) and res.n_clusters == 10 and res.metrics["ari"] > 0.4
    assert len(rules.clusters) == 10 and "pixel(" in rules.clusters[0].rule
    assert (tmp_path / "r.html").read_text() == html and "Run: kmeans" in html
    compared = cl.compare({"k-means": res, "again": res.labels.to_numpy()}, truth=data.labels())
    assert compared["runs"] == ["k-means", "again", "truth"] and np.isclose(compared["ari"][0][1], 1.0)
    also = cl.explain(cl.build_space(data, "pixels"), res.result.labels, "imm")  # the verbs, one by one
    assert len(also.clusters) == 10


def test_a_dataframe_of_texts_in_five_lines_joined_by_its_index(tmp_path):
    from test_text_input import TOPICS

    rows = [(f"doc-{i}", f"{text}, {topic}", topic) for i, (topic, text) in enumerate(
        (t, x) for t, xs in TOPICS.items() for x in xs)]  # fmt: skip
    df = pd.DataFrame(rows, columns=["key", "title", "topic"]).set_index("key").iloc[::-1]
    res = cl.cluster(df, "kmeans", text="title", embed="fast", n_clusters=3, seed=0, truth="topic")
    assert res.metrics["ari"] > 0.9 and res.data.embedding["model"] == "fast"
    assert list(res.labels.index) == list(df.index)  # joined by the DataFrame's own index, reversed here
    table = res.table()
    assert table.loc["doc-0", "cluster"] == res.labels["doc-0"]
    assert set(res.keywords.unique()) >= {"pets"} or any("pet" in k for k in res.keywords)
    assert res.names["doc-0"] and res.confidence is not None and res.confidence.index.equals(res.labels.index)
    words = res.explain()  # the words space: rules written in the text's words
    assert words.clusters and "Clustering(kmeans: 3 clusters of 18 rows" in repr(res)


def test_arrays_and_anndata_cluster_too():
    import anndata

    x = np.vstack([np.random.default_rng(0).normal(size=(40, 5)), np.random.default_rng(1).normal(size=(40, 5)) + 8])
    assert cl.cluster(x, "kmeans", n_clusters=2, seed=0).n_clusters == 2
    adata = anndata.AnnData(x.astype(np.float32), obs=pd.DataFrame({"kind": ["a"] * 40 + ["b"] * 40},
                                                              index=[f"cell{i}" for i in range(80)]))  # fmt: skip
    res = cl.cluster(adata, "kmeans", n_clusters=2, seed=0, truth="kind")
    assert res.labels.index[0] == "cell0" and res.metrics["ari"] == 1.0
