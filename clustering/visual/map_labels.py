"""Cluster labels placed on the map: where each group's name goes, how large, and which fit without overlap.

The anchors (one per group) are computed here, once, for the app's scatter, the HTML report and static figures;
the browser resolves overlaps at each zoom (labels hidden when zoomed out come back when zoomed in) and
`place_labels` does the same for a static figure's fixed view. Written by hand: datamapplot's placement needs
its whole plotting stack, and this is a few lines of greedy placement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clustering.limits import MAP_LABELS_MAX
from clustering.visual.colours import NOISE_CODE, colour_codes, shown_name

FONT_MIN_PX = 12.0
FONT_MAX_PX = 19.0


def label_text(entry: dict) -> str:
    """The text a legend entry puts on the map: its `label` (a name, keywords or 'cluster N'), else its name."""
    return str(entry.get("label") or entry.get("name") or "")


def map_labels(xy: np.ndarray, codes: np.ndarray, legend: list[dict], limit: int | None = None) -> list[dict]:
    """One label per coloured group: {code, text, x, y, rows, font, colour}, largest groups first.

    The anchor is the group's member nearest the group's median position, so a label sits on its points even
    for a curved or split group (a plain mean can fall in empty space). Noise gets no label.
    """
    limit = MAP_LABELS_MAX.whole() if limit is None else limit
    xy = np.asarray(xy, dtype=np.float64)
    codes = np.asarray(codes).astype(np.int64)
    if len(xy) != len(codes) or not len(codes):
        return []
    keep = codes != NOISE_CODE
    frame = pd.DataFrame({"code": codes[keep], "x": xy[keep, 0], "y": xy[keep, 1]})
    if frame.empty:
        return []
    grouped = frame.groupby("code")
    medians = grouped[["x", "y"]].median()
    sizes = grouped.size()
    centre = medians.loc[frame["code"]].to_numpy()
    frame["distance"] = (frame["x"].to_numpy() - centre[:, 0]) ** 2 + (frame["y"].to_numpy() - centre[:, 1]) ** 2
    anchors = frame.loc[frame.groupby("code")["distance"].idxmin(), ["code", "x", "y"]].set_index("code")
    largest = int(sizes.max())
    labels = []
    for code in sizes.sort_values(ascending=False, kind="stable").index[:limit]:
        entry = legend[int(code)] if int(code) < len(legend) else {"name": str(code)}
        text = label_text(entry).strip()
        if not text:
            continue
        rows = int(sizes.loc[code])
        labels.append(
            {
                "code": int(code),
                "text": text,
                "x": float(anchors.loc[code, "x"]),
                "y": float(anchors.loc[code, "y"]),
                "rows": rows,
                "font": round(FONT_MIN_PX + (FONT_MAX_PX - FONT_MIN_PX) * float(np.sqrt(rows / largest)), 1),
                "colour": entry.get("colour", "#1f2430"),
            }
        )
    return labels


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def is_free(box: Box, kept: list[Box]) -> bool:
    """Whether a label's box overlaps none of the boxes kept so far."""
    return all(box[2] <= k[0] or box[0] >= k[2] or box[3] <= k[1] or box[1] >= k[3] for k in kept)


def place_labels(boxes: list[Box]) -> list[bool]:
    """Greedy placement in priority order: a box is kept when it overlaps no kept box.

    The rule the browser (scatter.js, `drawLabels`) and static figures (`is_free`) follow, each trying a label on
    its points, just above, just below, then smaller, before leaving it out.
    """
    kept: list[Box] = []
    shown = []
    for box in boxes:
        shown.append(is_free(box, kept))
        if shown[-1]:
            kept.append(box)
    return shown


def level_labels(xy: np.ndarray, levels: list[np.ndarray], names: list[dict[int, str]] | None = None) -> list[dict]:
    """Labels of every level, coarse first, each tagged with its `level` (0 = coarsest): the map shows level 0
    zoomed out and finer levels as it zooms in (each doubling of the zoom, one level finer)."""

    out = []
    for index, labels in enumerate(levels):
        codes, legend = colour_codes(np.asarray(labels))
        given = (names or [])[index] if names and index < len(names) else {}
        for entry in legend:
            entry["label"] = shown_name(given.get(int(entry["name"])) or f"cluster {entry['name']}")
        out += [{**label, "level": index, "code": -1} for label in map_labels(xy, codes, legend)]
    return out
