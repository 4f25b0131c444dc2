"""Explore: 2-D projection coloured by any run, truth or metadata; hover, lasso, drill down."""

from __future__ import annotations

import numpy as np
import streamlit as st

from clustering.app import projects
from clustering.app.exports import scatter_buttons
from clustering.app.history import find_run
from clustering.app.jobs import start_job
from clustering.app.layouts import drawn_rows, layout_note, page_layout
from clustering.app.page import page_data
from clustering.app.scatter import colour_codes, hover_lines, matched_colour_codes, scatter
from clustering.app.state import add_run, cluster_keywords, runs_for
from clustering.app.text import plain
from clustering.app.views.edit_clusters import edit_section
from clustering.app.views.map_tools import (
    chart_picker,
    drawn_charts,
    focus_row,
    held_filter,
    hover_detail,
    neighbours,
    neighbours_section,
    take_reply,
    uncertain_marks,
    zoom_labels,
    zoom_levels_row,
)
from clustering.app.views.selection_stats import differences_section
from clustering.app.widgets import parameter_form
from clustering.backends import BACKENDS
from clustering.data import column_kind
from clustering.graph.projection import PROJECTIONS
from clustering.run.pipeline import run_subset
from clustering.visual.colours import shown_legend
from clustering.visual.search import search_rows


def render() -> None:
    data, preprocess = page_data("Explore")
    c1, c2, c3 = st.columns([1, 2, 2])
    method = c1.selectbox("Projection", list(PROJECTIONS), key="projection", format_func=lambda m: PROJECTIONS[m])
    history = runs_for(data)
    colour, describe = colour_choice(data, history, c2)
    hover_default = [data.text_column] if data.text_column else [c for c in data.metadata.columns][:2]
    hover_columns = c3.multiselect("Hover shows", list(data.metadata.columns), default=hover_default, key="hover-cols")
    xy = page_layout(data, preprocess, method)
    codes, legend, run_labels, shown_rows = colours(data, history, colour)
    tools = st.columns([3, 1, 2, 2], vertical_alignment="bottom")  # one row, so the map sits above the fold
    charts = chart_picker(data, tools[0])
    # the map's last reply, taken before anything is drawn, so a click's neighbours or a hovered row's text show
    # in this run (the component's value is in the session state under its key)
    view = shown_rows if shown_rows is not None else drawn_rows(data.n)
    view = view if view is not None else np.arange(data.n)
    take_reply(data, st.session_state.get(scatter_key(data, shown_rows)), view, xy, charts)
    levels = zoom_labels(data, preprocess, xy, view, tools[1], run_labels) if shown_rows is None else None
    matches = search(data, tools[2])
    near = neighbours(data, preprocess)
    active = find_run(history, colour[4:]).result if colour.startswith("run:") else None
    uncertain = uncertain_marks(data, active, tools[3])
    marked = near if near is not None else matches if matches is not None else uncertain
    selection = draw(data, xy, codes, legend, run_labels, shown_rows, marked, hover_columns, method, charts, levels)
    if shown_rows is None:
        zoom_levels_row(data, preprocess, run_labels)
    neighbours_section(data, preprocess, run_labels)
    scatter_buttons(
        selection["xy"],
        selection["codes"],
        selection["legend"],
        f"{data.name} · {describe(colour)} · {method.upper()}",
        key="explore",
    )
    selection_section(data, preprocess, run_labels)
    if colour.startswith("run:"):
        chosen = st.session_state.get("selection")
        rows = chosen["rows"] if chosen and chosen["fingerprint"] == data.fingerprint else None
        edit_section(data, preprocess, find_run(history, colour[4:]), rows)


def scatter_key(data, shown_rows) -> str:
    """The scatter's widget key: one per dataset, another when zoomed to a drill-down's rows."""
    return f"scatter-{data.fingerprint[:8]}" + ("-zoom" if shown_rows is not None else "")


def colour_choice(data, history: list, where):
    """The Colour-by picker (runs newest first, then colourable metadata columns) and how options read."""
    colourable = [
        c
        for c in data.metadata.columns  # numbers, or categories (the one rule of column kinds)
        if column_kind(data.metadata[c]) in ("number", "category")
    ]
    colour_options = [f"run:{r.id}" for r in reversed(history)] + [f"column:{c}" for c in colourable]
    if not colour_options:
        colour_options = ["none"]
    active = st.session_state.get("active_run")
    default_colour = f"run:{active}" if f"run:{active}" in colour_options else colour_options[0]

    def describe(option: str) -> str:
        if option.startswith("run:"):
            return "run: " + find_run(history, option[4:]).name
        return option.replace("column:", "column: ")

    colour = where.selectbox(
        "Colour by", colour_options, index=colour_options.index(default_colour), format_func=describe, key="colour-by"
    )
    return colour, describe


def colours(data, history: list, colour: str):
    """Codes and legend for the chosen colouring; a run's labels and, for a drill-down, the rows to zoom to."""
    run_labels = None  # the colouring run's labels, for the selection table
    shown_rows: np.ndarray | None = None  # a drill-down is drawn on its own rows, zoomed in
    if colour.startswith("run:"):
        entry = find_run(history, colour[4:])
        result = entry.result
        run_labels = result.labels
        if entry.rows is not None and st.toggle("Zoom to the drill-down's rows", value=True, key="drill-zoom"):
            shown_rows = np.asarray(entry.rows)
        terms = cluster_keywords(data, colour[4:], result.labels) if data.text_column else {}
        terms = {**terms, **projects.legend_names(colour[4:])}  # the user's names win
        truth = st.session_state.get("kept:truth")  # the truth chosen on Cluster or Compare
        if truth in data.truth_candidates():  # one rule: colours matched to the truth, as Compare and the report
            codes, legend = matched_colour_codes(result.labels, data.labels(truth), terms)
            st.caption(f"Colours matched to the truth ({plain(truth)}), as on Compare and in reports.")
            return codes, legend, run_labels, shown_rows
        codes, legend = colour_codes(result.labels)
        for item in legend:
            cluster = int(item["name"])
            item["name"] = item["full_name"] = f"cluster {cluster}" + (
                f" · {terms[cluster]}" if terms.get(cluster) else ""
            )
            item["label"] = terms.get(cluster) or f"cluster {cluster}"
        legend = shown_legend(legend)
    elif colour.startswith("column:"):
        codes, legend = colour_codes(data.metadata[colour[7:]], noise_negative=False)
    else:
        codes, legend = np.zeros(data.n, dtype=np.uint16), [{"name": "all", "colour": "#3b5bdb", "size": data.n}]

    return codes, legend, run_labels, shown_rows


