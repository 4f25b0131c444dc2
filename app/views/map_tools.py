"""What Explore's map answers besides colours: metadata charts that filter it, and a clicked point's neighbours."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app.state import add_run
from clustering.app.text import plain
from clustering.data import Dataset
from clustering.evidence.confidence import UNCERTAIN_BELOW
from clustering.explainers.keywords import keyword_labels
from clustering.graph.neighbors import nearest_rows
from clustering.graph.preprocess import prepared
from clustering.limits import ZOOM_NAMES_ROWS
from clustering.run.levels import zoom_levels
from clustering.visual.colours import hover_lines
from clustering.visual.filters import CHARTS_DEFAULT, FilterChart, chart_columns, filter_charts, filtered_rows
from clustering.visual.map_labels import level_labels
from clustering.visual.regions import rows_in_polygon

NEIGHBOURS = 10


@st.cache_resource(max_entries=8, show_spinner="Binning the metadata for the charts…")
def cached_charts(fingerprint: str, columns: tuple[str, ...], _data: Dataset) -> list[FilterChart]:
    """Every row's bin in each chosen column, once per dataset and choice of columns."""
    return filter_charts(_data.metadata, list(columns))


def chart_picker(data: Dataset, where) -> list[FilterChart]:
    """The columns charted under the map (the user picks; a few by default), binned for every row."""
    candidates = chart_columns(data.metadata, exclude=(data.text_column, data.id_column))
    if not candidates:
        return []
    chosen = where.multiselect(
        "Filter charts",
        candidates,
        default=candidates[:CHARTS_DEFAULT],
        key=f"chart-columns-{data.fingerprint[:8]}",
        help="A histogram or bar chart per column under the map: brush a range or click bars to filter the map "
        "and the other charts; the rows kept become the selection (drill down, export, name them).",
    )
    return cached_charts(data.fingerprint, tuple(chosen), data) if chosen else []


def drawn_charts(charts: list[FilterChart], view: np.ndarray) -> list[FilterChart]:
    """The charts' codes for the drawn rows (the browser counts what it draws; Python filters every row)."""
    return [replace(chart, codes=chart.codes[view]) for chart in charts]


def held_filter(data: Dataset) -> dict[str, list[int]]:
    """The bins chosen in the charts, kept across reruns for this dataset."""
    held = st.session_state.get("chart_filter")
    return held["filters"] if held and held["fingerprint"] == data.fingerprint else {}


def take_reply(data: Dataset, reply: dict | None, view: np.ndarray, xy: np.ndarray, charts: list[FilterChart]) -> None:
    """Turn the map's reply into state: a filter or a lasso becomes the selection (every row, drawn or not); a
    click becomes the point whose neighbours are listed."""
    if not isinstance(reply, dict) or reply.get("nonce") == st.session_state.get("selection_nonce"):
        return
    st.session_state["selection_nonce"] = reply.get("nonce")
    try:
        _take(data, reply, view, xy, charts)
    except (TypeError, ValueError, IndexError, AttributeError):
        return  # a reply of another shape than the map sends: ignored, nothing changed


def _take(data: Dataset, reply: dict, view: np.ndarray, xy: np.ndarray, charts: list[FilterChart]) -> None:
    kind = reply.get("kind", "select")
    if kind == "hover":  # a point hovered on a map too large to carry every row's hover text
        row = int(reply.get("row", -1))
        if 0 <= row < len(view):
            st.session_state["hover_row"] = {"fingerprint": data.fingerprint, "row": int(view[row]), "drawn": row}
        return
    if kind == "click":
        row = int(reply.get("row", -1))
        if 0 <= row < len(view):
            st.session_state["focus"] = {"fingerprint": data.fingerprint, "row": int(view[row])}
        return
    if kind == "filter":
        filters = {str(k): [int(b) for b in v] for k, v in (reply.get("filters") or {}).items()}
        st.session_state["chart_filter"] = {"fingerprint": data.fingerprint, "filters": filters}
        rows = filtered_rows(charts, filters) if filters else np.zeros(0, dtype=int)
        st.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": rows, "source": "filter"}
        return
    if reply.get("polygon") and len(view) < data.n:  # a sampled view: every row inside, drawn or not
        rows = rows_in_polygon(xy, reply["polygon"])
    else:
        picked = np.asarray(reply.get("rows", []), dtype=np.int64)
        if picked.ndim != 1:
            raise ValueError("rows are a flat list")
        rows = view[picked[(picked >= 0) & (picked < len(view))]].astype(int)
    filters = held_filter(data)
    if filters and charts:  # a lasso on a filtered map selects the shown rows only
        rows = np.intersect1d(rows, filtered_rows(charts, filters))
    st.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": rows, "source": "lasso"}


