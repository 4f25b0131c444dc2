"""Engine benchmark: ours vs scanpy (kNN + Leiden) and vs hdbscan / scikit-learn / fast_hdbscan, same run.

Prints one summary line of ratios and writes benchmarks/results/engine.json.
Usage: .venv/bin/python benchmarks/engine.py [--n 100000] [--skip-sklearn-hdbscan]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLUSTERLAB_CACHE", tempfile.mkdtemp(prefix="clusterlab-bench-"))

from clustering.backends.hdbscan import HDBSCAN  # noqa: E402
from clustering.backends.leiden import Leiden  # noqa: E402
from clustering.evaluate import metrics  # noqa: E402
from clustering.graph.neighbors import knn_graph  # noqa: E402
from clustering.graph.preprocess import preprocess  # noqa: E402
from clustering.graph.projection import umap_embed  # noqa: E402
from clustering.io.samples import load_sample  # noqa: E402


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return value, time.perf_counter() - start


def blobs(n: int, seed: int = 0):
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n_samples=n, centers=20, n_features=50, cluster_std=10.0, center_box=(-20, 20), random_state=seed)
    return x.astype(np.float32), y


def scanpy_leiden(x: np.ndarray, resolution: float = 1.0) -> np.ndarray:
    """scanpy as a user runs it: pp.neighbors + tl.leiden(flavor='igraph')."""
    import anndata
    import scanpy as sc

    adata = anndata.AnnData(X=x)
    try:
        sc.pp.neighbors(adata, n_neighbors=15, use_rep="X", random_state=0)
    except AttributeError as error:  # scipy >= 1.15: csr_array has no getnnz (benchmark-only workaround)
        if "getnnz" not in str(error):
            raise
        import scipy.sparse as sp

        sp.csr_array.getnnz = lambda self, axis=None: self.nnz if axis is None else np.diff(self.indptr)
        sc.pp.neighbors(adata, n_neighbors=15, use_rep="X", random_state=0)
    sc.tl.leiden(adata, flavor="igraph", n_iterations=2, directed=False, resolution=resolution, random_state=0)
    scanpy_leiden.distances = adata.obsp["distances"]  # kept for its recall, outside the timing
    return adata.obs["leiden"].astype(int).to_numpy()


def recall_of(x: np.ndarray, neighbour_lists: list[np.ndarray], rows: np.ndarray, k: int) -> float:
    """Share of the exact k nearest neighbours of the sampled rows found in their lists."""
    import faiss

    _, truth = faiss.knn(x[rows], x, k + 1)
    hits = sum(
        len(np.intersect1d([t for t in row if t != r][:k], found))
        for r, row, found in zip(rows, truth, neighbour_lists)
    )
    return hits / (len(rows) * k)


def ours_leiden(x: np.ndarray, resolution: float = 1.0) -> np.ndarray:
    graph = knn_graph(x, 15)
    return Leiden(resolution=resolution).fit(x, knn=graph).labels_


def leiden_case(name: str, x: np.ndarray, y: np.ndarray) -> dict:
    scanpy_leiden(x[:6000])  # warm-up above 4,096 rows, so pynndescent and umap are compiled
    ours_leiden(x[:2000])
    peer_labels, peer_s = timed(scanpy_leiden, x)
    our_labels, our_s = timed(ours_leiden, x)
    graph = knn_graph(x, 15)
    rerun_labels, rerun_s = timed(lambda: Leiden(resolution=0.5).fit(x, knn=graph).labels_)
    rows = np.random.default_rng(1).choice(len(x), size=min(1000, len(x)), replace=False)
    peer_k = scanpy_leiden.distances.tocsr()
    peer_recall = recall_of(
        x,
        [peer_k.indices[peer_k.indptr[r] : peer_k.indptr[r + 1]] for r in rows],
        rows,
        int(np.diff(peer_k.indptr).max()),
    )
    our_recall = recall_of(x, [graph.indices[r] for r in rows], rows, graph.k)
    case = {
        "data": name,
        "n": len(x),
        "d": x.shape[1],
        "scanpy_seconds": peer_s,
        "scanpy_ari": metrics.ari(y, peer_labels),
        "ours_seconds": our_s,
        "ours_ari": metrics.ari(y, our_labels),
        "knn_recall": graph.recall,
        "knn_exact": graph.exact,
        "knn_seconds": graph.seconds,
        "knn_recall_other_rows": our_recall,
        "scanpy_knn_recall": peer_recall,
        "rerun_seconds": rerun_s,
        "rerun_share_of_first": rerun_s / our_s,
        "time_ratio": our_s / peer_s,
    }
    print(
        f"[leiden {name}] ours {our_s:.1f}s ARI {case['ours_ari']:.3f} | scanpy {peer_s:.1f}s ARI "
        f"{case['scanpy_ari']:.3f} | ratio {case['time_ratio']:.2f} | rerun {rerun_s:.2f}s "
        f"({100 * case['rerun_share_of_first']:.1f}% of first) | kNN {graph.seconds:.1f}s recall {our_recall:.3f} vs "
        f"scanpy's {peer_recall:.3f}",
        flush=True,
    )
    return case


def hdbscan_case(name: str, x: np.ndarray, y: np.ndarray, min_cluster_size: int, skip_sklearn: bool) -> dict:
    import fast_hdbscan
    import hdbscan
    from sklearn.cluster import HDBSCAN as SkHDBSCAN

    fast_hdbscan.HDBSCAN(min_cluster_size=10).fit(x[:1000, :10])  # warm-up numba
    umap_embed(x[:2000], n_components=10, min_dist=0.0)
    graph = knn_graph(x, 15)
    reduced, reduce_s = timed(umap_embed, x, n_components=10, n_neighbors=15, min_dist=0.0, knn=graph)
    case: dict = {
        "data": name,
        "n": len(x),
        "reduction": "umap-10",
        "reduction_seconds": reduce_s,
        "min_cluster_size": min_cluster_size,
    }
    ours = HDBSCAN(min_cluster_size=min_cluster_size, reduction="umap")
    labels, case["ours_hdbscan_seconds"] = timed(lambda: ours.fit(x, knn=graph, reduced=reduced).labels_)
    case["ours_ari"] = metrics.ari(y, labels)
    peers = {
        "hdbscan": lambda: (
            hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, core_dist_n_jobs=os.cpu_count())
            .fit(reduced.astype(np.float64))
            .labels_
        ),
        "fast_hdbscan": lambda: fast_hdbscan.HDBSCAN(min_cluster_size=min_cluster_size).fit(reduced).labels_,
    }
    if not skip_sklearn:
        peers["sklearn"] = lambda: SkHDBSCAN(min_cluster_size=min_cluster_size, n_jobs=-1).fit(reduced).labels_
    for peer, fn in peers.items():
        peer_labels, seconds = timed(fn)
        case[f"{peer}_seconds"] = seconds
        case[f"{peer}_ari"] = metrics.ari(y, peer_labels)
    fastest = min(p for p in peers)
    fastest = min(peers, key=lambda p: case[f"{p}_seconds"])
    case["fastest_peer"] = fastest
    case["time_ratio"] = case["ours_hdbscan_seconds"] / case[f"{fastest}_seconds"]
    print(
        f"[hdbscan {name}] reduction {reduce_s:.1f}s | ours {case['ours_hdbscan_seconds']:.1f}s ARI "
        f"{case['ours_ari']:.3f} | "
        + " | ".join(f"{p} {case[f'{p}_seconds']:.1f}s ARI {case[f'{p}_ari']:.3f}" for p in peers),
        flush=True,
    )
    return case


def cold_start() -> dict:
    """Time to first labels in a fresh process with empty caches (CLI, MNIST-test, PCA-50 + Leiden)."""
    env = dict(os.environ, CLUSTERLAB_CACHE=tempfile.mkdtemp(prefix="clusterlab-cold-"))
    out = Path(env["CLUSTERLAB_CACHE"]) / "labels.csv"
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "clustering.cli",
            "cluster",
            "sample:mnist-test",
            "--method",
            "leiden",
            "--preprocess",
            "pca:50",
            "--truth",
            "label",
            "--json",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    summary = json.loads(proc.stdout) if proc.returncode == 0 else {"error": proc.stderr}
    print(f"[cold start] first Leiden labels on MNIST-test in a fresh process: {seconds:.1f}s", flush=True)
    return {"seconds": seconds, "summary": summary}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--skip-sklearn-hdbscan", action="store_true")
    parser.add_argument("--skip-hdbscan", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_info

    results: dict = {"threads": os.cpu_count(), "blas": [i.get("internal_api") for i in threadpool_info()]}
    results["cold_start"] = cold_start()
    mnist = load_sample("mnist-test")
    mnist_pca = preprocess(mnist.vectors, "pca:50")
    x, y = blobs(args.n)
    results["leiden"] = [
        leiden_case("mnist-test-pca50", mnist_pca, mnist.labels()),
        leiden_case(f"blobs-{args.n // 1000}k-50d", x, y),
    ]
    if not args.skip_hdbscan:
        results["hdbscan"] = [
            hdbscan_case("mnist-test", mnist_pca, mnist.labels(), 100, args.skip_sklearn_hdbscan),
            hdbscan_case(f"blobs-{args.n // 1000}k-50d", x, y, 500, args.skip_sklearn_hdbscan),
        ]
    out = ROOT / "benchmarks" / "results" / "engine.json"
    out.write_text(json.dumps(results, indent=2, default=float))
    lei = results["leiden"]
    line = "engine: leiden time vs scanpy " + ", ".join(
        f"{c['data']} x{c['time_ratio']:.2f} (ARI {c['ours_ari']:.3f} vs {c['scanpy_ari']:.3f})" for c in lei
    )
    line += "; rerun " + ", ".join(f"{100 * c['rerun_share_of_first']:.0f}%" for c in lei)
    if "hdbscan" in results:
        line += "; hdbscan vs fastest peer " + ", ".join(
            f"{c['data']} x{c['time_ratio']:.2f} ({c['fastest_peer']})" for c in results["hdbscan"]
        )
    line += f"; cold start {results['cold_start']['seconds']:.1f}s"
    print(line)


if __name__ == "__main__":
    main()
