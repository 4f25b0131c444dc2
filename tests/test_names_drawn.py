"""Cluster names as maps, legends, figures and reports draw them: bidi overrides gone, long names cut, the whole
name kept in exports; names read from files bounded by a named setting (issue 36, items 5 and 6)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from commands import clusterlab

from clustering.limits import SHOWN_NAME_CHARS
from clustering.visual.colours import named_colour_codes, shown_name

BIDI = "\u202e"


def test_shown_names_drop_bidi_and_are_cut():
    assert shown_name(f"evil{BIDI}gnp.exe\u2066x\u2069") == "evilgnp.exex"
    long = "word " * 100
    assert len(shown_name(long)) == SHOWN_NAME_CHARS.whole() and shown_name(long).endswith("…")
    _, legend = named_colour_codes(np.array([0, 0, 1]), {0: f"a{BIDI}b" + "x" * 200})
    assert BIDI not in legend[0]["name"] and len(legend[0]["label"]) == SHOWN_NAME_CHARS.whole()
    assert legend[0]["full_name"] == "0 · ab" + "x" * 200  # whole, for tables and exports, without the override


def labelled_digits(tmp_path, names: list[str]):
    """Digits labelled by `names`: row i gets names[i] for the first rows, names[0] for the rest."""
    rows = np.arange(1797)
    frame = pd.DataFrame({"row": rows, "cluster": [names[r] if r < len(names) else names[0] for r in rows]})
    frame.to_csv(tmp_path / "named.csv", index=False)
    return tmp_path / "named.csv"


def test_figures_and_reports_draw_no_bidi_override(tmp_path):
    labels = labelled_digits(tmp_path, [f"txt.{BIDI}exe", "plain name", "x" * 300])
    for out in ("f.svg", "r.html"):
        command = "figure" if out.endswith("svg") else "report"
        done = clusterlab(
            command, "sample:digits", "--labels", str(labels), "--projection", "pca", "--out", out, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        text = (tmp_path / out).read_text(encoding="utf-8")
        assert BIDI not in text and "\\u202e" not in text.lower(), out
        assert "txt.exe" in text
        assert "x" * 300 not in text or out == "r.html"  # a report's tables may keep the whole name


def test_a_ten_megabyte_name_is_refused_at_once_by_its_setting(tmp_path):
    labels = labelled_digits(tmp_path, ["a", "b" * 10_000_000])
    started = time.perf_counter()
    done = clusterlab("figure", "sample:digits", "--labels", str(labels), "--out", "f.png", cwd=tmp_path)
    assert done.returncode == 2 and "CLUSTERLAB_NAME_MAX_CHARS" in done.stderr and "line 3" in done.stderr
    assert time.perf_counter() - started < 60
    assert not (tmp_path / "f.png").exists()


def test_a_small_figure_names_every_large_cluster_and_its_whole_title(tmp_path):
    """Seven named clusters on a 4 x 3 inch figure: the old placement dropped three names and cut the title."""
    from clustering.io.samples import load_sample
    from clustering.run.pipeline import run

    labels = run(load_sample("digits"), "kmeans", {"n_clusters": 7}, seed=0).labels
    names = ["zeros and sixes", "ones written straight", "curly twos with loops", "threes fives and nines"]
    names += ["fours that look like nines", "sevens", "the eights"]
    pd.DataFrame({"row": range(len(labels)), "cluster": labels, "cluster_name": [names[c] for c in labels]}).to_csv(
        tmp_path / "k7.csv", index=False
    )
    title = "Handwritten digits clustered by k-means with seven clusters, seed 0, on the PCA projection"
    args = ["figure", "sample:digits", "--labels", "k7.csv", "--projection", "pca", "--width", "4", "--height", "3"]
    done = clusterlab(*args, "--title", title, "--out", "f.svg", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    svg = (tmp_path / "f.svg").read_text()
    assert all(f'id="map-label-{i}"' in svg for i in range(7))
    import re

    drawn = " ".join(re.sub(r"<[^>]+>", " ", svg).split())
    assert all(word in drawn for word in title.replace(",", "").split())
    assert title not in svg  # wrapped to the figure's width, not one line cut at its edges
