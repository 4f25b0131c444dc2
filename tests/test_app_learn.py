"""The Learn page through AppTest: both lessons step by step, each sentence on screen the one computed from the step's
numbers, the lesson's own project, projector mode."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from test_app import app

from clustering.app import projector
from clustering.app import scatter as scatter_module
from clustering.app.replay import replay_figure
from clustering.backends.deep.torch_core import Replay
from clustering.io.samples import load_sample
from clustering.lessons import digits, dimensions


def shown(at) -> str:
    """Every info box's text, markdown escapes removed."""
    return "\n".join(info.value.replace("\\", "") for info in at.info)


@pytest.mark.slow  # 46 s; the lesson facts are tested step by step in test_lessons.py
def test_digits_lesson_every_sentence_comes_from_its_step(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_HOME", str(tmp_path))
    at = app("learn").run()
    assert not at.exception
    at.button(key="lesson-digits-start").click().run()
    assert not at.exception and not at.error
    assert any("Step 1 of 7: The data" in m.value for m in at.markdown)
    story = at.session_state["lesson-digits"]
    assert any(story["project"] in c.value.replace("\\", "") for c in at.caption)  # says which project it uses
    truth = load_sample("digits").labels()
    for step in range(2, 8):
        at.button(key="lesson-digits-next").click().run()
        assert not at.exception and not at.error, step
        assert any(f"Step {step} of 7" in m.value for m in at.markdown), step
        story = at.session_state["lesson-digits"]
        key = digits.STEPS[step - 1].key
        if key == "picture":
            expected = digits.layout_facts(story["done"]["picture"], truth)
        elif key in ("leiden", "hdbscan", "n2d"):
            expected = digits.method_facts(story["done"][key], truth)
        elif key == "compare":
            expected = [digits.best_run_fact(story["done"]["compare"]["table"])]
        else:
            expected = digits.rules_facts(story["done"]["explain"], story["done"]["leiden"].labels, truth)
        for fact in expected:
            assert fact.text in shown(at), (key, fact.text)
    methods = [r.result.method for r in at.session_state["runs"]]
    assert methods == ["leiden", "hdbscan", "n2d"]
    done = story["done"]  # the fixed texts that say what each method does, against the runs' own settings
    assert done["leiden"].params["n_neighbors"] == 15  # "links every digit image to its 15 nearest neighbours"
    assert done["hdbscan"].info["reduction_used"] == "umap" and done["hdbscan"].params["reduce_dims"] == 10
    assert (
        done["n2d"].params["embedding_dim"] == 10 and done["n2d"].params["n_clusters"] == 10
    )  # 10 numbers, 10 Gaussians
    assert at.session_state["project"] == story["project"]  # saved where the page said
    rules = [m.value for m in at.markdown if m.value.startswith("**Cluster ")]
    assert len(rules) == story["done"]["leiden"].n_clusters
    assert not any("pixel(" in rule for rule in rules)  # every condition read out in words, one a line
    assert all(
        line.startswith("- row ") or line == "- or" for rule in rules for line in rule.split("\n\n")[1].split("\n")
    )
    at.button(key="lesson-digits-back").click().run()
    assert any("Step 6 of 7: Compare" in m.value for m in at.markdown)
    at.button(key="lesson-digits-make").click().run()  # the offline page, made on request
    made = at.session_state["lesson-digits-html"]
    assert made["steps"] == 7 and "The loosest rule is cluster" in made["html"]
    assert any(b.label == "Download the lesson (7 steps)" for b in at.get("download_button"))
    dec_replay_is_coloured_by_digit_with_a_legend(at)


def dec_replay_is_coloured_by_digit_with_a_legend(at) -> None:
    """Back at the deep step, DEC's replay: coloured by matched digit, a legend, hover, no "100% changed" start."""
    at.button(key="lesson-digits-back").click().run()
    assert any("Step 5 of 7: Deep clustering" in m.value for m in at.markdown)
    at.button(key="lesson-digits-dec").click().run()
    assert not at.exception and not at.error
    story = at.session_state["lesson-digits"]
    for fact in digits.replay_facts(story["done"]["dec"], story["done"]["n2d"]):
        assert fact.text in shown(at)
    figure = next(chart for chart in at.get("plotly_chart"))
    spec = json.loads(figure.proto.spec)
    assert spec["layout"]["showlegend"] is True and spec["layout"]["xaxis"]["autorange"] is False
    names = {trace["name"] for trace in spec["data"]}
    assert {f"≈ {d}" for d in range(10)} & names  # legend entries name digits
    assert spec["layout"]["title"]["text"].startswith("start: k-means")  # no "100% changed" opening frame
    assert all(trace["hoverinfo"] == "text" for trace in spec["data"])


def test_dimensions_lesson_shows_each_size_and_the_finding():
    at = app("learn").run()
    at.radio(key="lesson-pick").set_value("Does the dimension matter? (MNIST-Nd)").run()
    at.button(key="lesson-dims-start").click().run()
    assert any("Step 1 of 8: The question" in m.value for m in at.markdown)
    assert dimensions.PAPER_FINDING.split(" (")[0] in "\n".join(m.value for m in at.markdown)
    for _ in (2, 3):
        at.button(key="lesson-dims-next").click().run()
        assert not at.exception and not at.error
        story = at.session_state["lesson-dims"]
        results = [story["done"][d] for d in dimensions.DIMENSIONS if d in story["done"]]
        previous = results[-2] if len(results) > 1 else None
        for fact in dimensions.dimension_facts(results[-1], previous):
            assert fact.text in shown(at)
        table = at.dataframe[0].value
        assert list(table["method"]) == ["Leiden", "HDBSCAN", "k-means", "GMM"]
    # the conclusion reads the sizes computed so far (all six take a minute: see benchmarks/lessons.py)
    story["computed"].add(7)
    story["step"] = 7
    at.run()
    assert any("Step 8 of 8: What we found" in m.value for m in at.markdown)
    for fact in dimensions.finding_facts(results):
        assert fact.text in shown(at)
    assert at.get("plotly_chart")[0].proto.theme == "streamlit"
    at.toggle(key="projector").set_value(True).run()  # large type reaches the table: a static table, not the grid
    assert not at.exception and len(at.dataframe) == 0
    shown_table = at.table[0].value
    assert list(shown_table.columns) == ["Leiden", "HDBSCAN", "k-means", "GMM"]
    assert shown_table.iloc[0, 0] == str(round(results[0]["scores"]["leiden"]["ari"], 3))
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)  # drawn without Streamlit's theme, in large type
    assert at.get("plotly_chart")[0].proto.theme == "" and chart["layout"]["xaxis"]["tickfont"]["size"] == 18


