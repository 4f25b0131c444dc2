"""Every page through streamlit.testing.v1.AppTest, including error paths."""

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from clustering.app.history import RunEntry
from clustering.io.samples import load_sample
from clustering.store import DatasetRef
from clustering.visual import regions

TIMEOUT = 240
ROOT = Path(__file__).resolve().parent.parent


PAGE_SCRIPT = "from clustering.app.views import {page}\n{page}.render()\n"


def app(page: str = "home") -> AppTest:
    """The whole app (its st.navigation entry point opens Home), or one page's function run on its own."""
    if page == "home":
        return AppTest.from_file(str(ROOT / "app" / "Home.py"), default_timeout=TIMEOUT)
    return AppTest.from_string(PAGE_SCRIPT.format(page=page), default_timeout=TIMEOUT)


def go(at: AppTest, url_path: str) -> AppTest:
    """Move a whole-app AppTest to another page (AppTest.switch_page only knows file pages, ours are functions)."""
    found = [page_hash for page_hash, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert found, f"no page at /{url_path}"
    at._page_hash = found[0]
    return at


def on_digits(at: AppTest) -> AppTest:
    at.session_state["dataset_ref"] = DatasetRef(source="sample:digits")
    return at


def test_home_lists_samples_and_switches():
    at = app().run()
    assert not at.exception
    assert "mnist-test" in at.success[0].value
    at.button(key="open-digits").click().run()
    assert "digits" in at.success[0].value and "1,797 rows" in at.success[0].value


def test_data_page_sample_and_preprocessing():
    at = on_digits(app("data")).run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["1,797", "64"]
    at.radio[1].set_value("pca").run()
    assert at.session_state["preprocess"] == "pca:50"


@pytest.mark.parametrize(
    "filename, payload, message",
    [
        ("bad.npy", lambda: _npy(np.arange(10.0)), "1-D array"),
        ("bad.csv", lambda: b"a,b\n1,2\n3,oops\n5,6\n", "mixes numbers and text"),
        ("bad.npz", lambda: b"not a zip", "bad.npz"),
    ],
)
def test_data_page_bad_upload_shows_message_not_traceback(filename, payload, message):
    data = payload()
    at = app("data")
    at.session_state["upload_bytes"] = data
    at.session_state["dataset_ref"] = DatasetRef(source=f"upload:{filename}", name=filename)
    at.run()
    assert not at.exception
    assert any(message in e.value and filename in e.value for e in at.error)


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_cluster_page_run_history_rename_delete():
    at = on_digits(app("cluster")).run()
    assert not at.exception
    at.selectbox(key="method").set_value("kmeans").run()
    at.number_input(key="param-kmeans-n_clusters").set_value(10).run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    runs = at.session_state["runs"]
    assert len(runs) == 1 and runs[0].result.n_clusters == 10
    assert runs[0].result.metrics["ari"] > 0.45
    at.text_input(key=f"rename-{runs[0].id}").set_value("my kmeans").run()
    assert at.session_state["runs"][0].name == "my kmeans"
    at.button(key=f"delete-{runs[0].id}").click().run()
    assert at.session_state["runs"] == []


def test_cluster_page_says_how_the_knn_graph_was_found():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.button(key="run").click().run()
    at.selectbox(key="method").set_value("leiden").run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert list(table["method"]) == ["kmeans", "leiden"] and list(table["kNN graph"]) == ["", "exact"]


def test_cluster_page_refuses_hopeless_parameters():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.number_input(key="param-kmeans-n_clusters").set_value(5000).run()
    assert any("Not started" in e.value and "more than the 1797 rows" in e.value for e in at.error)
    assert at.button(key="run").disabled


def test_cluster_page_bad_parameter_text():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("hdbscan").run()
    at.text_input(key="param-hdbscan-min_samples").set_value("lots").run()
    assert any("min_samples" in e.value and "not a valid int" in e.value for e in at.error)


def test_cluster_page_sweep_chart():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.selectbox(key="sweep-param").set_value("n_clusters").run()
    at.number_input(key="sweep-from").set_value(5.0).run()
    at.number_input(key="sweep-to").set_value(12.0).run()
    at.number_input(key="sweep-count").set_value(3).run()
    at.button(key="run-sweep").click().run()
    assert not at.exception and not at.error
    report = at.session_state["sweep_report"]
    assert [r["n_clusters"] for r in report["rows"]] == [5, 8, 12]
    assert len(at.get("vega_lite_chart")) == 2


def test_cluster_page_deep_run_has_replay():
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("dec").run()
    at.text_input(key="param-dec-hidden").set_value("32,32,64").run()
    at.number_input(key="param-dec-pretrain_epochs").set_value(3).run()
    at.number_input(key="param-dec-max_iter").set_value(200).run()
    at.number_input(key="param-dec-update_interval").set_value(40).run()
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    replay = next(chart for chart in charts if "frames" in chart)  # an animation, axes fixed
    assert len(replay["frames"]) >= 2 and replay["layout"]["yaxis"]["autorange"] is False


def test_explore_page_colour_selection_and_drill_down():
    data = load_sample("digits")
    at = on_digits(app()).run()
    go(at, "Cluster").run()
    at.button(key="run").click().run()  # Leiden, the default method
    go(at, "Explore")
    at.session_state["projection"] = "pca"
    at.run()
    assert at.selectbox(key="projection").value == "pca"
    assert not at.exception and not at.error
    assert at.selectbox(key="colour-by").value.startswith("run:")
    at.selectbox(key="colour-by").set_value("column:label").run()
    assert not at.exception
    rows = np.arange(0, 300)
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": rows}
    at.run()
    assert any("Selection: 300 rows" in h.value for h in at.subheader)
    at.selectbox(key="drill-method").set_value("kmeans").run()
    at.number_input(key="drill-kmeans-n_clusters").set_value(4).run()  # the drill-down has its own parameters
    next(b for b in at.button if b.label == "Re-cluster selection").click().run()
    assert not at.exception and not at.error
    drill = at.session_state["runs"][-1]
    assert drill.name.endswith("on 300 selected rows") and drill.result.params["n_clusters"] == 4
    labels = drill.result.labels
    assert (labels[300:] == -1).all() and (labels[:300] >= 0).all() and len(np.unique(labels[:300])) == 4
    assert drill.rows is not None and len(drill.rows) == 300
    assert any("zoomed in" in c.value for c in at.caption)  # drawn on its own rows
    at.number_input(key="drill-kmeans-n_clusters").set_value(5).run()
    next(b for b in at.button if b.label == "Re-cluster selection").click().run()
    go(at, "Compare")
    at.session_state["compare-runs"] = [r.id for r in at.session_state["runs"][-2:]]
    at.run()
    assert not at.exception and not at.error
    assert any("Compared on 300 rows" in c.value for c in at.caption)


def test_explore_neighbours_of_a_point_and_what_differs_in_a_selection():
    data = load_sample("digits")
    at = on_digits(app()).run()
    go(at, "Cluster").run()
    at.button(key="run").click().run()
    go(at, "Explore")
    at.session_state["projection"] = "pca"
    zeros = np.flatnonzero(data.metadata["label"].to_numpy() == 0)
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": zeros}
    at.session_state["focus"] = {"fingerprint": data.fingerprint, "row": int(zeros[0])}
    at.run()
    assert not at.exception and not at.error
    assert any(f"Row {zeros[0]} and its 10 nearest neighbours" in h.value for h in at.subheader)
    table = next(d.value for d in at.dataframe if "distance" in d.value.columns)
    assert table["row"].iloc[0] == zeros[0] and table["distance"].is_monotonic_increasing
    assert (table["label"].iloc[1:] == 0).mean() >= 0.9  # a zero's neighbours are zeros
    said = next(c.value for c in at.caption if c.value.startswith("Nearest in"))
    assert "none space" not in said and "the data's own features (no preprocessing)" in said
    assert any("differ (false discovery rate" in c.value for c in at.caption)
    differences = next(d.value for d in at.dataframe if "q_value" in d.value.columns)
    assert differences.iloc[0]["effect"] != 0 and "label = 0" in set(differences["what"].head(5))
    next(b for b in at.button if b.label == "Keep as selection B").click().run()
    ones = np.flatnonzero(data.metadata["label"].to_numpy() == 1)
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": ones}
    at.run()
    at.radio(key="differences-against").set_value("selection B").run()
    assert not at.exception
    differences = next(d.value for d in at.dataframe if "q_value" in d.value.columns)
    row = differences.set_index("what").loc["label = 1"]
    assert row["inside"] == 1.0 and row["outside"] == 0.0  # ones against the kept zeros
    next(b for b in at.button if b.label == "Clear the point").click().run()
    assert not any("nearest neighbours" in h.value for h in at.subheader)


def test_explore_edits_make_new_runs_that_survive_reopening_and_a_config_re_run(tmp_path, monkeypatch):
    from clustering.app import projects
    from clustering.store.config import load_config
    from clustering.store.export import export_project
    from clustering.store.replay import run_config

    monkeypatch.setenv("CLUSTERLAB_HOME", str(tmp_path / "home"))
    data = load_sample("digits")
    at = on_digits(app()).run()
    go(at, "Cluster").run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.button(key="run").click().run()
    base = at.session_state["runs"][-1]
    go(at, "Explore")
    at.session_state["projection"] = "pca"
    at.run()
    at.multiselect(key="edit-merge").set_value([0, 1]).run()
    at.button(key="edit-merge-go").click().run()
    assert not at.exception and not at.error
    merged = at.session_state["runs"][-1]
    assert merged.result.method == "edited" and merged.result.params == {"from": base.id, "edits": [{"merge": [0, 1]}]}
    assert set(np.unique(merged.result.labels)) == set(np.unique(base.result.labels)) - {1}
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": np.arange(10)}
    at.run()
    at.button(key="edit-noise-go").click().run()
    noised = at.session_state["runs"][-1]
    assert (noised.result.labels[:10] == -1).all() and noised.result.params["from"] == merged.id
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": np.arange(300, 600)}
    at.run()
    at.selectbox(key="drill-method").set_value("kmeans").run()
    next(b for b in at.button if b.label == "Re-cluster selection").click().run()
    drill = at.session_state["runs"][-1]
    assert drill.rows is not None and len(drill.rows) == 300
    project = at.session_state["project"]
    # reopened (a reload or a restart): the edited runs are there with their provenance, the drill-down its rows
    at2 = app()
    at2.query_params["project"] = project
    at2.run()
    reopened = {entry.id: entry for entry in at2.session_state["runs"]}
    assert (reopened[noised.id].result.labels == noised.result.labels).all()
    assert (reopened[drill.id].rows == np.arange(300, 600)).all()  # zoom and Compare keep to its rows
    config = tmp_path / "edited.yaml"
    exported = export_project(projects.store(), project)
    config.write_text(exported.text)
    for name, payload in exported.files.items():  # the drill-down's rows
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(payload)
    replayed = {result.name: result for _, result in run_config(load_config(config), projects.store(), "replayed")}
    assert (replayed[noised.name].labels == noised.result.labels).all()  # identical labels from the config
    assert (replayed[drill.name].labels == drill.result.labels).all() and len(exported.files) == 1


def digits_runs() -> list:
    """Three finished runs on digits, as the Cluster page stores them."""
    from clustering.run.pipeline import run

    data = load_sample("digits")
    entries = []
    for i, (method, params) in enumerate(
        [("kmeans", {"n_clusters": 10}), ("kmeans", {"n_clusters": 5}), ("leiden", {})]
    ):
        result = run(data, method, params, seed=0)
        entries.append(RunEntry(f"run{i}", f"{method} #{i + 1}", result, data.fingerprint, created=float(i)))
    return entries


def test_compare_page_three_runs_truth_stability_perception():
    at = on_digits(app("compare"))
    at.session_state["runs"] = digits_runs()
    at.session_state["compare-layout"] = "pca"
    at.run()
    assert not at.exception and not at.error
    assert at.multiselect(key="compare-runs").value == ["run0", "run1", "run2"]
    assert any(h.value == "Agreement" for h in at.subheader)
    # ARI 1 and VI 0 (identical) are the same darkest blue; ARI on its own 0..1 scale, not the matrix's range
    figures = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec["layout"].get("title", {}).get("text")
        if title in ("ARI", "VI"):
            figures[title] = spec["data"][0]
    assert figures["ARI"]["zmin"] == 0 and figures["ARI"]["zmax"] == 1 and not figures["ARI"].get("reversescale")
    assert figures["VI"]["zmin"] == 0 and figures["VI"]["reversescale"]
    assert figures["ARI"]["colorscale"][-1][1] == "#08306b"  # light to dark: larger is darker
    at.selectbox(key="compare-truth").set_value("label").run()
    assert not at.exception
    summary = at.dataframe[-1].value
    assert list(summary["clustering"]) == ["1. kmeans #1", "2. kmeans #2", "3. leiden #3", "4. truth: label"]
    expected = [r.result.n_clusters for r in at.session_state["runs"]] + [10]
    assert summary[["visible", "split", "merged", "hidden"]].to_numpy().sum(axis=1).tolist() == expected
    verdicts = at.dataframe[-2].value
    assert set(verdicts["verdict"]) <= {"visible", "split", "merged", "hidden"} and len(verdicts) == 10
    # the pair view: k=10 vs k=5 must report merges
    at.selectbox(key="pair-b").set_value("kmeans #2").run()
    assert any("merges" in m.value for m in at.markdown)
    at.number_input(key="stability-repeats").set_value(2).run()
    at.button(key="measure-stability").click().run()
    assert not at.exception and not at.error
    assert at.session_state["stability"]["seed_stability"] > 0.5
    assert [m.label for m in at.metric][:2] == ["Seed stability (mean ARI)", "Subsample stability (mean ARI)"]
    at.toggle(key="faithfulness").set_value(True).run()
    assert not at.exception
    values = {m.label: float(m.value) for m in at.metric if m.label in ("Trustworthiness", "Continuity")}
    assert 0.5 < values["Trustworthiness"] <= 1 and 0.5 < values["Continuity"] <= 1


def test_compare_page_needs_two_clusterings():
    at = on_digits(app("compare"))
    at.session_state["runs"] = digits_runs()[:1]
    at.run()
    assert not at.exception
    assert "at least two runs" in at.info[0].value


def test_explain_page_tree_and_rule_highlight():
    at = on_digits(app("explain"))
    at.session_state["runs"] = digits_runs()
    at.session_state["active_run"] = "run0"
    at.session_state["explain-layout"] = "pca"
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="explain-space").value == "pixels"
    at.button(key="explain-go").click().run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    assert float(labels["Description accuracy"].rstrip("%")) > 50
    rules = at.dataframe[0].value
    assert len(rules) == 10 and rules["rule"].str.contains("pixel").all()
    profiles = next(frame.value for frame in at.dataframe if "top categories" in frame.value.columns)
    assert len(profiles) == 10 and profiles["top categories"].str.startswith("label: ").all()
    at.selectbox(key="rule-cluster").set_value(3).run()
    assert any(m.value.startswith("**Cluster 3**:") for m in at.markdown)
    assert not at.exception


