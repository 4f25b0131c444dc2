"""Python side of the WebGL scatter: compact binary payload (float32 xy, uint16 colour codes).

The scatter's HTML and JavaScript live in the library (clustering/visual/scatter/): reports and the notebook draw
with them too.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import streamlit.components.v1 as components

import clustering.visual
from clustering.app import projector
from clustering.limits import IMAGE_MAX_ROWS
from clustering.visual.colours import (
    NOISE_CODE,
    colour_codes,
    hover_lines,
    image_bytes,
    matched_colour_codes,
    named_colour_codes,
    palette,
)
from clustering.visual.filters import FilterChart, packed_codes
from clustering.visual.map_labels import map_labels as group_labels

SCATTER_ASSETS = Path(clustering.visual.__file__).parent / "scatter"


__all__ = [
    "NOISE_CODE",
    "colour_codes",
    "hover_lines",
    "matched_colour_codes",
    "named_colour_codes",
    "palette",
    "scatter",
]
_component = components.declare_component("clusterlab_scatter", path=str(SCATTER_ASSETS))


def scatter(
    xy: np.ndarray,
    codes: np.ndarray,
    legend: list[dict],
    *,
    hover_text: str | None = None,
    images: np.ndarray | None = None,
    image_shape: tuple[int, int] | None = None,
    height: int = 560,
    key: str = "scatter",
    link: str | None = None,
    shapes: list[dict] | None = None,
    marked: np.ndarray | None = None,
    map_labels: bool = True,
    label_scale: float = 1.0,
    charts: list[FilterChart] | None = None,
    chart_filter: dict[str, list[int]] | None = None,
    focus: int | None = None,
    hover_detail: dict | None = None,
    ask_hover: bool = False,
    labels: list[dict] | None = None,
) -> dict | None:
    """Draw the scatter; returns the last selection {'rows': [...], 'nonce': ...} or None.

    Panels sharing a `link` name mirror each other's hovered row and selection in the browser (no rerun).
    `marked` rows (a search's matches) are shown as a selection in the browser, without a rerun or a reply.
    `shapes` are polygons {points: [[x, y], ...] in data coordinates, colour, opacity} shaded over the points.
    `map_labels` puts each group's name on the map (largest first, never overlapping), `label_scale` sizes them;
    `labels` (e.g. `level_labels`: coarse zoomed out, finer zoomed in) replace the groups' own.
    `charts` (binned for the drawn rows) are drawn under the map and cross-filter it; `chart_filter` restores the
    bins chosen before a rerun. `focus` (a drawn row) is ringed: a clicked point whose neighbours are `marked`.
    With `ask_hover` (no `hover_text`: too many rows), the point the pointer rests on is asked for
    ({kind: 'hover', row}) and `hover_detail` {row, text} brings its text back.
    The reply is {kind: 'select', rows, polygon} | {kind: 'filter', filters, count} | {kind: 'click', row}.
    """
    charts = charts or []
    chart_codes = packed_codes(charts)
    legend = projector.legend_colours(legend)
    if projector.on():
        label_scale *= 1.6
    xy = np.ascontiguousarray(xy, dtype=np.float32)
    codes = np.ascontiguousarray(codes, dtype=np.uint16)
    digest = hashlib.blake2b(digest_size=8)
    for part in (xy.tobytes(), codes.tobytes(), str(legend).encode(), (hover_text or "")[:1000].encode()):
        digest.update(part)
    image_data = None
    if images is not None and image_shape is not None and len(images) <= IMAGE_MAX_ROWS.whole():
        image_data = image_bytes(images)
    return _component(
        xy=xy.tobytes(),
        codes=codes.tobytes(),
        palette=[entry["colour"] for entry in legend] or ["#3b5bdb"],
        legend=legend,
        hover_text=hover_text,
        images=image_data,
        image_shape=list(image_shape) if image_shape else None,
        data_id=digest.hexdigest(),
        height=height,
        key=key,
        default=None,
        link=link,
        shapes=shapes or [],
        labels=(labels if labels is not None else group_labels(xy, codes, legend)) if map_labels else [],
        label_scale=label_scale,
        text_scale=1.5 if projector.on() else 1.0,
        charts=[chart.to_json() for chart in charts],
        chart_codes=chart_codes or None,
        charts_id=hashlib.blake2b(chart_codes + str([c.column for c in charts]).encode(), digest_size=8).hexdigest(),
        chart_filter=chart_filter or {},
        focus=focus,
        hover_detail=hover_detail,
        ask_hover=ask_hover and hover_text is None,
        marked=np.ascontiguousarray(marked, dtype=np.uint32).tobytes() if marked is not None else None,
        marked_id=hashlib.blake2b(np.ascontiguousarray(marked, dtype=np.uint32).tobytes(), digest_size=8).hexdigest()
        if marked is not None
        else "",
    )
