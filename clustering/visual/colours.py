"""Colours and hover text shared by the app's scatter, the HTML report and static figures."""

from __future__ import annotations

import colorsys
import re
import unicodedata

import numpy as np
import pandas as pd

from clustering.data import column_kind
from clustering.evaluate.compare import matched_codes
from clustering.limits import HOVER_COLUMNS, HOVER_TEXT_CHARS, HOVER_TEXT_ROWS, SHOWN_NAME_CHARS

NOISE_CODE = 65535
NOISE_COLOUR = "#b8b8bd"
TAB20 = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#637939",  # tab20's grey (#7f7f7f) would read as noise (#b8b8bd) on a projector: a dark olive instead
    "#aec7e8",
    "#ffbb78",
    "#98df8a",
    "#ff9896",
    "#c5b0d5",
    "#c49c94",
    "#f7b6d2",
    "#9edae5",
    "#dbdb8d",
    "#393b79",
]
RAMP = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725"]


BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: object) -> str:
    """Text with its bidi controls (U+202E and friends, which reorder what a reader sees) removed."""
    return BIDI_CONTROLS.sub("", str(text))


def shown_name(text: object, width: int | None = None) -> str:
    """A name as maps, legends and figures draw it: control and format characters (bidi overrides such as U+202E)
    removed, and cut to `width` characters with "…"."""
    width = SHOWN_NAME_CHARS.whole() if width is None else width
    clean = "".join(c for c in str(text) if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    return clean if len(clean) <= width else clean[: width - 1].rstrip() + "…"


def shown_legend(legend: list[dict]) -> list[dict]:
    """Legend entries with `name` and `label` as drawn (`shown_name`), the whole name kept in `full_name`."""
    for entry in legend:
        entry["full_name"] = without_bidi(entry.get("full_name") or entry["name"])
        entry["name"] = shown_name(entry["name"])
        if "label" in entry:
            entry["label"] = shown_name(entry["label"])
    return legend


def palette(count: int) -> list[str]:
    """`count` distinct colours: tab20, then golden-angle hues beyond 20 groups."""
    if count <= len(TAB20):
        return TAB20[: max(count, 1)]
    colours = []
    for i in range(count):
        r, g, b = colorsys.hls_to_rgb((i * 0.618034) % 1.0, 0.5 + 0.12 * ((i // 7) % 2), 0.65)
        colours.append(f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}")
    return colours


def colour_codes(values: np.ndarray | pd.Series, noise_negative: bool = True) -> tuple[np.ndarray, list[dict]]:
    """uint16 codes plus legend entries {name, colour, size}; negative labels (noise) get NOISE_CODE.

    A metadata column (`noise_negative=False`) that is a number by `column_kind` is binned into deciles on a viridis
    ramp; labels are never binned.
    """
    series = pd.Series(values).reset_index(drop=True)
    if not noise_negative and column_kind(series) == "number":
        bins = pd.qcut(series.rank(method="first"), q=min(10, series.notna().sum()), labels=False)
        edges = series.quantile(np.linspace(0, 1, int(bins.max()) + 2)).to_numpy()
        names = [f"{edges[i]:.3g} – {edges[i + 1]:.3g}" for i in range(int(bins.max()) + 1)]
        map_names = names
        codes = bins.fillna(-1).astype(int).to_numpy()
        colours = RAMP[: len(names)] if len(names) <= len(RAMP) else palette(len(names))
    else:
        numeric = pd.to_numeric(series, errors="coerce")
        if numeric.notna().all() and noise_negative:
            integer = numeric.astype(int).to_numpy()
            uniques = np.unique(integer[integer >= 0])
            codes = np.full(len(integer), -1)
            codes[integer >= 0] = np.searchsorted(uniques, integer[integer >= 0])
            names = [str(u) for u in uniques]
            map_names = [f"cluster {u}" for u in uniques]
        else:
            codes, uniques = pd.factorize(series.astype(str).where(series.notna(), None), sort=True)
            names = [str(u) for u in uniques]
            map_names = names
        colours = palette(len(names))
    codes = np.asarray(codes)
    sizes = np.bincount(codes[codes >= 0], minlength=len(names))
    legend = [
        {"name": name, "label": map_names[i], "colour": colours[i % len(colours)], "size": int(sizes[i])}
        for i, name in enumerate(names)
    ]
    out = np.where(codes >= 0, codes % NOISE_CODE, NOISE_CODE).astype(np.uint16)  # past 65,534 groups colours repeat
    return out, shown_legend(legend)


def named_colour_codes(labels: np.ndarray, names: dict[int, str] | None = None) -> tuple[np.ndarray, list[dict]]:
    """Colour codes of cluster labels, the legend reading 'cluster · name' where a name is given."""
    codes, legend = colour_codes(np.asarray(labels))
    for entry in legend:
        cluster = int(entry["name"])
        if names and names.get(cluster):
            entry["name"] = entry["full_name"] = f"{cluster} · {names[cluster]}"
            entry["label"] = names[cluster]
    return codes, shown_legend(legend)


def matched_colour_codes(
    labels: np.ndarray, reference: np.ndarray, names: dict[int, str] | None = None
) -> tuple[np.ndarray, list[dict]]:
    """Colour codes matched to a reference clustering (Hungarian), so one group keeps its colour across panels.

    `names` (the user's cluster names) replace the cluster numbers in the legend where given.
    """

    labels = np.asarray(labels)
    matched = matched_codes(reference, labels)
    count = int(matched.max(initial=-1)) + 1
    colours = palette(max(count, 1))
    legend = []
    for code in range(count):
        members = matched == code
        own = np.unique(labels[members])
        shown = [f"{v} · {names[int(v)]}" if names and int(v) in names else str(v) for v in own[:3]]
        name = ("cluster " + ", ".join(shown)) if len(own) else ""
        largest = int(pd.Series(labels[members]).value_counts().index[0]) if len(own) else -1
        label = (names or {}).get(largest) or (f"cluster {largest}" if len(own) else "")
        legend.append(
            {
                "name": name,
                "label": label,
                "colour": colours[code % len(colours)],
                "size": int(members.sum()),
                "hidden": not members.any(),
            }
        )
    return np.where(matched >= 0, matched, NOISE_CODE).astype(np.uint16), shown_legend(legend)


def hover_columns(columns, text_column: str | None) -> list[str]:
    """The columns a map's hover shows by default (reports, the notebook map): the text first, then the others but
    `row`, up to CLUSTERLAB_HOVER_COLUMNS."""
    others = [str(c) for c in columns if c not in ("row", text_column)]
    return (([text_column] if text_column else []) + others)[: HOVER_COLUMNS.whole()]


def hover_lines(metadata: pd.DataFrame, columns: list[str], width: int = 90, whole: str | None = None) -> str | None:
    """One line of 'column: value · ...' per row (values cut at `width`; the `whole` column, the text, at
    HOVER_TEXT_CHARS), or None past the setting CLUSTERLAB_HOVER_TEXT_ROWS (the app then fetches a hovered row's
    text on demand)."""

    if not columns or len(metadata) > HOVER_TEXT_ROWS.value():
        return None
    parts = []
    for column in columns:
        text = metadata[column].astype(str).str.replace("\n", " ", regex=False).str.replace("\r", " ", regex=False)
        cut = HOVER_TEXT_CHARS.whole() if column == whole else width
        text = text.where(text.str.len() <= cut, text.str.slice(0, cut - 1) + "…")
        parts.append(f"{column}: " + text)
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + " · " + part
    return "\n".join(joined.tolist())


def image_bytes(images: np.ndarray) -> bytes:
    """Images (n x pixels) scaled to 0-255 uint8, as the scatter's hover previews take them."""
    scaled = images / max(float(np.max(images)), 1e-9) * 255
    return np.clip(scaled, 0, 255).astype(np.uint8).tobytes()
