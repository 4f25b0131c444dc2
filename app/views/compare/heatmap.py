"""The one heatmap of the Compare page: a labelled matrix with its numbers, and its PNG/SVG buttons."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from clustering.app import projector
from clustering.app.exports import heatmap_buttons

# light to dark, as matplotlib's Blues (plotly's own "Blues" runs dark to light): darker = larger
BLUES = [[0.0, "#f7fbff"], [0.25, "#c6dbef"], [0.5, "#6baed6"], [0.75, "#2171b5"], [1.0, "#08306b"]]


def show_heatmap(
    matrix: np.ndarray,
    columns: list[str],
    rows: list[str],
    title: str,
    key: str,
    *,
    text: np.ndarray | None = None,
    reverse: bool = False,
    height: int = 320,
    categories: bool = False,
    where=None,
    scale: tuple[float, float] | None = None,
) -> None:
    """Draw `matrix` (rows top to bottom) in blues, darker = larger (`reverse`: darker = smaller), with its
    numbers in the cells; `scale` fixes the values of the lightest and darkest blue (ARI's 0 and 1), so the same
    value has the same colour in every chart; `where` is the column or container to draw in (default: the page)."""
    low, high = scale if scale is not None else (float(np.nanmin(matrix)), float(np.nanmax(matrix)))
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=columns,
            y=rows,
            colorscale=BLUES,
            zmin=low,
            zmax=high if high > low else low + 1,
            text=matrix if text is None else text,
            texttemplate="%{text}",
            showscale=False,
            reversescale=reverse,
        )
    )
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), yaxis_autorange="reversed")
    if categories:
        figure.update_layout(xaxis_type="category", yaxis_type="category")
    projector.chart(figure, key=key, where=where)
    with where if where is not None else st.container():
        heatmap_buttons(np.asarray(matrix), rows, columns, title, key=key)
