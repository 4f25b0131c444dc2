"""Stability of a run across seeds and 80% subsamples, measured as a job and kept in the project."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector, projects
from clustering.app.history import find_run
from clustering.app.jobs import start_job
from clustering.app.text import plain
from clustering.app.views.compare.comparison import Comparison
from clustering.run.sweep import stability as measure_stability


def keep_stability(run_id: str, repeats: int, out: dict) -> None:
    st.session_state["stability"] = {"run": run_id, **out}
    projects.keep_stability(run_id, {"repeats": repeats}, out)


def stability_section(chosen: Comparison) -> None:
    """Agreement across seeds and 80% subsamples of one chosen run (a worker job), kept in the project."""
    names = chosen.names
    st.subheader("Stability")
    st.caption(
        "Agreement (ARI) between runs of the same method and parameters with different seeds, and on random "
        "80% subsamples (on their common rows): the MNIST-Nd protocol."
    )
    run_choices = list(chosen.chosen_ids)
    s1, s2, s3 = st.columns([3, 1, 1])
    stability_run = (
        s1.selectbox("Run", run_choices, format_func=lambda i: names[i], key="stability-run") if run_choices else None
    )
    repeats = s2.number_input("Repeats", min_value=2, max_value=10, value=4, key="stability-repeats")

    if stability_run and s3.button("Measure stability", disabled="job" in st.session_state, key="measure-stability"):
        result = find_run(chosen.history, stability_run).result

        start_job(
            "stability",
            measure_stability,
            {
                "dataset": chosen.full_data,
                "method": result.method,
                "params": dict(result.params),
                "preprocess": result.preprocess,
                "seed": result.seed or 0,
                "repeats": int(repeats),
            },
            lambda out, run_id=stability_run, repeats=int(repeats): keep_stability(run_id, repeats, out),
        )
        st.rerun()
    stability = st.session_state.get("stability") or projects.kept_stability(list(names))
    if stability and stability["run"] in names:
        m1, m2 = st.columns(2)
        m1.metric(
            "Seed stability (mean ARI)",
            "n/a" if stability["seed_stability"] is None else f"{stability['seed_stability']:.3f}",
        )
        m2.metric(
            "Subsample stability (mean ARI)",
            "n/a" if stability["subsample_stability"] is None else f"{stability['subsample_stability']:.3f}",
        )
        spread = pd.DataFrame(
            [{"kind": "seeds", "ARI": v} for v in stability["seed_ari"]]
            + [{"kind": "80% subsamples", "ARI": v} for v in stability["subsample_ari"]]
        )
        if not spread.empty:
            figure = go.Figure(
                [go.Box(y=group["ARI"], name=kind, boxpoints="all") for kind, group in spread.groupby("kind")]
            )
            figure.update_layout(height=300, margin=dict(l=10, r=10, t=20, b=10), yaxis_title="pairwise ARI")
            projector.chart(figure, key="stability-box")
        st.caption(
            f"Stability of {plain(names[stability['run']])}; seeds without effect (deterministic methods) give n/a."
        )
