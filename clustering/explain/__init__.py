"""Explain any clustering with rules a person can read: threshold trees, polyhedra, keywords.

`explain(space, labels, method)` works for every backend's labels: for non-centroid clusterings
(Leiden, HDBSCAN, DEC) the centres are the cluster means in the chosen space, and what is reported
is the rules' fidelity to the actual labels. Noise (-1) is not a cluster: it is left out of the
rules and of every measure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from clustering.backends.base import Param
from clustering.explain import polyhedra, trees
from clustering.explain.spaces import SPACES, Space, available_spaces, build_space

__all__ = ["METHODS", "SPACES", "ClusterRule", "Explanation", "Space", "available_spaces", "build_space", "explain",
           "explain_in_space", "leaf_curve"]

METHODS = {
    "imm": "IMM threshold tree: one leaf per cluster (Dasgupta et al. 2020)",
    "exkmc": "ExKMC: the IMM tree grown to more leaves for accuracy (Frost et al. 2020)",
    "kernel-imm": "Kernel IMM: a tree on Gaussian-kernel Taylor features, for non-convex clusters (Fleissner et al. "
                  "2024); more leaves than clusters grow it as kernel ExKMC",
    "polyhedra": "Polyhedra: a few sparse half-spaces per cluster, by integer programming (Lawless & Günlük 2023)",
}


# One schema validates every explanation setting (CLI, app and Python alike): non-finite numbers, zero widths
# and out-of-range values end as a ParamError naming the setting.
EXPLAIN_PARAMS = (
    Param("max_leaves", int, None, "exkmc: leaves (default 2 x clusters); kernel-imm: more than clusters grows it",
          low=2, high=10_000, nullable=True),
    Param("bandwidth", float, 1.0, "kernel-imm: Gaussian width in standard-deviation units", low=0.01, high=100.0),
    Param("degree", int, 3, "kernel-imm: Taylor degree", low=1, high=6),
    Param("objective", str, "complexity", "polyhedra: what to minimise",
          choices=("complexity", "sparsity", "accuracy")),
    Param("alpha", float, 0.05, "polyhedra: error budget, share of points", low=0.0, high=1.0),
    Param("complexity_budget", float, None, "polyhedra: most sum(nonzeros + 1)", low=1.0, high=1e6, nullable=True),
    Param("max_nonzeros", int, 2, "polyhedra: features per half-space", low=1, high=20),
    Param("time_limit", float, 60.0, "polyhedra: seconds; the best found is kept", low=1.0, high=86_400.0),
    Param("max_units", int, 600, "polyhedra: most groups of points in the integer program", low=10, high=100_000),
    Param("seed", int, 0, "seed for grouping", low=0),
)


def dot_text(text: str) -> str:
    """User text inside a quoted Graphviz label: backslashes and quotes escaped, line breaks dropped."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")


@dataclass
class ClusterRule:
    cluster: int
    rule: str
    precision: float
    recall: float
    size: int
    halfspaces: list[dict] | None = None  # polyhedra: {"weights": {feature: w}, "bound": b}, w . x <= b

    def to_dict(self) -> dict:
        out = {"cluster": self.cluster, "rule": self.rule, "precision": self.precision, "recall": self.recall,
               "size": self.size}
        if self.halfspaces is not None:
            out["halfspaces"] = self.halfspaces
        return out


