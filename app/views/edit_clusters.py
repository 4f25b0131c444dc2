"""Editing a run's clusters on Explore: merge, split, move the selection, mark it as noise. Each edit is a new
run whose provenance (its base run and the edits) is stored, exported in configs and replayed identically."""

from __future__ import annotations

import numpy as np
import streamlit as st

from clustering.app import projects
from clustering.app.history import RunEntry
from clustering.app.jobs import start_job
from clustering.app.state import add_run, cluster_keywords
from clustering.app.text import plain
from clustering.app.widgets import parameter_form
from clustering.backends import BACKENDS
from clustering.data import Dataset
from clustering.run.edits import edit_run, row_ids


def _start(data: Dataset, entry: RunEntry, edit: dict, preprocess: str, what: str) -> None:
    def keep(result, base=entry) -> None:
        new = add_run(data, result, name=f"{base.name} · {what}"[:200])
        st.session_state["colour-by"] = f"run:{new.id}"

    start_job(
        f"editing {entry.name}: {what}",
        edit_run,
        {"dataset": data, "base": entry.result, "base_id": entry.id, "edits": [edit], "preprocess": preprocess},
        keep,
    )
    st.rerun()


def cluster_names_shown(data: Dataset, entry: RunEntry) -> dict[int, str]:
    """Each cluster as the page names it: '3 · the zeros' (the user's name, else its keywords), else '3'."""
    names = projects.legend_names(entry.id)
    terms = cluster_keywords(data, entry.id, entry.result.labels) if data.text_column else {}
    labels = entry.result.labels
    return {int(c): projects.cluster_label(c, {**terms, **names}) for c in np.unique(labels[labels >= 0])}


def _every_cluster_asked(what: str, key: str) -> bool:
    """An edit that touches every cluster runs only once the person says so."""
    st.warning(f"This {what} touches every cluster of the run.")
    return st.checkbox(f"Yes, {what} every cluster", key=key)


def edit_section(data: Dataset, preprocess: str, entry: RunEntry, selection: np.ndarray | None) -> None:
    """Tabs for each kind of edit of the run the map is coloured by; clusters chosen by their names."""
    labels = entry.result.labels
    shown = cluster_names_shown(data, entry)
    clusters = list(shown)
    st.subheader("Edit clusters")
    st.caption(
        f"Edits of **{plain(entry.name)}** make a new run (this one is kept); the new run lists its edits, and the "
        "project's config replays them to the same labels."
    )
    busy = "job" in st.session_state
    merge, split, move, noise = st.tabs(["Merge", "Split", "Move the selection", "Mark the selection as noise"])
    with merge:
        chosen = st.multiselect(
            "Clusters to merge", clusters, key="edit-merge", format_func=lambda c: shown.get(c, str(c))
        )
        everything = len(chosen) == len(clusters) and len(clusters) > 1
        sure = _every_cluster_asked("merge", "edit-merge-all") if everything else True
        if st.button("Merge", key="edit-merge-go", disabled=busy or len(chosen) < 2 or not sure):
            _start(data, entry, {"merge": sorted(chosen)}, preprocess, f"merged {', '.join(map(str, sorted(chosen)))}")
    with split:
        cluster = (
            st.selectbox("Cluster to split", clusters, key="edit-split", format_func=lambda c: shown.get(c, str(c)))
            if clusters
            else None
        )
        method = st.selectbox(
            "Re-cluster its rows with", list(BACKENDS), key="edit-split-method", format_func=lambda n: BACKENDS[n].title
        )
        params, problem = parameter_form(BACKENDS[method], key_prefix="split")
        if problem:
            st.error(plain(problem))
        if st.button("Split", key="edit-split-go", disabled=busy or cluster is None or bool(problem)):
            edit = {"split": cluster, "method": method, "params": params}  # a seed, if any, is among the params
            _start(data, entry, edit, preprocess, f"split {cluster}")
    rows = np.asarray(selection) if selection is not None else np.zeros(0, dtype=int)
    every_row = len(np.unique(rows)) == len(labels)  # "select all": an edit of every cluster, asked first
    with move:
        if not len(rows):
            st.info("Select rows on the map first (lasso, box, a filter or a search).")
        else:
            new = int(max(clusters, default=-1)) + 1
            target = st.selectbox(
                "Into cluster",
                [*clusters, new],
                key="edit-move-to",
                format_func=lambda c: shown.get(c) or f"a new cluster ({c})",
            )
            sure = _every_cluster_asked("move of the selection", "edit-move-all") if every_row else True
            if st.button(f"Move {len(rows):,} selected rows", key="edit-move-go", disabled=busy or not sure):
                _start(data, entry, {"move": row_ids(data, rows), "to": int(target)}, preprocess, f"moved to {target}")
    with noise:
        if not len(rows):
            st.info("Select rows on the map first (lasso, box, a filter or a search).")
        else:
            sure = _every_cluster_asked("marking as noise of", "edit-noise-all") if every_row else True
            if st.button(f"Mark {len(rows):,} selected rows as noise", key="edit-noise-go", disabled=busy or not sure):
                _start(data, entry, {"noise": row_ids(data, rows)}, preprocess, "noise marked")
