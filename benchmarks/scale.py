"""Scale: 10k / 100k / 1M rows on one machine, 10M out of core on Dask, each against a peer in the same run.

Every case is a cold `clusterlab` process (fresh kNN cache), timed wall-clock with its peak RSS (os.wait4).
Data: labelled Gaussian blobs, 20 centres in [-10, 10]^d, unit spread (`blobs`).

- ours: `clusterlab cluster --method leiden --layout umap` (fit on a 50k sample above 200k rows, the rest
  labelled and placed by their nearest sample rows); ARI against the truth.
- full fit: the same with `--sample none` (100k with its layout; 1M labels only, as a full UMAP of 1M takes
  about 15 minutes here): ARI between the sample-fit and the full-fit labels.
- layout peer: umap-learn with n_jobs=-1 on every row (10k, 100k, and 1M x 64 with 25 minutes to finish);
  trustworthiness (k=15) of each layout on the same 3,000 random rows.
- HDBSCAN at 100k x 50: ours (`--method hdbscan`, sample fit) against umap-learn's 10-d reduction (n_jobs=-1)
  then fast_hdbscan, both cold.
- Peak RSS: each process's own high-water mark (VmHWM, written by PEAK_WRAPPER at exit; ru_maxrss would carry
  the benchmark process's RSS into its children); data is made in child processes; Dask workers report their
  own peak the same way (`clustering.scale.dask_run.peak_rss_mb` in each task).
- UMAP layout of 100k x 50 (`clusterlab layout`, cold) against umap-learn with all cores (cold): seconds as a
  ratio (ours / theirs) and trustworthiness.
- Rare clusters (250k and 1M x 50): 40 unit blobs of 60 rows up to tens of thousands (`rare_sizes`); HDBSCAN
  and Leiden by default (a covering sample, a second pass) against `--sample none`; a true cluster counts as
  recovered when a found cluster has Jaccard >= 0.5 with it.
- 10M x 64 parquet (20 files): ours on a LocalCluster (2 workers, 4GB each) against Dask-ML's KMeans on the same
  cluster (workers restarted between the two, so each peak RSS is its own).

Writes benchmarks/results/scale.json and docs/scale.png. Usage:
    python benchmarks/scale.py [--cases small,1m,1m384,full1m,hdbscan,10m] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLI = [PY, "-m", "clustering.cli"]
CENTERS = 20
TRUST_ROWS = 3_000
ALL_CASES = (
    "small",
    "1m",
    "1m384",
    "full1m",
    "hdbscan",
    "layout",
    "rare",
    "10m",
)  # and "100k": the 100k row of "small" alone
RARE_CLUSTERS = 40
RARE_SMALLEST = 60
RARE_FULL_LIMIT_SECONDS = 2400  # a full fit still running after 40 minutes is reported as not finished


def blobs(n: int, d: int, seed: int = 0, center_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n rows around CENTERS fixed centres (from center_seed); membership and noise from seed."""
    centers = np.random.default_rng(center_seed).uniform(-10, 10, (CENTERS, d)).astype(np.float32)
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, CENTERS, n)
    x = centers[truth] + rng.standard_normal((n, d), dtype=np.float32)
    return x, truth


def write_npy(path: Path, n: int, d: int, seed: int = 0) -> np.ndarray:
    """Blobs of n x d at `path` (and the truth beside it), made in a child process; returns the truth.

    Never here: Linux hands a process's peak RSS on to every child it starts (fork copies it, exec keeps it), so
    making 1.5 GB of data in this process would inflate every later measurement.
    """
    if not (path.exists() and path.with_suffix(".truth.npy").exists()):
        subprocess.run([PY, __file__, "--make-npy", str(path), str(n), str(d), str(seed)], check=True)
    return np.load(path.with_suffix(".truth.npy"))