@dataclass
class Explanation:
    method: str
    space: str
    feature_names: list[str]
    clusters: list[ClusterRule]
    accuracy: float
    complexity: dict
    holds: np.ndarray  # n x k: does cluster k's rule hold for row i (noise rows included)
    cluster_ids: np.ndarray  # the k cluster labels, in the columns' order
    price: float | None = None  # trees: tree cost / clustering cost (k-means cost in the space)
    tree: trees.Node | None = None
    info: dict = field(default_factory=dict)
    signs: dict[int, dict[int, int]] = field(default_factory=dict)  # cluster -> feature -> +1 high / -1 low / 0 both
    polygons: dict[int, list] = field(default_factory=dict)  # 2-D spaces: cluster -> list of polygons (vertices)

    def covers(self, cluster: int) -> np.ndarray:
        return self.holds[:, int(np.flatnonzero(self.cluster_ids == cluster)[0])]

    def assignment(self) -> np.ndarray:
        """Per row: the one cluster whose rule holds, -1 if none, -2 if several."""
        count = self.holds.sum(axis=1)
        out = np.where(count == 1, self.cluster_ids[np.argmax(self.holds, axis=1)], -1)
        return np.where(count > 1, -2, out)

    def to_json(self) -> dict:
        """The stable shape written by `clusterlab explain --out`."""
        out = {"method": self.method, "space": self.space, "accuracy": self.accuracy, "complexity": self.complexity,
               "clusters": [c.to_dict() for c in self.clusters]}
        if self.price is not None:
            out["price_of_explainability"] = self.price
        out.update({k: v for k, v in self.info.items() if k not in out and not k.startswith("_")})
        return out

    def to_dot(self) -> str | None:
        """Graphviz text of the tree (None for polyhedra)."""
        if self.tree is None:
            return None
        lines = ["digraph tree {", 'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];']
        counter = [0]

        def visit(node: trees.Node) -> str:
            name = f"n{counter[0]}"
            counter[0] += 1
            if node.is_leaf:
                cluster = int(self.cluster_ids[node.cluster])
                lines.append(f'{name} [label="cluster {cluster}\\n{node.samples} rows", fillcolor="#e7f0ff"];')
                return name
            label = self.info.get("_split_text", {}).get(id(node)) or (
                f"{self.feature_names[node.feature]} ≤ {trees._fmt(node.shown if node.shown is not None else node.threshold)}")
            lines.append(f'{name} [label="{dot_text(label)}\\n{node.samples} rows", fillcolor="#f6f6f6"];')
            left, right = visit(node.left), visit(node.right)
            lines.append(f'{name} -> {left} [label="yes"];')
            lines.append(f'{name} -> {right} [label="no"];')
            return name

        visit(self.tree)
        lines.append("}")
        return "\n".join(lines)


