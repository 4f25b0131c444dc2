"""The runs side by side on one layout (colours matched, hover and selection linked), and the report button."""

from __future__ import annotations

import streamlit as st

from clustering.app import projects
from clustering.app.exports import report_buttons, scatter_buttons
from clustering.app.history import find_run
from clustering.app.scatter import matched_colour_codes, scatter
from clustering.app.text import plain
from clustering.app.views.compare.comparison import Comparison


def report_section(chosen: Comparison) -> None:
    wanted = st.session_state.get("report-wanted") == "compare"  # open once a report of these runs was asked for
    with st.expander("Report of these runs (HTML, opens offline)", expanded=wanted):
        entries = [find_run(chosen.history, i) for i in chosen.chosen_ids]
        kept_rules = {
            i: kept[0]["result"] if (kept := projects.kept_explanations(i)) else None for i in chosen.chosen_ids
        }
        names = {i: projects.legend_names(i) for i in chosen.chosen_ids}
        report_buttons(
            chosen.full_data,
            entries,
            names,
            kept_rules,
            chosen.truth_column,
            chosen.layout_method,
            chosen.full_xy,
            key="compare",
        )


def side_by_side(chosen: Comparison) -> None:
    """The same layout coloured by each clustering, colours matched to the truth (or the first run)."""
    st.subheader("Side by side")
    st.caption(
        "The same layout coloured by each clustering. Colours are matched to the first panel (Hungarian "
        "matching), so a group keeps its colour; hovering or lassoing in one panel marks the same rows in all."
    )
    labelings, data = chosen.labelings, chosen.data
    reference = labelings[-1].labels if labelings[-1].is_truth else labelings[0].labels
    per_row = 3 if len(labelings) >= 3 else 2
    ordered = ([labelings[-1]] + labelings[:-1]) if labelings[-1].is_truth else labelings
    for start in range(0, len(ordered), per_row):
        columns = st.columns(per_row)
        for column, labeling in zip(columns, ordered[start : start + per_row]):
            with column:
                st.markdown(f"**{plain(labeling.name if len(labeling.name) <= 34 else labeling.name[:33] + '…')}**")
                if labeling.is_truth:
                    codes, legend = matched_colour_codes(labeling.labels, reference)
                    for entry in legend:  # the categories' own names, not their codes, in the legend and on the map
                        entry["name"] = ", ".join(
                            chosen.label(labeling.name, part)
                            for part in entry["name"].removeprefix("cluster ").split(", ")
                            if part
                        )
                        largest = entry["label"].removeprefix("cluster ")
                        entry["label"] = chosen.label(labeling.name, largest) if largest else ""
                else:
                    codes, legend = matched_colour_codes(
                        labeling.labels, reference, chosen.cluster_names.get(labeling.name)
                    )
                scatter(
                    chosen.xy,
                    codes,
                    legend,
                    hover_text=chosen.hover,
                    images=data.vectors if data.image_shape else None,
                    image_shape=data.image_shape,
                    height=340,
                    key=f"compare-{labeling.name}",
                    link=f"compare-{data.fingerprint[:12]}",
                )
                scatter_buttons(chosen.xy, codes, legend, labeling.name, key=f"compare-{labeling.name}")
