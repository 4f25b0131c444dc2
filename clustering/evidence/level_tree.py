"""A clustree-style tree of clusterings from coarse to fine: one row of nodes per level (a node per cluster, sized
by rows), and edges between consecutive levels weighted by the rows two clusters share.

Written here because clustree is an R package: the layout is small (order each level's clusters by the position
of the parents they draw from, so edges cross little) and the app (plotly) and the report (SVG) draw the same
nodes and edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_EDGE_SHARE = 0.1  # an edge is drawn when it carries at least this share of the child's rows


@dataclass(frozen=True)
class Node:
    """Cluster `cluster` of level `level`: its rows and its place (x in 0..1 across the level)."""

    level: int
    cluster: int
    rows: int
    x: float


@dataclass(frozen=True)
class Edge:
    """Rows shared by a cluster of one level (parent) and of the next (child), and their share of the child."""

    parent: int  # index into LevelTree.nodes
    child: int
    rows: int
    share: float


@dataclass(frozen=True)
class LevelTree:
    """The levels' names (coarse first), nodes and edges; `mixed` counts, per level, clusters fed by two parents or
    more (a sign the levels are not nested)."""

    names: list[str]
    nodes: list[Node]
    edges: list[Edge]
    mixed: list[int]


def coarse_to_fine(labelings: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    """The labelings ordered by their number of clusters (noise not counted), fewest first; ties keep their order."""

    def count(labels: np.ndarray) -> int:
        return int(len(np.unique(labels[labels >= 0])))

    return sorted(labelings, key=lambda item: count(np.asarray(item[1])))


def level_tree(labelings: list[tuple[str, np.ndarray]], min_share: float = MIN_EDGE_SHARE) -> LevelTree:
    """The tree of `labelings` ((name, labels) pairs, all the same rows), ordered coarse to fine first.

    Noise rows belong to no node. Within a level, clusters are placed in the order of the mean x of their parents
    (weighted by shared rows), so a cluster sits under the clusters it came from.
    """
    if not labelings:
        raise ValueError("a level tree needs at least one clustering.")
    ordered = coarse_to_fine(labelings)
    n = len(ordered[0][1])
    for name, labels in ordered:
        if len(labels) != n:
            raise ValueError(f"clustering {name!r} has {len(labels)} labels for {n} rows.")
    nodes: list[Node] = []
    edges: list[Edge] = []
    mixed: list[int] = []
    previous: dict[int, int] = {}  # cluster -> node index, of the level above
    previous_labels: np.ndarray | None = None
    for level, (_, labels) in enumerate(ordered):
        labels = np.asarray(labels)
        clusters, sizes = np.unique(labels[labels >= 0], return_counts=True)
        position: dict[int, float] = {}
        links: list[tuple[int, int, int]] = []  # (parent node, child cluster, rows)
        if previous_labels is not None:
            both = (labels >= 0) & (previous_labels >= 0)
            pairs, counts = np.unique(
                np.column_stack([previous_labels[both], labels[both]]), axis=0, return_counts=True
            )
            for (parent, child), shared in zip(pairs.tolist(), counts.tolist()):
                links.append((previous[parent], child, shared))
            for child in clusters.tolist():
                mine = [(nodes[p].x, r) for p, c, r in links if c == child]
                total = sum(r for _, r in mine)
                position[child] = sum(x * r for x, r in mine) / total if total else 1.0
        order = sorted(clusters.tolist(), key=lambda c: (position.get(c, 0.0), c))
        current: dict[int, int] = {}
        size_of = dict(zip(clusters.tolist(), sizes.tolist()))
        for rank, cluster in enumerate(order):
            current[cluster] = len(nodes)
            nodes.append(Node(level, int(cluster), int(size_of[cluster]), (rank + 0.5) / max(len(order), 1)))
        fed_by: dict[int, int] = {}
        for parent, child, shared in links:
            share = shared / size_of[child]
            if share >= min_share:
                edges.append(Edge(parent, current[child], int(shared), float(share)))
                fed_by[child] = fed_by.get(child, 0) + 1
        mixed.append(sum(1 for count in fed_by.values() if count >= 2))
        previous, previous_labels = current, labels
    return LevelTree([name for name, _ in ordered], nodes, edges, mixed)
