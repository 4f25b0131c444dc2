"""What differs in a selection (lasso, filter, cluster) against the rest or a kept second selection."""

from __future__ import annotations

import hashlib

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from clustering.app.text import plain
from clustering.data import Dataset
from clustering.evaluate.differences import differences, effect_words

SHOWN = 30


def _digest(rows: np.ndarray | None) -> str:
    if rows is None:
        return ""
    return hashlib.blake2b(np.asarray(rows, dtype=np.int64).tobytes(), digest_size=8).hexdigest()


@st.cache_data(max_entries=16, show_spinner="Testing every feature and metadata column…")
def cached_differences(
    fingerprint: str, inside_key: str, outside_key: str, _data: Dataset, _inside: np.ndarray, _outside
) -> pd.DataFrame:
    return differences(_data.vectors, _data.metadata, _inside, _outside, feature_names=_data.features())


def second_selection(data: Dataset) -> np.ndarray | None:
    """The kept selection B for this dataset, if any."""
    kept = st.session_state.get("selection_b")
    return kept["rows"] if kept and kept["fingerprint"] == data.fingerprint else None


def differences_section(data: Dataset, rows: np.ndarray) -> None:
    """Which features and metadata set the selection apart: a table (effect, q-value) and a chart of the largest."""
    st.markdown("**What differs in the selection**")
    kept_b = second_selection(data)
    left, right = st.columns([3, 2])
    options = ["the rest"] + (["selection B"] if kept_b is not None else [])
    against = left.radio("Against", options, horizontal=True, key="differences-against")
    if right.button("Keep as selection B", key="keep-b", help="Select other rows next, then compare against these"):
        st.session_state["selection_b"] = {"fingerprint": data.fingerprint, "rows": np.asarray(rows)}
        st.rerun()
    outside = None
    if against == "selection B" and kept_b is not None:
        outside = np.setdiff1d(kept_b, rows)
    try:
        table = cached_differences(data.fingerprint, _digest(rows), _digest(outside), data, np.asarray(rows), outside)
    except ValueError as error:
        st.info(plain(error))
        return
    found = int(table["significant"].sum())
    st.caption(
        f"{found:,} of {len(table):,} features, numeric columns and category values differ (false discovery rate "
        "5%, Benjamini-Hochberg). Effect: Cohen's d for numbers (difference of means in standard deviations), "
        "Cohen's h for a category's share; 0.2 small, 0.5 medium, 0.8 large. Inside and outside: means, or shares."
    )
    shown = table.head(SHOWN).copy()
    shown["size"] = shown["effect"].map(effect_words)
    chart = (
        alt.Chart(shown.head(15))
        .mark_bar()
        .encode(
            x=alt.X("effect:Q", title="effect (inside against outside)"),
            y=alt.Y("what:N", sort=None, title=None),
            color=alt.condition("datum.effect > 0", alt.value("#3b5bdb"), alt.value("#d6336c")),
            tooltip=["what", "kind", "inside", "outside", "effect", "q_value"],
        )
        .properties(height=min(360, 24 * min(len(shown), 15) + 20))
    )
    st.altair_chart(chart, width="stretch")
    st.dataframe(
        shown.round({"inside": 4, "outside": 4, "effect": 3}),
        hide_index=True,
        width="stretch",
        height=260,
        column_config={
            "p_value": st.column_config.NumberColumn(format="%.2e"),
            "q_value": st.column_config.NumberColumn(format="%.2e"),
        },
    )
