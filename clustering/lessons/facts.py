"""Sentences a lesson may say about a clustering of known classes, each derived from the numbers it describes.

Every sentence comes with the fact behind it (`Fact.kind`, `Fact.data`), so a test can check the words against a
contingency table computed independently. A group is named when it holds at least `PART` of a class: a tenth of a
digit is about 18 images of the digits sample, so no third of a digit is ever hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.neighbors import NearestNeighbors

PART = 0.10  # a cluster's share of a class worth naming
WHOLE = 0.90  # a class this concentrated in one cluster "sits whole" in it
ISLAND = 0.02  # a class with fewer of its picture neighbours in other classes is an island
TOUCH = 0.02  # two classes touch when this share of their neighbour links cross
PICTURE_NEIGHBOURS = 15
DIGIT_WORDS = ["zeros", "ones", "twos", "threes", "fours", "fives", "sixes", "sevens", "eights", "nines"]


@dataclass(frozen=True)
class Fact:
    """One sentence and the numbers it states (for tests)."""

    kind: str
    text: str
    data: dict = field(default_factory=dict)


def plural(value: int, names: list[str] | None = None) -> str:
    """'ones' for digit 1 (with DIGIT_WORDS), else "class 'x'"."""
    if names is not None and 0 <= value < len(names):
        return names[value]
    return f"class {value}"


def series(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def counts_table(truth: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows: the classes; columns: the clusters (noise, -1, first when present); entries: images."""
    classes, ti = np.unique(truth, return_inverse=True)
    clusters, li = np.unique(labels, return_inverse=True)
    table = np.zeros((len(classes), len(clusters)), dtype=np.int64)
    np.add.at(table, (ti, li), 1)
    return table, classes, clusters


def majority_class(table: np.ndarray, classes: np.ndarray, clusters: np.ndarray) -> dict[int, int]:
    """The class most of each cluster's images belong to (noise left out)."""
    return {int(c): int(classes[table[:, j].argmax()]) for j, c in enumerate(clusters) if c >= 0}


def clustering_facts(
    truth: np.ndarray, labels: np.ndarray, acc: float, names: list[str] | None = DIGIT_WORDS
) -> list[Fact]:
    """What a clustering got right and wrong against known classes, one checked sentence each.

    Parameters
    ----------
    truth, labels : ndarray of int
        Known classes and the clustering (-1 = noise).
    acc : float
        The clustering's accuracy once clusters are matched to classes.
    names : list of str, optional
        Plural words for classes 0, 1, ... (digits by default).
    """
    truth, labels = np.asarray(truth), np.asarray(labels)
    table, classes, clusters = counts_table(truth, labels)
    sizes = table.sum(axis=1)
    real = clusters >= 0
    facts = [Fact("acc", f"{100 * acc:.0f}% of the images are in the cluster matched to their digit.", {"acc": acc})]
    majority = majority_class(table, classes, clusters)
    whole = [
        int(c)
        for i, c in enumerate(classes)
        if real.any()
        and table[i, real].max() >= WHOLE * sizes[i]
        and majority[int(clusters[real][table[i, real].argmax()])] == c
    ]
    if whole:
        words = [str(c) for c in whole]
        if len(whole) == 1:
            text = f"Digit {words[0]} sits almost whole (at least 90% of it) in a cluster of its own."
        else:
            text = f"Digits {series(words)} each sit almost whole (at least 90% of each) in a cluster of their own."
        facts.append(Fact("whole", text, {"classes": whole}))
    for j in np.flatnonzero(real):
        named = [i for i in range(len(classes)) if table[i, j] >= PART * sizes[i]]
        if len(named) >= 2:
            named.sort(key=lambda i: -table[i, j])
            parts = [f"{table[i, j]} {plural(int(classes[i]), names)}" for i in named]
            facts.append(
                Fact(
                    "mixed",
                    f"One cluster holds {series(parts)}.",
                    {"cluster": int(clusters[j]), "counts": {int(classes[i]): int(table[i, j]) for i in named}},
                )
            )
    for i, c in enumerate(classes):
        pieces = [j for j in np.flatnonzero(real) if table[i, j] >= PART * sizes[i]]
        if len(pieces) >= 2:
            pieces.sort(key=lambda j: -table[i, j])
            counts = [int(table[i, j]) for j in pieces]
            facts.append(
                Fact(
                    "split",
                    f"The {sizes[i]} {plural(int(c), names)} are split: {series([str(n) for n in counts])} "
                    f"in {len(pieces)} different clusters.",
                    {"class": int(c), "counts": counts, "clusters": [int(clusters[j]) for j in pieces]},
                )
            )
    if not real.all():
        noise = table[:, ~real].sum(axis=1)
        share = float(noise.sum() / sizes.sum())
        most = [int(c) for i, c in enumerate(classes) if noise[i] >= PART * sizes[i]]
        text = f"{100 * share:.0f}% of the images are left as noise"
        if most:
            text += " (at least a tenth of the " + series([plural(c, names) for c in most]) + ")"
        facts.append(Fact("noise", text + ".", {"share": share, "classes": most}))
    facts.append(Fact("threshold", "Groups smaller than a tenth of a digit are not named.", {"part": PART}))
    return facts


