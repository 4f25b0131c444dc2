"""Rows inside a lasso or box drawn on a scatter, found in data coordinates, so rows not drawn are selected too."""

from __future__ import annotations

import numpy as np


def rows_in_polygon(xy: np.ndarray, polygon: list | None) -> np.ndarray:
    """Every row whose layout point lies inside a lasso or box (data coordinates): drawn or not."""
    from matplotlib.path import Path as Polygon  # deferred: matplotlib (0.3 s) loads on the first lasso

    points = np.asarray(polygon if polygon is not None else [], dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:  # the browser sends boxes as 4 corners
        return np.zeros(0, dtype=int)
    return np.flatnonzero(Polygon(points).contains_points(xy))
