"""Which clustering to believe, measured side by side in one run on sets with known classes (issue 41).

Per set (benchmarks/sets.py: digits, MNIST-test, the text sample, the single-cell sample, a density set with noise,
separated blobs), each figure the mean of seeds 0, 1 and 2:
- `auto` against three plain defaults: scanpy's default Leiden (pp.neighbors with its own PCA, tl.leiden), EVoC's
  defaults (the evoc package as its authors ship it) and Clusterlab's Leiden default (`--method leiden`, vectors as
  they are); ARI;
- the ECE and the AUROC (right rows, in their cluster's majority class, against wrong ones) of auto's confidence;
- the level `clusterlab suggest` recommends on Leiden's ladder against the default level (resolution 1) and the
  best level;
- the `consensus` method against its members (ARI of the consensus, the median and the best member).
Then each goal of the issue, held or missed, per set. Writes benchmarks/results/trust.json.
`--spread N` measures instead how much each ARI of the first table moves with the seed (seeds 0 to N-1: mean, lowest,
highest), to tell a lead from the luck of three seeds; it updates benchmarks/results/trust_spread.json.
Usage: .venv/bin/python benchmarks/trust.py [--sets digits,pbmc] [--seeds 0,1,2] [--spread 10]
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
from sklearn.metrics import roc_auc_score

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

DEFAULTS = ("scanpy Leiden", "EVoC defaults", "Clusterlab Leiden")
GEOMETRY = ("density", "blobs")  # sets whose classes are the geometry: the confidence must be calibrated there


def scanpy_default(x: np.ndarray, seed: int) -> np.ndarray:
    """scanpy as its tutorial runs it: pp.neighbors (its PCA to 50 above 50 columns), tl.leiden (igraph)."""
    import anndata
    import scanpy as sc
    import scipy.sparse as sp

    if not hasattr(sp.csr_array, "getnnz"):  # scipy >= 1.15 and this scanpy (benchmark-only workaround)
        sp.csr_array.getnnz = lambda self, axis=None: self.nnz if axis is None else np.diff(self.indptr)
    adata = anndata.AnnData(X=np.asarray(x, dtype=np.float32))
    sc.pp.neighbors(adata, random_state=seed)
    sc.tl.leiden(adata, flavor="igraph", n_iterations=2, directed=False, random_state=seed)
    return adata.obs["leiden"].astype(int).to_numpy()


def evoc_default(x: np.ndarray, seed: int) -> np.ndarray:
    """EVoC as its authors ship it (defaults, seeded)."""
    from evoc import EVoC

    return np.asarray(EVoC(random_state=seed).fit_predict(np.asarray(x, dtype=np.float32)))


def confidence_scores(labels: np.ndarray, confidence: np.ndarray, truth: np.ndarray) -> tuple[float, float | None]:
    """ECE and AUROC of a run's confidence on its clustered rows (AUROC None when every row is right or wrong)."""
    clustered = labels >= 0
    right = majority_correct(labels, truth)[clustered]
    ece = reliability(confidence[clustered], right).ece
    auroc = float(roc_auc_score(right, confidence[clustered])) if 0 < right.mean() < 1 else None
    return ece, auroc


def defaults_ari(bench, seed: int) -> dict[str, float]:
    """ARI of the three plain defaults at one seed."""
    x, truth = bench.dataset.vectors, bench.truth
    return {
        "scanpy Leiden": metrics.ari(truth, scanpy_default(x, seed)),
        "EVoC defaults": metrics.ari(truth, evoc_default(x, seed)),
        "Clusterlab Leiden": metrics.ari(truth, run(bench.dataset, "leiden", {}, seed=seed).labels),
    }


def one_seed(name: str, seed: int) -> dict:
    """Every measurement of one set at one seed."""
    bench = load(name)
    truth = bench.truth
    found: dict = {"ari": defaults_ari(bench, seed)}
    start = time.perf_counter()
    auto = run(bench.dataset, "auto", {}, seed=seed)
    found["auto_seconds"] = time.perf_counter() - start
    found["ari"]["auto"] = metrics.ari(truth, auto.labels)
    found["auto_why"] = auto.info["auto"]["why"]
    found["ece"], found["auroc"] = confidence_scores(auto.labels, auto.confidence(), truth)
    ladder = suggest(bench.dataset, "leiden", truth=truth, repeats=3, seed=seed)
    default = next(level for level in ladder.levels if level.value == 1.0)
    found["suggest"] = {
        "suggested": ladder.level.value,
        "suggested_ari": ladder.level.ari,
        "default_ari": default.ari,
        "best": max(ladder.levels, key=lambda level: level.ari or 0.0).value,
        "best_ari": max(level.ari or 0.0 for level in ladder.levels),
        "kept_default": ladder.level.value == 1.0,
        "reason": ladder.reason,
    }
    consensus = run(bench.dataset, "consensus", {}, seed=seed)
    members = get_backend("consensus")(random_state=seed).members(prepared(bench.dataset, "none"), None)
    aris = sorted(metrics.ari(truth, labels) for _, labels in members)
    found["consensus"] = {
        "ari": metrics.ari(truth, consensus.labels),
        "median_member": float(np.median(aris)),
        "best_member": aris[-1],
        "members": len(aris),
        "kept_member": consensus.info.get("kept"),
    }
    return found


def mean_of(runs: list[dict], *path: str) -> float | None:
    """The mean over seeds of one figure (None when a seed has none)."""
    values = []
    for found in runs:
        for key in path:
            found = found[key]
        values.append(found)
    return None if any(v is None for v in values) else float(np.mean(values))


