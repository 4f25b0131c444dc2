"""DEC, IDEC and N2D on MNIST-test (10,000 x 784, pixels/255) next to scikit-learn k-means, same run.

Prints ACC, ARI, NMI and seconds per stage; writes benchmarks/results/deep_mnist[-DEVICE].json.
Usage: .venv/bin/python benchmarks/deep_mnist.py [--device auto|cpu|cuda] [--pretrain-epochs N] [--max-iter N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-deep-"))

from clustering.evaluate import metrics  # noqa: E402
from clustering.io.samples import load_sample  # noqa: E402
from clustering.run.pipeline import run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="auto")
    parser.add_argument("--pretrain-epochs", type=int, default=100)
    parser.add_argument("--max-iter", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="kmeans,dec,idec,n2d")
    args = parser.parse_args()
    data = load_sample("mnist-test")
    truth = data.labels()
    deep = {"pretrain_epochs": args.pretrain_epochs, "device": args.device, "n_clusters": 10}
    plans = {
        "kmeans": {"n_clusters": 10, "n_init": 10},
        "dec": {**deep, "max_iter": args.max_iter},
        "idec": {**deep, "max_iter": args.max_iter},
        "n2d": deep,
    }
    rows = []
    for method in args.methods.split(","):
        start = time.perf_counter()
        result = run(data, method, plans[method], seed=args.seed, truth=truth)
        row = {
            "method": method,
            "device": result.device or "cpu",
            "acc": result.metrics["acc"],
            "ari": result.metrics["ari"],
            "nmi": result.metrics["nmi"],
            "seconds": {k: round(v, 2) for k, v in result.seconds.items()},
            "wall": time.perf_counter() - start,
            "info": result.info,
        }
        estimator = result.artifacts["estimator"]
        if hasattr(estimator, "init_labels_"):
            row["kmeans_init_acc"] = metrics.acc(truth, estimator.init_labels_)
        rows.append(row)
        print(
            f"{method:7s} {row['device']:5s} ACC {row['acc']:.3f} ARI {row['ari']:.3f} NMI {row['nmi']:.3f} "
            f"{row['wall']:.1f}s {row['seconds']}",
            flush=True,
        )
    device = rows[-1]["device"]
    out = ROOT / "benchmarks" / "results" / f"deep_mnist-{device}.json"
    out.write_text(
        json.dumps(
            {"pretrain_epochs": args.pretrain_epochs, "max_iter": args.max_iter, "rows": rows}, indent=2, default=float
        )
    )
    base = next((r for r in rows if r["method"] == "kmeans"), None)
    summary = ", ".join(
        f"{r['method']} ACC {r['acc']:.3f}"
        + (f" (x{r['acc'] / base['acc']:.2f} k-means)" if base and r is not base else "")
        for r in rows
    )
    print(f"deep_mnist [{device}]: {summary}")


if __name__ == "__main__":
    main()