@pytest.mark.slow  # 30 s; polyhedra themselves are tested in test_explain, the page's other modes here
def test_explain_page_polyhedra_in_the_projection_space():
    at = on_digits(app("explain"))
    at.session_state["runs"] = digits_runs()
    at.session_state["active_run"] = "run2"
    at.session_state["explain-layout"] = "pca"
    at.session_state["explain-space"] = "projection"
    at.session_state["explain-method"] = "polyhedra"
    at.session_state["explain-time"] = 8
    at.run()
    at.button(key="explain-go").click().run()
    assert not at.exception and not at.error
    store = at.session_state["explanations"]
    explanation = next(iter(store.values()))["explanation"]
    assert explanation.method == "polyhedra" and explanation.space == "projection"
    assert explanation.polygons and explanation.accuracy > 0.3
    assert [m.label for m in at.metric][:2] == ["Description accuracy", "Half-spaces"]


def test_explain_page_without_runs():
    at = on_digits(app("explain")).run()
    assert not at.exception
    assert "Run a clustering" in at.info[0].value


def test_explore_legend_shows_keywords_for_text():
    at = app("explore")
    at.session_state["dataset_ref"] = DatasetRef(source="sample:python-docs")
    at.session_state["projection"] = "pca"
    from clustering.run.pipeline import run

    data = load_sample("python-docs")
    result = run(data, "kmeans", {"n_clusters": 5}, seed=0)
    at.session_state["runs"] = [RunEntry("text0", "kmeans #1", result, data.fingerprint)]
    at.run()
    assert not at.exception and not at.error
    from clustering.app.state import cluster_keywords

    terms = cluster_keywords(data, "text0", result.labels)
    assert sorted(terms) == [0, 1, 2, 3, 4] and all(len(t.split(", ")) == 3 for t in terms.values())


