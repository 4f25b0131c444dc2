"""2-D layouts for the pages (the library's one rule, cached and kept in the project), and what a scatter draws."""

from __future__ import annotations

import numpy as np
import streamlit as st

from clustering import limits
from clustering.app import projects
from clustering.app.text import plain
from clustering.data import Dataset
from clustering.run.fit_rows import layout_rows
from clustering.run.layout import layout
from clustering.run.layout import layout_note as note
from clustering.run.sampled import choose_rows


@st.cache_data(max_entries=16, show_spinner=False)
def cached_projection(fingerprint: str, preprocess: str, method: str, seed: int, _data: Dataset) -> np.ndarray:
    """2-D layout (the library's one rule, `clustering.run.layout`), cached per dataset fingerprint, preprocessing,
    method and seed."""

    return layout(_data, method, preprocess=preprocess, seed=seed)[0]


def layout_note(n: int, method: str) -> str | None:
    """How a layout of n rows was made, when it was not fitted on every row (the rule `clustering.run.layout`
    follows)."""

    return note({"method": method, "fitted_on_sample_rows": layout_rows(method, n, "auto")}, n)


BROWSER_POINTS = limits.BROWSER_POINTS.whole()  # most points one scatter draws


def drawn_rows(n: int) -> np.ndarray | None:
    """The rows a scatter draws when n is over BROWSER_POINTS: one fixed uniform sample; None draws every row."""

    return choose_rows(n, BROWSER_POINTS, seed=0) if n > BROWSER_POINTS else None


def page_layout(data: Dataset, preprocess: str, method: str) -> np.ndarray:
    """The 2-D layout for a page, with a spinner while it is computed; a refusal is shown and stops the page."""
    memo = st.session_state.setdefault("layouts", {})  # read or made once a session: pages rerun often
    key = (projects.current(), data.fingerprint, preprocess, method)
    if key in memo:
        return memo[key]
    kept = projects.kept_layout(data, preprocess, method, 0)
    if kept is not None:
        memo[key] = kept
        return kept
    try:
        with st.spinner(f"Computing the {method.upper()} layout (kept in the project afterwards)…"):
            xy = cached_projection(data.fingerprint, preprocess, method, 0, data)
        projects.keep_layout(data, preprocess, method, 0, xy)
        memo[key] = xy
        return xy
    except ValueError as error:  # ParamError included
        st.error(plain(error))
        st.stop()
