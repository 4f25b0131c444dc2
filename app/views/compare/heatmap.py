"""The one heatmap of the Compare page: a labelled matrix with its numbers, and its PNG/SVG buttons."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app.exports import heatmap_buttons


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
) -> None:
    """Draw `matrix` (rows top to bottom) in blues, darker = larger (`reverse`: darker = smaller), with its
    numbers in the cells; `where` is the column or container to draw in (default: the page)."""
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=columns,
            y=rows,
            colorscale="Blues",
            text=matrix if text is None else text,
            texttemplate="%{text}",
            showscale=False,
            reversescale=reverse,
        )
    )
    figure.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40, b=10), yaxis_autorange="reversed")
    if categories:
        figure.update_layout(xaxis_type="category", yaxis_type="category")
    target = where if where is not None else st
    target.plotly_chart(figure, width="stretch", key=key)
    with where if where is not None else st.container():
        heatmap_buttons(np.asarray(matrix), rows, columns, title, key=key)
