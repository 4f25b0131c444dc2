"""Lesson 2, does the dimension matter? The same MNIST-test digits in 2 to 64 latent dimensions (MNIST-Nd).

Four methods run on each size with the same settings; the lesson shows ARI against dimension one size at a time and
checks the paper's finding (Turishcheva et al. 2024: Leiden the most robust as dimensions grow) against what was
measured here, saying plainly whether it holds.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from clustering.io.samples import MNIST_ND_DIMENSIONS, load_sample
from clustering.lessons.facts import Fact, series
from clustering.run.pipeline import run

DIMENSIONS = MNIST_ND_DIMENSIONS  # the sizes of the lesson, smallest first
METHODS: dict[str, dict] = {
    "leiden": {},
    "hdbscan": {"min_cluster_size": 15, "reduction": "none"},
    "kmeans": {"n_clusters": 10},
    "gmm": {"n_components": 10},
}
METHOD_TITLES = {"leiden": "Leiden", "hdbscan": "HDBSCAN", "kmeans": "k-means", "gmm": "GMM"}
PAPER_FINDING = (
    "The MNIST-Nd paper (Turishcheva et al. 2024) found Leiden the most robust of the common methods as the "
    "dimension grows."
)
ABOUT = (
    "The same 10,000 MNIST-test digits, squeezed by a neural network (a mixture VAE, one trained for each size and "
    "never shown the digits) into 2, 4, 8, 16, 32 and 64 numbers per image. The paper built its sizes to keep the "
    "same structure; each step here measures how much of the digits our size kept. Leiden, "
    "HDBSCAN (on the latent itself, no reduction first), k-means and a Gaussian mixture (both told there are 10 "
    "digits) run on every size with the same settings."
)
STEADY = 0.02  # methods losing within this much ARI of the steadiest are as steady
LOW = 0.5  # a steady method that never reaches this share of the best ARI is said to be steady at a low level
# One size's four methods, 2 cores, in the browser from a cold server (the slowest of three runs of
# benchmarks/lessons.py, plus 15%, rounded up); the page promises them.
STEP_SECONDS = {2: 4, 4: 4, 8: 5, 16: 7, 32: 11, 64: 18}


def sample_name(dimension: int) -> str:
    """The bundled sample of one size (mnist-8d)."""
    return f"mnist-{dimension}d"


def run_dimension(dimension: int, seed: int = 0, progress=None, cancel=None) -> dict:
    """Run the four methods on one size; {method: {ari, clusters, noise, seconds}} and the labels."""
    data = load_sample(sample_name(dimension))
    truth = data.labels()
    assert truth is not None, "the MNIST-Nd samples carry their digits"
    scores: dict[str, dict] = {}
    labels: dict[str, np.ndarray] = {}
    for index, (method, params) in enumerate(METHODS.items()):
        if progress is not None:
            progress(f"{METHOD_TITLES[method]} on {dimension} dimensions", index / len(METHODS))
        start = time.perf_counter()
        result = run(data, method, dict(params), seed=seed, truth=truth, cancel=cancel)
        scores[method] = {
            "ari": float((result.metrics or {})["ari"]),
            "clusters": int(result.n_clusters),
            "noise": float((result.labels < 0).mean()),
            "seconds": time.perf_counter() - start,
        }
        labels[method] = result.labels
    return {
        "dimension": dimension,
        "scores": scores,
        "labels": labels,
        "separability": separability(data.vectors, truth),
    }


def separability(vectors: np.ndarray, truth: np.ndarray) -> float:
    """How well the digits can be told apart in this size when the labels are known: 5-nearest-neighbour accuracy,
    3-fold cross-validated. It says whether the sizes hold the same structure (the paper's premise)."""

    return float(cross_val_score(KNeighborsClassifier(5), vectors, truth, cv=3).mean())


def ari_table(results: list[dict]) -> dict[str, dict[int, float]]:
    """{method: {dimension: ARI}} over the sizes computed so far."""
    return {m: {r["dimension"]: r["scores"][m]["ari"] for r in results} for m in METHODS}


def robustness(table: dict[str, dict[int, float]]) -> dict[str, float]:
    """Per method, how much ARI it loses from its best size to the largest size measured (0 = none)."""
    out = {}
    for method, by_dimension in table.items():
        if by_dimension:
            largest = max(by_dimension)
            out[method] = max(by_dimension.values()) - by_dimension[largest]
    return out


def dimension_facts(result: dict, previous: dict | None) -> list[Fact]:
    """One size's sentences: the best method there, and what changed since the last size."""
    scores = result["scores"]
    d = result["dimension"]
    best = max(scores, key=lambda m: scores[m]["ari"])
    facts = [
        Fact(
            "best",
            f"In {d} dimensions, {METHOD_TITLES[best]} comes closest to the digits (ARI {scores[best]['ari']:.3f}).",
            {"dimension": d, "method": best, "ari": scores[best]["ari"]},
        )
    ]
    if "separability" in result:
        facts.append(
            Fact(
                "separability",
                "Knowing the labels, 5 nearest neighbours tell the digits apart "
                f"{100 * result['separability']:.0f}% of the time in {d} dimensions (how much of the digits this size "
                "kept).",
                {"separability": result["separability"]},
            )
        )
    if scores["hdbscan"]["noise"] >= 0.05:
        facts.append(
            Fact(
                "noise",
                f"HDBSCAN leaves {100 * scores['hdbscan']['noise']:.0f}% of the images as noise.",
                {"noise": scores["hdbscan"]["noise"]},
            )
        )
    if previous is not None:
        changes = []
        for method in METHODS:
            delta = scores[method]["ari"] - previous["scores"][method]["ari"]
            if abs(delta) >= 0.02:
                verb = "gains" if delta > 0 else "loses"
                changes.append(f"{METHOD_TITLES[method]} {verb} {abs(delta):.2f}")
        text = (
            f"From {previous['dimension']} to {d} dimensions: " + series(changes) + " ARI."
            if changes
            else f"From {previous['dimension']} to {d} dimensions no method moves by 0.02 ARI or more."
        )
        facts.append(Fact("change", text, {"from": previous["dimension"], "to": d, "changes": changes}))
    return facts


def finding_facts(results: list[dict]) -> list[Fact]:
    """The lesson's conclusion over every size: which methods are the steadiest here, against the paper's finding,
    and whether the sizes held the same structure."""
    table = ari_table(results)
    lost = robustness(table)
    dims = sorted(r["dimension"] for r in results)
    low, high = dims[0], dims[-1]
    facts = [Fact("paper", PAPER_FINDING, {})]
    order = sorted(lost, key=lambda m: lost[m])
    described = series([f"{METHOD_TITLES[m]} {lost[m]:.2f}" for m in order])
    facts.append(
        Fact(
            "measured",
            f"Measured here, ARI lost from each method's best size to {high} dimensions: {described}.",
            {"lost": lost},
        )
    )
    steadiest = [m for m in order if lost[m] <= lost[order[0]] + STEADY]
    names = series([METHOD_TITLES[m] for m in steadiest])
    if steadiest == ["leiden"]:
        verdict = "This agrees with the paper: Leiden loses the least as the dimension grows"
    elif "leiden" in steadiest:
        verdict = f"This agrees in part: Leiden is among the steadiest ({names}, within {STEADY} of each other)"
    else:
        verb = "loses" if len(steadiest) == 1 else "lose"
        verdict = f"This does not agree with the paper: {names} {verb} less than Leiden ({lost['leiden']:.2f}) here"
    best_at_top = max(table, key=lambda m: table[m][high])
    verdict += f"; at {high} dimensions the best is {METHOD_TITLES[best_at_top]} (ARI {table[best_at_top][high]:.3f})."
    facts.append(Fact("verdict", verdict, {"steadiest": steadiest, "best_at_top": best_at_top}))
    top = max(max(by_dimension.values()) for by_dimension in table.values())
    low_steady = [m for m in steadiest if max(table[m].values()) < LOW * top]
    if low_steady:
        facts.append(
            Fact(
                "low",
                "Steady is not good: "
                + series([f"{METHOD_TITLES[m]} never passes ARI {max(table[m].values()):.3f}" for m in low_steady])
                + f" at any size (the best method reaches {top:.3f}).",
                {"methods": low_steady, "top": top},
            )
        )
    gaining = [m for m in table if table[m][high] >= table[m][low]]
    if len(gaining) == len(table):
        facts.append(
            Fact(
                "direction",
                f"Unlike the paper, no method does worse at {high} dimensions than at {low}: here more dimensions "
                "helped every method.",
                {"gaining": gaining},
            )
        )
    apart = {r["dimension"]: r["separability"] for r in results if "separability" in r}
    if low in apart and high in apart and abs(apart[high] - apart[low]) >= 0.05:
        facts.append(
            Fact(
                "structure",
                f"Our sizes do not hold the same structure: knowing the labels, 5 nearest neighbours tell the digits "
                f"apart {100 * apart[low]:.0f}% of the time in {low} dimensions and {100 * apart[high]:.0f}% in "
                f"{high}, so part of what changes with the dimension is how much the network kept of the digits.",
                {"low": apart[low], "high": apart[high]},
            )
        )
    return facts