def explain(space: Space, labels: np.ndarray, method: str = "imm", *, max_leaves: int | None = None,
            bandwidth: float = 1.0, degree: int = 3, objective: str = "complexity", alpha: float = 0.05,
            complexity_budget: float | None = None, max_nonzeros: int = 2, time_limit: float = 60.0,
            max_units: int = 600, seed: int = 0, progress=None, cancel=None) -> Explanation:
    """Rules for each cluster of `labels` in the features of `space`, with accuracy and complexity."""
    if method not in METHODS:
        raise ValueError(f"unknown explanation method '{method}'; choose one of {', '.join(METHODS)}.")
    given = {"max_leaves": max_leaves, "bandwidth": bandwidth, "degree": degree, "objective": objective,
             "alpha": alpha, "complexity_budget": complexity_budget, "max_nonzeros": max_nonzeros,
             "time_limit": time_limit, "max_units": max_units, "seed": seed}
    checked = {p.name: p.coerce(given[p.name]) for p in EXPLAIN_PARAMS}
    max_leaves, bandwidth, degree = checked["max_leaves"], checked["bandwidth"], checked["degree"]
    objective, alpha, complexity_budget = checked["objective"], checked["alpha"], checked["complexity_budget"]
    max_nonzeros, time_limit, max_units = checked["max_nonzeros"], checked["time_limit"], checked["max_units"]
    seed = checked["seed"]
    labels = np.asarray(labels)
    values = np.asarray(space.values, dtype=np.float64)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} rows; give one label per row.")
    clustered = labels >= 0
    cluster_ids = np.unique(labels[clustered])
    if len(cluster_ids) < 2:
        raise ValueError("there is nothing to explain: the run has fewer than two clusters.")
    y = np.searchsorted(cluster_ids, labels[clustered])
    x = values[clustered]
    k = len(cluster_ids)
    start = time.perf_counter()
    info: dict = {"n_explained": int(clustered.sum()), "n_noise": int((~clustered).sum())}
    result = None
    if method in ("imm", "exkmc", "kernel-imm"):
        features = x
        taylor = None
        if method == "kernel-imm":
            taylor = trees.TaylorMap.fit(x, bandwidth=bandwidth, degree=degree)
            features = taylor.transform(x)
            info.update({"bandwidth": bandwidth, "degree": degree})
        centres = trees.class_means(features, y, np.arange(k))
        root = trees.imm_tree(features, y, centres)
        if method == "exkmc" or (method == "kernel-imm" and max_leaves and max_leaves > k):
            root = trees.expand_tree(root, features, centres, max_leaves or 2 * k)  # kernel ExKMC when kernel
        all_features = taylor.transform(values) if taylor is not None else values
        predicted = trees.predict(root, all_features)
        holds = predicted[:, None] == np.arange(k)[None, :]
        rules, signs, literals = _tree_rules(root, space.names, taylor, values, k, bool(space.info.get("binary")))
        leaves = root.leaves()
        complexity = {"leaves": len(leaves), "depth": root.depth(), "conditions": len(leaves) - 1,
                      "literals": literals, "cost": 2 * literals}
        tree_pred = predicted[clustered]
        price = _kmeans_cost(x, tree_pred) / max(_kmeans_cost(x, y), 1e-12)
        explanation = Explanation(method, space.name, space.names, [], 0.0, complexity, holds, cluster_ids,
                                  price=price, tree=root, info=info,
                                  signs={int(cluster_ids[c]): v for c, v in signs.items()})
        if taylor is not None:
            explanation.info["_split_text"] = _kernel_split_text(root, taylor, space.names, values)
        elif values.shape[1] == 2:
            for c, corners in trees.leaf_boxes(root, _plot_box(values)):
                explanation.polygons.setdefault(int(cluster_ids[c]), []).append(corners)
        rule_text = rules
    else:
        result = polyhedra.describe(x, y, objective=objective, alpha=alpha, complexity_budget=complexity_budget,
                                    max_nonzeros=max_nonzeros, time_limit=time_limit, max_units=max_units,
                                    seed=seed, progress=progress, cancel=cancel)
        holds = result.covered(values, k)
        rule_text, halfspaces, signs = _polyhedra_rules(result, space.names, k)
        used = {int(j) for h in result.halfspaces for j in np.flatnonzero(h.weights)}
        complexity = {"halfspaces": len(result.halfspaces), "nonzeros": sum(h.nonzeros for h in result.halfspaces),
                      "cost": sum(h.cost for h in result.halfspaces), "features_used": len(used)}
        info.update({"status": result.status, "iterations": result.iterations, "columns": result.columns,
                     "units": result.units, "objective": objective, "alpha": alpha})
        if complexity_budget:
            info["complexity_budget"] = complexity_budget
        explanation = Explanation(method, space.name, space.names, [], 0.0, complexity, holds, cluster_ids,
                                  info=info, signs={int(cluster_ids[c]): v for c, v in signs.items()})
        if values.shape[1] == 2:
            for c in range(k):
                own = [result.original_units(h) for h in result.halfspaces if h.cluster == c]
                explanation.polygons[int(cluster_ids[c])] = [polyhedra.polygon_2d(own, _plot_box(values))]
    h = holds[clustered]
    correct = h[np.arange(len(y)), y] & (h.sum(axis=1) == 1)
    explanation.accuracy = float(correct.mean())
    for c in range(k):
        members = y == c
        covered = h[:, c]
        hits = int((covered & members).sum())
        explanation.clusters.append(ClusterRule(
            cluster=int(cluster_ids[c]), rule=rule_text[c], size=int(members.sum()),
            precision=float(hits / covered.sum()) if covered.any() else 0.0,
            recall=float(hits / members.sum()),
            halfspaces=halfspaces[c] if method == "polyhedra" else None))
    explanation.info["seconds"] = time.perf_counter() - start
    return explanation


def _plot_box(values: np.ndarray) -> tuple[float, float, float, float]:
    low, high = values.min(axis=0), values.max(axis=0)
    pad = 0.1 * (high - low + 1e-9)
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


def leaf_curve(space: Space, labels: np.ndarray, max_leaves: int) -> list[dict]:
    """ExKMC: description accuracy after each added leaf, from k (IMM) to max_leaves."""
    labels = np.asarray(labels)
    clustered = labels >= 0
    cluster_ids = np.unique(labels[clustered])
    y = np.searchsorted(cluster_ids, labels[clustered])
    x = np.asarray(space.values, dtype=np.float64)[clustered]
    centres = trees.class_means(x, y, np.arange(len(cluster_ids)))
    root = trees.imm_tree(x, y, centres)
    out = []
    for leaves in range(len(cluster_ids), max_leaves + 1):
        if leaves > len(cluster_ids):
            before = len(root.leaves())
            root = trees.expand_tree(root, x, centres, leaves)
            if len(root.leaves()) == before:
                break
        out.append({"leaves": leaves, "accuracy": float((trees.predict(root, x) == y).mean())})
    return out


