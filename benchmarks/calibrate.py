"""Fit the confidence calibration (clustering/evidence/calibration.json) on the benchmark sets, and check it held out.

For each set and method (default parameters; the k-methods also at the set's number of classes) the run's
evidence (`clustering.run.resampling.run_confidence`) is paired with whether each clustered row is in its cluster's
majority class. A logistic model per evidence kind (neighbours only; with resampled and other methods' runs) is
fitted on all sets and written; each set's ECE is also printed for a model fitted without that set.
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

from sets import NAMES, load  # noqa: E402

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


def collect() -> list[dict]:
    """One record per (set, method, setting): evidence, correctness, labels."""
    records = []
    for name in NAMES:
        bench = load(name)
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


def held_out(records: list[dict], features: tuple[str, ...]) -> dict[str, dict]:
    """Per set, under a model fitted without it: ECE of all its runs' rows together, and each run's ECE."""
    out = {}
    for name in NAMES:
        model = fit([r for r in records if r["set"] != name], features)
        mine = [r for r in records if r["set"] == name]
        confidence = np.concatenate([predict(model, r) for r in mine])
        correct = np.concatenate([r["correct"] for r in mine])
        runs = {r["run"]: round(reliability(predict(model, r), r["correct"]).ece, 4) for r in mine}
        out[name] = {"pooled": round(reliability(confidence, correct).ece, 4), "runs": runs}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write clustering/evidence/calibration.json")
    args = parser.parse_args()
    records = collect()
    models = {"neighbours": fit(records, NEIGHBOUR_FEATURES), "resampled": fit(records, FULL_FEATURES)}
    for kind, features in (("neighbours", NEIGHBOUR_FEATURES), ("resampled", FULL_FEATURES)):
        eces = held_out(records, features)
        runs = [e for found in eces.values() for e in found["runs"].values()]
        print(
            f"{kind:10s} held-out ECE, all runs of a set: "
            + "  ".join(f"{k} {v['pooled']:.3f}" for k, v in eces.items())
        )
        print(f"{'':10s} per run: median {np.median(runs):.3f}, worst {max(runs):.3f} over {len(runs)} runs")
        models[kind]["held_out_ece"] = eces
    if args.write:
        CALIBRATION_FILE.write_text(json.dumps(models, indent=1) + "\n")
        print(f"wrote {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
