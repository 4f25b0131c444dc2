"""Static figures with matplotlib: the scatter (PNG at a chosen DPI, or SVG) and the comparison charts.

In SVG, points are rasterised inside the vector file above `FIGURE_VECTOR_POINTS` (as scanpy's `vector_friendly`):
text, axes and legend stay vectors while a million circles do not make an unopenable file.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import numpy as np

from clustering.limits import FIGURE_MAX_PIXELS, FIGURE_VECTOR_POINTS, LEGEND_MAX
from clustering.visual.colours import NOISE_CODE, NOISE_COLOUR
from clustering.visual.map_labels import is_free, map_labels

FORMATS = ("png", "svg")
NARROW_INCHES = 6.0  # a figure narrower than this has its legend below the points
FIGURE_NAME_MIN_SHARE = 0.02  # a group of at least this share of the rows has its name on a figure where room is
SPOTS = 24  # a name with no room on its points tries the free places of a SPOTS x SPOTS grid, nearest first
# a soft white box rather than a stroked halo: matplotlib draws stroked text as paths, and the SVG's names should
# stay text (searchable, editable)
HALO = {"boxstyle": "round,pad=0.12", "facecolor": (1, 1, 1, 0.72), "edgecolor": "none"}


def blank_figure(width: float, height: float):
    """A matplotlib Figure without pyplot: no global state, safe to build in a download thread."""
    # deferred: matplotlib (0.3 s) loads only for static figures
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def figure_format(path: str | Path) -> str:
    """'png' or 'svg' from a file name; anything else is refused with the choices."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: write a .png or .svg figure (got '.{suffix}').")
    return suffix


def scatter_figure(
    xy: np.ndarray,
    codes: np.ndarray,
    legend: list[dict],
    *,
    title: str = "",
    width: float = 8.0,
    height: float = 6.0,
    point_size: float | None = None,
    labels: bool = True,
):
    """A matplotlib Figure of the scatter coloured as the app colours it (codes and legend of `colour_codes`).

    `labels` writes each group's name on its points (largest first; one that would overlap another is left out).
    """
    # deferred: matplotlib (0.3 s) loads only for static figures
    from matplotlib.lines import Line2D

    xy = np.asarray(xy, dtype=np.float64)
    codes = np.asarray(codes)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(codes):
        raise ValueError(f"the scatter needs n x 2 positions and n codes; got {xy.shape} and {len(codes)}.")
    figure = blank_figure(width, height)
    axes = figure.subplots()
    size = point_size if point_size is not None else float(np.clip(6000 / max(len(xy), 1), 0.8, 12))
    rasterized = len(xy) > FIGURE_VECTOR_POINTS.whole()
    noise = codes == NOISE_CODE
    if noise.any():
        axes.scatter(
            xy[noise, 0],
            xy[noise, 1],
            s=size,
            c=NOISE_COLOUR,
            linewidths=0,
            rasterized=rasterized,
            label=f"noise ({int(noise.sum()):,})",
        )
    order = np.random.default_rng(0).permutation(np.flatnonzero(~noise))  # no group painted wholly on top
    colours = np.array([entry["colour"] for entry in legend] or ["#3b5bdb"])
    axes.scatter(
        xy[order, 0],
        xy[order, 1],
        s=size,
        c=colours[codes[order].astype(int) % len(colours)],
        linewidths=0,
        rasterized=rasterized,
    )
    shown = [entry for entry in legend if not entry.get("hidden")]
    handles = [
        Line2D([], [], marker="o", linestyle="", color=entry["colour"], label=f"{entry['name']} ({entry['size']:,})")
        for entry in shown[: LEGEND_MAX.whole()]
    ]
    if len(shown) > LEGEND_MAX.whole():
        handles.append(Line2D([], [], linestyle="", label=f"… {len(shown) - LEGEND_MAX.whole()} more"))
    if noise.any():
        handles.append(
            Line2D([], [], marker="o", linestyle="", color=NOISE_COLOUR, label=f"noise ({int(noise.sum()):,})")
        )
    if handles and width >= NARROW_INCHES:
        axes.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
    elif handles:  # a narrow figure keeps its width for the points: the legend goes below them
        figure.legend(
            handles=handles, loc="outside lower center", ncols=2 if width >= 5 else 1, frameon=False, fontsize=7
        )
    axes.set_xticks([])
    axes.set_yticks([])
    axes.set_aspect("equal", adjustable="datalim")
    for spine in axes.spines.values():
        spine.set_visible(False)
    if title:  # wrapped to the figure's width, so a long title is never cut
        axes.set_title(textwrap.fill(title, width=max(20, int(width * 11))), fontsize=11)
    if labels and legend:
        _label_groups(figure, axes, xy, codes, legend)
    return figure


def _label_groups(figure, axes, xy: np.ndarray, codes: np.ndarray, legend: list[dict]) -> None:
    """Names at the groups' anchors (`map_labels`), dark on a pale box; overlapping ones moved, shrunk or wrapped.

    A group of at least FIGURE_NAME_MIN_SHARE of the rows that finds no room on its points is written at the
    nearest free place with a line to its points; smaller groups that find none, and any group when the figure has
    no free place left, are named in the legend only: names never overlap.
    """
    # deferred: matplotlib (0.3 s) loads only for static figures
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    figure.draw_without_rendering()  # settles the layout, so the texts' extents are final
    renderer = figure.canvas.get_renderer()
    kept: list = []
    total = max(int((codes != NOISE_CODE).sum()), 1)
    for index, label in enumerate(map_labels(xy, codes, legend)):
        text = axes.text(
            label["x"],
            label["y"],
            label["text"],
            ha="center",
            va="center",
            fontsize=label["font"] * 0.5,
            fontweight="bold",
            color="#1f2430",
            bbox=HALO,
            gid=f"map-label-{index}",
            clip_on=True,
        )
        if _on_its_points(text, label, axes, renderer, kept):
            continue
        text.remove()
        if label["rows"] / total >= FIGURE_NAME_MIN_SHARE:
            _with_a_line(axes, renderer, label, index, kept)


