"""What every section of the Compare page works on: the chosen runs (and truth) on one layout."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app import projects
from clustering.app.history import RunEntry, find_run
from clustering.app.layouts import page_layout
from clustering.app.scatter import hover_lines
from clustering.app.state import runs_for
from clustering.app.widgets import keep_choice, kept_choice
from clustering.data import Dataset, encode_labels
from clustering.evaluate.compare import Labeling
from clustering.graph.projection import PROJECTIONS


@dataclass
class Comparison:
    """What every section of the page works on: the chosen runs (and truth) on one layout."""

    data: Dataset
    preprocess: str
    history: list[RunEntry]
    names: dict[str, str]  # run id -> run name
    chosen_ids: list[str]
    labelings: list[Labeling]  # the runs, then the truth when chosen
    cluster_names: dict[str, dict[int, str]]  # labeling name -> cluster id -> name (truth: its categories)
    truth_column: str | None
    layout_method: str
    xy: np.ndarray
    hover: str | None
    full_data: Dataset  # the whole dataset (reports and stability run on it)
    full_xy: np.ndarray
    rows: np.ndarray | None = None  # drill-downs: compared on the rows they all clustered

    def label(self, labeling: str, cluster: object) -> str:
        """A cluster as people call it: the truth's category, or 'id · name' for a named cluster."""
        names = self.cluster_names.get(labeling, {})
        if labeling.startswith("truth: "):
            try:
                return names.get(int(cluster), str(cluster)) if int(cluster) >= 0 else "unlabelled"  # type: ignore[call-overload]
            except (TypeError, ValueError):
                return "–"
        return projects.cluster_label(cluster, names)


def truth_names(values) -> dict[int, str]:
    """Each truth code's category name (codes as `encode_labels` gives them)."""
    codes = encode_labels(values)
    series = pd.Series(values).reset_index(drop=True)
    return {int(code): str(series[int(np.flatnonzero(codes == code)[0])]) for code in np.unique(codes[codes >= 0])}


def choose(data: Dataset, preprocess: str) -> Comparison | None:
    """The runs, truth and layout to compare, from the pickers at the top; None with fewer than two."""
    history = runs_for(data)
    c1, c2, c3 = st.columns([3, 1, 1])
    names = {r.id: r.name for r in history}
    chosen_ids = c1.multiselect(
        "Runs to compare", list(names), default=list(names)[-3:], format_func=lambda i: names[i], key="compare-runs"
    )
    truth_options = ["(none)", *data.truth_candidates()]
    kept_choice("compare-truth", "truth", truth_options, "(none)")
    truth_column = c2.selectbox("Ground truth", truth_options, key="compare-truth")
    keep_choice("truth", truth_column)
    layout_method = c3.selectbox(
        "Layout", list(PROJECTIONS), key="compare-layout", format_func=lambda m: PROJECTIONS[m]
    )
    entries = [find_run(history, i) for i in chosen_ids]
    drilled = [np.asarray(e.rows) for e in entries if e.rows is not None]
    rows = functools.reduce(np.intersect1d, drilled) if drilled else None  # drill-downs: their common rows only
    selection = st.session_state.get("selection")  # a lasso, a filter or a search made on Explore
    if selection and selection["fingerprint"] == data.fingerprint and len(selection["rows"]) >= 2:
        picked = np.unique(np.asarray(selection["rows"], dtype=np.int64))
        if st.toggle(f"Compare on the selection only ({len(picked):,} rows, chosen on Explore)", key="compare-sel"):
            rows = picked if rows is None else np.intersect1d(rows, picked)
    view = data if rows is None else data.subset(rows)
    labelings = [Labeling(names[e.id], e.result.labels if rows is None else e.result.labels[rows]) for e in entries]
    cluster_names = {names[i]: projects.legend_names(i) for i in chosen_ids}  # the user's names, by run name
    if truth_column != "(none)":
        values = view.metadata[truth_column]
        labelings.append(Labeling(f"truth: {truth_column}", encode_labels(values), is_truth=True))
        cluster_names[f"truth: {truth_column}"] = truth_names(values)
    if len(labelings) < 2:
        return None
    if rows is not None:
        st.caption(
            f"Compared on {len(rows):,} rows (the selection, and the rows every drill-down clustered); the other "
            "rows are left out."
        )
    hover = hover_lines(view.metadata, [view.text_column] if view.text_column else list(data.metadata.columns)[:1])
    full_xy = page_layout(data, preprocess, layout_method)
    return Comparison(
        view,
        preprocess,
        history,
        names,
        list(chosen_ids),
        labelings,
        cluster_names,
        None if truth_column == "(none)" else truth_column,
        layout_method,
        full_xy if rows is None else full_xy[rows],
        hover,
        data,
        full_xy,
        rows,
    )
