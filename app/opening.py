"""`clusterlab app FILE`: the file named on the command line opens, on the first visit, clustered with `auto` and
shown on the Explore map; reading (and embedding a table of texts) and clustering run as one job with Cancel."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from clustering.app import projects
from clustering.app.jobs import show_job, start_job
from clustering.app.state import add_run, dataset
from clustering.io.samples import APP_EMBED_SETTING, APP_FILE_SETTING, APP_TEXT_COLUMN_SETTING
from clustering.run.opening import open_and_cluster
from clustering.store import DatasetRef

GOTO = "opening-goto-explore"


def open_given_file(explore: StreamlitPage) -> None:
    """Start opening the command line's file once per session; show its job; then go to the map."""
    path = os.environ.get(APP_FILE_SETTING)
    if st.session_state.pop(GOTO, False):
        st.switch_page(explore)
    if not path or st.session_state.get("opened-file") == path:
        return
    st.session_state["opened-file"] = path
    projects.sync_url()  # the URL is read before the job names itself in it (else it reads as a lost job)
    text_column = os.environ.get(APP_TEXT_COLUMN_SETTING)
    kwargs = {"path": path, "text_column": text_column, "embed": os.environ.get(APP_EMBED_SETTING) or None}

    def done(opened) -> None:
        read, result = opened
        projects.close_project()
        st.session_state["dataset_ref"] = DatasetRef(source=path, name=Path(path).name, **read)
        add_run(dataset(), result, result.method)
        st.session_state[GOTO] = True

    start_job(f"Opening {Path(path).name}: reading and clustering", open_and_cluster, kwargs, done)
    st.title("Clusterlab")
    show_job()
