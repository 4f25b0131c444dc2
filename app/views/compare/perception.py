"""What the picture shows: the regions a person sees, each cluster's verdict, the layout's faithfulness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app.exports import scatter_buttons
from clustering.app.scatter import colour_codes, scatter
from clustering.app.text import plain
from clustering.app.views.compare.comparison import Comparison
from clustering.evaluate.metrics import ari
from clustering.evaluate.perception import (
    ViewModel,
    neighbourhood_preservation,
    perceive,
    trustworthiness_continuity,
    verdicts,
)
from clustering.evaluate.perception import advice as perception_advice
from clustering.graph.neighbors import knn_graph
from clustering.run.pipeline import prepared

RAMP = [
    "#b2182b",
    "#d6604d",
    "#f4a582",
    "#fddbc7",
    "#f7f7f7",
    "#d1e5f0",
    "#92c5de",
    "#4393c3",
    "#2166ac",
    "#1a4f8a",
    "#053061",
]  # red = neighbours lost, blue = kept


VERDICT_TEXT = {
    "visible": "one clear region of its own",
    "split": "spread over several regions",
    "merged": "shares its region with other clusters",
    "hidden": "mostly in sparse areas: not seen",
}


def perception_section(chosen: Comparison, short: list[str]) -> None:
    """The regions a person sees in the scatter, each cluster's verdict, and the layout's faithfulness."""
    st.subheader("What the picture shows")
    st.caption(
        "A model of perception, not a learned one: the points are drawn at screen resolution, smoothed over a "
        "few pixels, and dense areas form the regions a person would group together. Each cluster is then "
        "*visible*, *split*, *merged* or *hidden* in this picture."
    )
    n = chosen.data.n
    marker_default = 6.0 if n <= 5000 else 4.0 if n <= 20000 else 3.0 if n <= 100000 else 2.0
    with st.expander("How the picture is looked at"):
        v1, v2, v3, v4 = st.columns(4)
        plot_px = v1.slider("Plot size (px)", 200, 1200, 600, step=50, key="view-size")
        marker_px = v2.slider("Marker size (px)", 1.0, 10.0, marker_default, step=0.5, key="view-marker")
        level = v3.slider("Density threshold (share of the median)", 0.02, 0.5, 0.1, step=0.01, key="view-level")
        bandwidth = v4.number_input(
            "Smoothing (px, 0 = automatic)", min_value=0.0, max_value=100.0, value=0.0, key="view-bandwidth"
        )
    view = ViewModel(
        width_px=plot_px, height_px=plot_px, marker_px=marker_px, bandwidth_px=bandwidth or None, level=level
    )
    visual = perceive(chosen.xy, None, view)
    perceived = {lab.name: verdicts(lab.labels, visual["visual_labels"]) for lab in chosen.labelings}
    summary = []
    for index, lab in enumerate(chosen.labelings):
        counts = pd.Series([d["verdict"] for d in perceived[lab.name].values()]).value_counts()
        summary.append(
            {
                "clustering": short[index],
                "ARI vs picture": round(ari(visual["visual_labels"], lab.labels), 3),
                **{verdict: int(counts.get(verdict, 0)) for verdict in VERDICT_TEXT},
            }
        )
    left, right = st.columns([1, 1])
    with left:
        st.markdown(
            f"**Visual clustering**: {visual['n_regions']} regions, "
            f"{100 * visual['unassigned_share']:.1f}% of points in sparse areas (grey)"
        )
        codes, legend = colour_codes(visual["visual_labels"])
        legend = [{**entry, "name": f"region {entry['name']}"} for entry in legend]
        scatter(
            chosen.xy,
            codes,
            legend,
            hover_text=chosen.hover,
            height=360,
            key="perceived",
            link=f"compare-{chosen.data.fingerprint[:12]}",
        )
        scatter_buttons(chosen.xy, codes, legend, "regions a person sees", key="perceived")
    with right:
        detail_name = st.selectbox("Verdicts per cluster of", [lab.name for lab in chosen.labelings], key="verdict-run")
        details = perceived[detail_name]
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "cluster": int(c),
                        "verdict": d["verdict"],
                        "meaning": VERDICT_TEXT[d["verdict"]],
                        "size": d["size"],
                        "in a region %": round(100 * d["shown_share"], 1),
                        "regions": ", ".join(map(str, d["regions"])),
                    }
                    for c, d in details.items()
                ]
            ),
            hide_index=True,
            height=320,
        )
    st.dataframe(pd.DataFrame(summary), hide_index=True, key="verdict-summary")
    st.caption(
        "ARI vs picture: how closely a clustering matches the groups a person sees in this scatter (1 = the same "
        "groups, 0 = no more alike than chance)."
    )
    for lab in chosen.labelings:
        tip = perception_advice(perceived[lab.name], visual["n_regions"])
        if tip:
            st.info(f"{plain(lab.name)}: {tip}")

    st.markdown("**Projection faithfulness** (k = 10): does the layout keep each point's neighbours?")
    if st.toggle("Measure trustworthiness, continuity and per-point neighbourhood preservation", key="faithfulness"):
        with st.spinner("Measuring neighbourhoods…"):
            x = prepared(chosen.data, chosen.preprocess)
            faith = trustworthiness_continuity(x, chosen.xy, k=10)

            kept = neighbourhood_preservation(
                x, chosen.xy, k=10, high_neighbours=knn_graph(x, 10).indices
            )  # shared, cached
        f1, f2, f3 = st.columns(3)
        f1.metric("Trustworthiness", f"{faith['trustworthiness']:.3f}", help="1 = no false neighbours in the layout")
        f2.metric("Continuity", f"{faith['continuity']:.3f}", help="1 = no true neighbours torn apart")
        f3.metric("Neighbours kept (mean)", f"{kept.mean():.2f}")
        steps = np.rint(kept * 10).astype(int)  # 0..10 tenths kept
        codes = steps.astype(np.uint16)
        legend = [
            {
                "name": f"{10 * step}% kept",
                "colour": RAMP[step],
                "size": int((steps == step).sum()),
                "hidden": not (steps == step).any(),
            }
            for step in range(11)
        ]
        scatter(chosen.xy, codes, legend, hover_text=chosen.hover, height=380, key="faithfulness-scatter")
        scatter_buttons(chosen.xy, codes, legend, "neighbours kept by the layout", key="faithfulness-scatter")
        st.caption(
            f"Estimated on {faith['queries']:,} query points. Colour: share of each point's 10 nearest neighbours "
            "in the original space that stay among its 10 nearest on the layout."
        )
