"""Threshold trees that explain a clustering: IMM, its ExKMC expansion, and kernel IMM.

* IMM (Dasgupta, Frost, Moshkovitz, Rashtchian 2020): a tree with one leaf per centre; each node
  takes the (feature, threshold) that separates its centres with the fewest *mistakes* (points
  sent away from their own centre); mistakes leave both children. Written here with sorted
  sweeps in numpy: mistakes(t) = #(x <= t) + #(m <= t) - 2 #(max(x, m) <= t), m = the point's
  centre value, so each feature costs three sorts. Ties go to the lowest feature index and the
  smallest threshold, as in the `ExKMC` package.
* ExKMC (Frost, Moshkovitz, Rashtchian 2020): grows the IMM tree past k leaves, each time the
  leaf split that most lowers the surrogate cost (squared distance to the best centre per leaf).
* Kernel IMM (Fleissner, Vankadara, Ghoshdastidar 2024): IMM on interpretable Taylor features of
  the Gaussian kernel, phi_{j,m}(x) = exp(-z_j^2 / 2 s^2) (z_j / s)^m / sqrt(m!), z_j the standardised
  feature j; each depends on one feature only, so every split still reads as intervals of that
  feature, and non-convex clusters (rings, moons) get faithful trees.

No maintained library covers these (the `ExKMC` package ships C that no longer compiles on
Python 3.11, and has no kernel variant), hence written here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Node:
    """A node of a threshold tree: a split (feature <= threshold) or a leaf (a cluster)."""

    cluster: int | None = None  # leaf: the cluster (index into the centres) it assigns
    feature: int | None = None  # split: x[feature] <= threshold goes left
    threshold: float | None = None
    left: Node | None = None
    right: Node | None = None
    samples: int = 0
    mistakes: int = 0
    shown: float | None = None  # threshold as printed: the largest data value not above it (same split of the data)

    @property
    def is_leaf(self) -> bool:
        """Whether the node is a leaf."""
        return self.feature is None

    @property
    def split(self) -> tuple[int, float, Node, Node]:
        """A split node's feature, threshold and children (left: x[feature] <= threshold)."""
        if self.feature is None or self.threshold is None or self.left is None or self.right is None:
            raise ValueError("a leaf has no split")
        return self.feature, self.threshold, self.left, self.right

    @property
    def leaf_cluster(self) -> int:
        """A leaf's cluster (index into the centres)."""
        if self.cluster is None:
            raise ValueError("a split node has no cluster")
        return self.cluster

    def leaves(self) -> list[Node]:
        """The leaves below this node, left to right."""
        if self.is_leaf:
            return [self]
        _, _, left, right = self.split
        return left.leaves() + right.leaves()

    def depth(self) -> int:
        """Splits from this node to its deepest leaf."""
        if self.is_leaf:
            return 0
        _, _, left, right = self.split
        return 1 + max(left.depth(), right.depth())

    def to_dict(self, names: list[str] | None = None) -> dict:
        """The tree as JSON-ready values (feature names where given)."""
        if self.is_leaf:
            return {"cluster": self.cluster, "samples": self.samples, "mistakes": self.mistakes}
        feature, threshold, left, right = self.split
        return {
            "feature": names[feature] if names else feature,
            "threshold": threshold,
            "samples": self.samples,
            "left": left.to_dict(names),
            "right": right.to_dict(names),
        }


def predict(root: Node, values: np.ndarray) -> np.ndarray:
    """Leaf cluster of every row."""
    out = np.empty(len(values), dtype=np.int64)
    stack = [(root, np.arange(len(values)))]
    while stack:
        node, rows = stack.pop()
        if node.is_leaf:
            out[rows] = node.leaf_cluster
            continue
        feature, threshold, left_child, right_child = node.split
        left = values[rows, feature] <= threshold
        stack.append((left_child, rows[left]))
        stack.append((right_child, rows[~left]))
    return out


def leaf_boxes(root: Node, box: tuple[float, float, float, float]) -> list[tuple[int, list[list[float]]]]:
    """For a tree on 2 features: each leaf's cluster and its rectangle (clipped to box) as polygon vertices."""
    out = []
    for leaf, path in path_conditions(root):
        x0, x1, y0, y1 = box
        for j, threshold, left in path:
            if j == 0:
                x0, x1 = (x0, min(x1, threshold)) if left else (max(x0, threshold), x1)
            else:
                y0, y1 = (y0, min(y1, threshold)) if left else (max(y0, threshold), y1)
        corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
        out.append((leaf.leaf_cluster, [[float(a), float(b)] for a, b in corners]))
    return out