def make_npy(path: Path, n: int, d: int, seed: int = 0) -> None:
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    truths = []
    for i, start in enumerate(range(0, n, 1_000_000)):
        x, truth = blobs(min(1_000_000, n - start), d, seed=seed * 1000 + i, center_seed=seed)
        out[start : start + len(x)] = x
        truths.append(truth)
    out.flush()
    np.save(path.with_suffix(".truth.npy"), np.concatenate(truths))


def rare_sizes(n: int, k: int = RARE_CLUSTERS, smallest: int = RARE_SMALLEST) -> np.ndarray:
    """k cluster sizes from `smallest` up, spaced geometrically, adding up to about n."""
    low, high = 2.0 * smallest, float(n)
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if np.geomspace(smallest, middle, k).round().sum() < n else (low, middle)
    return np.geomspace(smallest, low, k).round().astype(int)


def make_rare_npy(path: Path, n: int, d: int) -> None:
    """Rare-cluster data: RARE_CLUSTERS well-separated unit blobs in [-10, 10]^d of rare_sizes(n) rows."""
    sizes = rare_sizes(n)
    rng = np.random.default_rng(7)
    centres = rng.uniform(-10, 10, (len(sizes), d)).astype(np.float32)
    truth = rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(len(truth), d))
    for start in range(0, len(truth), 200_000):
        part = truth[start : start + 200_000]
        out[start : start + len(part)] = centres[part] + rng.standard_normal((len(part), d), dtype=np.float32)
    out.flush()
    np.save(path.with_suffix(".truth.npy"), truth)


