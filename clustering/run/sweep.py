"""Parameter sweeps with stability across seeds and 80% subsamples (the MNIST-Nd protocol).

Each (value, seed, subsample) run is cached on disk by data fingerprint and exact parameters
(npz, read back with allow_pickle=False and checked), so extending a sweep reruns nothing; runs
spread over all cores with joblib.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from clustering.backends import get_backend
from clustering.backends.base import ParamError
from clustering.cache import atomic_write, cache_dir
from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.evidence.confidence import subsample_rows
from clustering.graph.preprocess import prepared
from clustering.limits import SWEEP_MAX_RUNS
from clustering.progress import Cancelled


def _cache_path(fingerprint: str, method: str, params_json: str, subsample: int) -> Path:
    key = hashlib.blake2b(f"{fingerprint}|{method}|{params_json}|{subsample}".encode(), digest_size=16).hexdigest()
    return cache_dir("sweeps") / f"run-{key}.npz"


def _cached(path: Path, rows: np.ndarray) -> tuple[np.ndarray, float] | None:
    """A cached run's labels when the file is sound (one int label per row, -1 or a cluster id)."""
    if not path.exists():
        return None
    labels, seconds = np.zeros(0, dtype=np.int32), 0.0
    try:
        with np.load(path, allow_pickle=False) as stored:
            labels, seconds = stored["labels"], float(stored["seconds"])
        sound = (
            labels.shape == rows.shape
            and labels.dtype.kind == "i"
            and (labels >= -1).all()
            and (len(labels) == 0 or labels.max() < len(labels))
        )
    except Exception:
        sound = False
    if not sound:
        path.unlink(missing_ok=True)
        return None
    return labels.astype(np.int32), seconds


def run_labels(fingerprint: str, x: np.ndarray, method: str, params_json: str, subsample: int) -> tuple:
    """Labels of one run; subsample > 0 runs on a random 80% of rows (returned with their indices)."""
    rows = subsample_rows(len(x), subsample)
    path = _cache_path(fingerprint, method, params_json, subsample)
    hit = _cached(path, rows)
    if hit is not None:
        return rows, hit[0], hit[1]
    start = time.perf_counter()
    backend = get_backend(method)(**json.loads(params_json))
    labels = np.asarray(backend.fit(x[rows]).labels_, dtype=np.int32)
    seconds = time.perf_counter() - start
    try:
        atomic_write(path, lambda temporary: np.savez(temporary, labels=labels, seconds=np.float64(seconds)))
    except OSError:
        pass  # a cache that cannot be written only costs time
    return rows, labels, seconds


