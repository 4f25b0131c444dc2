"""Compare: how the chosen runs nest from coarse to fine (a level tree), and how well each run's confidence is
calibrated against the truth (a reliability diagram)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector
from clustering.app.history import find_run
from clustering.app.text import plain
from clustering.app.views.compare.comparison import Comparison
from clustering.app.views.confidence_panel import reliability_axes
from clustering.evidence.confidence import held_out_ece, majority_correct, reliability
from clustering.evidence.level_tree import LevelTree, level_tree

EDGE_COLOUR = "rgba(73, 80, 87, {alpha:.2f})"


def tree_figure(tree: LevelTree) -> go.Figure:
    """Nodes (area by rows) on one row per level, coarse at the top; edges as wide as the rows they carry."""
    figure = go.Figure()
    biggest = max(node.rows for node in tree.nodes) if tree.nodes else 1
    for edge in tree.edges:
        parent, child = tree.nodes[edge.parent], tree.nodes[edge.child]
        figure.add_scatter(
            x=[parent.x, child.x],
            y=[-parent.level, -child.level],
            mode="lines",
            line=dict(width=1 + 9 * edge.rows / biggest, color=EDGE_COLOUR.format(alpha=0.25 + 0.6 * edge.share)),
            hoverinfo="text",
            text=f"{edge.rows:,} rows ({edge.share:.0%} of the finer cluster)",
            showlegend=False,
        )
    figure.add_scatter(
        x=[node.x for node in tree.nodes],
        y=[-node.level for node in tree.nodes],
        mode="markers+text",
        marker=dict(size=[8 + 30 * np.sqrt(node.rows / biggest) for node in tree.nodes], color="#1c7ed6"),
        text=[str(node.cluster) for node in tree.nodes],
        textfont=dict(color="white", size=10),
        hovertext=[f"{tree.names[n.level]} · cluster {n.cluster} · {n.rows:,} rows" for n in tree.nodes],
        hoverinfo="text",
        showlegend=False,
    )
    figure.update_layout(
        height=120 + 90 * len(tree.names),
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(visible=False, range=[-0.02, 1.02]),
        yaxis=dict(tickvals=[-i for i in range(len(tree.names))], ticktext=tree.names, zeroline=False),
        plot_bgcolor="white",
    )
    return figure


def level_tree_section(chosen: Comparison) -> None:
    """The chosen runs (two or more) as levels, coarse to fine."""
    runs = [label for label in chosen.labelings if not label.is_truth]
    if len(runs) < 2:
        return
    st.subheader("Levels: how the clusters split from coarse to fine")
    tree = level_tree([(label.name, label.labels) for label in runs])
    projector.chart(tree_figure(tree), key="level-tree")
    mixed = sum(tree.mixed)
    st.caption(
        "Each row is a run, ordered by its number of clusters; a node is a cluster (area by rows), an edge the rows "
        "a cluster passes to a cluster of the next run (drawn from 10% of the finer cluster). "
        + (
            f"{mixed} cluster(s) draw from two coarser clusters or more: these runs are not nested there."
            if mixed
            else "Every cluster comes from one coarser cluster: these runs nest."
        )
    )


def reliability_section(chosen: Comparison) -> None:
    """Each chosen run's calibration against the chosen truth: one reliability curve per run, with its ECE."""
    truth = next((label for label in chosen.labelings if label.is_truth), None)
    if truth is None:
        return
    figure = reliability_axes(height=320)
    errors = []
    for run_id in chosen.chosen_ids:
        result = find_run(chosen.history, run_id).result
        confidence = result.confidence()
        labels = result.labels if chosen.rows is None else result.labels[chosen.rows]
        if confidence is None or len(confidence) != len(result.labels):
            continue
        confidence = confidence if chosen.rows is None else confidence[chosen.rows]
        clustered = labels >= 0
        if not clustered.any():
            continue
        found = reliability(confidence[clustered], majority_correct(labels, truth.labels)[clustered])
        used = found.rows > 0
        name = chosen.names[run_id]
        figure.add_scatter(x=found.confidence[used], y=found.accuracy[used], mode="lines+markers", name=name)
        errors.append(f"{plain(name)} {found.ece:.3f}")
    if not errors:
        return
    st.subheader("Is the confidence calibrated?")
    projector.chart(figure, key="reliability")
    st.caption(
        f"Against {plain(truth.name)}: a calibrated run follows the diagonal. Expected calibration error "
        f"(0 is perfect): {'; '.join(errors)}. Confidence is estimated without any classes: where the classes are "
        "finer or coarser than the groups the data shows, no run's confidence can match them. Held out on six "
        f"benchmark sets, the median run's error was {held_out_ece():.2f}."
    )