def leaf_of(root: Node, values: np.ndarray) -> tuple[np.ndarray, list[Node]]:
    """Index (into root.leaves()) of the leaf every row reaches."""
    leaves = root.leaves()
    index = {id(leaf): i for i, leaf in enumerate(leaves)}
    out = np.empty(len(values), dtype=np.int64)
    stack = [(root, np.arange(len(values)))]
    while stack:
        node, rows = stack.pop()
        if node.is_leaf:
            out[rows] = index[id(node)]
            continue
        feature, threshold, left_child, right_child = node.split
        left = values[rows, feature] <= threshold
        stack.append((left_child, rows[left]))
        stack.append((right_child, rows[~left]))
    return out, leaves


# --- IMM ----------------------------------------------------------------------------------------------


def min_mistakes_cut(x: np.ndarray, y: np.ndarray, centres: np.ndarray, valid: np.ndarray) -> tuple | None:
    """(feature, threshold, mistakes) of the best IMM split of rows x (centre index y) among valid centres."""
    best = None
    for j in range(x.shape[1]):
        values = centres[valid, j]
        low, high = values.min(), values.max()
        if low >= high:
            continue
        xj = x[:, j]
        mj = centres[y, j]
        candidates = np.unique(np.concatenate([xj[(xj >= low) & (xj < high)], values[values < high]]))
        mistakes = (
            np.searchsorted(np.sort(xj), candidates, side="right")
            + np.searchsorted(np.sort(mj), candidates, side="right")
            - 2 * np.searchsorted(np.sort(np.maximum(xj, mj)), candidates, side="right")
        )
        at = int(np.argmin(mistakes))
        if best is None or mistakes[at] < best[2]:
            best = (j, float(candidates[at]), int(mistakes[at]))
    return best


def imm_tree(values: np.ndarray, y: np.ndarray, centres: np.ndarray) -> Node:
    """IMM threshold tree with one leaf per centre; y = index of each row's centre."""
    values = np.asarray(values, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)

    def build(rows: np.ndarray, valid: np.ndarray) -> Node:
        alive = np.flatnonzero(valid)
        if len(alive) == 1:
            return Node(cluster=int(alive[0]), samples=len(rows), mistakes=int((y[rows] != alive[0]).sum()))
        if len(rows) == 0:
            return _centre_split(values.shape[1], centres, valid, build)
        cut = min_mistakes_cut(values[rows], y[rows], centres, valid)
        if cut is None:  # identical centres: the first one takes the leaf
            return Node(cluster=int(alive[0]), samples=len(rows), mistakes=int((y[rows] != alive[0]).sum()))
        j, threshold, _ = cut
        goes_left = values[rows, j] <= threshold
        centre_left = centres[y[rows], j] <= threshold
        kept = goes_left == centre_left
        left_valid = valid & (centres[:, j] <= threshold)
        right_valid = valid & (centres[:, j] > threshold)
        node = Node(
            feature=j,
            threshold=threshold,
            samples=len(rows),
            mistakes=int((~kept).sum()),
            shown=_shown_threshold(values[:, j], threshold),
        )
        node.left = build(rows[goes_left & kept], left_valid)
        node.right = build(rows[~goes_left & kept], right_valid)
        return node

    return build(np.arange(len(values)), np.ones(len(centres), dtype=bool))


