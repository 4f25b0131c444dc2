"""The number of clusters, with evidence: a ladder of one method's granularity, each level rerun across seeds and
80% subsamples, and the level to recommend with the reason.

Rule (stated in the result's reason): among the levels whose clusters come back when the data is resampled
(row-weighted clusterwise stability >= REPRODUCIBLE: the mean best Jaccard of each cluster with the clusters of
the other runs, Hennig 2007), recommend the one that agrees most with the other levels (mean NMI: the median
partition of the ladder, Strehl & Ghosh 2002), the finer level winning a tie (within TIE). Stability alone
favours the coarsest levels (two clusters are easy to find again); agreement alone ignores whether a level can
be reproduced.

The method's default level is kept unless that rule's level is clearly better on both counts (its clusters found
again CLEARER more often and at least REPRODUCIBLE, and AGREES_MORE more agreement), or the default's clusters do not
come back while that level's do and it agrees as much (within TIE). On the benchmark sets (`suggest` with each
sample's suggested preprocessing, seeds 0-2) the rule alone moved away from Leiden's resolution 1 on digits, PBMC
and the text sample and lost ARI (mean of the three: digits 0.835 against 0.847, PBMC 0.440 against 0.486, text
0.195 against 0.246), by margins the evidence did not show.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import normalized_mutual_info_score, silhouette_score

from clustering.backends import BACKENDS, get_backend
from clustering.backends.base import ParamError
from clustering.data import Dataset
from clustering.evaluate import metrics
from clustering.evidence.confidence import REPRODUCIBLE, clusterwise_stability
from clustering.graph.preprocess import prepared
from clustering.limits import SUGGEST_NULL_ROWS
from clustering.progress import Cancelled, report
from clustering.run.sweep import check_sweep_size, checked_setting, pairwise_ari, run_labels

NULL_MARGIN = 0.01  # a level's silhouette must beat a structureless twin of the data's by this much
TIE = 0.01  # agreements this close are a tie (seeds alone move NMI about this much); the finer level wins
CLEARER = 0.05  # a level replaces the default only with its clusters found again this much more often...
AGREES_MORE = 0.02  # ...and this much more agreement with the other levels
# Each family declares its ladder on its backend class (`Backend.ladder`); this is the list of those that have one.
LADDERS: dict[str, tuple[str, tuple]] = {name: b.ladder for name, b in BACKENDS.items() if b.ladder is not None}


@dataclass(frozen=True)
class Level:
    """One rung of the ladder: its value, clusters, noise share and evidence (ARI only with known classes)."""

    value: float
    n_clusters: int
    noise_share: float
    stability: float  # mean pairwise ARI of the seed and subsample runs
    cluster_stability: float  # row-weighted mean best Jaccard of each cluster in the other runs
    agreement: float  # mean NMI with the other levels
    ari: float | None = None


@dataclass(frozen=True)
class Suggestion:
    """The ladder, the recommended level (index into `levels`) and why."""

    method: str
    param: str
    levels: list[Level]
    chosen: int
    reason: str
    preprocess: str
    runs: int
    seconds: float
    structure: bool = True  # False: no level beats one cluster (identical rows, noise): recommend one cluster

    @property
    def level(self) -> Level:
        """The recommended level."""
        return self.levels[self.chosen]

    def summary(self) -> dict:
        """The JSON shape `clusterlab suggest --json` prints."""
        out = asdict(self)
        out["recommended"] = {self.param: self.level.value, "n_clusters": self.level.n_clusters}
        if not self.structure:
            out["recommended"] = {"n_clusters": 1}
        return out


def by_evidence(levels: list[Level]) -> tuple[int, str]:
    """The level the evidence alone recommends (its index) and the one-sentence reason (see the module text)."""
    candidates = [i for i, level in enumerate(levels) if level.n_clusters >= 2]
    if not candidates:
        return 0, "every level found a single cluster: the data shows no structure at these settings."
    reproducible = [i for i in candidates if levels[i].cluster_stability >= REPRODUCIBLE]
    if not reproducible:
        best = max(candidates, key=lambda i: levels[i].cluster_stability)
        level = levels[best]
        return best, (
            f"no level's clusters come back reliably in resampled runs (best: {level.n_clusters} clusters, "
            f"{level.cluster_stability:.0%} found again); this is the most reproducible, read it with care."
        )
    top = max(levels[i].agreement for i in reproducible)
    tied = [i for i in reproducible if levels[i].agreement >= top - TIE]
    best = max(tied, key=lambda i: (levels[i].n_clusters, levels[i].agreement))
    level = levels[best]
    finer = sorted(
        {levels[i].n_clusters for i in candidates if i not in reproducible and levels[i].n_clusters > level.n_clusters}
    )
    tail = f"; the levels with {', '.join(map(str, finer[:3]))} clusters do not come back" if finer else ""
    others = sorted({levels[i].n_clusters for i in tied if i != best})
    tie = f", level within {TIE} with {', '.join(map(str, others))} clusters: the finer one is taken" if others else ""
    return best, (
        f"{level.n_clusters} clusters: of the {len(reproducible)} levels whose clusters come back in resampled runs "
        f"(at least {REPRODUCIBLE:.0%} found again), it agrees most with the other levels "
        f"(mean NMI {level.agreement:.2f}{tie}; its clusters {level.cluster_stability:.0%} found again){tail}."
    )


def choose(levels: list[Level], default: int | None = None) -> tuple[int, str]:
    """The recommended level's index and its reason: the evidence's level when there is no default level (`default`,
    an index) or it is clearly better than the default; otherwise the default, saying so (see the module text)."""
    best, reason = by_evidence(levels)
    if default is None or levels[default].n_clusters < 2 or best == default:
        return best, reason
    mine, theirs = levels[default], levels[best]
    clearer = theirs.cluster_stability >= max(REPRODUCIBLE, mine.cluster_stability + CLEARER)
    better = clearer and theirs.agreement >= mine.agreement + AGREES_MORE
    unstable = mine.cluster_stability < REPRODUCIBLE <= theirs.cluster_stability
    if better or (unstable and theirs.agreement >= mine.agreement - TIE):  # the default's clusters do not come back
        return best, (
            f"{reason[:-1]}; chosen over the default level ({mine.n_clusters} clusters): its clusters are found again "
            f"more ({theirs.cluster_stability:.0%} against {mine.cluster_stability:.0%}) and it agrees "
            f"{'more' if better else 'as much'} with the other levels (mean NMI {theirs.agreement:.2f} against "
            f"{mine.agreement:.2f})."
        )
    care = (
        ""
        if mine.cluster_stability >= REPRODUCIBLE
        else f" Its clusters are found again only {mine.cluster_stability:.0%}: read them with care."
    )
    return default, (
        f"{mine.n_clusters} clusters, the default level, kept: no level is clearly better by the evidence (the "
        f"most agreeing reproducible one has {theirs.n_clusters} clusters, found again "
        f"{theirs.cluster_stability:.0%} against {mine.cluster_stability:.0%}, mean NMI {theirs.agreement:.2f} "
        f"against {mine.agreement:.2f}); moving away from the default measured worse on the benchmark sets.{care}"
    )


def suggest(
    dataset: Dataset,
    method: str = "leiden",
    *,
    values: tuple | list | None = None,
    base_params: dict | None = None,
    preprocess: str = "none",
    seed: int = 0,
    repeats: int = 3,
    truth: np.ndarray | None = None,
    n_jobs: int | None = None,
    progress=None,
    cancel=None,
) -> Suggestion:
    """Run the ladder of `method` (LADDERS) with `repeats` seeds and `repeats` 80% subsamples per level; recommend.

    Parameters
    ----------
    dataset : Dataset
    method : str
        One of LADDERS (leiden, hdbscan, kmeans, gmm, agglomerative).
    values : sequence, optional
        The ladder's values (default: the method's LADDERS entry).
    truth : ndarray, optional
        Known classes: each level then carries its ARI (never used to choose).

    Returns
    -------
    Suggestion
    """
    ladder = BACKENDS[method].ladder if method in BACKENDS else None
    if ladder is None:
        raise ParamError(f"suggest works for {', '.join(LADDERS)}; '{method}' has no ladder of granularity.")
    name, default_values = ladder
    values = sorted(set(values or default_values))  # a value given twice is one level: repeats must not weigh
    backend = get_backend(method)
    has_seed = "random_state" in {p.name for p in backend.schema}
    seeds = repeats if has_seed else 1
    check_sweep_size(name, values, seeds, repeats)
    start = time.perf_counter()
    report(progress, f"{method}: {len(values)} levels x {seeds + repeats} runs", 0.02, cancel)
    x = prepared(dataset, preprocess, seed=seed)
    if not np.ptp(np.asarray(x), axis=0).any():  # every row the same point (no sort of the whole matrix)
        return _identical(method, name, values, preprocess, time.perf_counter() - start)
    settings = [checked_setting(backend, x, {**(base_params or {}), name: value}, repeats) for value in values]
    tasks = []
    for index, params in enumerate(settings):
        tasks += [
            (index, json.dumps({**params, "random_state": seed + s} if has_seed else params, sort_keys=True), 0)
            for s in range(seeds)
        ]
        tasks += [
            (index, json.dumps({**params, "random_state": seed} if has_seed else params, sort_keys=True), r + 1)
            for r in range(repeats)
        ]
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled before the ladder started")
    key = dataset.fingerprint + preprocess
    outputs = Parallel(n_jobs=n_jobs or os.cpu_count() or 1, prefer="processes")(
        delayed(run_labels)(key, x, method, params_json, sub) for _, params_json, sub in tasks
    )
    report(progress, "comparing the levels", 0.9, cancel)
    runs_of = [[(o[0], o[1]) for t, o in zip(tasks, outputs) if t[0] == i] for i in range(len(settings))]
    references = [runs[0][1] for runs in runs_of]
    levels = []
    for index, runs in enumerate(runs_of):
        labels = references[index]
        others = [references[j] for j in range(len(references)) if j != index]
        levels.append(
            Level(
                value=settings[index][name],
                n_clusters=int(len(np.unique(labels[labels >= 0]))),
                noise_share=float((labels < 0).mean()),
                stability=float(np.mean(pairwise_ari(runs))) if len(runs) > 1 else 1.0,
                cluster_stability=clusterwise_stability(labels, runs[1:]),
                agreement=float(np.mean([normalized_mutual_info_score(labels, o) for o in others])) if others else 1.0,
                ari=None if truth is None else metrics.ari(truth, labels),
            )
        )
    default_value = backend.checked(dict(base_params or {})).get(name)
    default = next((i for i, params in enumerate(settings) if params[name] == default_value), None)
    chosen, reason = choose(levels, default)
    evidence_level = levels[by_evidence(levels)[0]]
    structure = evidence_level.n_clusters >= 2 and evidence_level.cluster_stability >= REPRODUCIBLE
    structure = structure and levels[chosen].n_clusters >= 2
    if structure:
        found = references[chosen]
        structure, said = beats_structureless(x, found, method, settings[chosen], seed)
        reason = reason if structure else said
    else:
        level = evidence_level
        reason = (
            f"no structure: no level's clusters come back reliably in resampled runs (best: {level.n_clusters} "
            f"clusters, {level.cluster_stability:.0%} found again); one cluster is the honest answer."
        )
    report(progress, "suggestion done", 1.0, cancel)
    seconds = time.perf_counter() - start
    return Suggestion(method, name, levels, chosen, reason, preprocess, len(tasks), seconds, structure)


def beats_structureless(x: np.ndarray, labels: np.ndarray, method: str, params: dict, seed: int) -> tuple[bool, str]:
    """Whether a level's clusters are better separated than the same method finds in a structureless twin of the
    data (one Gaussian with the data's mean and covariance, as the gap statistic's reference); and, when not, why.

    A stable split is not yet structure: k-means halves pure noise the same way every time.
    """

    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype=np.float64)
    centred = x - x.mean(axis=0)
    _, scale, axes = np.linalg.svd(centred, full_matrices=False)
    twin = (rng.normal(size=(len(x), len(scale))) * (scale / np.sqrt(len(x)))) @ axes + x.mean(axis=0)
    backend = get_backend(method)
    seeded = {**params, "random_state": seed} if "random_state" in {p.name for p in backend.schema} else params
    twin_labels = np.asarray(backend(**seeded).fit(twin.astype(np.float32)).labels_)

    def separation(points: np.ndarray, found: np.ndarray) -> float:
        keep = found >= 0
        if len(np.unique(found[keep])) < 2:
            return -1.0
        rows = min(SUGGEST_NULL_ROWS.whole(), int(keep.sum()))
        return float(silhouette_score(points[keep], found[keep], sample_size=rows, random_state=seed))

    real, null = separation(x, labels), separation(twin, twin_labels)
    if real > null + NULL_MARGIN:
        return True, ""
    return False, (
        f"no structure: the recommended level's clusters are no better separated (silhouette {real:.3f}) than the "
        f"same method finds in structureless data of the same spread ({null:.3f}); one cluster is the honest answer."
    )


def _identical(method: str, name: str, values: list, preprocess: str, seconds: float) -> Suggestion:
    """Every row the same point: no level can find structure, so none is run."""
    levels = [Level(value, 1, 0.0, 1.0, 1.0, 1.0) for value in values]
    reason = "no structure: every row is the same point; one cluster is the only answer."
    return Suggestion(method, name, levels, 0, reason, preprocess, 0, seconds, structure=False)