def saved_project(name: str) -> str:
    """A project on digits with one saved k-means run, made through the library as the CLI would."""
    from clustering.run.pipeline import run
    from clustering.store import Store, reference

    data = load_sample("digits")
    store = Store()
    store.create(name, reference(data, "sample:digits"))
    return store.add_run(name, run(data, "kmeans", {"n_clusters": 10}), "saved kmeans")


def test_project_link_opens_its_runs_and_names_a_cluster():
    from clustering.store import Store

    run_id = saved_project("apptest link")
    at = app("cluster")
    at.query_params["project"] = "apptest link"
    at.run()
    assert not at.exception
    assert at.selectbox(key="active-select").value == run_id
    assert at.text_input(key=f"rename-{run_id}").value == "saved kmeans"
    at.text_input(key=f"name-text-{run_id}-0").set_value("top cluster").run()
    at.button(key=f"name-save-{run_id}").click().run()
    assert not at.exception
    assert Store().cluster_names("apptest link", run_id) == {0: ("top cluster", "")}
    assert at.query_params["run"] == [run_id] or at.query_params["run"] == run_id


def test_home_lists_projects_and_offers_the_config():
    saved_project("apptest home")
    at = app().run()
    assert not at.exception
    tables = [frame.value for frame in at.dataframe if "project" in frame.value.columns]
    assert tables and "apptest home" in set(tables[0]["project"])
    at.selectbox(key="project-pick").set_value("apptest home").run()
    at.button(key="project-open").click().run()
    assert not at.exception and at.session_state["project"] == "apptest home"
    assert any("Open project" in info.value for info in at.info)
    assert any(button.label == "Make the project's report (HTML)" for button in at.button)