def recovered(truth: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per true cluster: whether some found cluster has Jaccard >= 0.5 with it."""
    found = []
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    for cluster in np.unique(truth):
        members = truth == cluster
        inside = labels[members]
        inside = inside[inside >= 0]
        best = 0.0
        if len(inside):
            ids, shared = np.unique(inside, return_counts=True)
            best = float((shared / (members.sum() + sizes[ids] - shared)).max())
        found.append(best >= 0.5)
    return np.array(found)


def case_layout(work: Path, results: list, n: int = 100_000, d: int = 50) -> None:
    """`clusterlab layout` (UMAP, cold) against umap-learn on every row with all cores (cold): time, trust."""
    path = work / f"blobs-{n}x{d}.npy"
    write_npy(path, n, d, seed=1)
    x = np.load(path, mmap_mode="r")
    out = work / "layout.parquet"
    mine = run([*CLI, "layout", str(path), "--out", str(out)], env={"CLUSTERLAB_CACHE": tempfile.mkdtemp()})
    import pandas as pd

    xy = pd.read_parquet(out)[["x", "y"]].to_numpy()
    peer = umap_peer(path, work / "peer-xy.npy")
    row = {
        "case": f"UMAP layout {n:,} x {d}",
        "rows": n,
        "ours": {"seconds": mine["seconds"], "peak_rss_mb": mine["peak_rss_mb"], "trustworthiness": trust(x, xy)},
        "umap_learn": peer,
    }
    if "seconds" in peer:
        peer["trustworthiness"] = trust(x, np.load(work / "peer-xy.npy"))
        row["ours_over_umap_learn"] = round(mine["seconds"] / peer["seconds"], 2)
    print(json.dumps(row), flush=True)
    results.append(row)


def case_rare(
    work: Path,
    results: list,
    n: int,
    d: int = 50,
    limit: float = RARE_FULL_LIMIT_SECONDS,
    methods: tuple[str, ...] = ("hdbscan", "leiden"),
) -> None:
    """Rare clusters: the default (sampled) fit of HDBSCAN and Leiden against a fit on every row."""
    path = work / f"rare-{n}x{d}.npy"
    if not (path.exists() and path.with_suffix(".truth.npy").exists()):
        subprocess.run([PY, __file__, "--make-rare", str(path), str(n), str(d)], check=True)
    truth = np.load(path.with_suffix(".truth.npy"))
    sizes = np.bincount(truth)
    small = sizes < 0.005 * len(truth)
    for method in methods:
        mine = ours(path, work / "ours.parquet", method, [], Path(tempfile.mkdtemp()))
        full = run_limited_full(path, work / "full.parquet", method, limit)
        found = recovered(truth, mine["labels"])
        row = {
            "case": f"rare clusters {method} {len(truth):,} x {d}",
            "rows": int(len(truth)),
            "clusters": int(len(sizes)),
            "smallest": int(sizes.min()),
            "ours": {
                "seconds": mine["seconds"],
                "recovered": int(found.sum()),
                "small_recovered": int(found[small].sum()),
            },
            "small_clusters": int(small.sum()),
        }
        if "labels" in full:
            every = recovered(truth, full["labels"])
            row["full_fit"] = {
                "seconds": full["seconds"],
                "recovered": int(every.sum()),
                "small_recovered": int(every[small].sum()),
            }
            row["missed_by_ours_found_by_full"] = int((every & ~found).sum())
            row["ratio"] = round(full["seconds"] / mine["seconds"], 2)
        else:
            row["full_fit"] = full
            row["ratio"] = round(full["unfinished_after"] / mine["seconds"], 2)  # at least this much
        print(json.dumps(row), flush=True)
        results.append(row)


def run_limited_full(path: Path, out: Path, method: str, limit: float) -> dict:
    """`clusterlab cluster --sample none` with a time limit: its labels and seconds, or {"unfinished_after"}."""
    result = run(
        [*CLI, "cluster", str(path), "--method", method, "--sample", "none", "--out", str(out), "--json"],
        env={"CLUSTERLAB_CACHE": tempfile.mkdtemp()},
        limit=limit,
    )
    if "unfinished_after" in result:
        return result
    import pandas as pd

    return {"seconds": result["seconds"], "labels": pd.read_parquet(out)["cluster"].to_numpy()}


PEER_LIMIT_SECONDS = 300  # a peer still running after this is stopped and reported as not finished
DASK_ML_LIMIT_SECONDS = 900  # Dask-ML's KMeans on 10M rows gets 15 minutes
UMAP_1M_LIMIT_SECONDS = 1500  # umap-learn on every one of 1M rows gets 25 minutes


# Runs a Python command line (`-m module ...` or `-c code ...`) and writes its own peak RSS (VmHWM, kB) to a file
# at exit. ru_maxrss is not enough: Linux starts a child's at the RSS its parent had when it forked, so a
# benchmark process holding earlier results inflated its children's peaks (1M labels only read 1.9 GB). It reads
# VmHWM itself rather than import clustering's peak_rss_mb, so that a peer's process loads nothing of ours.
PEAK_WRAPPER = """
import atexit, runpy, sys
peak_file, mode, target = sys.argv[1:4]
def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(peak_file, "w") as out:
        out.write(kb)
atexit.register(peak)
sys.argv = [target if mode == "-m" else "-c", *sys.argv[4:]]
if mode == "-m":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    exec(compile(target, "<peer>", "exec"), {"__name__": "__main__"})
"""


def run(command: list[str], env: dict | None = None, limit: float | None = None) -> dict:
    """Run a cold process; wall seconds, its own peak RSS (MB), stdout; {"unfinished_after": limit} past `limit`."""
    peak_file = Path(tempfile.mkdtemp()) / "peak-kb"
    if command[0] == PY and command[1] in ("-m", "-c"):
        command = [PY, "-c", PEAK_WRAPPER, str(peak_file), *command[1:]]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True, env={**os.environ, **(env or {})})
        while limit is not None and os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            if time.perf_counter() - start > limit:
                child.kill()
                os.wait4(child.pid, 0)
                return {"unfinished_after": limit}
            time.sleep(1)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS, unlike RUSAGE_CHILDREN
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(command[:6])} failed: {stderr[-2000:]}")
    peak_kb = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024), "stdout": stdout}


def ours(path: Path, out: Path, method: str, extra: list[str], cache: Path) -> dict:
    result = run(
        [*CLI, "cluster", str(path), "--method", method, *extra, "--out", str(out), "--json"],
        env={"CLUSTERLAB_CACHE": str(cache)},
    )
    import pandas as pd

    frame = pd.read_parquet(out)
    result["labels"] = frame["cluster"].to_numpy()
    result["xy"] = frame[["x", "y"]].to_numpy() if "x" in frame else None
    result.pop("stdout")
    return result


UMAP_PEER = """
import sys, numpy as np, umap, warnings
warnings.simplefilter("ignore")
x = np.load(sys.argv[1], mmap_mode="r")
xy = umap.UMAP(n_components=int(sys.argv[3]), n_jobs=-1, min_dist=float(sys.argv[4])).fit_transform(np.asarray(x))
if len(sys.argv) > 5:
    import fast_hdbscan
    labels = fast_hdbscan.HDBSCAN(min_cluster_size=15).fit(xy.astype(np.float32)).labels_
    np.save(sys.argv[5], labels)
np.save(sys.argv[2], xy)
"""


def umap_peer(
    path: Path,
    out: Path,
    components: int = 2,
    min_dist: float = 0.1,
    labels: Path | None = None,
    limit: float | None = None,
) -> dict:
    command = [PY, "-c", UMAP_PEER, str(path), str(out), str(components), str(min_dist)]
    result = run(command + ([str(labels)] if labels else []), limit=limit or PEER_LIMIT_SECONDS)
    result.pop("stdout", None)
    return result


def trust(x: np.ndarray, xy: np.ndarray, seed: int = 0) -> float:
    from sklearn.manifold import trustworthiness

    rows = np.sort(np.random.default_rng(seed).choice(len(x), min(TRUST_ROWS, len(x)), replace=False))
    return round(float(trustworthiness(np.asarray(x[rows]), xy[rows], n_neighbors=15)), 4)


def ari(a, b) -> float:
    from clustering.evaluate.metrics import ari as score

    return round(score(a, b), 4)


def case_sizes(
    work: Path,
    sizes: list[int],
    d: int,
    full_layout_max: int,
    results: list,
    peer_max: int | None = None,
    peer_limit: float | None = None,
) -> None:
    """Ours at each size; a full fit up to full_layout_max rows; umap-learn up to peer_max (default: the same)."""
    peer_max = full_layout_max if peer_max is None else peer_max
    for n in sizes:
        path = work / f"blobs-{n}x{d}.npy"
        truth = write_npy(path, n, d)
        x = np.load(path, mmap_mode="r")
        row: dict = {"case": f"{n:,} x {d}", "rows": n, "dim": d}
        mine = ours(path, work / "ours.parquet", "leiden", ["--layout", "umap"], Path(tempfile.mkdtemp()))
        row["ours"] = {
            "seconds": mine["seconds"],
            "peak_rss_mb": mine["peak_rss_mb"],
            "ari": ari(truth, mine["labels"]),
        }
        row["ours"]["trustworthiness"] = trust(x, mine["xy"])
        if n <= full_layout_max:
            full = ours(
                path,
                work / "full.parquet",
                "leiden",
                ["--layout", "umap", "--sample", "none"],
                Path(tempfile.mkdtemp()),
            )
            row["full_fit"] = {
                "seconds": full["seconds"],
                "peak_rss_mb": full["peak_rss_mb"],
                "ari": ari(truth, full["labels"]),
                "trustworthiness": trust(x, full["xy"]),
            }
            row["ari_sample_vs_full"] = ari(full["labels"], mine["labels"])
        if n <= peer_max:
            peer = umap_peer(path, work / "peer-xy.npy", limit=peer_limit)
            if "seconds" in peer:
                peer["trustworthiness"] = trust(x, np.load(work / "peer-xy.npy"))
            row["layout_ratio"] = round(peer.get("seconds", peer.get("unfinished_after", 0)) / mine["seconds"], 2)
            row["umap_learn"] = peer
        print(json.dumps(row), flush=True)
        results.append(row)


def case_full_1m(work: Path, results: list) -> None:
    """Leiden on every row of 1M x 64 (no layout) against the sample fit's labels."""
    path = work / "blobs-1000000x64.npy"
    truth = write_npy(path, 1_000_000, 64)
    mine = ours(path, work / "ours.parquet", "leiden", [], Path(tempfile.mkdtemp()))
    full = ours(path, work / "full.parquet", "leiden", ["--sample", "none"], Path(tempfile.mkdtemp()))
    row = {
        "case": "1,000,000 x 64 labels only: sample fit vs full fit",
        "rows": 1_000_000,
        "ours": {"seconds": mine["seconds"], "peak_rss_mb": mine["peak_rss_mb"], "ari": ari(truth, mine["labels"])},
        "full_fit": {"seconds": full["seconds"], "peak_rss_mb": full["peak_rss_mb"], "ari": ari(truth, full["labels"])},
        "ari_sample_vs_full": ari(full["labels"], mine["labels"]),
        "ratio": round(full["seconds"] / mine["seconds"], 2),
    }
    print(json.dumps(row), flush=True)
    results.append(row)


def case_hdbscan(work: Path, results: list) -> None:
    n, d = 100_000, 50
    path = work / f"blobs-{n}x{d}.npy"
    truth = write_npy(path, n, d, seed=1)
    mine = ours(path, work / "ours.parquet", "hdbscan", [], Path(tempfile.mkdtemp()))
    peer = umap_peer(path, work / "peer-10d.npy", components=10, min_dist=0.0, labels=work / "peer-labels.npy")
    if "seconds" in peer:
        peer_labels = np.load(work / "peer-labels.npy")
        peer.update(ari=ari(truth, peer_labels), noise_share=round(float((peer_labels < 0).mean()), 4))
    row = {
        "case": "HDBSCAN 100,000 x 50",
        "rows": n,
        "ours": {
            "seconds": mine["seconds"],
            "peak_rss_mb": mine["peak_rss_mb"],
            "ari": ari(truth, mine["labels"]),
            "noise_share": round(float((mine["labels"] < 0).mean()), 4),
        },
        "umap_learn_fast_hdbscan": peer,  # ratio: at least this much when the peer did not finish
        "ratio": round(peer.get("seconds", peer.get("unfinished_after", 0)) / mine["seconds"], 2),
    }
    print(json.dumps(row), flush=True)
    results.append(row)


def write_parquet_folder(folder: Path, n: int, d: int, files: int) -> None:
    """n x d blobs as `files` parquet files with a `label` column, made in a child process (see write_npy)."""
    if not (folder.exists() and len(list(folder.glob("*.parquet"))) == files):
        subprocess.run([PY, __file__, "--make-parquet", str(folder), str(n), str(d), str(files)], check=True)


def make_parquet(folder: Path, n: int, d: int, files: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    rows = n // files
    for i in range(files):
        x, truth = blobs(rows, d, seed=10_000 + i)
        table = pa.table({**{f"f{j}": x[:, j] for j in range(d)}, "label": truth.astype(np.int32)})
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=250_000)


def case_ten_million(work: Path, results: list) -> None:
    from distributed import Client, LocalCluster

    folder = work / "blobs-10m"
    write_parquet_folder(folder, 10_000_000, 64, 20)
    out = work / "out-10m"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="4GB", dashboard_address=None)
    client = Client(cluster)
    try:
        mine = run(
            [
                *CLI,
                "cluster",
                str(folder),
                "--method",
                "leiden",
                "--layout",
                "umap",
                "--truth",
                "label",
                "--scheduler",
                cluster.scheduler_address,
                "--out",
                str(out),
                "--json",
            ],
            env={"CLUSTERLAB_CACHE": tempfile.mkdtemp()},
        )
        summary = json.loads(mine["stdout"])
        client.restart()
        try:
            peer = dask_ml_kmeans(client, folder)
        except Exception as error:  # the peer failing (memory, API) is a result too
            peer = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
    finally:
        client.close()
        cluster.close()
    row = {
        "case": "10,000,000 x 64 parquet, out of core (2 workers x 4GB)",
        "rows": 10_000_000,
        "ours": {
            "seconds": mine["seconds"],
            "client_peak_rss_mb": mine["peak_rss_mb"],
            "worker_peak_rss_mb": summary["worker_peak_rss_mb"],
            "ari": round(summary["ari"], 4),
            "clusters": summary["n_clusters"],
            "parts": summary["parts"],
            "stages": summary["seconds"],
        },
        "dask_ml_kmeans": peer,
        # at least this much when the peer was stopped unfinished
        "ratio": round(peer.get("seconds", peer.get("unfinished_after", 0)) / mine["seconds"], 2) or None,
    }
    print(json.dumps(row), flush=True)
    results.append(row)


