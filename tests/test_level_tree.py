"""The level tree (clustree-style): nodes per level sized by rows, edges by shared rows, clusters placed under
their parents."""

from __future__ import annotations

import numpy as np
import pytest

from clustering.evidence.level_tree import level_tree


def test_a_nested_pair_of_levels_by_hand():
    coarse = np.array([0, 0, 0, 0, 1, 1, -1])
    fine = np.array([2, 2, 0, 0, 1, 1, 1])
    tree = level_tree([("fine", fine), ("coarse", coarse)])  # ordered coarse first whatever the input order
    assert tree.names == ["coarse", "fine"]
    assert [(n.level, n.cluster, n.rows) for n in tree.nodes[:2]] == [(0, 0, 4), (0, 1, 2)]
    # fine clusters 0 and 2 come from coarse 0 (left), fine 1 from coarse 1 (right): placed in that order
    fine_nodes = [n for n in tree.nodes if n.level == 1]
    assert [n.cluster for n in fine_nodes][-1] == 1
    assert [n.rows for n in fine_nodes if n.cluster == 1] == [3]  # the noise row of coarse is in fine's cluster 1
    edges = {(tree.nodes[e.parent].cluster, tree.nodes[e.child].cluster): (e.rows, e.share) for e in tree.edges}
    assert edges[(0, 0)] == (2, 1.0) and edges[(0, 2)] == (2, 1.0)
    assert edges[(1, 1)] == (2, pytest.approx(2 / 3))  # the third row of fine 1 was noise above: no edge for it
    assert tree.mixed == [0, 0]


def test_a_cluster_fed_by_two_parents_is_counted_and_small_edges_are_left_out():
    coarse = np.array([0] * 10 + [1] * 10)
    fine = np.array([0] * 5 + [1] * 10 + [2] * 4 + [3])  # fine 1 takes 5 rows of each coarse cluster
    tree = level_tree([("a", coarse), ("b", fine)])
    assert tree.mixed == [0, 1]
    # one stray row of 11 (9%) is not an edge, so that cluster counts as coming from one parent
    stray = np.array([0] * 10 + [0] + [1] * 9)
    tree = level_tree([("a", coarse), ("b", stray)])
    assert tree.mixed == [0, 0] and len(tree.edges) == 2
    assert sorted(e.rows for e in tree.edges) == [9, 10]
    with pytest.raises(ValueError, match=r"has \d+ labels for \d+ rows"):
        level_tree([("a", coarse), ("b", fine[:3])])