def test_project_report_holds_its_runs_and_names():
    from clustering.reports import project_report
    from clustering.store import Store

    run_id = saved_project("apptest report")
    Store().name_cluster("apptest report", run_id, 2, "curly <twos>")
    shares: list[float] = []
    html = project_report(Store(), "apptest report", progress=lambda stage, share: shares.append(share))
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert "Run: saved kmeans" in html and "curly &lt;twos&gt;" in html and "Against the truth" in html
    assert Store().layout("apptest report", "umap", "none", 0, 1797) is not None


def test_a_report_job_can_be_cancelled():
    import threading

    from clustering.progress import Cancelled
    from clustering.reports import project_report
    from clustering.store import Store

    saved_project("apptest cancelled report")
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        project_report(Store(), "apptest cancelled report", cancel=cancel)


def test_project_whose_file_changed_says_so(tmp_path):
    import pandas as pd

    from clustering.io import load
    from clustering.run.pipeline import run
    from clustering.store import Store, reference

    path = tmp_path / "points.csv"
    x = np.random.default_rng(0).normal(size=(40, 3))
    pd.DataFrame(x, columns=["a", "b", "c"]).to_csv(path, index=False)
    data = load(path)
    store = Store()
    store.create("apptest changed", reference(data, str(path)))
    store.add_run("apptest changed", run(data, "kmeans", {"n_clusters": 2}), "k")
    pd.DataFrame(x + 1, columns=["a", "b", "c"]).to_csv(path, index=False)  # the file changes afterwards
    at = app("cluster")
    at.query_params["project"] = "apptest changed"
    at.run()
    assert not at.exception
    assert any("was made on other data" in warning.value for warning in at.warning)


