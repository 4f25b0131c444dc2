"""The result of explaining a clustering: one rule per cluster with its precision and recall, and the whole's
accuracy and complexity. Every explainer returns an `Explanation`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from clustering.explainers import trees
from clustering.explainers.spaces import Space


def dot_text(text: str) -> str:
    """User text inside a quoted Graphviz label: backslashes and quotes escaped, line breaks dropped."""
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")


@dataclass
class ClusterRule:
    """One cluster's rule, how many of the rows it covers are the cluster's (precision) and how many of the
    cluster's rows it covers (recall)."""

    cluster: int
    rule: str
    precision: float
    recall: float
    size: int
    halfspaces: list[dict] | None = None  # polyhedra: {"weights": {feature: w}, "bound": b}, w . x <= b

    def to_dict(self) -> dict:
        """The rule as JSON-ready values."""
        out = {
            "cluster": self.cluster,
            "rule": self.rule,
            "precision": self.precision,
            "recall": self.recall,
            "size": self.size,
        }
        if self.halfspaces is not None:
            out["halfspaces"] = self.halfspaces
        return out


@dataclass
class Explanation:
    """Rules for every cluster of a run in one feature space, with their measures."""

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
        """Rows whose point satisfies this cluster's rule."""
        return self.holds[:, int(np.flatnonzero(self.cluster_ids == cluster)[0])]

    def assignment(self) -> np.ndarray:
        """Per row: the one cluster whose rule holds, -1 if none, -2 if several."""
        count = self.holds.sum(axis=1)
        out = np.where(count == 1, self.cluster_ids[np.argmax(self.holds, axis=1)], -1)
        return np.where(count > 1, -2, out)

    def to_json(self) -> dict:
        """The stable shape written by `clusterlab explain --out`."""
        out = {
            "method": self.method,
            "space": self.space,
            "accuracy": self.accuracy,
            "complexity": self.complexity,
            "clusters": [c.to_dict() for c in self.clusters],
        }
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
                cluster = int(self.cluster_ids[node.leaf_cluster])
                lines.append(f'{name} [label="cluster {cluster}\\n{node.samples} rows", fillcolor="#e7f0ff"];')
                return name
            feature, threshold, left_child, right_child = node.split
            shown = node.shown if node.shown is not None else threshold
            label = (
                self.info.get("_split_text", {}).get(id(node)) or f"{self.feature_names[feature]} ≤ {trees._fmt(shown)}"
            )
            lines.append(f'{name} [label="{dot_text(label)}\\n{node.samples} rows", fillcolor="#f6f6f6"];')
            left, right = visit(left_child), visit(right_child)
            lines.append(f'{name} -> {left} [label="yes"];')
            lines.append(f'{name} -> {right} [label="no"];')
            return name

        visit(self.tree)
        lines.append("}")
        return "\n".join(lines)


@dataclass
class Problem:
    """What every explainer works on: the space's values, and the clustered rows as classes 0..k-1."""

    space: Space
    values: np.ndarray  # all rows, float64
    labels: np.ndarray  # the run's labels (-1 noise)
    clustered: np.ndarray  # rows that are not noise
    cluster_ids: np.ndarray  # the k cluster labels
    x: np.ndarray  # values of the clustered rows
    y: np.ndarray  # their class 0..k-1

    @property
    def k(self) -> int:
        """Number of clusters explained."""
        return len(self.cluster_ids)

    @classmethod
    def of(cls, space: Space, labels: np.ndarray) -> Problem:
        """The problem of explaining `labels` (noise left out) in `space`."""
        labels = np.asarray(labels)
        values = np.asarray(space.values, dtype=np.float64)
        if len(labels) != len(values):
            raise ValueError(f"{len(labels)} labels for {len(values)} rows; give one label per row.")
        clustered = labels >= 0
        cluster_ids = np.unique(labels[clustered])
        if len(cluster_ids) < 2:
            raise ValueError("there is nothing to explain: the run has fewer than two clusters.")
        return cls(
            space,
            values,
            labels,
            clustered,
            cluster_ids,
            values[clustered],
            np.searchsorted(cluster_ids, labels[clustered]),
        )

    def explanation(
        self, method: str, complexity: dict, holds: np.ndarray, signs: dict[int, dict[int, int]], **extra
    ) -> Explanation:
        """An Explanation of this problem (measures filled in later by `measure`); signs keyed by class 0..k-1."""
        return Explanation(
            method,
            self.space.name,
            self.space.names,
            [],
            0.0,
            complexity,
            holds,
            self.cluster_ids,
            signs={int(self.cluster_ids[c]): v for c, v in signs.items()},
            **extra,
        )

    def plot_box(self) -> tuple[float, float, float, float]:
        """The 2-D space's extent with a 10% margin (for drawing rule regions)."""
        low, high = self.values.min(axis=0), self.values.max(axis=0)
        pad = 0.1 * (high - low + 1e-9)
        return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


def measure(
    explanation: Explanation, problem: Problem, rule_text: list[str], halfspaces: list[list[dict]] | None = None
) -> Explanation:
    """Fill in accuracy (rows whose own rule, and only it, holds) and each cluster's rule, precision and recall."""
    y = problem.y
    h = explanation.holds[problem.clustered]
    correct = h[np.arange(len(y)), y] & (h.sum(axis=1) == 1)
    explanation.accuracy = float(correct.mean())
    explanation.clusters = []
    for c in range(problem.k):
        members = y == c
        covered = h[:, c]
        hits = int((covered & members).sum())
        explanation.clusters.append(
            ClusterRule(
                cluster=int(problem.cluster_ids[c]),
                rule=rule_text[c],
                size=int(members.sum()),
                precision=float(hits / covered.sum()) if covered.any() else 0.0,
                recall=float(hits / members.sum()),
                halfspaces=halfspaces[c] if halfspaces is not None else None,
            )
        )
    return explanation