def hover_detail(data: Dataset, columns: list[str]) -> dict | None:
    """The hovered row's metadata, fetched when the pointer rests on it (maps above the hover-text budget)."""
    hovered = st.session_state.get("hover_row")
    if not hovered or hovered["fingerprint"] != data.fingerprint or not columns:
        return None

    text = hover_lines(data.metadata.iloc[[hovered["row"]]].reset_index(drop=True), columns, whole=data.text_column)
    return {"row": hovered["drawn"], "text": text or ""}


def focus_row(data: Dataset) -> int | None:
    """The clicked point (a data row), if any, for this dataset."""
    focus = st.session_state.get("focus")
    return int(focus["row"]) if focus and focus["fingerprint"] == data.fingerprint else None


@st.cache_data(max_entries=32, show_spinner=False)
def cached_neighbours(fingerprint: str, preprocess: str, row: int, _x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:

    return nearest_rows(_x, row, NEIGHBOURS)


def neighbours(data: Dataset, preprocess: str) -> np.ndarray | None:
    """The clicked point's nearest rows in the clustered space (after preprocessing), or None."""

    row = focus_row(data)
    if row is None or row >= data.n:
        return None
    return cached_neighbours(data.fingerprint, preprocess, row, prepared(data, preprocess))[0]


def neighbours_section(data: Dataset, preprocess: str, run_labels: np.ndarray | None) -> None:
    """The clicked point and its nearest neighbours, with their cluster, text and metadata."""

    row = focus_row(data)
    if row is None or row >= data.n:
        return
    rows, distances = cached_neighbours(data.fingerprint, preprocess, row, prepared(data, preprocess))
    head, clear = st.columns([4, 1])
    head.subheader(f"Row {row} and its {len(rows)} nearest neighbours")
    if clear.button("Clear the point", key="clear-focus"):
        st.session_state.pop("focus", None)
        st.rerun()
    order = np.r_[row, rows]
    table = pd.DataFrame({"row": order, "distance": np.r_[0.0, distances].round(4)})
    if run_labels is not None:
        table["cluster"] = np.asarray(run_labels)[order]
    columns = ([data.text_column] if data.text_column else []) + [
        c for c in data.metadata.columns if c != data.text_column and str(c) != "row"
    ]
    for column in columns[:8]:
        table[str(column)] = data.metadata[column].to_numpy()[order]
    st.caption(
        f"Nearest in {space_words(preprocess)}, the space the clusters were made in (exact distances, not the 2-D "
        "map's); "
        "they are marked on the map. The first line is the point itself."
    )
    st.dataframe(table, hide_index=True, width="stretch", height=min(420, 36 * (len(table) + 1)))


def space_words(preprocess: str) -> str:
    """The clustered space in words: 'the data's own features' without preprocessing, else the steps named."""
    if preprocess in ("", "none"):
        return "the data's own features (no preprocessing)"
    return f"the features after {plain(preprocess)}"


@st.cache_resource(max_entries=8, show_spinner="Clustering at finer levels for the names by zoom…")
def cached_ladder(fingerprint: str, preprocess: str, coarsest: int, _data: Dataset) -> list:
    """The finer Leiden levels of the names by zoom, once per dataset, preprocessing and coarsest count."""
    return zoom_levels(_data, coarsest, preprocess=preprocess)


def zoom_ladder(data: Dataset, preprocess: str, run_labels: np.ndarray | None) -> tuple[np.ndarray | None, int, list]:
    """The map's own clusters (None when coloured by a column), their count and the finer levels above them."""
    base = None if run_labels is None or len(run_labels) != data.n else np.asarray(run_labels)
    coarsest = len(np.unique(base[base >= 0])) if base is not None else 4  # coloured by a column: Leiden from ~16
    return base, coarsest, cached_ladder(data.fingerprint, preprocess, max(coarsest, 1), data)


def zoom_labels(
    data: Dataset, preprocess: str, xy: np.ndarray, view: np.ndarray, where, run_labels: np.ndarray | None = None
) -> list[dict] | None:
    """Names by zoom (on unasked up to ZOOM_NAMES_ROWS rows): the coloured run's own clusters at the first view,
    then a Leiden level about four times finer for each doubling of the zoom, so zooming in names more."""
    if not where.toggle(
        "Names by zoom",
        value=data.n <= ZOOM_NAMES_ROWS.whole(),
        key="zoom-labels",
        help="Zoomed out, the map names the coloured run's clusters; each doubling of the zoom names a Leiden level "
        "about four times finer, so zooming in names more. Keywords name them when there is a text column. "
        f"On by itself up to {ZOOM_NAMES_ROWS.whole():,} rows ({ZOOM_NAMES_ROWS.setting}).",
    ):
        return None

    base, coarsest, results = zoom_ladder(data, preprocess, run_labels)
    levels = ([base] if base is not None else []) + [result.labels for result in results]
    if not levels:
        return None
    names = [level_names(data, data.fingerprint, labels) for labels in levels] if data.text_column else []
    shown = [np.asarray(labels)[view] for labels in levels]
    return level_labels(xy[view], shown, names)


@st.cache_data(max_entries=32, show_spinner=False)
def level_names(_data: Dataset, fingerprint: str, labels: np.ndarray) -> dict[int, str]:
    """Two keywords per cluster of one level, once per dataset and labels (on every rerun of Explore they cost
    1.5 s a level at 50,000 texts)."""
    return keyword_labels(_data.metadata[_data.text_column], labels, top=2)


def zoom_levels_row(data: Dataset, preprocess: str, run_labels: np.ndarray | None) -> None:
    """Under the map, when names by zoom are on: the levels' counts, and a button that keeps the finer levels as
    runs (read from the cache zoom_labels filled)."""
    if not st.session_state.get("zoom-labels"):
        return
    base, coarsest, results = zoom_ladder(data, preprocess, run_labels)
    counts = ([coarsest] if base is not None else []) + [result.n_clusters for result in results]
    words, keep = st.columns([4, 1], vertical_alignment="center")
    words.caption(
        f"Names by zoom: {' → '.join(str(count) for count in counts)} clusters, one level per doubling of the zoom."
    )
    if keep.button(
        "Keep the levels as runs",
        key="levels-keep",
        help="Each finer level becomes a run of its own: colour by it, compare it, explain it, make it the active run.",
        disabled=not results,
    ):
        for index, result in enumerate(results):
            add_run(
                data,
                result,
                name=f"names level {index + 1} of {len(results)} (Leiden, resolution {result.params['resolution']:g})",
            )
        st.rerun()


def uncertain_marks(data: Dataset, result, where) -> np.ndarray | None:
    """The colouring run's uncertain rows (clustered, confidence under UNCERTAIN_BELOW), marked on the map when
    the toggle is on; a button makes them the selection."""

    confidence = None if result is None else result.confidence()
    if confidence is None or len(confidence) != data.n:
        return None
    rows = np.flatnonzero((result.labels >= 0) & (confidence < UNCERTAIN_BELOW))
    shown = where.toggle(
        f"Mark the {len(rows):,} uncertain rows (confidence under {UNCERTAIN_BELOW:g})",
        key="mark-uncertain",
        disabled=not len(rows),
    )
    if shown and where.button("Select them", key="uncertain-select"):
        st.session_state["selection"] = {"fingerprint": data.fingerprint, "rows": rows}
    return rows if shown else None