def pairwise_ari(runs: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """ARI between every pair of runs on the rows both contain."""
    scores = []
    for (rows_a, a), (rows_b, b) in itertools.combinations(runs, 2):
        common, ia, ib = np.intersect1d(rows_a, rows_b, assume_unique=True, return_indices=True)
        if len(common) > 1:
            scores.append(metrics.ari(a[ia], b[ib], noise="cluster"))
    return scores


def check_sweep_size(name: str, values: list, n_seeds: int, n_subsamples: int) -> None:
    """Refuse a sweep with no values, negative subsamples or more fits than CLUSTERLAB_SWEEP_MAX_RUNS."""
    if n_subsamples < 0:
        raise ParamError(f"subsamples: {n_subsamples} is below 0; give 0 or more.")
    fits = len(values) * (n_seeds + n_subsamples)
    if fits > SWEEP_MAX_RUNS.value():
        raise ParamError(
            f"this sweep needs {fits:,} fits ({len(values)} values x ({n_seeds} seeds + {n_subsamples} subsamples)), "
            f"over the limit of {SWEEP_MAX_RUNS.value():,.0f} (setting CLUSTERLAB_SWEEP_MAX_RUNS); "
            "sweep fewer values, seeds or subsamples."
        )
    if len(values) == 0:
        raise ParamError(f"the sweep over {name} has no values; give at least one.")


def checked_setting(backend, x: np.ndarray, params: dict, n_subsamples: int) -> dict:
    """One value's full parameters, refused (with the reason) when a full or 80% subsample run could not start."""
    params = backend.checked(params)
    reason = backend.why_not(x.shape[0], x.shape[1], params)
    if not reason and n_subsamples:
        reason = backend.why_not(len(subsample_rows(x.shape[0], 1)), x.shape[1], params)
        if reason:
            reason += f" (a subsample run clusters 80% of the {x.shape[0]:,} rows; set subsamples to 0)"
    if reason:
        raise ParamError(reason)
    return params


def sweep(
    dataset: Dataset,
    method: str,
    name: str,
    values: list,
    *,
    base_params: dict | None = None,
    preprocess: str = "none",
    seed: int = 0,
    n_seeds: int = 3,
    n_subsamples: int = 3,
    truth: np.ndarray | None = None,
    n_jobs: int | None = None,
    progress=None,
    cancel=None,
) -> dict:
    """Run `method` for each value of parameter `name`; report clusters, noise, silhouette, stability."""
    if progress is not None:
        progress(f"sweeping {name} over {len(values)} values", 0.05)
    backend = get_backend(method)
    if name not in {p.name for p in backend.schema}:
        raise ParamError(f"{method} has no parameter '{name}'; it has {', '.join(p.name for p in backend.schema)}.")
    has_seed = "random_state" in {p.name for p in backend.schema}
    n_seeds = max(1, n_seeds if has_seed else 1)
    check_sweep_size(name, values, n_seeds, n_subsamples)
    if backend.param(name).kind is int:  # a range over an int parameter is rounded, repeats dropped
        values = list(dict.fromkeys(int(round(float(v))) for v in values))
    x = prepared(dataset, preprocess, seed=seed)
    settings = [checked_setting(backend, x, {**(base_params or {}), name: value}, n_subsamples) for value in values]
    tasks = []
    for index, params in enumerate(settings):
        for s in range(n_seeds):
            run_params = {**params, "random_state": seed + s} if has_seed else params
            tasks.append((index, "seed", json.dumps(run_params, sort_keys=True), 0))
        for r in range(n_subsamples):
            run_params = {**params, "random_state": seed} if has_seed else params
            tasks.append((index, "subsample", json.dumps(run_params, sort_keys=True), r + 1))
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled before the sweep started")
    jobs = n_jobs or os.cpu_count() or 1
    start = time.perf_counter()
    outputs = Parallel(n_jobs=jobs, prefer="processes")(
        delayed(run_labels)(dataset.fingerprint + preprocess, x, method, params_json, subsample)
        for _, _, params_json, subsample in tasks
    )
    rows = []
    for index, params in enumerate(settings):
        seed_runs = [(o[0], o[1]) for t, o in zip(tasks, outputs) if t[0] == index and t[1] == "seed"]
        sub_runs = [(o[0], o[1]) for t, o in zip(tasks, outputs) if t[0] == index and t[1] == "subsample"]
        run_seconds = [o[2] for t, o in zip(tasks, outputs) if t[0] == index]
        labels = seed_runs[0][1]
        seed_scores = pairwise_ari(seed_runs)
        sub_scores = pairwise_ari(sub_runs)
        row = {
            "value": params[name],
            "n_clusters": int(len(np.unique(labels[labels >= 0]))),
            "noise_share": float((labels < 0).mean()),
            "silhouette": metrics.internal(x, labels, seed=seed, sample_size=5000)["silhouette"],
            "seed_stability": float(np.mean(seed_scores)) if seed_scores else None,
            "subsample_stability": float(np.mean(sub_scores)) if sub_scores else None,
            "seed_ari": seed_scores,
            "subsample_ari": sub_scores,
            "seconds_per_run": float(np.mean(run_seconds)),
        }
        if truth is not None:
            row["ari"] = metrics.ari(truth, labels)
        rows.append(row)
    return {
        "method": method,
        "param": name,
        "preprocess": preprocess,
        "n_seeds": n_seeds,
        "n_subsamples": n_subsamples,
        "base_params": base_params or {},
        "rows": rows,
        "seconds": time.perf_counter() - start,
    }


def stability(
    dataset: Dataset,
    method: str,
    params: dict,
    *,
    preprocess: str = "none",
    seed: int = 0,
    repeats: int = 3,
    progress=None,
    cancel=None,
) -> dict:
    """One run's settings repeated across seeds and 80% subsamples: the sweep row of its own value."""
    backend = get_backend(method)
    params = {k: v for k, v in params.items() if k not in ("seed", "random_state")}
    name = next((p.name for p in backend.schema if p.name in params), None)
    if name is None:
        raise ParamError(f"{method} has no parameter to hold fixed.")
    report = sweep(
        dataset,
        method,
        name,
        [params[name]],
        base_params=params,
        preprocess=preprocess,
        seed=seed,
        n_seeds=repeats,
        n_subsamples=repeats,
        n_jobs=1,
        progress=progress,
        cancel=cancel,
    )
    return report["rows"][0]