def test_an_uploaded_file_loads_as_a_dataset_named_after_it():
    from clustering.app.state import cached_upload

    buffer = io.BytesIO()
    np.save(buffer, np.arange(40, dtype=np.float32).reshape(10, 4))
    data = cached_upload("digest-a", "vectors.npy", buffer.getvalue(), None, None, False)
    assert data.source == "vectors.npy" and data.name == "vectors" and data.vectors.shape == (10, 4)


def test_compare_names_truth_categories_and_named_clusters():
    import pandas as pd

    from clustering.app.views.compare.comparison import Comparison, truth_names

    names = truth_names(pd.Series(["shoes", "books", "shoes", None, "toys"]))
    assert names == {0: "books", 1: "shoes", 2: "toys"}
    comparison = Comparison(
        None,
        "none",
        [],
        {},
        [],
        [],
        {"truth: kind": names, "km": {1: "cheap"}},
        "kind",
        "pca",
        np.zeros((1, 2)),
        None,
        None,
        np.zeros((1, 2)),
    )  # type: ignore[arg-type]
    assert comparison.label("truth: kind", 1) == "shoes" and comparison.label("truth: kind", -1) == "unlabelled"
    assert comparison.label("km", 1) == "1 · cheap" and comparison.label("km", 0) == "0"


def test_cluster_page_fits_on_a_sample_above_the_methods_limit(monkeypatch):
    from clustering.backends.kmeans import KMeans

    monkeypatch.setattr(KMeans, "full_fit_rows", 1_000)  # digits (1,797 rows) stands for data over the limit
    monkeypatch.setattr(KMeans, "sample_rows", 600)
    at = on_digits(app("cluster")).run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.number_input(key="param-kmeans-n_clusters").set_value(10).run()
    assert any("fitted on 600 rows that cover the data" in c.value for c in at.caption)
    at.button(key="run").click().run()
    assert not at.exception and not at.error
    result = at.session_state["runs"][0].result
    assert result.info["sample"]["sample_rows"] == 600 and len(result.labels) == 1797
    assert result.metrics["ari"] > 0.45  # every row labelled, about as well as a full fit
    at.checkbox(key="fit-every-row").check().run()
    at.button(key="run").click().run()
    assert list(at.dataframe[0].value["fitted on"]) == ["600 sampled rows", "every row"]