def search(data, where) -> np.ndarray | None:
    """Rows whose text or metadata contains the search words (marked on the scatter), or None."""
    query = where.text_input(
        "Search points",
        key="search",
        placeholder="a word of the text, or a metadata value",
        help="Rows whose text or any metadata value contains this (case ignored) are marked on the scatter.",
    )
    matches = search_rows(data.metadata, query) if query.strip() else None
    if matches is not None:
        where.caption(f"Matches: {len(matches):,}")
        if len(matches) and where.button("Use the matches as the selection", key="search-select"):
            st.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": matches}
    return matches


def draw(data, xy, codes, legend, run_labels, shown_rows, marked, hover_columns, method: str, charts, levels) -> dict:
    """The scatter (a sample over the browser budget, a drill-down zoomed) with its filter charts; what it sends
    back becomes the selection or the clicked point."""
    drawn = drawn_rows(data.n)  # over the browser budget: a uniform sample is drawn, selections cover every row
    view = shown_rows if shown_rows is not None else drawn if drawn is not None else np.arange(data.n)
    if shown_rows is not None and run_labels is not None:  # legend and colours of the drill-down's rows only
        codes, legend = colour_codes(run_labels[shown_rows])
        legend = [{**entry, "name": f"cluster {entry['name']}"} for entry in legend]
        st.caption(f"The drill-down's {len(shown_rows):,} rows, zoomed in; the other rows are not drawn.")
    else:
        shown_rows = None
        if drawn is not None:
            codes = codes[drawn]
            st.info(
                f"Showing {len(drawn):,} of {data.n:,} points ({100 * len(drawn) / data.n:.0f}%), a uniform random "
                "sample; legend counts are of every row, and a lasso or box selects every row inside it, drawn or not."
            )
    note = layout_note(data.n, method)
    if note:
        st.caption(note)
    focus = focus_row(data)
    hover_text = hover_lines(data.metadata.iloc[view].reset_index(drop=True), hover_columns, whole=data.text_column)
    scatter(  # its reply was taken before drawing (render): the component's value is in the session state
        xy[view],
        codes,
        legend,
        hover_text=hover_text,
        hover_detail=hover_detail(data, hover_columns) if hover_text is None else None,
        ask_hover=bool(hover_columns),
        labels=levels,
        images=data.vectors[view] if data.image_shape else None,
        image_shape=data.image_shape,
        key=scatter_key(data, shown_rows),
        marked=None if marked is None else np.flatnonzero(np.isin(view, marked)),
        charts=drawn_charts(charts, view),
        chart_filter=held_filter(data),
        focus=int(np.flatnonzero(view == focus)[0]) if focus is not None and (view == focus).any() else None,
    )
    st.caption(
        "Drag to pan, wheel to zoom, hover for details, click a point for its nearest neighbours. Lasso or Box "
        "selects points; click a legend entry to highlight that group. Noise is grey and drawn behind."
    )

    return {"xy": xy[view], "codes": codes, "legend": legend}


def selection_section(data, preprocess: str, run_labels) -> None:
    """The selected rows as a table and a download, and a drill-down: re-cluster just these rows (a job)."""
    chosen = st.session_state.get("selection")
    if chosen is not None and chosen["fingerprint"] == data.fingerprint and len(chosen["rows"]):
        rows = chosen["rows"]
        st.subheader(f"Selection: {len(rows):,} rows")
        table = data.metadata.iloc[rows].copy()
        table.insert(0, "row", rows)
        if run_labels is not None:
            table.insert(1, "cluster", run_labels[rows])
        st.dataframe(table.head(1000), width="stretch", hide_index=True, height=240)
        st.download_button(
            "Download selected rows (CSV)", table.to_csv(index=False), file_name="selection.csv", mime="text/csv"
        )
        differences_section(data, np.asarray(rows))
        st.markdown("**Re-cluster the selection** (drill down: a new run on just these rows)")
        drill_method = st.selectbox(
            "Method", list(BACKENDS), key="drill-method", format_func=lambda n: BACKENDS[n].title
        )
        drill_params, problem = parameter_form(BACKENDS[drill_method], key_prefix="drill")
        if problem:
            st.error(plain(problem))
        busy = "job" in st.session_state or len(rows) < 3 or bool(problem)
        if st.button("Re-cluster selection", type="primary", disabled=busy):
            picked_rows = np.asarray(rows)

            def show_new_run(res, picked_rows=picked_rows):
                entry = add_run(data, res, rows=picked_rows)
                st.session_state["colour-by"] = f"run:{entry.id}"

            start_job(
                f"re-clustering {len(rows):,} rows",
                run_subset,
                {
                    "dataset": data,
                    "rows": np.asarray(rows),
                    "method": drill_method,
                    "params": drill_params,
                    "preprocess": preprocess,
                },
                show_new_run,
            )
            st.rerun()
