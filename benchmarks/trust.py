"""Which clustering to believe, measured side by side in one run on sets with known classes.

Per set (benchmarks/sets.py): ARI and ECE of EVoC's defaults (the evoc package as its authors ship it), scanpy's
default Leiden (pp.neighbors with its own PCA, tl.leiden), each Clusterlab default and `auto`; the level
`clusterlab suggest` recommends against the best level of the ladder; the `consensus` method against its members.
Prints tables and ratios; writes benchmarks/results/trust.json.
Usage: .venv/bin/python benchmarks/trust.py [--sets digits,pbmc]
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

import numpy as np

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-bench-"))

from sets import NAMES, load  # noqa: E402

from clustering.backends import get_backend  # noqa: E402
from clustering.evaluate import metrics  # noqa: E402
from clustering.evidence.confidence import majority_correct, reliability  # noqa: E402
from clustering.graph.preprocess import prepared  # noqa: E402
from clustering.run.pipeline import run  # noqa: E402
from clustering.run.suggest import suggest  # noqa: E402

DEFAULTS = ("leiden", "hdbscan", "kmeans", "gmm", "agglomerative", "consensus")


def ece(labels: np.ndarray, confidence: np.ndarray | None, truth: np.ndarray) -> float | None:
    """Expected calibration error of a run's confidence against its clusters' majority classes."""
    if confidence is None:
        return None
    clustered = labels >= 0
    if not clustered.any():
        return None
    return reliability(confidence[clustered], majority_correct(labels, truth)[clustered]).ece


def scanpy_default(x: np.ndarray) -> np.ndarray:
    """scanpy as its tutorial runs it: pp.neighbors (its PCA to 50 above 50 columns), tl.leiden (igraph)."""
    import anndata
    import scanpy as sc
    import scipy.sparse as sp

    if not hasattr(sp.csr_array, "getnnz"):  # scipy >= 1.15 and this scanpy (benchmark-only workaround)
        sp.csr_array.getnnz = lambda self, axis=None: self.nnz if axis is None else np.diff(self.indptr)
    adata = anndata.AnnData(X=np.asarray(x, dtype=np.float32))
    sc.pp.neighbors(adata, random_state=0)
    sc.tl.leiden(adata, flavor="igraph", n_iterations=2, directed=False, random_state=0)
    return adata.obs["leiden"].astype(int).to_numpy()


def evoc_default(x: np.ndarray) -> np.ndarray:
    """EVoC as its authors ship it (defaults, seeded)."""
    from evoc import EVoC

    return np.asarray(EVoC(random_state=0).fit_predict(np.asarray(x, dtype=np.float32)))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def one_set(name: str) -> dict:
    """Every measurement of one set."""
    bench = load(name)
    x, truth = bench.dataset.vectors, bench.truth
    row: dict = {"set": name, "rows": bench.dataset.n, "columns": bench.dataset.d, "runs": {}}
    labels, seconds = timed(evoc_default, x)
    row["runs"]["EVoC defaults"] = {"ari": metrics.ari(truth, labels), "ece": None, "seconds": seconds}
    labels, seconds = timed(scanpy_default, x)
    row["runs"]["scanpy Leiden"] = {"ari": metrics.ari(truth, labels), "ece": None, "seconds": seconds}
    for method in (*DEFAULTS, "auto"):
        preprocess = "none" if method == "auto" else bench.preprocess
        result, seconds = timed(run, bench.dataset, method, {}, preprocess=preprocess)
        row["runs"][method] = {
            "ari": metrics.ari(truth, result.labels),
            "ece": ece(result.labels, result.confidence(), truth),
            "seconds": seconds,
            "clusters": result.n_clusters,
        }
    found = suggest(bench.dataset, "leiden", preprocess=bench.preprocess, truth=truth, repeats=3)
    best = max(found.levels, key=lambda level: level.ari or 0.0)
    row["suggest"] = {
        "chosen": found.level.value,
        "chosen_ari": found.level.ari,
        "best": best.value,
        "best_ari": best.ari,
        "within_0.03": (found.level.ari or 0) >= (best.ari or 0) - 0.03,
    }
    members = get_backend("consensus")().members(prepared(bench.dataset, bench.preprocess), None)
    aris = sorted(metrics.ari(truth, labels) for _, labels in members)
    row["consensus"] = {
        "ari": row["runs"]["consensus"]["ari"],
        "median_member": float(np.median(aris)),
        "best_member": aris[-1],
        "members": len(aris),
    }
    return row


def show(rows: list[dict]) -> None:
    """The tables the closing note quotes."""
    names = list(rows[0]["runs"])
    print("\nARI (ECE of the calibrated confidence)")
    print(f"{'set':12s} " + " ".join(f"{n[:14]:>15s}" for n in names))
    for row in rows:
        cells = []
        for n in names:
            found = row["runs"][n]
            cells.append(f"{found['ari']:.3f}" + (f" ({found['ece']:.2f})" if found["ece"] is not None else ""))
        print(f"{row['set']:12s} " + " ".join(f"{c:>15s}" for c in cells))
    print("\nauto against the peers (ratio of ARI; >= 1 is at least as good)")
    for row in rows:
        auto = row["runs"]["auto"]["ari"]
        print(
            f"{row['set']:12s} auto/EVoC {auto / max(row['runs']['EVoC defaults']['ari'], 1e-9):.2f}  "
            f"auto/scanpy {auto / max(row['runs']['scanpy Leiden']['ari'], 1e-9):.2f}"
        )
    print("\nsuggested level vs the best level (Leiden ladder; ARI)")
    for row in rows:
        s = row["suggest"]
        print(
            f"{row['set']:12s} suggested {s['chosen']:g} ({s['chosen_ari']:.3f})  best {s['best']:g} "
            f"({s['best_ari']:.3f})  within 0.03: {'yes' if s['within_0.03'] else 'no'}"
        )
    print("\nconsensus method vs its members (ARI)")
    for row in rows:
        c = row["consensus"]
        print(
            f"{row['set']:12s} consensus {c['ari']:.3f}  median member {c['median_member']:.3f}  best member "
            f"{c['best_member']:.3f}  ({c['members']} members)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(NAMES), help="comma-separated sets")
    args = parser.parse_args()
    rows = []
    for name in args.sets.split(","):
        print(f"{name}...", flush=True)
        rows.append(one_set(name))
    show(rows)
    out = ROOT / "benchmarks" / "results" / "trust.json"
    out.write_text(json.dumps(rows, indent=1, default=float) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
