"""Explanation benchmark: IMM speed at 100k x 50, polyhedra at 10k x 10 x 10, and polyhedra vs IMM at equal
complexity on the bundled datasets; peers measured in the same run: scikit-learn's CART (a tree with k leaves
fitted to the labels) always, and the `ExKMC` package's IMM where it is installed.

Prints one summary line and writes benchmarks/results/explain.json.
Usage: .venv/bin/python benchmarks/explain.py [--time-limit 60] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from clustering.explainers import (  # noqa: E402
    Space,
    build_space,
    explain,
    trees,  # noqa: E402
)
from clustering.io.samples import load_sample  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def kmeans_labels(x: np.ndarray, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans

    model = KMeans(k, n_init=3, random_state=seed).fit(x)
    return model.labels_, model.cluster_centers_


def cart_accuracy(x: np.ndarray, labels: np.ndarray, leaves: int) -> tuple[float, float]:
    from sklearn.tree import DecisionTreeClassifier

    tree, seconds = timed(DecisionTreeClassifier(max_leaf_nodes=leaves, random_state=0).fit, x, labels)
    return float((tree.predict(x) == labels).mean()), seconds


def imm_at_scale(n: int) -> dict:
    from sklearn.datasets import make_blobs

    x, _ = make_blobs(n_samples=n, centers=10, n_features=50, cluster_std=6.0, center_box=(-20, 20), random_state=0)
    labels, centres = kmeans_labels(x, 10)
    space = Space("features", x, [f"f{j}" for j in range(50)])
    found, seconds = timed(explain, space, labels, "imm")
    row = {"n": n, "d": 50, "k": 10, "imm_seconds": seconds, "imm_accuracy": found.accuracy, "imm_price": found.price}
    row["cart_accuracy"], row["cart_seconds"] = cart_accuracy(x, labels, 10)
    try:
        from ExKMC.Tree import Tree

        sample = np.random.default_rng(0).choice(n, size=min(n, 5000), replace=False)
        reference = Tree(k=10)
        _, row["exkmc_seconds_5k"] = timed(reference.fit, x[sample], _Fixed(centres))
        _, row["ours_seconds_5k"] = timed(trees.imm_tree, x[sample], labels[sample], centres)
    except ImportError:
        row["exkmc"] = "not installed (ExKMC 0.0.3 does not build on Python 3.11)"
    return row


class _Fixed:
    """Hands fixed centres to ExKMC (it calls predict and reads cluster_centers_)."""

    def __init__(self, centres: np.ndarray):
        self.cluster_centers_ = centres
        self.n_clusters = len(centres)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return ((x[:, None, :] - self.cluster_centers_[None]) ** 2).sum(-1).argmin(1)


def datasets(quick: bool) -> list[tuple[str, Space, np.ndarray]]:
    """Explanation problems: k-means (k = 10) in the first 10 principal components of each sample."""
    out = []
    names = ["digits", "python-docs", "pbmc"] + ([] if quick else ["mnist-test"])
    for name in names:
        data = load_sample(name)
        space = build_space(data, "pca", n_components=10)
        labels, _ = kmeans_labels(space.values, 10)
        out.append((name, space, labels))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=60.0, help="polyhedra seconds per problem")
    parser.add_argument("--quick", action="store_true", help="skip MNIST-test and use 20k rows for IMM")
    args = parser.parse_args()
    report: dict = {"machine_cores": __import__("os").cpu_count()}

    report["imm_100k"] = imm_at_scale(20_000 if args.quick else 100_000)
    print(
        f"IMM {report['imm_100k']['n']:,} x 50: {report['imm_100k']['imm_seconds']:.2f} s, "
        f"accuracy {report['imm_100k']['imm_accuracy']:.3f} (CART {report['imm_100k']['cart_seconds']:.2f} s, "
        f"{report['imm_100k']['cart_accuracy']:.3f})",
        flush=True,
    )

    rows = []
    for name, space, labels in datasets(args.quick):
        imm = explain(space, labels, "imm")
        exkmc = explain(space, labels, "exkmc", max_leaves=20)
        poly, seconds = timed(
            explain,
            space,
            labels,
            "polyhedra",
            objective="accuracy",
            complexity_budget=imm.complexity["cost"],
            time_limit=args.time_limit,
        )
        cart, _ = cart_accuracy(space.values, labels, 10)
        row = {
            "dataset": name,
            "n": int(len(labels)),
            "features": space.values.shape[1],
            "k": 10,
            "imm_accuracy": imm.accuracy,
            "imm_cost": imm.complexity["cost"],
            "exkmc20_accuracy": exkmc.accuracy,
            "exkmc20_cost": exkmc.complexity["cost"],
            "cart10_accuracy": cart,
            "polyhedra_accuracy": poly.accuracy,
            "polyhedra_cost": poly.complexity["cost"],
            "polyhedra_halfspaces": poly.complexity["halfspaces"],
            "polyhedra_seconds": seconds,
            "polyhedra_status": poly.info["status"],
            "polyhedra_units": poly.info["units"],
        }
        rows.append(row)
        print(
            f"{name:12} n={row['n']:>6,}: IMM {imm.accuracy:.3f} (cost {row['imm_cost']}) | polyhedra "
            f"{poly.accuracy:.3f} (cost {row['polyhedra_cost']}, {seconds:.0f} s, {poly.info['status']}) | "
            f"ExKMC-20 {exkmc.accuracy:.3f} (cost {row['exkmc20_cost']}) | CART-10 {cart:.3f}",
            flush=True,
        )
    report["equal_complexity"] = rows
    report["polyhedra_10k"] = next((r for r in rows if r["dataset"] == "mnist-test"), None)
    wins = sum(r["polyhedra_accuracy"] >= r["imm_accuracy"] for r in rows)
    out = ROOT / "benchmarks" / "results" / "explain.json"
    out.write_text(json.dumps(report, indent=2))
    summary = (
        f"summary: IMM {report['imm_100k']['n']:,}x50 {report['imm_100k']['imm_seconds']:.1f} s "
        f"(CART x{report['imm_100k']['imm_seconds'] / report['imm_100k']['cart_seconds']:.2f}); "
        f"polyhedra >= IMM at equal complexity on {wins}/{len(rows)} datasets"
    )
    if report["polyhedra_10k"]:
        summary += f"; polyhedra 10k x 10 x 10 in {report['polyhedra_10k']['polyhedra_seconds']:.0f} s"
    print(summary)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