def test_explore_draws_a_sample_over_the_browser_budget(monkeypatch):
    from clustering.app import layouts

    monkeypatch.setattr(layouts, "BROWSER_POINTS", 500)
    at = on_digits(app("explore"))
    at.session_state["projection"] = "pca"
    at.run()
    assert not at.exception and not at.error
    assert any("Showing 500 of 1,797 points (28%)" in i.value for i in at.info)
    xy = np.array([[0, 0], [1, 1], [2, 2], [5, 5]], dtype=np.float32)
    box = [[-0.5, -0.5], [2.5, -0.5], [2.5, 2.5], [-0.5, 2.5]]  # as the browser sends a box: four corners
    assert regions.rows_in_polygon(xy, box).tolist() == [0, 1, 2]
    assert regions.rows_in_polygon(xy, [[0, 0]]).tolist() == []


def test_out_of_core_output_folder_is_named_after_the_input_when_the_run_starts(monkeypatch, tmp_path):
    """The output field starts empty (a widget's default is frozen at its first drawing, before a path is typed);
    the run's folder is named from the input and the method at the click."""
    monkeypatch.setenv("CLUSTERLAB_HOME", str(tmp_path))
    from clustering.app.views.out_of_core import default_output

    at = on_digits(app("data")).run()
    at.radio(key="data-source").set_value("Out of core (Dask)").run()
    assert not at.exception
    assert at.text_input(key="ooc-out").value == ""
    at.text_input(key="ooc-path").input("/data/emb-parquet/").run()
    assert at.text_input(key="ooc-out").value == ""
    folder = default_output("/data/emb-parquet/", "leiden")
    assert folder.parent.name == "out-of-core" and folder.name.startswith("emb-parquet-leiden-")
    assert default_output("/data/vectors.zarr", "hdbscan").name.startswith("vectors-hdbscan-")


def test_naming_panel_stays_open_and_offers_names_from_categories():
    from clustering.evaluate.profiles import suggested_names

    data = load_sample("digits")
    labels = data.labels()
    offers = suggested_names(data.metadata, labels)
    assert offers[3][0] == "3"  # the digit held by the whole cluster (the only category column: its value alone)
    run_id = saved_project("apptest naming")
    at = app("cluster")
    at.query_params["project"] = "apptest naming"
    at.run()
    at.text_input(key=f"name-text-{run_id}-0").set_value("first").run()
    at.button(key=f"name-save-{run_id}").click().run()
    assert not at.exception and not at.warning
    panel = next(e for e in at.expander if e.label.startswith("Name clusters"))
    assert panel.proto.expanded  # still open for the next cluster
    assert at.session_state[f"naming-open-{run_id}"] is True
    assert panel.label == "Name clusters (1 of 10 named)"


def test_a_reopened_upload_is_named_as_uploaded_not_as_its_kept_copy(tmp_path):
    from clustering.store import Store
    from clustering.store.config import load_config
    from clustering.store.data_refs import load_data, reference
    from clustering.store.export import export_config

    store = Store()
    uploads = store.folder / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    kept = uploads / ("ab" * 16 + ".csv")
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 4)), columns=list("abcd"))
    frame.to_csv(kept, index=False)
    data = load_data(DatasetRef(source=str(kept)))
    ref = replace(reference(data, str(kept)), name="products.csv")
    store.create("apptest upload", ref)
    at = app("data")
    at.query_params["project"] = "apptest upload"
    at.run()
    assert not at.exception
    assert at.radio(key="data-source").value == "Upload a file"
    assert any(h.value == "products" for h in at.subheader)
    assert any("products.csv (uploaded; the project keeps a copy)" in c.value for c in at.caption)
    assert not any(str(kept) in c.value for c in at.caption)
    config = tmp_path / "c.yaml"
    from clustering.run.pipeline import run

    store.add_run("apptest upload", run(data, "kmeans", {"n_clusters": 2}))
    config.write_text(export_config(store, "apptest upload"))
    assert "name: products.csv" in config.read_text()
    assert load_data(load_config(config).data).source == "products.csv (uploaded; the project keeps a copy)"


def test_the_ground_truth_choice_survives_visiting_other_pages():
    at = on_digits(app()).run()
    go(at, "Compare").run()
    at.selectbox(key="compare-truth").set_value("(none)").run()
    go(at, "Cluster").run()
    assert at.selectbox(key="truth-column").value == "(none)"  # chosen on Compare, kept on Cluster
    at.selectbox(key="truth-column").set_value("label").run()
    at.button(key="run").click().run()
    go(at, "Explore").run()
    assert any("Colours matched to the truth (label)" in c.value for c in at.caption)  # as Compare and reports
    go(at, "Compare").run()
    assert at.selectbox(key="compare-truth").value == "label"
    go(at, "Data").run()
    go(at, "Cluster").run()
    assert at.selectbox(key="truth-column").value == "label"


