"""The map explains itself: cluster names placed on their points (app, report, figures), noise set apart."""

import re

import numpy as np
import pytest
from test_text_column import products

from clustering.cli import main
from clustering.visual.colours import NOISE_CODE, NOISE_COLOUR, TAB20, colour_codes, named_colour_codes, palette
from clustering.visual.map_labels import map_labels, place_labels


def test_each_group_is_labelled_on_its_own_points_largest_first_noise_left_out():
    rng = np.random.default_rng(0)
    # a ring (its mean is in empty space) and a small blob, plus scattered noise
    angle = rng.uniform(0, 2 * np.pi, 400)
    ring = np.c_[np.cos(angle), np.sin(angle)] * 10
    blob = rng.normal(size=(50, 2)) + [30, 0]
    noise = rng.uniform(-40, 40, size=(30, 2))
    xy = np.vstack([ring, blob, noise])
    labels = np.r_[np.zeros(400, int), np.ones(50, int), -np.ones(30, int)]
    codes, legend = named_colour_codes(labels, {1: "small blob"})
    found = map_labels(xy, codes, legend)
    assert [label["text"] for label in found] == ["cluster 0", "small blob"]  # largest first, noise has none
    assert found[0]["rows"] == 400 and found[0]["font"] > found[1]["font"]
    ring_anchor = np.array([found[0]["x"], found[0]["y"]])
    assert abs(np.linalg.norm(ring_anchor) - 10) < 1e-6  # on the ring itself, not at its empty centre
    assert np.linalg.norm(ring_anchor - [0, 0]) > 5


def test_overlapping_labels_are_left_out_in_priority_order():
    boxes = [(0, 0, 10, 2), (5, 1, 15, 3), (20, 0, 30, 2), (9, -5, 12, -1)]
    assert place_labels(boxes) == [True, False, True, True]


def test_no_palette_colour_reads_as_noise_grey():
    def rgb(colour):
        return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    noise = rgb(NOISE_COLOUR)
    for colour in TAB20 + palette(60):
        value = rgb(colour)
        grey = value.max() - value.min() < 30  # an unsaturated colour
        assert not grey or np.abs(value - noise).max() > 90, colour


def test_legend_entries_carry_the_text_for_the_map():
    _, legend = colour_codes(np.array([0, 0, 1, -1]))
    assert [entry["label"] for entry in legend] == ["cluster 0", "cluster 1"]
    _, legend = colour_codes(np.array(["shoes", "books", "shoes"]), noise_negative=False)
    assert [entry["label"] for entry in legend] == ["books", "shoes"]
    assert NOISE_CODE == 65535


def test_figure_svg_names_each_cluster_by_its_keywords_on_the_map(tmp_path, capsys):
    products(tmp_path / "p.csv", n=600)
    labels = tmp_path / "labels.csv"
    argv = ["cluster", str(tmp_path / "p.csv"), "--method", "kmeans", "--param", "n_clusters=3", "--out", str(labels)]
    assert main(argv) == 0
    svg = tmp_path / "map.svg"
    base = ["figure", str(tmp_path / "p.csv"), "--labels", str(labels), "--projection", "pca"]
    assert main([*base, "--out", str(svg)]) == 0
    text = svg.read_text()
    groups = re.findall(r'<g id="map-label-\d+">(.*?)</g>\s*</g>', text, re.S)
    names = [re.findall(r"<text[^>]*>([^<]*)</text>", group)[0] for group in groups]
    assert len(names) == 3  # one label per cluster
    for word in ("sole", "bulb", "drawer"):  # each cluster's own word (its titles end with it)
        assert sum(word in name for name in names) == 1, names
    assert main([*base, "--no-labels", "--out", str(tmp_path / "bare.svg")]) == 0
    assert "map-label" not in (tmp_path / "bare.svg").read_text()
    capsys.readouterr()


@pytest.mark.parametrize("n_clusters", [40, 120])
def test_a_crowded_figure_hides_labels_rather_than_overlapping_them(tmp_path, n_clusters):
    """40 groups of 2.5% each: every name placed (on its points or nearby with a line); 120 small groups: some
    left to the legend. Never two names over each other."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from clustering.reports.figures import scatter_figure

    rng = np.random.default_rng(1)
    centres = rng.uniform(0, 10, size=(n_clusters, 2))
    labels = np.repeat(np.arange(n_clusters), 30)
    xy = centres[labels] + rng.normal(scale=0.05, size=(len(labels), 2))
    codes, legend = named_colour_codes(labels, {c: f"a long cluster name {c}" for c in range(n_clusters)})
    figure = scatter_figure(xy, codes, legend, width=8, height=6)
    FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    texts = [t for t in figure.axes[0].texts if (t.get_gid() or "").startswith("map-label")]
    if n_clusters == 40:
        assert len(texts) == n_clusters  # each group holds at least FIGURE_NAME_MIN_SHARE of the rows
    else:
        assert 0 < len(texts) < n_clusters  # some fit, the rest are left to the legend
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_levels_label_coarse_groups_first_and_finer_ones_at_their_own_level():
    from clustering.io.samples import load_sample
    from clustering.run.levels import ladder_levels
    from clustering.visual.map_labels import level_labels

    data = load_sample("digits")
    levels = [result.labels for result in ladder_levels(data, "leiden", (0.05, 0.5, 2.0))]
    counts = [len(np.unique(level[level >= 0])) for level in levels]
    assert counts == sorted(counts) and len(set(counts)) == len(counts) and len(levels) >= 2  # coarse to fine
    xy = data.vectors[:, :2]
    found = level_labels(xy, levels, [{0: "first"}])
    by_level = [[label for label in found if label["level"] == index] for index in range(len(levels))]
    assert [len(labels) for labels in by_level] == counts  # one label per cluster of each level
    assert "first" in [label["text"] for label in by_level[0]] and all(label["code"] == -1 for label in found)


def test_names_by_zoom_levels_are_each_clearly_finer_and_never_smaller_than_a_readable_group():
    from clustering.io.samples import load_sample
    from clustering.run.levels import ZOOM_MIN_ROWS, zoom_levels

    data = load_sample("digits")
    levels = zoom_levels(data, 10)
    counts = [result.n_clusters for result in levels]
    assert len(counts) >= 2 and counts[0] >= 15  # the first finer level names clearly more than the map's 10
    assert all(b >= 1.5 * a for a, b in zip(counts, counts[1:]))
    assert counts[-1] <= data.n // ZOOM_MIN_ROWS
    assert all(result.method == "leiden" and "resolution" in result.params for result in levels)
    assert zoom_levels(data, data.n // ZOOM_MIN_ROWS) == []  # the map already names groups as small as readable