def _centre_split(d: int, centres: np.ndarray, valid: np.ndarray, build) -> Node:
    """No rows left: split the remaining centres at the median of their widest feature."""
    alive = centres[valid]
    j = int(np.argmax(alive.max(axis=0) - alive.min(axis=0)))
    ordered = np.sort(np.unique(alive[:, j]))
    if len(ordered) < 2:
        return Node(cluster=int(np.flatnonzero(valid)[0]))
    threshold = float(ordered[len(ordered) // 2 - 1])
    node = Node(feature=j, threshold=threshold)
    node.left = build(np.zeros(0, dtype=np.int64), valid & (centres[:, j] <= threshold))
    node.right = build(np.zeros(0, dtype=np.int64), valid & (centres[:, j] > threshold))
    return node


def _shown_threshold(column: np.ndarray, threshold: float) -> float:
    below = column[column <= threshold]
    return float(below.max()) if len(below) else threshold


# --- ExKMC expansion ------------------------------------------------------------------------------


def _best_surrogate_split(x: np.ndarray, dots: np.ndarray, norms: np.ndarray) -> tuple | None:
    """(cost, feature, threshold, left centre, right centre) of the leaf split with the lowest surrogate cost."""
    n = len(x)
    if n < 2:
        return None
    total = dots.sum(axis=0)
    counts = np.arange(1, n)[:, None]
    best = None
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        xs = x[order, j]
        distinct = xs[:-1] < xs[1:]
        if not distinct.any():
            continue
        left_dots = np.cumsum(dots[order], axis=0)[:-1]
        left = counts * norms - 2 * left_dots
        right = (n - counts) * norms - 2 * (total - left_dots)
        left, right = left[distinct], right[distinct]
        cost = left.min(axis=1) + right.min(axis=1)
        at = int(np.argmin(cost))
        if best is None or cost[at] < best[0]:
            best = (float(cost[at]), j, float(xs[:-1][distinct][at]), int(left[at].argmin()), int(right[at].argmin()))
    return best


def expand_tree(root: Node, values: np.ndarray, centres: np.ndarray, max_leaves: int) -> Node:
    """ExKMC: add leaves to the tree, each time the split that lowers the surrogate cost the most."""
    values = np.asarray(values, dtype=np.float64)
    norms = (centres**2).sum(axis=1)
    dots = values @ centres.T
    leaf_index, leaves = leaf_of(root, values)
    rows_of = {id(leaf): np.flatnonzero(leaf_index == i) for i, leaf in enumerate(leaves)}
    candidates: dict[int, tuple] = {}
    by_id = {id(leaf): leaf for leaf in leaves}
    while len(by_id) < max_leaves:
        best_leaf, best_gain = None, 0.0
        for key, leaf in by_id.items():
            if key not in candidates:
                rows = rows_of[key]
                split = _best_surrogate_split(values[rows], dots[rows], norms)
                current = len(rows) * norms[leaf.cluster] - 2 * dots[rows, leaf.cluster].sum()
                candidates[key] = (split[0] - current, split) if split else (0.0, None)
            gain, split = candidates[key]
            if split is not None and gain < best_gain - 1e-9:
                best_leaf, best_gain = leaf, gain
        if best_leaf is None:
            break
        _, j, threshold, c_left, c_right = candidates.pop(id(best_leaf))[1]
        rows = rows_of.pop(id(best_leaf))
        del by_id[id(best_leaf)]
        goes_left = values[rows, j] <= threshold
        best_leaf.feature, best_leaf.threshold, best_leaf.shown = j, threshold, threshold
        best_leaf.left = Node(cluster=c_left, samples=int(goes_left.sum()))
        best_leaf.right = Node(cluster=c_right, samples=int((~goes_left).sum()))
        best_leaf.cluster = None
        for child, part in ((best_leaf.left, rows[goes_left]), (best_leaf.right, rows[~goes_left])):
            by_id[id(child)] = child
            rows_of[id(child)] = part
    return root


# --- kernel IMM -----------------------------------------------------------------------------------


@dataclass
class TaylorMap:
    """Interpretable Taylor features of the Gaussian kernel: feature j, degree m -> one column."""

    mean: np.ndarray
    scale: np.ndarray
    bandwidth: float
    degree: int
    columns: list[tuple[int, int]] = field(default_factory=list)  # (feature, degree) per column

    @classmethod
    def fit(cls, values: np.ndarray, bandwidth: float = 1.0, degree: int = 3) -> TaylorMap:
        """Taylor features of the Gaussian kernel fitted to `values` (means, spreads, bandwidth, degree)."""
        mean = values.mean(axis=0)
        scale = values.std(axis=0)
        scale[scale == 0] = 1.0
        columns = [(j, m) for j in range(values.shape[1]) for m in range(degree + 1)]
        return cls(mean, scale, float(bandwidth), int(degree), columns)

    def feature(self, t: np.ndarray, j: int, m: int) -> np.ndarray:
        """Taylor feature (j, m) of raw values t of feature j."""
        z = (t - self.mean[j]) / self.scale[j] / self.bandwidth
        return np.exp(-z * z / 2) * z**m / math.sqrt(math.factorial(m))

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Every Taylor feature of every row."""
        return np.column_stack([self.feature(values[:, j], j, m) for j, m in self.columns])

    def allowed(self, j: int, m: int, threshold: float, left: bool, grid: np.ndarray) -> np.ndarray:
        """Mask over a grid of feature j's values where the split's side holds."""
        below = self.feature(grid, j, m) <= threshold
        return below if left else ~below


def class_means(values: np.ndarray, labels: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Each cluster's mean in `values` (rows of `clusters`' order)."""
    return np.vstack([values[labels == c].mean(axis=0) for c in clusters])


# --- rules ------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.4g}"


def interval_text(name: str, low: float, high: float) -> str:
    """Text of low < x <= high with infinite ends dropped."""
    if np.isfinite(low) and np.isfinite(high):
        return f"{_fmt(low)} < {name} ≤ {_fmt(high)}"
    if np.isfinite(high):
        return f"{name} ≤ {_fmt(high)}"
    if np.isfinite(low):
        return f"{name} > {_fmt(low)}"
    return ""


def path_conditions(root: Node, shown: bool = False) -> list[tuple[Node, list[tuple[int, float, bool]]]]:
    """Each leaf with the (feature, threshold, went_left) conditions on its path (printed thresholds if shown)."""
    out = []
    stack: list[tuple[Node, list]] = [(root, [])]
    while stack:
        node, path = stack.pop()
        if node.is_leaf:
            out.append((node, path))
            continue
        feature, split_at, left_child, right_child = node.split
        threshold = node.shown if shown and node.shown is not None else split_at
        stack.append((right_child, path + [(feature, threshold, False)]))
        stack.append((left_child, path + [(feature, threshold, True)]))
    return out


def leaf_rule(
    path: list[tuple[int, float, bool]], names: list[str], binary: bool | set[int] = False
) -> tuple[str, int]:
    """One conjunction per leaf, conditions on the same feature merged into one interval; (text, literals).

    Binary (0/1) features (all with `binary=True`, or the given column indices) read as presence: `"word"` or
    `no "word"`, and a category's `kind = shoes` or `kind ≠ shoes`.
    """
    bounds: dict[int, list[float]] = {}
    for j, threshold, left in path:
        low, high = bounds.setdefault(j, [-np.inf, np.inf])
        bounds[j] = [low, min(high, threshold)] if left else [max(low, threshold), high]
    parts = []
    for j, (low, high) in bounds.items():
        if binary is True or (isinstance(binary, set) and j in binary):
            parts.append(absent_text(names[j]) if high < 1 else names[j])
        else:
            parts.append(interval_text(names[j], low, high))
    known = {p.split(" = ", 1)[0] for p in parts if " = " in p}  # `kind = shoes` says every `kind ≠ x` already
    parts = [p for p in parts if " ≠ " not in p or p.split(" ≠ ", 1)[0] not in known]
    literals = sum(int(np.isfinite(low)) + int(np.isfinite(high)) for low, high in bounds.values())
    return " AND ".join(p for p in parts if p) or "always", literals


def split_nodes(root: Node) -> Iterator[Node]:
    """Every split (non-leaf) node of a tree, parents before children."""
    stack = [root]
    while stack:
        node = stack.pop()
        if not node.is_leaf:
            yield node
            stack.extend(node.split[2:])


def absent_text(name: str) -> str:
    """A 0/1 feature read as absent: `kind ≠ shoes` for a category's value, `no "word"` for a word."""
    return name.replace(" = ", " ≠ ", 1) if " = " in name else f"no {name}"


def binary_split_text(root: Node, names: list[str], binary: bool | set[int]) -> dict[int, str]:
    """The tree diagram's text of splits on 0/1 features, read as the table's rules read them: the left branch
    (value 0, "yes") is `kind ≠ shoes` or `no "word"`, never `kind = shoes ≤ 0`."""
    out: dict[int, str] = {}
    for node in split_nodes(root):
        feature, threshold, _, _ = node.split
        if (binary is True or (isinstance(binary, set) and feature in binary)) and 0 <= threshold < 1:
            out[id(node)] = absent_text(names[feature])
    return out


def kernel_leaf_rule(
    path: list[tuple[int, float, bool]], taylor: TaylorMap, names: list[str], grids: dict[int, np.ndarray]
) -> tuple[str, int]:
    """Conditions on Taylor features, read back as sets of intervals of the original features."""
    masks: dict[int, np.ndarray] = {}
    for column, threshold, left in path:
        j, m = taylor.columns[column]
        grid = grids[j]
        masks[j] = masks.get(j, np.ones(len(grid), dtype=bool)) & taylor.allowed(j, m, threshold, left, grid)
    parts = []
    for j, mask in masks.items():
        parts.append(mask_text(names[j], grids[j], mask))
    return " AND ".join(parts) or "always", len(path)


def feature_grid(values: np.ndarray, size: int = 4001) -> np.ndarray:
    """An even grid over each feature's range, for reading rules as intervals."""
    low, high = float(values.min()), float(values.max())
    span = max(high - low, 1e-9)
    return np.linspace(low - 0.5 * span, high + 0.5 * span, size)


def mask_text(name: str, grid: np.ndarray, mask: np.ndarray) -> str:
    """Union of intervals where mask holds on the grid; ends at the grid's edge are open (unbounded)."""
    if not mask.any():
        return f"{name} in no interval"
    if mask.all():
        return ""
    runs = []
    edges = np.flatnonzero(np.diff(mask.astype(np.int8)))
    starts = ([0] if mask[0] else []) + [e + 1 for e in edges if not mask[e]]
    ends = [e for e in edges if mask[e]] + ([len(mask) - 1] if mask[-1] else [])
    for s, e in zip(starts, ends):
        low = -np.inf if s == 0 else (grid[s - 1] + grid[s]) / 2
        high = np.inf if e == len(mask) - 1 else (grid[e] + grid[e + 1]) / 2
        runs.append(interval_text(name, low, high))
    return runs[0] if len(runs) == 1 else "(" + " OR ".join(runs) + ")"
