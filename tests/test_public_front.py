"""The library's public front: `import clustering as cl` and five lines from a sample to a report (issue 37)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

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
    result = cl.cluster(data, "kmeans", n_clusters=10, seed=0, truth=data.labels())
    rules = cl.explain(cl.build_space(data, "pixels"), result.labels, "imm")
    html = cl.report(data, [result], tmp_path / "r.html", truth="label", projection="pca")
    assert isinstance(result, cl.ClusterResult) and result.n_clusters == 10 and result.metrics["ari"] > 0.4
    assert len(rules.clusters) == 10
    assert (tmp_path / "r.html").read_text() == html and "Run: kmeans" in html
    compared = cl.compare({"k-means": result, "again": result.labels}, truth=data.labels())
    assert compared["runs"] == ["k-means", "again", "truth"] and np.isclose(compared["ari"][0][1], 1.0)
