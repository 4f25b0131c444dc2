"""Cluster page: "How many clusters?" — a method's ladder rerun over seeds and subsamples, the recommended level
with its reason and the chart behind it; the level can be run, or every level kept as runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector, projects
from clustering.app.jobs import start_job
from clustering.app.state import add_run
from clustering.app.text import plain
from clustering.backends import BACKENDS
from clustering.run.levels import ladder_levels
from clustering.run.pipeline import run
from clustering.run.suggest import LADDERS, Suggestion, suggest


def keep_suggestion(fingerprint: str, preprocess: str, found: Suggestion) -> None:
    settings = {"fingerprint": fingerprint, "preprocess": preprocess, "method": found.method}
    st.session_state["suggestion"] = {**settings, "result": found.summary()}
    projects.keep_finding("suggestion", [], settings, found.summary())


def kept_suggestion(fingerprint: str, preprocess: str, method: str) -> dict | None:
    """This data's suggestion for `method`: from this session, else from the project."""
    settings = {"fingerprint": fingerprint, "preprocess": preprocess, "method": method}
    mine = st.session_state.get("suggestion")
    if mine and all(mine.get(k) == v for k, v in settings.items()):
        return mine["result"]
    kept = projects.kept_finding("suggestion", settings)
    return kept["result"] if kept else None


def ladder_figure(found: dict) -> go.Figure:
    """Found again, agreement (and ARI with known classes) per level; the recommended level marked."""
    levels = pd.DataFrame(found["levels"])
    x = [f"{v:g} ({k})" for v, k in zip(levels["value"], levels["n_clusters"])]
    figure = go.Figure()
    figure.add_scatter(x=x, y=levels["cluster_stability"], name="clusters found again", mode="lines+markers")
    figure.add_scatter(x=x, y=levels["agreement"], name="agreement with the other levels (NMI)", mode="lines+markers")
    if levels["ari"].notna().all():
        figure.add_scatter(x=x, y=levels["ari"], name="ARI with the truth (not used to choose)", line_dash="dot")
    figure.add_vline(x=found["chosen"], line_color="#2b8a3e", line_width=2)
    figure.update_layout(
        height=300,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title=f"{found['param']} (clusters)",
        yaxis_range=[0, 1.02],
        legend=dict(orientation="h", y=1.15),
    )
    return figure


def suggest_section(data, preprocess: str, method: str, truth) -> None:
    """The panel: method and repeats, the Suggest job, the reason, the chart, and what to do with a level."""
    with st.expander("How many clusters? Suggest a level, with the evidence", expanded=False):
        st.caption(
            "Each level of a method (Leiden's resolutions, HDBSCAN's minimum cluster sizes, k) is run again with "
            "other seeds and on 80% subsamples. A level is reproducible when its clusters are found again (best "
            "Jaccard at least 0.8, weighted by rows); among those, the one that agrees most with the other levels "
            "is recommended. Known classes are shown, never used to choose."
        )
        names = list(LADDERS)
        c1, c2, c3 = st.columns([2, 1, 1])
        ladder = c1.selectbox(
            "Method",
            names,
            index=names.index(method) if method in names else 0,
            key="suggest-method",
            format_func=lambda n: BACKENDS[n].title,
        )
        repeats = c2.number_input("Seeds and subsamples", min_value=2, max_value=6, value=3, key="suggest-repeats")
        if c3.button("Suggest", disabled="job" in st.session_state, key="suggest-run"):
            start_job(
                f"suggestion for {BACKENDS[ladder].title}",
                suggest,
                {"dataset": data, "method": ladder, "preprocess": preprocess, "repeats": int(repeats), "truth": truth},
                lambda found, f=data.fingerprint, p=preprocess: keep_suggestion(f, p, found),
            )
            st.rerun()
        found = kept_suggestion(data.fingerprint, preprocess, ladder)
        if found is None:
            return
        chosen = found["levels"][found["chosen"]]
        if found.get("structure", True):
            st.success(f"Recommended: {found['param']} {chosen['value']:g}. {plain(found['reason'])}")
        else:
            st.warning(f"Recommended: one cluster. {plain(found['reason'])}")
        projector.chart(ladder_figure(found), key="suggest-chart")
        st.caption(f"{found['runs']} runs in {found['seconds']:.1f} s; preprocessing {found['preprocess']}.")
        level_actions(data, preprocess, found)


def level_actions(data, preprocess: str, found: dict) -> None:
    """Run the recommended level, or keep every level as runs (to colour by, compare, explain)."""
    method, param = found["method"], found["param"]
    chosen = found["levels"][found["chosen"]]
    b1, b2 = st.columns(2)
    busy = "job" in st.session_state
    if b1.button(f"Run the recommended level ({chosen['n_clusters']} clusters)", disabled=busy, key="suggest-use"):
        start_job(
            f"{method} at {param} {chosen['value']:g}",
            run,
            {"dataset": data, "method": method, "params": {param: chosen["value"]}, "preprocess": preprocess},
            lambda result: add_run(data, result, f"{method} {param}={chosen['value']:g} (suggested)"),
        )
        st.rerun()
    if b2.button(f"Keep all {len(found['levels'])} levels as runs", disabled=busy, key="suggest-keep-all"):
        values = [level["value"] for level in found["levels"]]
        start_job(
            f"{len(values)} levels of {method}",
            ladder_levels,
            {"dataset": data, "method": method, "values": values, "preprocess": preprocess},
            lambda levels: [add_run(data, r, f"{method} {param}={r.params[param]:g} (level)") for r in levels],
        )
        st.rerun()
