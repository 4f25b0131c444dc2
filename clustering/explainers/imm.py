"""IMM: a threshold tree with one leaf per cluster (Dasgupta et al. 2020); the base of ExKMC and kernel IMM.

For non-centroid clusterings (Leiden, HDBSCAN, DEC) the centres are the cluster means in the chosen space, and
what is reported is the tree's fidelity to the actual labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from typing_extensions import override

from clustering.explainers import trees
from clustering.explainers.base import Explainer
from clustering.explainers.explanation import Explanation, Problem
from clustering.explainers.spaces import Space


class TreeExplainer(Explainer):
    """IMM and its growths: a tree on the space's features (or on a kernel's Taylor features)."""

    def taylor_map(self, problem: Problem, params: dict[str, Any]) -> trees.TaylorMap | None:
        """Kernel features to grow the tree on; None for plain features."""
        return None

    def leaves(self, problem: Problem, params: dict[str, Any]) -> int:
        """How many leaves to grow the IMM tree to (k: no growth)."""
        return problem.k

    @override
    def describe(
        self, problem: Problem, params: dict[str, Any], progress=None, cancel=None
    ) -> tuple[Explanation, list[str], None]:
        k, values = problem.k, problem.values
        taylor = self.taylor_map(problem, params)
        features = taylor.transform(problem.x) if taylor is not None else problem.x
        centres = trees.class_means(features, problem.y, np.arange(k))
        root = trees.imm_tree(features, problem.y, centres)
        if self.leaves(problem, params) > k:
            root = trees.expand_tree(root, features, centres, self.leaves(problem, params))
        predicted = trees.predict(root, taylor.transform(values) if taylor is not None else values)
        holds = predicted[:, None] == np.arange(k)[None, :]
        rules, signs, literals = tree_rules(
            root,
            problem.space.names,
            taylor,
            values,
            k,
            problem.space.info.get("binary_columns") or bool(problem.space.info.get("binary")),
        )
        leaves = root.leaves()
        complexity = {
            "leaves": len(leaves),
            "depth": root.depth(),
            "conditions": len(leaves) - 1,
            "literals": literals,
            "cost": 2 * literals,
        }
        price = kmeans_cost(problem.x, predicted[problem.clustered]) / max(kmeans_cost(problem.x, problem.y), 1e-12)
        info: dict = {"bandwidth": params["bandwidth"], "degree": params["degree"]} if taylor is not None else {}
        explanation = problem.explanation(self.name, complexity, holds, signs, price=price, tree=root, info=info)
        binary = problem.space.info.get("binary_columns") or bool(problem.space.info.get("binary"))
        if taylor is not None:
            explanation.info["_split_text"] = kernel_split_text(root, taylor, problem.space.names, values)
        elif values.shape[1] == 2:
            for c, corners in trees.leaf_boxes(root, problem.plot_box()):
                explanation.polygons.setdefault(int(problem.cluster_ids[c]), []).append(corners)
        if taylor is None and binary:  # the diagram reads `kind ≠ shoes` as the table does, not `kind = shoes ≤ 0`
            explanation.info["_split_text"] = trees.binary_split_text(root, problem.space.names, binary)
        return explanation, rules, None


class IMM(TreeExplainer):
    """IMM: a threshold tree with one leaf per cluster, each split the one with fewest mistakes."""

    name = "imm"
    title = "IMM threshold tree"
    description = "IMM threshold tree: one leaf per cluster (Dasgupta et al. 2020)"
    schema = ()


def kmeans_cost(x: np.ndarray, groups: np.ndarray) -> float:
    """Sum of squared distances to each group's mean."""
    cost = 0.0
    for g in np.unique(groups):
        part = x[groups == g]
        cost += float(((part - part.mean(axis=0)) ** 2).sum())
    return cost


def leaf_curve(space: Space, labels: np.ndarray, max_leaves: int) -> list[dict]:
    """ExKMC: description accuracy after each added leaf, from k (IMM) to max_leaves."""
    problem = Problem.of(space, labels)
    x, y = problem.x, problem.y
    centres = trees.class_means(x, y, np.arange(problem.k))
    root = trees.imm_tree(x, y, centres)
    out = []
    for leaves in range(problem.k, max_leaves + 1):
        if leaves > problem.k:
            before = len(root.leaves())
            root = trees.expand_tree(root, x, centres, leaves)
            if len(root.leaves()) == before:
                break
        out.append({"leaves": leaves, "accuracy": float((trees.predict(root, x) == y).mean())})
    return out


def tree_rules(root: trees.Node, names: list[str], taylor, values: np.ndarray, k: int, binary: bool | set[int] = False):
    """Rule text per cluster (its leaves' conjunctions, OR-ed), feature signs, total literals."""
    per_cluster: dict[int, list[str]] = {c: [] for c in range(k)}
    signs: dict[int, dict[int, int]] = {}
    literals = 0
    grids: dict[int, np.ndarray] = {}
    for leaf, path in trees.path_conditions(root, shown=taylor is None):
        if taylor is None:
            text, count = trees.leaf_rule(path, names, binary)
        else:
            for column, _, _ in path:
                j = taylor.columns[column][0]
                if j not in grids:
                    grids[j] = trees.feature_grid(values[:, j])
            text, count = trees.kernel_leaf_rule(path, taylor, names, grids)
        literals += count
        per_cluster[leaf.leaf_cluster].append(text)
        for column, _, left in path:
            feature = taylor.columns[column][0] if taylor is not None else column
            sign = 0 if taylor is not None else (-1 if left else 1)
            own = signs.setdefault(leaf.leaf_cluster, {})
            previous = own.get(feature)
            own[feature] = sign if previous in (None, sign) else 0
    rules = []
    for c in range(k):
        parts = per_cluster[c]
        if not parts:
            rules.append("no leaf (its rows fall in other clusters' leaves)")
        elif len(parts) == 1:
            rules.append(parts[0])
        else:
            rules.append(" OR ".join(f"({p})" if " AND " in p else p for p in parts))
    return rules, signs, literals


def kernel_split_text(root: trees.Node, taylor, names: list[str], values: np.ndarray) -> dict:
    """Each split of a kernel tree as the interval of the original feature it keeps (for the tree diagram)."""
    out = {}
    for node in trees.split_nodes(root):
        feature, threshold, _, _ = node.split
        j, m = taylor.columns[feature]
        grid = trees.feature_grid(values[:, j])
        out[id(node)] = trees.mask_text(names[j], grid, taylor.allowed(j, m, threshold, True, grid)) or "always"
    return out
