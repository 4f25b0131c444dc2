"""Fit the confidence calibration (clustering/evidence/calibration.json) where the classes are the geometry, and
measure it on the benchmark sets, which it never sees.

For each set and method (default parameters; the k-methods also at the set's number of classes) the run's
evidence (`clustering.run.resampling.run_confidence`) is paired with whether each clustered row is in its cluster's
majority class. A logistic model per evidence kind (neighbours only; with resampled runs) is fitted on synthetic
sets whose classes are the geometry (benchmarks/sets.py `geometry_sets`: blobs of unequal spread, size and overlap,
with up to 25% noise) together with the benchmark sets, each run weighing the same; fitted on the real sets alone
every confidence was pulled toward the middle (their classes are finer than the clusters in different ways, 67
topics in 13 clusters), and on the geometry alone it ranked the rows of digits and MNIST poorly (AUROC 0.58, 0.70).
Per benchmark set it prints the ECE and the AUROC (right rows against wrong ones) of each run's confidence under a
model fitted without that set.
Usage: .venv/bin/python benchmarks/calibrate.py [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sets import NAMES, BenchSet, geometry_sets, load  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from clustering.backends import get_backend  # noqa: E402
from clustering.evidence.confidence import (  # noqa: E402
    CALIBRATION_FILE,
    FULL_FEATURES,
    NEIGHBOUR_FEATURES,
    Evidence,
    design,
    majority_correct,
    reliability,
)
from clustering.graph.preprocess import prepared  # noqa: E402
from clustering.run.resampling import run_confidence  # noqa: E402
from clustering.run.sweep import run_labels  # noqa: E402

METHODS = ("leiden", "hdbscan", "kmeans", "gmm", "agglomerative")


def settings(method: str, n_classes: int) -> list[dict]:
    """Default parameters, and for methods told k, also k = the number of classes."""
    names = {p.name for p in get_backend(method).schema}
    return [{}, {"n_clusters": n_classes}] if "n_clusters" in names else [{}]


def collect(sets: list[BenchSet]) -> list[dict]:
    """One record per (set, method, setting): evidence, correctness, labels."""
    records = []
    for bench in sets:
        name = bench.name
        x = prepared(bench.dataset, bench.preprocess, seed=0)
        n_classes = int(len(np.unique(bench.truth)))
        for method in METHODS:
            for extra in settings(method, n_classes):
                params = get_backend(method).checked(extra)
                params_json = json.dumps(
                    {**params, "random_state": 0} if "random_state" in params else params, sort_keys=True
                )
                labels = run_labels(bench.dataset.fingerprint + bench.preprocess, x, method, params_json, 0)[1]
                found = run_confidence(bench.dataset, labels, method, params, preprocess=bench.preprocess)
                keep = labels >= 0
                correct = majority_correct(labels, bench.truth)
                records.append(
                    {
                        "set": name,
                        "run": f"{method} {extra or 'defaults'}",
                        "features": {k: v[keep] for k, v in found.evidence.features.items()},
                        "correct": correct[keep],
                    }
                )
                print(f"{name:12s} {method:13s} {str(extra):18s} accuracy {correct[keep].mean():.3f}", flush=True)
    return records


def fit(records: list[dict], features: tuple[str, ...]) -> dict:
    """Logistic regression on the logits of `features`, each run weighted equally (not each row)."""
    from sklearn.linear_model import LogisticRegression

    xs, ys, ws = [], [], []
    for record in records:
        x = design(Evidence(record["features"]), features)
        xs.append(x)
        ys.append(record["correct"])
        ws.append(np.full(len(x), 1.0 / max(len(x), 1)))
    model = LogisticRegression(C=1.0, max_iter=1000).fit(np.vstack(xs), np.concatenate(ys), np.concatenate(ws))
    return {"features": list(features), "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0])}


def predict(model: dict, record: dict) -> np.ndarray:
    x = design(Evidence(record["features"]), tuple(model["features"]))
    return 1 / (1 + np.exp(-(x @ np.asarray(model["coef"]) + model["intercept"])))


def measured(model: dict, records: list[dict]) -> dict[str, dict]:
    """Per benchmark set: ECE of all its runs' rows together, and each run's ECE and AUROC (None when every row is
    right or every row wrong)."""
    out = {}
    for name in dict.fromkeys(r["set"] for r in records):
        mine = [r for r in records if r["set"] == name]
        confidence = np.concatenate([predict(model, r) for r in mine])
        correct = np.concatenate([r["correct"] for r in mine])
        runs = {}
        for r in mine:
            p = predict(model, r)
            auroc = float(roc_auc_score(r["correct"], p)) if 0 < r["correct"].mean() < 1 else None
            runs[r["run"]] = {
                "ece": round(reliability(p, r["correct"]).ece, 4),
                "auroc": None if auroc is None else round(auroc, 4),
            }
        out[name] = {"pooled_ece": round(reliability(confidence, correct).ece, 4), "runs": runs}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write clustering/evidence/calibration.json")
    args = parser.parse_args()
    geometry = collect(geometry_sets())
    benchmark = collect([load(name) for name in NAMES])
    models = {}
    for kind, features in (("neighbours", NEIGHBOUR_FEATURES), ("resampled", FULL_FEATURES)):
        found = {}
        for name in NAMES:  # each benchmark set measured under a model fitted without it
            model = fit(geometry + [r for r in benchmark if r["set"] != name], features)
            found |= measured(model, [r for r in benchmark if r["set"] == name])
        print(f"\n{kind}: ECE and AUROC on each benchmark set, held out of the fit")
        for name, per_set in found.items():
            cells = "  ".join(
                f"{run.split(' ')[0]}{'' if run.endswith('defaults') else ' k'} {v['ece']:.3f}/"
                + ("-" if v["auroc"] is None else f"{v['auroc']:.2f}")
                for run, v in per_set["runs"].items()
            )
            print(f"{name:12s} pooled ECE {per_set['pooled_ece']:.3f}  {cells}")
        models[kind] = fit(geometry + benchmark, features) | {"held_out": found}
        coefficients = dict(zip(features, np.round(models[kind]["coef"], 2)))
        print("coefficients", coefficients, round(models[kind]["intercept"], 2))
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(models, indent=1) + "\n")
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
