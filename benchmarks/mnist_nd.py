"""MNIST-Nd: ARI of Leiden, HDBSCAN, k-means and GMM on MNIST-test in 2 to 64 latent dimensions, beside the paper.

The latents are the bundled samples (sample_data/make_mnist_nd.py); the methods run with the Learn lesson's settings
(`clustering.lessons.dimensions.METHODS`). Prints the table, each method's ARI lost from its best size to 64
dimensions, and whether the paper's finding (Leiden the most robust as dimensions grow) holds here.
Writes benchmarks/results/mnist_nd.json. Usage: .venv/bin/python benchmarks/mnist_nd.py [--seeds 0,1,2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-bench-"))

from clustering.lessons import dimensions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; ARI is averaged over them")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = []
    for d in dimensions.DIMENSIONS:
        runs = [dimensions.run_dimension(d, seed=seed) for seed in seeds]
        scores = {
            m: {
                key: float(np.mean([r["scores"][m][key] for r in runs]))
                for key in ("ari", "clusters", "noise", "seconds")
            }
            for m in dimensions.METHODS
        }
        results.append({"dimension": d, "scores": scores, "separability": runs[0]["separability"]})
        print(
            f"{d:>3}-d  5-NN {runs[0]['separability']:.3f}  "
            + "  ".join(
                f"{dimensions.METHOD_TITLES[m]} {s['ari']:.3f} ({s['seconds']:.1f} s)" for m, s in scores.items()
            ),
            flush=True,
        )
    table = dimensions.ari_table(results)
    print("\n| dimensions | " + " | ".join(dimensions.METHOD_TITLES[m] for m in table) + " |")
    print("|---" * (len(table) + 1) + "|")
    for d in dimensions.DIMENSIONS:
        print(f"| {d} | " + " | ".join(f"{table[m][d]:.3f}" for m in table) + " |")
    print()
    for fact in dimensions.finding_facts(results):
        print(fact.text)
    out = ROOT / "benchmarks" / "results" / "mnist_nd.json"
    out.write_text(json.dumps({"seeds": seeds, "results": results, "lost": dimensions.robustness(table)}, indent=1))
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