def _on_its_points(text, label: dict, axes, renderer, kept: list) -> bool:
    """Try the name on its points, above, below, smaller, then on two lines; True (and its box kept) when free."""
    wrapped = textwrap.fill(label["text"], width=max(12, len(label["text"]) // 2 + 1))
    tries = [(label["text"], 1.0, 0.0), (label["text"], 1.0, 1.0), (label["text"], 1.0, -1.0)]
    tries += [(label["text"], 0.8, 0.0), (wrapped, 0.8, 0.0), (wrapped, 0.65, 0.0), (wrapped, 0.65, 1.0)]
    for shown, shrink, shift in tries:
        text.set_text(shown)
        text.set_fontsize(label["font"] * 0.5 * shrink)
        text.set_position((label["x"], label["y"]))
        if shift:
            height = text.get_window_extent(renderer).height
            x, y = axes.transData.transform((label["x"], label["y"]))
            text.set_position(axes.transData.inverted().transform((x, y + shift * height * 1.1)))
        if _free_inside(text.get_window_extent(renderer), axes, renderer, kept):
            return True
    return False


def _free_inside(box, axes, renderer, kept: list) -> bool:

    frame = axes.get_window_extent(renderer)
    corners = (box.x0, box.y0, box.x1, box.y1)
    if frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1) and is_free(corners, kept):
        kept.append(corners)
        return True
    return False


def _with_a_line(axes, renderer, label: dict, index: int, kept: list) -> None:
    """A large group's name at the free place nearest its points (a grid over the axes), joined by a thin line."""
    anchor = axes.transData.transform((label["x"], label["y"]))
    frame = axes.get_window_extent(renderer)
    spots = [
        (frame.x0 + frame.width * (i + 0.5) / SPOTS, frame.y0 + frame.height * (j + 0.5) / SPOTS)
        for i in range(SPOTS)
        for j in range(SPOTS)
    ]
    spots.sort(key=lambda spot: (spot[0] - anchor[0]) ** 2 + (spot[1] - anchor[1]) ** 2)
    note = axes.text(
        label["x"],
        label["y"],
        textwrap.fill(label["text"], width=max(12, len(label["text"]) // 2 + 1)),
        ha="center",
        va="center",
        fontsize=label["font"] * 0.5 * 0.65,
        fontweight="bold",
        color="#1f2430",
        bbox=HALO,
        gid=f"map-label-{index}",
        clip_on=True,
        zorder=3,
    )
    for spot in spots:
        where = tuple(axes.transData.inverted().transform(spot))
        note.set_position(where)
        if _free_inside(note.get_window_extent(renderer), axes, renderer, kept):
            line = {"arrowstyle": "-", "color": "#1f2430", "linewidth": 0.6, "shrinkA": 0, "shrinkB": 2}
            axes.annotate("", xy=(label["x"], label["y"]), xytext=where, arrowprops=line, zorder=2)
            return
    note.remove()  # no free place anywhere: named in the legend only, never drawn over another name


def heatmap_figure(
    matrix: np.ndarray,
    rows: list[str],
    columns: list[str],
    *,
    title: str = "",
    width: float = 6.0,
    height: float = 5.0,
    annotate: bool = True,
):
    """A heatmap (agreement or contingency), darker for larger values."""
    matrix = np.asarray(matrix, dtype=np.float64)
    figure = blank_figure(width, height)
    axes = figure.subplots()
    axes.imshow(np.nan_to_num(matrix), cmap="Blues", aspect="auto")
    axes.set_xticks(range(len(columns)), labels=columns, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), labels=rows, fontsize=8)
    if annotate and matrix.size <= 400:
        peak = np.nanmax(matrix) if np.isfinite(matrix).any() else 1.0
        for (i, j), value in np.ndenumerate(matrix):
            text = "" if not np.isfinite(value) else (f"{value:.2f}" if value != round(value) else f"{int(value)}")
            axes.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if np.isfinite(value) and value > 0.6 * peak else "#1f2430",
            )
    if title:  # wrapped to the figure's width, so a long title is never cut
        axes.set_title(textwrap.fill(title, width=max(20, int(width * 11))), fontsize=11)
    return figure


def check_figure_size(width: float, height: float, dpi: int) -> None:
    """Refuse a size that no one can draw: dpi 10-1200 and at most FIGURE_MAX_PIXELS in all (SVG rasterises
    its points at this dpi too)."""
    if not 10 <= dpi <= 1200:
        raise ValueError(f"dpi must be between 10 and 1200; got {dpi}.")
    pixels = width * height * dpi * dpi
    if pixels > FIGURE_MAX_PIXELS.value():
        raise ValueError(
            f"a {width:g} x {height:g} inch figure at {dpi} dpi is {pixels / 1e6:,.0f} megapixels, over the limit of "
            f"{FIGURE_MAX_PIXELS.value() / 1e6:,.0f} (setting CLUSTERLAB_FIGURE_MAX_PIXELS); lower the dpi or the size."
        )


def figure_bytes(figure, fmt: str, dpi: int = 150) -> bytes:
    """The figure as PNG (at `dpi`) or SVG bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"figure format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    width, height = figure.get_size_inches()
    check_figure_size(float(width), float(height), dpi)
    # deferred: matplotlib (0.3 s) loads only for static figures
    from matplotlib import rc_context

    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable, editable, one element per label
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata={"Software": "Clusterlab"} if fmt == "png" else None)
    return buffer.getvalue()
