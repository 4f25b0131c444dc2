"""Cluster page: "How sure is this?" for the active run — its calibrated confidence, the uncertain rows, and
(with known classes) the reliability diagram that checks the calibration."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector
from clustering.app.text import plain
from clustering.evidence.confidence import UNCERTAIN_BELOW, majority_correct, reliability


def confidence_figure(confidence: np.ndarray) -> go.Figure:
    """Histogram of the clustered rows' confidence, the uncertain part in orange."""
    figure = go.Figure()
    edges = np.linspace(0, 1, 21)
    counts, _ = np.histogram(confidence, edges)
    centres = (edges[:-1] + edges[1:]) / 2
    colours = ["#e8590c" if c < UNCERTAIN_BELOW else "#1c7ed6" for c in centres]
    figure.add_bar(x=centres, y=counts, marker_color=colours, width=0.045, name="rows")
    figure.update_layout(
        height=240, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="confidence", yaxis_title="rows", bargap=0
    )
    return figure


def reliability_axes(height: int = 300) -> go.Figure:
    """An empty reliability diagram: confidence against the share in the majority class, and the diagonal."""
    figure = go.Figure()
    figure.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line_dash="dot", line_color="#868e96", name="calibrated")
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis_title="confidence (binned)",
        yaxis_title="share in the cluster's majority class",
        xaxis_range=[0, 1],
        yaxis_range=[0, 1.02],
    )
    return figure


def reliability_figure(found) -> go.Figure:
    """Share of rows in their cluster's majority class against mean confidence, per bin (diagonal: calibrated)."""
    used = found.rows > 0
    figure = reliability_axes()
    figure.add_scatter(
        x=found.confidence[used],
        y=found.accuracy[used],
        mode="lines+markers",
        marker_size=np.clip(4 + 20 * np.sqrt(found.rows[used] / max(found.rows.sum(), 1)), 4, 24),
        name="this run",
        text=[f"{r:,} rows" for r in found.rows[used]],
    )
    return figure


def confidence_section(data, entry, truth, truth_name: str | None, key: str) -> None:
    """The active run's confidence: where it comes from, its histogram, the uncertain rows (a selection)."""
    result = entry.result
    confidence = result.confidence()
    st.markdown("**How sure is this?**")
    if confidence is None or len(confidence) != data.n:
        st.caption("This run has no confidence per row (runs out of core keep their vote share in their folder).")
        return
    clustered = result.labels >= 0
    uncertain = np.flatnonzero(clustered & (confidence < UNCERTAIN_BELOW))
    source = result.info.get("confidence") or "the method's own membership strength (not calibrated)"
    better = "" if "resampled" in source else " Run with 'Confidence: from resampled runs' for a better calibrated one."
    st.caption(
        f"Confidence: {plain(source)}. It estimates the chance that a row is in its cluster's majority class "
        "(calibration fitted on sets whose classes are the geometry and six benchmark sets). Rows under "
        f"{UNCERTAIN_BELOW:g} are uncertain.{better}"
    )
    c1, c2 = st.columns([2, 1])
    projector.chart(confidence_figure(confidence[clustered]), key=f"confidence-{key}", where=c1)
    c2.metric("Uncertain rows", f"{len(uncertain):,}", help=f"clustered rows with confidence under {UNCERTAIN_BELOW:g}")
    c2.metric("Mean confidence", f"{confidence[clustered].mean():.2f}" if clustered.any() else "n/a")
    if len(uncertain) and c2.button("Select the uncertain rows", key=f"uncertain-{key}"):
        st.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": uncertain}
        st.session_state["flash"] = ("info", f"{len(uncertain):,} uncertain rows selected (see Explore).")
        st.rerun()
    if truth is not None and clustered.any():
        found = reliability(confidence[clustered], majority_correct(result.labels, truth)[clustered])
        projector.chart(reliability_figure(found), key=f"reliability-{key}")
        st.caption(
            f"Reliability against {plain(truth_name or 'the truth')}: expected calibration error {found.ece:.3f} "
            "(the row-weighted gap between the line and the diagonal; 0 is perfectly calibrated)."
        )