def test_projector_mode_enlarges_type_and_uses_the_high_contrast_palette(monkeypatch):
    at = app("learn").run()
    assert not any("font-size: 22px" in m.value for m in at.markdown)
    at.toggle(key="projector").set_value(True).run()
    assert not at.exception
    assert any("font-size: 22px" in m.value for m in at.markdown)
    legend = [{"name": str(i), "colour": "#aaaaaa"} for i in range(12)]
    monkeypatch.setattr(projector, "on", lambda: True)
    colours = [entry["colour"] for entry in projector.legend_colours(legend)]
    assert colours[:10] == projector.HIGH_CONTRAST and colours[10:] == ["#aaaaaa", "#aaaaaa"]
    assert "#b8b8bd" not in projector.HIGH_CONTRAST and len(set(projector.HIGH_CONTRAST)) == 10
    figure = projector.styled(go.Figure(go.Scatter(x=[1, 2], y=[1, 2])))  # every chart: large type, the same colours
    assert figure.layout.xaxis.tickfont.size == 18 and figure.layout.legend.font.size == 20
    assert list(figure.layout.colorway) == projector.HIGH_CONTRAST
    replay = Replay(
        positions=[np.zeros((3, 2)), np.ones((3, 2))],
        labels=[np.array([0, 1, 2]), np.array([0, 1, 1])],
        changed=[1.0, 0.3],
        iterations=[0, 40],
        sample=np.arange(3),
    )
    spec = replay_figure(replay, np.array([0, 1, 2])).to_dict()
    assert {trace["name"]: trace["marker"]["color"] for trace in spec["data"]} == {
        f"≈ {d}": projector.HIGH_CONTRAST[d] for d in range(3)
    }  # the replay's digits in the scatters' colours
    sent = {}
    monkeypatch.setattr(scatter_module, "_component", lambda **kwargs: sent.update(kwargs))
    one_group = [{"name": "a", "colour": "#aaaaaa", "size": 2}]
    scatter_module.scatter(np.zeros((2, 2)), np.zeros(2, dtype=np.uint16), one_group)
    assert sent["text_scale"] == 1.5 and sent["palette"] == [projector.HIGH_CONTRAST[0]]  # legend and hover grow


def test_home_points_to_the_lessons():
    at = app().run()
    assert any("Learn" in info.value for info in at.info)
    assert not any(b.key == "start-demo" for b in at.button)
    assert np.all([not b.label.startswith("Start the demo") for b in at.button])
