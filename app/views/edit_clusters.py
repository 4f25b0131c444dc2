"""Editing a run's clusters on Explore: merge, split, move the selection, mark it as noise. Each edit is a new
run whose provenance (its base run and the edits) is stored, exported in configs and replayed identically."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.history import RunEntry
from app.jobs import start_job
from app.state import add_run
from app.text import plain
from app.widgets import parameter_form
from clustering.backends import BACKENDS
from clustering.data import Dataset
from clustering.edits import edit_run, row_ids


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


def edit_section(data: Dataset, preprocess: str, entry: RunEntry, selection: np.ndarray | None) -> None:
    """Tabs for each kind of edit of the run the map is coloured by."""
    labels = entry.result.labels
    clusters = [int(c) for c in np.unique(labels[labels >= 0])]
    st.subheader("Edit clusters")
    st.caption(
        f"Edits of **{plain(entry.name)}** make a new run (this one is kept); the new run lists its edits, and the "
        "project's config replays them to the same labels."
    )
    busy = "job" in st.session_state
    merge, split, move, noise = st.tabs(["Merge", "Split", "Move the selection", "Mark the selection as noise"])
    with merge:
        chosen = st.multiselect("Clusters to merge", clusters, key="edit-merge")
        if st.button("Merge", key="edit-merge-go", disabled=busy or len(chosen) < 2):
            _start(data, entry, {"merge": sorted(chosen)}, preprocess, f"merged {', '.join(map(str, sorted(chosen)))}")
    with split:
        cluster = st.selectbox("Cluster to split", clusters, key="edit-split") if clusters else None
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
    with move:
        if not len(rows):
            st.info("Select rows on the map first (lasso, box, a filter or a search).")
        else:
            target = st.number_input(
                "Into cluster (a new number makes a new cluster)",
                min_value=0,
                value=int(max(clusters, default=-1)) + 1,
                step=1,
                key="edit-move-to",
            )
            if st.button(f"Move {len(rows):,} selected rows", key="edit-move-go", disabled=busy):
                _start(data, entry, {"move": row_ids(data, rows), "to": int(target)}, preprocess, f"moved to {target}")
    with noise:
        if not len(rows):
            st.info("Select rows on the map first (lasso, box, a filter or a search).")
        elif st.button(f"Mark {len(rows):,} selected rows as noise", key="edit-noise-go", disabled=busy):
            _start(data, entry, {"noise": row_ids(data, rows)}, preprocess, "noise marked")
