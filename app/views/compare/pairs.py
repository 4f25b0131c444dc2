"""Two clusterings in detail: best matches, contingency and flows, by the clusters' own names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector
from clustering.app.scatter import palette
from clustering.app.text import plain
from clustering.app.views.compare.comparison import Comparison
from clustering.app.views.compare.heatmap import show_heatmap
from clustering.evaluate.compare import contingency, dropped_flows, flows, matched_order, splits_and_merges


def pair_detail(chosen: Comparison, report: dict) -> None:
    """Two clusterings in detail: best matches, the contingency table and the flows between them, by name."""
    pair_names = [lab.name for lab in chosen.labelings]
    p1, p2 = st.columns(2)
    name_a = p1.selectbox("Run A", pair_names, index=0, key="pair-a")
    name_b = p2.selectbox("Run B", pair_names, index=1 if len(pair_names) > 1 else 0, key="pair-b")
    a = next(lab for lab in chosen.labelings if lab.name == name_a)
    b = next(lab for lab in chosen.labelings if lab.name == name_b)

    def label_a(c: object) -> str:
        return chosen.label(name_a, c)

    def label_b(c: object) -> str:
        return chosen.label(name_b, c)

    matches = pd.DataFrame([m for m in report["matches"] if m["run"] == name_a and m["other"] == name_b])
    if not matches.empty:
        st.markdown("**Best match in B for each cluster of A** (Jaccard index of the two sets of rows)")
        matches["cluster"] = [label_a(c) for c in matches["cluster"]]
        matches["best_match"] = [label_b(c) for c in matches["best_match"]]
        st.dataframe(
            matches[["cluster", "size", "best_match", "jaccard", "overlap"]].round(3),
            hide_index=True,
            height=min(320, 40 + 35 * len(matches)),
        )
    keep = a.valid & b.valid
    table, rows, cols = contingency(a.labels[keep], b.labels[keep])
    if not (len(rows) and len(cols)):
        return
    order_r, order_c = matched_order(table)
    shown = table[np.ix_(order_r, order_c)]
    row_names = [label_a(v) for v in rows[order_r]]
    col_names = [label_b(v) for v in cols[order_c]]
    title = f"Contingency (rows: {name_a}, columns: {name_b}, matched order)"
    show_heatmap(shown, col_names, row_names, title, "contingency", height=420, categories=True)
    flows_chart(a.labels[keep], b.labels[keep], name_a, name_b, label_a, label_b)
    changes = splits_and_merges(a.labels[keep], b.labels[keep])
    spread = changes["spread"]

    def described(parts: list[int], detail: dict, label) -> str:
        rest = detail["parts"] - len(parts)
        return (
            f"{', '.join(plain(label(p)) for p in parts)}"
            + (f" and {rest} smaller part{'s' if rest != 1 else ''}" if rest > 0 else "")
            + f" (the largest holds {100 * detail['largest']:.0f}%)"
        )

    lines = [
        f"A's cluster {plain(label_a(c))} is split by B into {described(parts, spread['split'][c], label_b)}"
        for c, parts in changes["split"].items()
    ]
    lines += [
        f"B's cluster {plain(label_b(c))} merges A's {described(parts, spread['merged'][c], label_a)}"
        for c, parts in changes["merged"].items()
    ]
    st.markdown(
        "\n".join(f"- {line}" for line in lines)
        if lines
        else "No cluster is split or merged: each keeps at least 80% of its rows together."
    )


def flows_chart(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str, label_a, label_b) -> None:
    """A Sankey of the rows moving from A's clusters to B's; each node and its outgoing links share a colour."""
    links = flows(a, b)
    dropped, dropped_rows = dropped_flows(a, b)
    sources = sorted({link["source"] for link in links})
    targets = sorted({link["target"] for link in links})
    source_colours = palette(max(len(sources), 1))
    target_colour = {}
    for target in targets:  # a target takes the colour of the source that sends it the most rows
        biggest = max((link for link in links if link["target"] == target), key=lambda link: link["count"])
        target_colour[target] = source_colours[sources.index(biggest["source"]) % len(source_colours)]
    figure = go.Figure(
        go.Sankey(
            node=dict(
                label=[f"A {label_a(v)}" for v in sources] + [f"B {label_b(v)}" for v in targets],
                color=[source_colours[i % len(source_colours)] for i in range(len(sources))]
                + [target_colour[t] for t in targets],
                pad=8,
                thickness=12,
            ),
            link=dict(
                source=[sources.index(link["source"]) for link in links],
                target=[len(sources) + targets.index(link["target"]) for link in links],
                value=[link["count"] for link in links],
                color=[source_colours[sources.index(link["source"]) % len(source_colours)] + "66" for link in links],
            ),
        )
    )
    figure.update_layout(title=f"Flows from {name_a} to {name_b}", height=460, margin=dict(l=10, r=10, t=40, b=10))
    projector.chart(figure, key="sankey")
    if dropped:
        st.caption(
            f"{dropped:,} flows under 0.5% of the rows each ({dropped_rows:,} rows in all) are left out of the chart; "
            "the contingency table above counts every row."
        )