def test_compare_on_the_selection_made_on_explore():
    data = load_sample("digits")
    at = on_digits(app("compare"))
    at.session_state["runs"] = digits_runs()
    at.session_state["compare-layout"] = "pca"
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": np.arange(500)}
    at.run()
    at.toggle(key="compare-sel").set_value(True).run()
    assert not at.exception and not at.error
    assert any("Compared on 500 rows" in c.value for c in at.caption)


def test_the_data_page_chooses_or_turns_off_an_upload_s_text_column(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from test_text_column import products

    from clustering.app.dataref import upload_ref
    from clustering.app.state import upload_digest

    products(tmp_path / "p.csv")
    payload = (tmp_path / "p.csv").read_bytes()
    at = app("data")
    at.session_state["data-source"] = "Upload a file"
    at.session_state["upload_bytes"] = payload
    at.session_state["dataset_ref"] = upload_ref(upload_digest(payload), "p.csv", None, None, False)
    at.run()
    assert not at.exception
    box = next(s for s in at.selectbox if s.label == "Text column")
    assert box.value == "title"  # found from the data
    box.set_value("").run()
    assert at.session_state["dataset_ref"].text_column == ""  # turned off, and kept in the reference
    assert next(s for s in at.selectbox if s.label == "Text column").value == ""
    next(s for s in at.selectbox if s.label == "Text column").set_value("category").run()
    assert at.session_state["dataset_ref"].text_column == "category"
    # with a project open on this data, the project keeps the choice (a reopened link reads it)
    from clustering.io import load
    from clustering.store import Store, reference

    data = load(tmp_path / "p.csv")
    Store().create("apptest text", reference(data, str(tmp_path / "p.csv")))
    at.session_state["project"] = "apptest text"
    at.session_state["project_fingerprint"] = data.fingerprint
    at.run()
    next(s for s in at.selectbox if s.label == "Text column").set_value("").run()
    assert Store().project("apptest text")["dataset"].text_column == ""


def test_malformed_map_replies_change_nothing():
    from clustering.app.views import map_tools
    from clustering.visual.filters import filter_charts

    data = load_sample("digits")
    view, xy = np.arange(data.n), np.zeros((data.n, 2))
    charts = filter_charts(data.metadata, ["label"])
    import streamlit as st

    for reply in (
        {"nonce": 1, "kind": "filter", "filters": {"label": ["x"]}},
        {"nonce": 2, "kind": "click", "row": "far"},
        {"nonce": 3, "kind": "select", "rows": [[1, 2]]},
        {"nonce": 4, "kind": "filter", "filters": ["label"]},
        "not a mapping",
    ):
        st.session_state.clear()
        map_tools.take_reply(data, reply, view, xy, charts)
        assert "selection" not in st.session_state and "focus" not in st.session_state
    st.session_state.clear()
    map_tools.take_reply(data, {"nonce": 5, "kind": "select", "rows": [3, 99999, -2, 5]}, view, xy, charts)
    assert st.session_state["selection"]["rows"].tolist() == [3, 5]  # rows outside the view are left out
    map_tools.take_reply(data, {"nonce": 6, "kind": "filter", "filters": {"label": [0, 300]}}, view, xy, charts)
    assert len(st.session_state["selection"]["rows"]) == int((data.metadata["label"] == 0).sum())


def test_compare_makes_the_consensus_of_the_chosen_runs():
    at = on_digits(app("compare"))
    at.session_state["runs"] = digits_runs()
    at.session_state["compare-layout"] = "pca"
    at.run()
    at.button(key="consensus-go").click().run()
    assert not at.exception and not at.error
    made = at.session_state["runs"][-1]
    assert made.result.method == "consensus" and made.result.params["members"] == ["run0", "run1", "run2"]
    assert made.id in at.multiselect(key="compare-runs").value  # compared with its members at once


def test_names_by_zoom_are_on_unasked_and_their_levels_can_be_kept_as_runs():
    at = on_digits(app("explore"))
    at.session_state["projection"] = "pca"
    at.run()
    assert at.toggle(key="zoom-labels").value  # 1,797 rows: under CLUSTERLAB_ZOOM_NAMES_ROWS, on by itself
    assert not at.exception and not at.error
    caption = next(c.value for c in at.caption if c.value.startswith("Names by zoom: "))
    counts = [int(n) for n in caption.removeprefix("Names by zoom: ").split(" clusters")[0].split(" → ")]
    assert len(counts) >= 2 and all(b >= 1.5 * a for a, b in zip(counts, counts[1:]))  # each level clearly finer
    at.button(key="levels-keep").click().run()
    assert not at.exception
    kept = at.session_state["runs"]
    assert len(kept) == len(counts) and all(entry.result.method == "leiden" for entry in kept)
    assert [entry.result.n_clusters for entry in kept] == counts  # coarse to fine, each a run
    assert kept[0].name.startswith("names level 1 of")


def test_names_by_zoom_wait_to_be_asked_above_their_row_limit(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_ZOOM_NAMES_ROWS", "1000")
    at = on_digits(app("explore"))
    at.session_state["projection"] = "pca"
    at.run()
    assert not at.exception and not at.toggle(key="zoom-labels").value
    assert not any(c.value.startswith("Names by zoom: ") for c in at.caption)


def test_an_imported_run_is_scored_against_the_truth_chosen():
    """Found in the analyst's walkthrough: an imported run showed no ARI in the run table with a truth chosen."""
    from clustering.result import ClusterResult
    from clustering.run.imported import IMPORTED

    data = load_sample("digits")
    truth = data.labels("label")
    imported = ClusterResult(truth.copy(), IMPORTED, {"file": "mine.csv"}, None, "none", data.fingerprint)
    at = on_digits(app("cluster"))
    at.session_state["runs"] = [RunEntry("imported1", "mine", imported, data.fingerprint, created=0.0)]
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "ARI" in d.value.columns)
    assert table.set_index("name").loc["mine", "ARI"] == 1.0


def test_edits_choose_clusters_by_name_and_ask_before_touching_every_cluster():
    from clustering.app import projects

    data = load_sample("digits")
    at = on_digits(app()).run()
    go(at, "Cluster").run()
    at.selectbox(key="method").set_value("kmeans").run()
    at.button(key="run").click().run()
    base = at.session_state["runs"][-1]
    projects.store().name_cluster(at.session_state["project"], base.id, 0, "round ones")
    go(at, "Explore")
    at.session_state["projection"] = "pca"
    at.run()
    merge = at.multiselect(key="edit-merge")
    assert "0 · round ones" in merge.options  # the name the map shows, not a bare number
    clusters = sorted(int(c) for c in np.unique(base.result.labels))
    merge.set_value(clusters).run()
    assert at.button(key="edit-merge-go").disabled  # every cluster: asked first
    assert any("touches every cluster" in w.value for w in at.warning)
    at.checkbox(key="edit-merge-all").check().run()
    assert not at.button(key="edit-merge-go").disabled
    at.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": np.arange(data.n)}  # "select all"
    at.run()
    assert at.button(key="edit-noise-go").disabled
    move_to = at.selectbox(key="edit-move-to")
    assert "0 · round ones" in move_to.options and any(o.startswith("a new cluster") for o in move_to.options)


def test_a_job_lost_to_a_server_restart_is_said_once():
    """The URL names a running job; a session that reconnects without it (a new server) says it was stopped."""
    at = on_digits(app())
    at.query_params["job"] = "K-means"
    at.run()
    assert not at.exception
    said = [w.value for w in at.warning if "was stopped before it finished" in w.value]
    assert said and said[0].startswith("K-means was stopped") and "server restarted" in said[0]
    assert "job" not in at.query_params
    go(at, "Cluster").run()
    assert not any("was stopped before it finished" in w.value for w in at.warning)  # once


def test_a_project_deleted_in_another_session_loses_no_run():
    """Another session deletes the open project: the next run is saved to a new project, said once."""
    from clustering.app import projects
    from clustering.run.pipeline import run
    from clustering.store import reference

    data = load_sample("digits")
    store = projects.store()  # the app's store (another test may have pointed it at its own folder)
    store.create("apptest deleted elsewhere", reference(data, "sample:digits"))
    store.add_run("apptest deleted elsewhere", run(data, "kmeans", {"n_clusters": 10}), "saved kmeans")
    at = app("cluster")
    at.query_params["project"] = "apptest deleted elsewhere"
    at.run()
    assert at.session_state["project"] == "apptest deleted elsewhere"
    store.delete("apptest deleted elsewhere")  # another person, in another session
    at.button(key="run").click().run()
    assert not at.exception
    moved_to = at.session_state["project"]
    assert moved_to != "apptest deleted elsewhere" and store.project(moved_to)["runs"]
    said = [w.value for w in at.warning if "renamed or deleted in another session" in w.value]
    assert len(said) == 1 and moved_to in said[0]