def dask_ml_kmeans(client, folder: Path, limit: float = DASK_ML_LIMIT_SECONDS) -> dict:
    """Dask-ML's KMeans on the same cluster; stopped (workers restarted) when it runs past `limit`."""
    import threading

    import dask.dataframe as dd
    from dask_ml.cluster import KMeans

    from clustering.evaluate.metrics import ari_from_contingency

    start = time.perf_counter()
    frame = dd.read_parquet(str(folder))
    fitted: dict = {}

    def fit() -> None:
        try:
            x = frame[[f"f{j}" for j in range(64)]].to_dask_array(lengths=True)
            fitted["labels"] = KMeans(n_clusters=CENTERS, random_state=0).fit(x).labels_.compute()
        except Exception as error:  # stopped by the restart below, or failed: reported either way
            fitted["error"] = f"{type(error).__name__}: {str(error)[:300]}"

    worker = threading.Thread(target=fit, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        client.restart()
        return {"unfinished_after": limit}
    if "error" in fitted:
        return {"error": fitted["error"]}
    labels = fitted["labels"]
    seconds = time.perf_counter() - start
    truth = frame["label"].compute().to_numpy()
    from collections import Counter

    from clustering.scale.dask_run import peak_rss_mb

    peak = max(client.run(peak_rss_mb).values())
    return {
        "seconds": round(seconds, 1),
        "worker_peak_rss_mb": round(peak),
        "ari": round(ari_from_contingency(Counter(zip(truth.tolist(), labels.tolist()))), 4),
    }


def plot(results: list, path: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.2), dpi=120)
    axes = figure.subplots()
    rows = [r for r in results if r.get("dim") == 64 and "ours" in r]
    if rows:
        axes.loglog(
            [r["rows"] for r in rows],
            [r["ours"]["seconds"] for r in rows],
            "o-",
            label="Clusterlab: Leiden + UMAP layout (cold)",
        )
    peers = [r for r in rows if "seconds" in r.get("umap_learn", {})]
    if peers:
        axes.loglog(
            [r["rows"] for r in peers],
            [r["umap_learn"]["seconds"] for r in peers],
            "s--",
            label="umap-learn layout alone (n_jobs=-1)",
        )
    stopped = [r for r in rows if "unfinished_after" in r.get("umap_learn", {})]
    if stopped:
        axes.loglog(
            [r["rows"] for r in stopped],
            [r["umap_learn"]["unfinished_after"] for r in stopped],
            "s",
            mfc="none",
            color="C1",
            label="umap-learn stopped unfinished at its limit",
        )
    full = [  # the blobs' full fits (the rare-cluster case has its own table)
        r for r in results if "seconds" in r.get("full_fit", {}) and r.get("rows") and not r["case"].startswith("rare")
    ]
    if full:
        axes.loglog(
            [r["rows"] for r in full],
            [r["full_fit"]["seconds"] for r in full],
            "^:",
            label="Clusterlab fitted on every row",
        )
    ten = [r for r in results if r["rows"] == 10_000_000]
    for r in ten:
        axes.loglog([r["rows"]], [r["ours"]["seconds"]], "D", color="C0", label="Clusterlab on Dask, out of core")
        peer = r["dask_ml_kmeans"]
        if peer.get("seconds") or peer.get("unfinished_after"):
            label = "Dask-ML KMeans" if "seconds" in peer else "Dask-ML KMeans stopped unfinished"
            axes.loglog([r["rows"]], [peer.get("seconds", peer.get("unfinished_after"))], "x", color="C3", label=label)
    axes.axhline(120, color="grey", lw=0.8)
    axes.text(1.1e4, 130, "2 minutes", color="grey", fontsize=8)
    axes.set_xlabel("rows (64-d blobs)")
    axes.set_ylabel("seconds, cold process, 2 cores")
    axes.legend(fontsize=7, loc="upper left")
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(ALL_CASES), help=f"comma-separated: {', '.join(ALL_CASES)}")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "clusterlab-scale"), help="data folder")
    parser.add_argument("--make-npy", nargs=4, metavar=("PATH", "N", "D", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--make-parquet", nargs=4, metavar=("FOLDER", "N", "D", "FILES"), help=argparse.SUPPRESS)
    parser.add_argument("--make-rare", nargs=3, metavar=("PATH", "N", "D"), help=argparse.SUPPRESS)
    parser.add_argument("--rare-rows", default="250000,1000000", help="rows of the rare-cluster case(s)")
    parser.add_argument("--rare-methods", default="hdbscan,leiden", help="methods of the rare-cluster case(s)")
    parser.add_argument(
        "--full-limit", type=float, default=RARE_FULL_LIMIT_SECONDS, help="seconds a full fit may take (rare case)"
    )
    args = parser.parse_args()
    if args.make_npy:
        return make_npy(Path(args.make_npy[0]), *(int(v) for v in args.make_npy[1:]))
    if args.make_parquet:
        return make_parquet(Path(args.make_parquet[0]), *(int(v) for v in args.make_parquet[1:]))
    if args.make_rare:
        return make_rare_npy(Path(args.make_rare[0]), int(args.make_rare[1]), int(args.make_rare[2]))
    cases = set(args.cases.split(","))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = ROOT / "benchmarks" / "results" / "scale.json"
    results: list = json.loads(out.read_text())["results"] if out.exists() else []
    done = {r["case"] for r in results}
    fresh: list = []
    if "small" in cases:
        case_sizes(work, [10_000, 100_000], 64, 100_000, fresh)
    if "100k" in cases:
        case_sizes(work, [100_000], 64, 100_000, fresh)
    if "1m" in cases:
        case_sizes(work, [1_000_000], 64, 0, fresh, peer_max=1_000_000, peer_limit=UMAP_1M_LIMIT_SECONDS)
    if "1m384" in cases:
        case_sizes(work, [1_000_000], 384, 0, fresh)
    if "full1m" in cases:
        case_full_1m(work, fresh)
    if "hdbscan" in cases:
        case_hdbscan(work, fresh)
    if "layout" in cases:
        case_layout(work, fresh)
    if "rare" in cases:
        for n in (int(v) for v in args.rare_rows.split(",")):
            case_rare(work, fresh, n, limit=args.full_limit, methods=tuple(args.rare_methods.split(",")))
    if "10m" in cases:
        case_ten_million(work, fresh)
    replaced = {r["case"] for r in fresh}
    results = [r for r in results if r["case"] not in replaced] + fresh
    results.sort(key=lambda r: (r["rows"], r["case"]))
    out.write_text(json.dumps({"machine": f"{os.cpu_count()} cores", "results": results}, indent=2))
    plot(results, ROOT / "docs" / "scale.png")
    print(f"wrote {out} and docs/scale.png ({len(done & replaced)} cases replaced)")


if __name__ == "__main__":
    main()