def _kmeans_cost(x: np.ndarray, groups: np.ndarray) -> float:
    cost = 0.0
    for g in np.unique(groups):
        part = x[groups == g]
        cost += float(((part - part.mean(axis=0)) ** 2).sum())
    return cost


def _tree_rules(root: trees.Node, names: list[str], taylor, values: np.ndarray, k: int, binary: bool = False):
    """Rule text per cluster (its leaves' conjunctions, OR-ed), feature signs, total literals."""
    per_cluster: dict[int, list[str]] = {c: [] for c in range(k)}
    signs: dict[int, dict[int, int]] = {}
    literals = 0
    grids = {}
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
        per_cluster[leaf.cluster].append(text)
        for column, _, left in path:
            feature = taylor.columns[column][0] if taylor is not None else column
            sign = 0 if taylor is not None else (-1 if left else 1)
            signs.setdefault(leaf.cluster, {})
            previous = signs[leaf.cluster].get(feature)
            signs[leaf.cluster][feature] = sign if previous in (None, sign) else 0
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


def _kernel_split_text(root: trees.Node, taylor, names: list[str], values: np.ndarray) -> dict:
    out = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_leaf:
            continue
        j, m = taylor.columns[node.feature]
        grid = trees.feature_grid(values[:, j])
        out[id(node)] = trees.mask_text(names[j], grid, taylor.allowed(j, m, node.threshold, True, grid)) or "always"
        stack += [node.left, node.right]
    return out


def halfspace_text(weights: np.ndarray, bound: float, names: list[str]) -> str:
    nonzero = np.flatnonzero(weights)
    if len(nonzero) == 1:
        j = nonzero[0]
        value = bound / weights[j]
        return f"{names[j]} ≤ {trees._fmt(value)}" if weights[j] > 0 else f"{names[j]} ≥ {trees._fmt(value)}"
    top = np.abs(weights[nonzero]).max()
    terms = []
    for j in nonzero:
        w = weights[j] / top
        coefficient = "" if abs(abs(w) - 1) < 1e-9 else f"{abs(w):.3g}·"
        terms.append(("− " if w < 0 else "+ ") + coefficient + names[j])
    text = " ".join(terms).lstrip("+ ")
    if text.startswith("− "):
        text = "−" + text[2:]
    return f"{text} ≤ {trees._fmt(bound / top)}"


def _polyhedra_rules(result: polyhedra.PolyhedraResult, names: list[str], k: int):
    rules, halfspaces, signs = [], [], {}
    for c in range(k):
        texts, entries = [], []
        for h in result.halfspaces:
            if h.cluster != c:
                continue
            weights, bound = result.original_units(h)
            texts.append(halfspace_text(weights, bound, names))
            entries.append({"weights": {names[j]: float(weights[j]) for j in np.flatnonzero(weights)},
                            "bound": bound,
                            "integer_weights": {names[j]: int(h.weights[j]) for j in np.flatnonzero(h.weights)}})
            for j in np.flatnonzero(weights):
                signs.setdefault(c, {})[int(j)] = -1 if weights[j] > 0 else 1
        rules.append(" AND ".join(texts) if texts else "always (no other cluster needs cutting off)")
        halfspaces.append(entries)
    return rules, halfspaces, signs


def explain_in_space(dataset, labels: np.ndarray, space_name: str, method: str, params: dict, *,
                     xy: np.ndarray | None = None, n_components: int = 10, progress=None, cancel=None) -> dict:
    """Build the named feature space, explain the labels there; ExKMC adds its accuracy-by-leaves curve."""
    if progress is not None:
        progress("building the feature space", 0.05)
    space = build_space(dataset, space_name, xy=xy, n_components=int(n_components))
    if progress is not None:
        progress(f"{method} on {space.values.shape[1]} features", 0.15)
    found = explain(space, labels, method, progress=progress, cancel=cancel, **params)
    k = len(np.unique(labels[labels >= 0]))
    curve = leaf_curve(space, labels, max(params.get("max_leaves") or 2 * k, 2 * k)) if method == "exkmc" else None
    return {"explanation": found, "curve": curve}
