"""Samples that cover the space, not only its density, and the rows a sample did not cover.

`covering_rows`: half the sample uniform (it keeps the density a method like HDBSCAN reads), half spread over the
occupied cells of a grid in the data's top principal components, one row per cell (geometric sketching, Hie et
al. 2019, written here in a few lines: the `geosketch` package needs its own install and the same grid). A group
of 60 rows far from the rest fills cells of its own, so it is in the sample whatever its size.

`uncovered`: after the vote, a row whose voters (its nearest sample rows) are far by their own scale (the median
of distance / the voter's distance to its own k-th sample neighbour) sits where the sample has no rows: it is
not forced into a neighbour's cluster but gathered for a second pass.
"""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA

from clustering.limits import COVERAGE_PCA_ROWS

GRID_DIMENSIONS = 10  # principal components the grid is laid in
COVER_SHARE = 0.5  # share of the sample spread over the grid (the rest is uniform)
FAR = 3.0  # a row whose voters are farther than this many times their own neighbour scale is uncovered


def grid_keys(coordinates: np.ndarray, side: float) -> np.ndarray:
    """One int64 key per row: its cell in a grid of this side (a hash of the cell's integer coordinates)."""
    cells = np.floor(coordinates / side).astype(np.int64)
    keys = np.zeros(len(cells), dtype=np.int64)
    for column in cells.T:  # polynomial hash; collisions only merge two cells, which costs a little coverage
        keys = keys * np.int64(1_000_003) + column
    return keys


def covering_cells(coordinates: np.ndarray, cells: int) -> tuple[np.ndarray, float]:
    """Cell keys of a grid whose number of occupied cells is about `cells` (side found by bisection)."""
    spread = float(np.ptp(coordinates, axis=0).max()) or 1.0
    low, high = spread / 1e6, spread
    side = high
    keys = grid_keys(coordinates, side)
    for _ in range(40):
        side = (low * high) ** 0.5
        keys = grid_keys(coordinates, side)
        occupied = len(np.unique(keys))
        if abs(occupied - cells) <= 0.05 * cells:
            break
        if occupied > cells:
            low = side
        else:
            high = side
    return keys, side


def covering_rows(x: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """`size` distinct sorted row ids: half uniform, half one per occupied grid cell (see the module)."""

    n = len(x)
    if size >= n:
        return np.arange(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    uniform = rng.choice(n, size - int(COVER_SHARE * size), replace=False)
    fit_rows = rng.choice(n, min(n, COVERAGE_PCA_ROWS.whole()), replace=False)
    dims = min(GRID_DIMENSIONS, x.shape[1], len(fit_rows))
    pca = PCA(n_components=dims, random_state=seed).fit(np.asarray(x[np.sort(fit_rows)], dtype=np.float32))
    coordinates = np.empty((n, dims), dtype=np.float32)
    for start in range(0, n, 200_000):
        coordinates[start : start + 200_000] = pca.transform(x[start : start + 200_000])
    wanted = size - len(uniform)
    keys, _ = covering_cells(coordinates, wanted)
    order = rng.permutation(n)  # a random row per cell: the first of each key in a random order
    _, first = np.unique(keys[order], return_index=True)
    spread = order[first]
    spread = spread[~np.isin(spread, uniform)]
    if len(spread) > wanted:
        spread = rng.choice(spread, wanted, replace=False)
    chosen = np.union1d(uniform, spread)
    if len(chosen) < size:  # fewer cells than wanted: fill up uniformly
        rest = np.setdiff1d(np.arange(n), chosen)
        chosen = np.union1d(chosen, rng.choice(rest, size - len(chosen), replace=False))
    return chosen.astype(np.int64)


def uncovered(distances: np.ndarray, voters: np.ndarray, scale: np.ndarray, far: float = FAR) -> np.ndarray:
    """Rows whose voters are far: median over voters of distance / the voter's own scale above `far`.

    `distances`, `voters`: each row's nearest sample rows and distances (n, k); `scale`: each sample row's
    distance to its k-th nearest other sample row.
    """
    ratio = distances / np.maximum(scale[voters], 1e-12)
    return np.median(ratio, axis=1) > far
