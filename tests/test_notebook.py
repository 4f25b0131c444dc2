"""The notebook front (issue 39): the README's notebook block runs in a real Jupyter kernel and shows a widget view
with a static picture; `Map` is two-way (selection, colour, labels, neighbours) and refuses bad input clearly."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

import clustering as cl
from clustering.data import DataError

ROOT = Path(__file__).resolve().parent.parent
WIDGET = "application/vnd.jupyter.widget-view+json"


def readme_block() -> str:
    """The first python block under the README's heading that names the notebook."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## [^\n]*[Nn]otebook[^\n]*\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "the README has no section whose heading names the notebook"
    block = re.search(r"```python\n(.*?)```", section.group(1), re.S)
    assert block
    return block.group(1)


def executed(cells: list[str], folder: Path) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def test_the_readmes_notebook_block_shows_a_widget_and_its_picture_in_a_real_kernel(tmp_path):
    notebook = executed([readme_block(), "print(len(m.legend), m.data_id != '', len(m.names_on_map))"], tmp_path)
    shown = [output for output in notebook.cells[0].outputs if output.output_type in ("display_data", "execute_result")]
    assert shown and WIDGET in shown[-1].data  # the live view
    assert shown[-1].data["image/png"].startswith("iVBOR")  # the picture a saved notebook shows without a kernel
    assert "Map(leiden:" in shown[-1].data["text/plain"]
    legend, drawn, names = notebook.cells[1].outputs[0].text.split()
    assert int(legend) >= 5 and drawn == "True" and int(names) >= 3


@pytest.mark.slow  # 20 s; the fast suite runs its first cells in JupyterLab (test_browser_notebook) and the README's
def test_the_example_notebook_runs_from_start_to_end(tmp_path):
    notebook = nbformat.read(ROOT / "examples" / "notebook.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert (tmp_path / "python-docs.html").exists()


@pytest.fixture(scope="module")
def digits_map():
    res = cl.cluster(cl.load_sample("digits"), "kmeans", n_clusters=10, truth="label")
    return res, cl.Map(res, xy=res.data.vectors[:, [10, 20]] + np.arange(res.data.n)[:, None] * 1e-3)


def test_a_selection_in_the_view_comes_back_as_rows_by_id(digits_map):
    res, m = digits_map
    m.reply = {"kind": "select", "rows": [5, 7, 11], "polygon": None, "nonce": 1}
    assert m.selection.index.tolist() == [5, 7, 11]
    assert m.selection["cluster"].tolist() == res.labels.loc[[5, 7, 11]].tolist()
    m.reply = {"kind": "select", "rows": [], "polygon": None, "nonce": 2}  # Clear
    assert m.selection.empty and m.selected_count == 0


def test_setting_selection_colour_and_labels_from_python_updates_the_view(digits_map):
    res, m = digits_map
    assert m.image_shape == [8, 8] and len(m.images) == res.data.n * 64  # hover shows each digit's image
    m.selection = res.ids[[3, 1, 2]]
    assert m.selection.index.tolist() == [1, 2, 3] and m.selected_count == 3
    assert np.frombuffer(m.marked, dtype=np.uint32).tolist() == [1, 2, 3] and m.marked_id
    codes = m.codes
    m.color_by = "truth"
    assert m.codes != codes and [entry["name"] for entry in m.legend] == [str(d) for d in range(10)]
    other = cl.cluster(res.data, "kmeans", n_clusters=3)
    m.labels = other
    assert m.color_by == "clusters" and len(m.legend) == 3 and (m.labels == other.labels).all()
    m.labels = res.labels.sample(frac=1.0, random_state=0)  # by id, in any order
    assert (m.labels == res.labels).all()
    assert (m.table["cluster"] == res.labels).all()


def test_a_clicked_point_marks_its_nearest_neighbours(digits_map):
    res, m = digits_map
    m.reply = {"kind": "click", "row": 0, "nonce": 3}
    near = m.neighbours
    assert len(near) == 10 and m.focus == 0
    distances = np.linalg.norm(res.data.vectors - res.data.vectors[0], axis=1)
    assert distances[near.index.to_numpy()].max() <= np.sort(distances)[11] + 1e-6


def test_a_selection_is_reclustered_and_explained_from_python(digits_map):
    res, m = digits_map
    m.selection = res.ids[res.labels.to_numpy() < 2]
    again = m.recluster("kmeans", n_clusters=2)
    assert again.labels.index.equals(m.selection.index)  # joined by the original ids
    m.selection = res.ids[res.data.labels() == 0]  # the zeros: one pixel tells most of them from the rest
    rules = m.explain()
    assert {rule.cluster for rule in rules.clusters} == {0, 1} and rules.accuracy > 0.9


def test_bad_input_gets_a_clear_error(digits_map):
    res, m = digits_map
    with pytest.raises(KeyError, match="2 ids are not rows of this map"):
        m.selection = [0, 5000, 6000]
    with pytest.raises(ValueError, match="is not one of clusters, truth"):
        m.color_by = "nothing"
    assert m.color_by in m.color_options
    with pytest.raises(KeyError, match="no cluster for"):
        m.labels = res.labels.iloc[:10]
    with pytest.raises(TypeError, match="Map draws a Clustering"):
        cl.Map(res.data)
    with pytest.raises(
        DataError, match=r"no numeric feature columns and no column of text to embed \(columns: \['when'\]\)"
    ):
        cl.cluster(pd.DataFrame({"when": pd.date_range("2020-01-01", periods=30)}), "kmeans")
    nan = np.random.default_rng(0).normal(size=(50, 4))
    nan[3, 2] = np.nan
    with pytest.raises(DataError, match="1 NaN .* first at row 3 column 2"):
        cl.cluster(nan, "kmeans")


def test_rows_chosen_in_the_view_are_returned_by_their_ids_not_their_positions():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"], index=[f"doc-{i}" for i in range(60)][::-1])
    res = cl.cluster(frame, "kmeans", n_clusters=3)
    m = cl.Map(res, xy=frame[["a", "b"]].to_numpy())
    m.reply = {"kind": "select", "rows": [0, 2], "polygon": None, "nonce": 1}
    assert m.selection.index.tolist() == ["doc-59", "doc-57"]
    assert m.selection["cluster"].tolist() == res.labels.loc[["doc-59", "doc-57"]].tolist()
    m.selection = ["doc-0"]
    assert np.frombuffer(m.marked, dtype=np.uint32).tolist() == [59]


def test_a_map_over_the_hover_text_budget_fetches_a_hovered_rows_text(monkeypatch):
    monkeypatch.setenv("CLUSTERLAB_HOVER_TEXT_ROWS", "10")
    frame = pd.DataFrame(
        {"x": np.arange(40.0), "y": np.arange(40.0) % 7, "note": [f"row {i} says hello" for i in range(40)]}
    )
    res = cl.cluster(frame, "kmeans", n_clusters=2)
    m = cl.Map(res, xy=frame[["x", "y"]].to_numpy())
    assert m.hover_text is None and m.ask_hover  # too many rows to carry every text: asked for on hover
    m.reply = {"kind": "hover", "row": 17, "nonce": 1}
    assert m.hover_detail["row"] == 17 and "note: row 17 says hello" in m.hover_detail["text"]