def one_set(name: str, seeds: list[int]) -> dict:
    """A set's seeds and their means, with the issue's goals held or missed."""
    runs = [one_seed(name, seed) for seed in seeds]
    row: dict = {"set": name, "seeds": seeds, "runs": runs}
    row["ari"] = {method: mean_of(runs, "ari", method) for method in ("auto", *DEFAULTS)}
    row["ece"], row["auroc"] = mean_of(runs, "ece"), mean_of(runs, "auroc")
    row["suggest"] = {key: mean_of(runs, "suggest", key) for key in ("suggested_ari", "default_ari", "best_ari")}
    row["consensus"] = {key: mean_of(runs, "consensus", key) for key in ("ari", "median_member", "best_member")}
    best_default = max(row["ari"][method] for method in DEFAULTS)
    row["goals"] = {
        "auto >= each default - 0.01": row["ari"]["auto"] >= best_default - 0.01,
        "AUROC >= 0.80": None if row["auroc"] is None else row["auroc"] >= 0.80,
        "ECE <= 0.05": row["ece"] <= 0.05 if name in GEOMETRY else None,
        "suggested >= default": row["suggest"]["suggested_ari"] >= row["suggest"]["default_ari"] - 1e-9,
        "consensus >= median member": row["consensus"]["ari"] >= row["consensus"]["median_member"] - 1e-9,
    }
    return row


def show(rows: list[dict]) -> None:
    """The tables the closing note quotes."""
    print("\nARI, mean of seeds: auto against the plain defaults")
    print(f"{'set':12s} {'auto':>7s} " + " ".join(f"{n:>18s}" for n in DEFAULTS) + "  auto / best default")
    for row in rows:
        best = max(row["ari"][n] for n in DEFAULTS)
        cells = " ".join(f"{row['ari'][n]:18.3f}" for n in DEFAULTS)
        print(f"{row['set']:12s} {row['ari']['auto']:7.3f} {cells}  {row['ari']['auto'] / max(best, 1e-9):.2f}")
    print("\nauto's confidence: ECE and AUROC (right rows against wrong ones)")
    for row in rows:
        auroc = "-" if row["auroc"] is None else f"{row['auroc']:.2f}"
        print(f"{row['set']:12s} ECE {row['ece']:.3f}  AUROC {auroc}")
    print("\nLeiden's ladder: suggested level against the default level (resolution 1) and the best level (ARI)")
    for row in rows:
        s = row["suggest"]
        kept = sum(found["suggest"]["kept_default"] for found in row["runs"])
        print(
            f"{row['set']:12s} suggested {s['suggested_ari']:.3f}  default {s['default_ari']:.3f}  best "
            f"{s['best_ari']:.3f}  (default kept in {kept} of {len(row['runs'])} seeds)"
        )
    print("\nconsensus method against its members (ARI)")
    for row in rows:
        c = row["consensus"]
        kept = sum(bool(found["consensus"]["kept_member"]) for found in row["runs"])
        print(
            f"{row['set']:12s} consensus {c['ari']:.3f}  median member {c['median_member']:.3f}  best member "
            f"{c['best_member']:.3f}  (a member kept instead in {kept} of {len(row['runs'])} seeds)"
        )
    print("\ngoals (yes: held; no: missed; -: not asked of this set)")
    names = list(rows[0]["goals"])
    print(f"{'set':12s} " + " ".join(f"{n:>28s}" for n in names))
    for row in rows:
        cells = [{True: "yes", False: "no", None: "-"}[row["goals"][n]] for n in names]
        print(f"{row['set']:12s} " + " ".join(f"{c:>28s}" for c in cells))


def spread(names: list[str], count: int) -> dict:
    """auto's and each default's ARI over seeds 0 to count - 1, per set: mean, lowest and highest."""
    found = {}
    print(f"\nARI over seeds 0-{count - 1}: mean (lowest-highest)")
    print(f"{'set':12s} " + " ".join(f"{n:>22s}" for n in ("auto", *DEFAULTS)))
    for name in names:
        bench = load(name)
        per_seed = []
        for seed in range(count):
            aris = defaults_ari(bench, seed)
            aris["auto"] = metrics.ari(bench.truth, run(bench.dataset, "auto", {}, seed=seed).labels)
            per_seed.append(aris)
        found[name] = {method: [aris[method] for aris in per_seed] for method in ("auto", *DEFAULTS)}
        cells = " ".join(f"{np.mean(v):10.3f} ({min(v):.3f}-{max(v):.3f})" for v in found[name].values())
        print(f"{name:12s} {cells}", flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(NAMES), help="comma-separated sets")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--spread", type=int, default=0, help="ARI over seeds 0 to N-1 instead (no other table)")
    args = parser.parse_args()
    names = args.sets.split(",")
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        parser.error(f"--sets: no set {', '.join(unknown)}; choose among {','.join(NAMES)}")
    if args.spread < 0:
        parser.error("--spread is a number of seeds: 1 or more (0, the default, prints the issue's tables)")
    if args.spread:
        out = ROOT / "benchmarks" / "results" / "trust_spread.json"
        kept = json.loads(out.read_text()) if out.exists() else {}  # the sets not measured again stay
        out.write_text(json.dumps(kept | spread(names, args.spread), indent=1, default=float) + "\n")
        print(f"\nwrote {out}")
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for name in names:
        print(f"{name}...", flush=True)
        rows.append(one_set(name, seeds))
    show(rows)
    out = ROOT / "benchmarks" / "results" / "trust.json"
    out.write_text(json.dumps(rows, indent=1, default=float) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
