"""What every page does first: its config, the numba warm-up, the title, the data, messages and the job."""

from __future__ import annotations

import threading

import numpy as np
import streamlit as st

from clustering.app import projects
from clustering.app.jobs import show_job
from clustering.app.projector import projector_switch
from clustering.app.state import dataset, preprocess_spec
from clustering.app.text import plain
from clustering.data import DataError, Dataset
from clustering.graph.projection import umap_embed


def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"Clusterlab · {title}", page_icon="◍", layout="wide")
    warm_up()
    projector_switch()
    projects.sync_url()


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Compile UMAP's and fast_hdbscan's numba kernels in the background once per server, so the first
    layout and the first large HDBSCAN run are not slow."""

    def work() -> None:

        points = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
        umap_embed(points, n_epochs=20)
        try:
            import fast_hdbscan  # deferred: this thread compiles its numba kernels, off the page's path

            fast_hdbscan.HDBSCAN(min_cluster_size=10).fit(points)
        except Exception:  # warming is an optimisation only
            pass

    thread = threading.Thread(target=work, daemon=True, name="clusterlab-warm-up")
    thread.start()
    return thread


def page_data(title: str) -> tuple[Dataset, str]:
    """Page header shared by the work pages: config, title, the current dataset (or its error), messages, job."""
    page_setup(title)
    st.title(title)
    try:
        data = dataset()
    except DataError as error:
        st.error(plain(error))
        st.stop()
    show_flash()
    changed = projects.data_changed(data)
    if changed:
        st.warning(plain(changed))
    show_job()
    return data, preprocess_spec()


def show_flash() -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        getattr(st, flash[0])(plain(flash[1]))