def neighbour_mixing(xy: np.ndarray, truth: np.ndarray, k: int = PICTURE_NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Share of each class's k nearest picture neighbours that belong to each class (rows sum to 1)."""

    classes, codes = np.unique(truth, return_inverse=True)
    neighbours = NearestNeighbors(n_neighbors=k + 1).fit(xy).kneighbors(xy, return_distance=False)[:, 1:]
    table = np.zeros((len(classes), len(classes)))
    np.add.at(table, (np.repeat(codes, k), codes[neighbours.ravel()]), 1)
    return table / table.sum(axis=1, keepdims=True), classes


def picture_facts(xy: np.ndarray, truth: np.ndarray) -> list[Fact]:
    """Which classes are islands in the picture shown and which touch, from each dot's nearest dots there."""
    mixing, classes = neighbour_mixing(xy, truth)
    outside = 1.0 - np.diag(mixing)
    islands = [int(c) for i, c in enumerate(classes) if outside[i] < ISLAND]
    facts = [
        Fact(
            "how",
            f"Read from the picture itself: for each dot, its {PICTURE_NEIGHBOURS} nearest dots on screen.",
            {"k": PICTURE_NEIGHBOURS},
        )
    ]
    if islands:
        words = series([str(c) for c in islands])
        verb = "is an island of its own" if len(islands) == 1 else "are islands of their own"
        facts.append(
            Fact("islands", f"{words} {verb} (under 2 in 100 neighbours of another digit).", {"classes": islands})
        )
    pairs = []
    for a in range(len(classes)):
        for b in range(a + 1, len(classes)):
            crossing = (mixing[a, b] + mixing[b, a]) / 2
            if crossing >= TOUCH:
                pairs.append((crossing, int(classes[a]), int(classes[b])))
    pairs.sort(reverse=True)
    for crossing, a, b in pairs:
        facts.append(
            Fact(
                "touch",
                f"{a} and {b} touch: {100 * crossing:.0f} in 100 of their neighbours are the other digit.",
                {"a": a, "b": b, "share": crossing},
            )
        )
    touching = {c for _, a, b in pairs for c in (a, b)}
    rest = [int(c) for c in classes if int(c) not in touching and int(c) not in islands]
    if rest:
        shares = [round(100 * outside[list(classes).index(c)]) for c in rest]
        low, high = min(shares), max(shares)
        amount = f"{low} in 100" if low == high else f"{low} to {high} in 100"
        verb, their = ("is not an island", "its") if len(rest) == 1 else ("are not islands", "their")
        facts.append(
            Fact(
                "rest",
                f"{series([str(c) for c in rest])} {verb} ({amount} of {their} neighbours are other digits) but "
                f"{'touches' if len(rest) == 1 else 'touch'} no one digit that much.",
                {"classes": rest, "outside": dict(zip(rest, shares))},
            )
        )
    return facts
