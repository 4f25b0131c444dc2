"""Parameter sweeps with stability across seeds and 80% subsamples (the MNIST-Nd protocol).

Each (value, seed, subsample) run is cached on disk by data fingerprint and exact parameters,
so extending a sweep reruns nothing; runs spread over all cores with joblib.
"""

from __future__ import annotations

import itertools
import json
import os
import time

import numpy as np
from joblib import Memory, Parallel, delayed

from clustering import metrics
from clustering.backends import get_backend
from clustering.backends.base import ParamError
from clustering.data import Dataset
from clustering.neighbors import cache_dir
from clustering.pipeline import prepared

SUBSAMPLE_SHARE = 0.8
_memory = Memory(location=str(cache_dir() / "sweeps"), verbose=0)


@_memory.cache(ignore=["x"])
def _labels(fingerprint: str, x: np.ndarray, method: str, params_json: str, subsample: int) -> tuple:
    """Labels of one run; subsample > 0 runs on a random 80% of rows (returned with their indices)."""
    params = json.loads(params_json)
    rows = np.arange(len(x))
    if subsample > 0:
        rng = np.random.default_rng(subsample)
        rows = np.sort(rng.choice(len(x), size=int(SUBSAMPLE_SHARE * len(x)), replace=False))
    start = time.perf_counter()
    backend = get_backend(method)(**params)
    labels = backend.fit(x[rows]).labels_
    return rows, np.asarray(labels, dtype=np.int32), time.perf_counter() - start


def pairwise_ari(runs: list[tuple[np.ndarray, np.ndarray]]) -> list[float]:
    """ARI between every pair of runs on the rows both contain."""
    scores = []
    for (rows_a, a), (rows_b, b) in itertools.combinations(runs, 2):
        common, ia, ib = np.intersect1d(rows_a, rows_b, assume_unique=True, return_indices=True)
        if len(common) > 1:
            scores.append(metrics.ari(a[ia], b[ib], noise="cluster"))
    return scores


def sweep(dataset: Dataset, method: str, name: str, values: list, *, base_params: dict | None = None,
          preprocess: str = "none", seed: int = 0, n_seeds: int = 3, n_subsamples: int = 3,
          truth: np.ndarray | None = None, n_jobs: int | None = None) -> dict:
    """Run `method` for each value of parameter `name`; report clusters, noise, silhouette, stability."""
    backend = get_backend(method)
    if name not in {p.name for p in backend.schema}:
        raise ParamError(f"{method} has no parameter '{name}'; it has {', '.join(p.name for p in backend.schema)}.")
    has_seed = "seed" in {p.name for p in backend.schema}
    n_seeds = max(1, n_seeds if has_seed else 1)
    if backend.param(name).kind is int:  # a range over an int parameter is rounded, repeats dropped
        values = list(dict.fromkeys(int(round(float(v))) for v in values))
    x = prepared(dataset, preprocess, seed=seed)
    settings = []
    for value in values:
        params = backend.checked({**(base_params or {}), name: value})
        reason = backend.refusal(x.shape[0], x.shape[1], params)
        if reason:
            raise ParamError(reason)
        settings.append(params)
    tasks = []
    for index, params in enumerate(settings):
        for s in range(n_seeds):
            run_params = {**params, "seed": seed + s} if has_seed else params
            tasks.append((index, "seed", json.dumps(run_params, sort_keys=True), 0))
        for r in range(n_subsamples):
            run_params = {**params, "seed": seed} if has_seed else params
            tasks.append((index, "subsample", json.dumps(run_params, sort_keys=True), r + 1))
    jobs = n_jobs or os.cpu_count() or 1
    start = time.perf_counter()
    outputs = Parallel(n_jobs=jobs, prefer="processes")(
        delayed(_labels)(dataset.fingerprint + preprocess, x, method, params_json, subsample)
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
    return {"method": method, "param": name, "preprocess": preprocess, "n_seeds": n_seeds,
            "n_subsamples": n_subsamples, "base_params": base_params or {}, "rows": rows,
            "seconds": time.perf_counter() - start}
