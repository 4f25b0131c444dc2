"""The Cluster page's "how sure, how many" panels with AppTest: the suggestion (job, reason, chart, running its
level) and the active run's confidence (histogram, uncertain rows as a selection, reliability against the truth)."""

from __future__ import annotations

import json

import numpy as np
from test_app import app, on_digits

from clustering.evidence.confidence import held_out_ece


def test_cluster_page_suggests_a_level_and_runs_it():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="suggest-method").set_value("kmeans").run()
    at.number_input(key="suggest-repeats").set_value(2).run()
    at.button(key="suggest-run").click().run()
    assert not at.exception and not at.error
    found = at.session_state["suggestion"]["result"]
    assert found["method"] == "kmeans" and found["param"] == "n_clusters"
    chosen = found["levels"][found["chosen"]]
    assert any(s.value.startswith(f"Recommended: n_clusters {chosen['value']:g}.") for s in at.success)
    chart = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "found again" in c.proto.spec)
    assert [trace["name"] for trace in chart["data"]][:2] == [
        "clusters found again",
        "agreement with the other levels (NMI)",
    ]
    at.button(key="suggest-use").click().run()
    assert not at.exception and not at.error
    newest = at.session_state["runs"][-1]
    assert newest.name.endswith("(suggested)") and newest.result.params["n_clusters"] == chosen["value"]
    at.button(key="suggest-keep-all").click().run()
    levels = [r for r in at.session_state["runs"] if r.name.endswith("(level)")]
    counts = [r.result.n_clusters for r in levels]
    assert len(levels) >= 5 and counts == sorted(counts) and len(set(counts)) == len(counts)


def test_active_run_shows_its_confidence_and_selects_the_uncertain_rows():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.selectbox(key="truth-column").set_value("label").run()
    at.radio(key="confidence-kind").set_value("resampled").run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    result = at.session_state["runs"][-1].result
    assert result.info["confidence"].startswith("calibrated from 7 resampled runs")
    uncertain = int(((result.labels >= 0) & (result.confidence() < 0.5)).sum())
    assert uncertain > 0
    metric = next(m for m in at.metric if m.label == "Uncertain rows")
    assert metric.value == f"{uncertain:,}"
    assert any("expected calibration error" in c.value for c in at.caption)
    reliability = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "majority class" in c.proto.spec)
    assert reliability["data"][1]["name"] == "this run"
    run_id = at.session_state["runs"][-1].id
    at.button(key=f"uncertain-{run_id}").click().run()
    rows = at.session_state["selection"]["rows"]
    assert len(rows) == uncertain and (result.confidence()[rows] < 0.5).all()
    assert np.isin(rows, np.flatnonzero(result.labels >= 0)).all()


def test_explore_marks_the_uncertain_rows_and_selects_them():
    from test_app import go

    at = on_digits(app()).run()
    go(at, "Cluster").run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.button(key="run").click().run()
    result = at.session_state["runs"][-1].result
    uncertain = np.flatnonzero((result.labels >= 0) & (result.confidence() < 0.5))
    assert len(uncertain) > 0
    go(at, "Explore")
    at.session_state["projection"] = "pca"
    at.run()
    toggle = at.toggle(key="mark-uncertain")
    assert toggle.label.startswith(f"Mark the {len(uncertain):,} uncertain rows")
    toggle.set_value(True).run()
    assert not at.exception and not at.error
    at.button(key="uncertain-select").click().run()
    assert at.session_state["selection"]["rows"].tolist() == uncertain.tolist()
    assert any(f"Selection: {len(uncertain):,} rows" in h.value for h in at.subheader)


def test_compare_draws_the_level_tree_and_each_runs_calibration():
    from test_app import digits_runs

    at = on_digits(app("compare"))
    at.session_state["runs"] = digits_runs()  # k-means 10, k-means 5, Leiden
    at.session_state["compare-layout"] = "pca"
    at.run()
    assert any(h.value.startswith("Levels: how the clusters split") for h in at.subheader)
    assert not any(h.value == "Is the confidence calibrated?" for h in at.subheader)  # no truth chosen yet
    tree = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "ticktext" in c.proto.spec)
    assert tree["layout"]["yaxis"]["ticktext"] == ["kmeans #2", "kmeans #1", "leiden #3"]  # 5, 10, then Leiden's 11+
    at.selectbox(key="compare-truth").set_value("label").run()
    assert any(h.value == "Is the confidence calibrated?" for h in at.subheader)
    caption = next(c.value for c in at.caption if "Expected calibration error" in c.value)
    for name in ("kmeans #1", "kmeans #2", "leiden #3"):
        assert name in caption
    assert f"the median run's error was {held_out_ece():.2f}" in caption  # the limit said, from the calibration


def test_an_evoc_run_keeps_its_layers_as_runs():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("evoc").run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    entry = at.session_state["runs"][-1]
    layers = entry.result.info["layers"]
    at.button(key=f"evoc-layers-{entry.id}").click().run()
    kept = [r for r in at.session_state["runs"] if r.name.startswith("evoc layer")]
    assert sorted(r.result.n_clusters for r in kept) == sorted(layers)
