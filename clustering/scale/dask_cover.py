"""Covering samples and the second look on Dask: the rules of `clustering.run.coverage`, out of core.

The sample: half uniform (read first); the principal components are fitted on those rows, and the grid's side is
chosen so they fill half the cells wanted. Each worker then returns, for its parts, one representative row per
occupied cell (the row with the smallest seeded hash, so the choice does not depend on how the input is cut).
Cells no uniform row fell in, where small, separate groups sit, are taken first; the rest of the budget is spread
over the other cells.

The second look: parts are written with an `uncovered` column (rows whose nearest sample rows are far by their own
scale); their rows come back to the client, are clustered again beside sample rows (`sampled.second_pass`), and
the parts holding them are rewritten with their new labels.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.decomposition import PCA

from clustering.limits import COVERAGE_PCA_ROWS
from clustering.run.coverage import COVER_SHARE, GRID_DIMENSIONS, covering_cells, grid_keys
from clustering.run.sampled import choose_rows
from clustering.scale.sources import Part, Source

HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: a seeded, order-free choice per cell


def row_hash(rows: np.ndarray, seed: int) -> np.ndarray:
    """A seeded pseudo-random uint64 per row id (the same whatever part the row is read in)."""
    with np.errstate(over="ignore"):
        mixed = (rows.astype(np.uint64) + np.uint64(seed) * np.uint64(1_000_003)) * HASH_MULTIPLIER
    return mixed ^ (mixed >> np.uint64(29))


def _cells_part(source: Source, part: Part, mean: np.ndarray, components: np.ndarray, side: float, seed: int) -> dict:
    """One row per occupied cell of the part: (cell keys, the chosen rows, their hashes)."""
    coordinates = (source.read(part) - mean) @ components.T
    keys = grid_keys(coordinates.astype(np.float32), side)
    rows = np.arange(part.start, part.start + part.rows, dtype=np.int64)
    hashes = row_hash(rows, seed)
    order = np.lexsort((hashes, keys))
    first = np.r_[True, keys[order][1:] != keys[order][:-1]]
    chosen = order[first]
    return {"rows": part.rows, "keys": keys[chosen], "reps": rows[chosen], "hashes": hashes[chosen]}


def covering_rows_on_dask(client, source: Source, size: int, seed: int, read, gather) -> tuple[np.ndarray, np.ndarray]:
    """`size` sorted row ids covering the input, and their vectors (`read(rows, low, high)` reads rows from the
    workers, `gather(futures, verb, low, high)` waits for tasks; both say their progress from low to high)."""

    n = source.n_rows
    if size >= n:
        rows = np.arange(n, dtype=np.int64)
        return rows, read(rows, 0.01, 0.1)
    wanted = int(COVER_SHARE * size)
    uniform = choose_rows(n, size - wanted, seed)
    uniform_x = read(uniform, 0.01, 0.04)
    fit_rows = np.random.default_rng(seed).choice(
        len(uniform), min(len(uniform), COVERAGE_PCA_ROWS.whole()), replace=False
    )
    dims = min(GRID_DIMENSIONS, source.dim, len(fit_rows))
    pca = PCA(n_components=dims, random_state=seed).fit(uniform_x[np.sort(fit_rows)])
    uniform_keys, side = covering_cells(pca.transform(uniform_x).astype(np.float32), max(wanted // 2, 1))
    futures = [
        client.submit(_cells_part, source, part, pca.mean_, pca.components_, side, seed, pure=False)
        for part in source.parts
    ]
    found = gather(futures, "gridded", 0.04, 0.08)
    keys = np.concatenate([f["keys"] for f in found])
    reps = np.concatenate([f["reps"] for f in found])
    hashes = np.concatenate([f["hashes"] for f in found])
    order = np.lexsort((hashes, keys))  # a cell cut across parts keeps its smallest-hash row
    first = np.r_[True, keys[order][1:] != keys[order][:-1]]
    keys, reps = keys[order][first], reps[order][first]
    rng = np.random.default_rng(seed)
    fresh = ~np.isin(keys, uniform_keys)  # cells the uniform half missed: small, separate groups
    candidates = [np.setdiff1d(reps[fresh], uniform), np.setdiff1d(reps[~fresh], uniform)]
    spread: list[np.ndarray] = []
    left = wanted
    for pool in candidates:
        take = pool if len(pool) <= left else rng.choice(pool, left, replace=False)
        spread.append(take)
        left -= len(take)
    chosen = np.union1d(uniform, np.concatenate(spread))
    if len(chosen) < size:  # fewer cells than wanted: fill up uniformly
        rest = np.setdiff1d(np.arange(n), chosen)
        chosen = np.union1d(chosen, rng.choice(rest, size - len(chosen), replace=False))
    chosen = chosen.astype(np.int64)
    extra = np.setdiff1d(chosen, uniform)
    vectors = np.concatenate([uniform_x, read(extra, 0.08, 0.1)]) if len(extra) else uniform_x
    return chosen, vectors[np.argsort(np.concatenate([uniform, extra]), kind="stable")]


def relabel_part(
    out: str,
    part: Part,
    rows: np.ndarray | None,
    labels: np.ndarray | None,
    confidence: np.ndarray | None,
    source: Source,
    truth: str | None,
) -> dict:
    """Rewrite one written part with new labels and confidence for some of its rows (`rows` None: every uncovered
    row becomes noise); its sizes and contingency again."""

    target = Path(out) / f"part-{part.index:05d}.parquet"
    table = pq.read_table(target)
    ids = table.column("row_id").to_numpy()
    cluster = table.column("cluster").to_numpy().copy()
    sure = table.column("confidence").to_numpy().copy()
    if rows is None:
        at = np.flatnonzero(table.column("uncovered").to_numpy())
        cluster[at], sure[at] = -1, 0.0
    else:
        at = np.searchsorted(ids, rows)
        cluster[at], sure[at] = labels, confidence
    table = table.set_column(table.schema.get_field_index("cluster"), "cluster", pa.array(cluster))
    table = table.set_column(table.schema.get_field_index("confidence"), "confidence", pa.array(sure))
    temporary = target.with_suffix(".parquet.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, target)
    summary: dict = {"rows": part.rows, "sizes": Counter(cluster.tolist())}
    if truth:
        summary["contingency"] = Counter(zip(source.read_column(part, truth).tolist(), cluster.tolist()))
    return summary
