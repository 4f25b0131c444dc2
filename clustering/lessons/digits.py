"""Lesson 1, three methods on 1,797 handwritten digits: each step computed when the class reaches it.

The texts that describe what a method *does* are fixed; every sentence about what it *found* comes from
`clustering.lessons.facts`, computed from that step's own numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from clustering.evaluate.compare import Labeling, compare, matched_codes
from clustering.evaluate.perception import perceive
from clustering.explainers import build_space, explain
from clustering.graph.projection import project
from clustering.io.samples import load_sample
from clustering.lessons.facts import Fact, clustering_facts, picture_facts
from clustering.run.pipeline import run
from clustering.visual.colours import matched_colour_codes

SAMPLE = "digits"


@dataclass(frozen=True)
class Step:
    """One step of a lesson: its key, title, what it does and the seconds it takes on 2 cores, cold (the slowest of
    three runs of benchmarks/lessons.py, plus 15%, rounded up; the page promises them)."""

    key: str
    title: str
    seconds: int
    method: str | None = None
    params: dict | None = None
    about: str = ""


METHOD_STEPS = [
    Step(
        "leiden",
        "Leiden",
        3,
        "leiden",
        {"resolution": 1.0},
        "**Leiden** links every digit image to its 15 nearest neighbours and finds communities in that graph: "
        "no number of clusters is given, the resolution decides.",
    ),
    Step(
        "hdbscan",
        "HDBSCAN",
        11,
        "hdbscan",
        {"min_cluster_size": 15},
        "**HDBSCAN** first squeezes the 64 pixels into 10 UMAP dimensions, then keeps only dense groups: "
        "ambiguous scribbles become noise instead of being forced into a cluster.",
    ),
    Step(
        "n2d",
        "Deep clustering",
        16,
        "n2d",
        {"n_clusters": 10, "hidden": "128,128,256", "pretrain_epochs": 60, "umap_neighbors": 15},
        "**Deep clustering (N2D)** trains a small neural network to compress each image into 10 numbers, lays "
        "those out with UMAP and fits 10 Gaussian clusters there: the network learns which strokes matter.",
    ),
]
REPLAY = Step(
    "dec",
    "DEC replay",
    8,
    "dec",
    {"n_clusters": 10, "hidden": "128,128,256", "pretrain_epochs": 60, "max_iter": 800, "update_interval": 40},
    "**DEC** (deep embedded clustering) starts from k-means in the network's space and then sharpens: each "
    "update pulls images towards the cluster they already lean to. Press Play and watch which digits settle "
    "early and which keep moving.",
)
STEPS = [
    Step(
        "data",
        "The data",
        1,
        about="1,797 handwritten digits, each an 8 × 8 image: 64 numbers per image. Nobody tells the methods which "
        "digit is which; we only use the true digits afterwards, to score them.",
    ),
    Step(
        "picture",
        "The picture",
        12,
        about="The **UMAP** layout places similar images together: every dot is one image, coloured by its true digit.",
    ),
    *METHOD_STEPS,
    Step(
        "compare",
        "Compare",
        2,
        about="**Compare** the three runs side by side, colours matched to the true digits, and ask the picture: a "
        "cluster is *visible* when the layout shows it as one region of its own, *merged* when it shares a region "
        "with others, *split* when it spans several regions and *hidden* when its points lie in sparse areas. "
        "**ARI vs picture** says how close a run is to what the eye groups (1 = the same groups).",
    ),
    Step(
        "explain",
        "Why these clusters?",
        3,
        about="**Why** is a cluster a cluster? A threshold tree (IMM) describes each of Leiden's clusters by a few "
        "pixels. In each mask, **red** squares need *more* ink than a threshold, **blue** squares *at most* a "
        "threshold's ink and **purple** ones are bounded both ways (between two thresholds, or one way in each "
        "alternative of the rule); the rules below give each threshold on the 0–16 ink scale. Grey squares are not "
        "used. Beside each "
        "mask, the cluster's average image.",
    ),
]
SCORES = (
    "**ARI** counts pairs of images: 1 when every pair the digits put together the clustering also puts together "
    "(and apart), 0 for a random grouping. **ACC** is the share of images in the right group once each cluster "
    "is matched to one digit."
)


def step_named(key: str) -> Step:
    """The step (or the replay) with this key."""
    for step in [*STEPS, REPLAY]:
        if step.key == key:
            return step
    raise ValueError(f"no lesson step {key!r}")


def compute_step(key: str, layout=None, labels: dict | None = None, progress=None, cancel=None):
    """Compute one step (a worker job): the layout, a clustering, the comparison or the rules."""
    data = load_sample(SAMPLE)
    truth = data.labels()
    step = step_named(key)
    if key == "picture":
        if progress is not None:
            progress("UMAP layout of 1,797 images", 0.1)
        return project(data.vectors, "umap", seed=0)
    if step.method is not None:
        deep = step.method in ("n2d", "dec")
        data_for_method = replace(data, vectors=data.vectors / 16.0) if deep else data  # pixels to 0-1 for networks
        result = run(
            data_for_method, step.method, dict(step.params or {}), seed=0, truth=truth, progress=progress, cancel=cancel
        )
        return replace(result, dataset_fingerprint=data.fingerprint)
    if key == "compare":
        assert layout is not None and labels is not None
        return comparison(labels, truth, layout)
    if key == "explain":
        assert labels is not None

        return explain(build_space(data, "pixels"), labels["leiden"], "imm")
    raise ValueError(f"step {key!r} computes nothing")


def comparison(labels: dict, truth, layout) -> dict:
    """Agreement between the lesson's runs and the truth, and what the layout shows of each run."""

    names = list(labels)
    report = compare([Labeling(n, labels[n]) for n in names] + [Labeling("truth", truth, True)])
    rows = []
    for name in names:
        seen = perceive(layout, labels[name])
        verdicts = list(seen["verdicts"].values())
        rows.append(
            {
                "run": step_named(name).title,
                "ARI vs truth": round(float(report["ari"][names.index(name), -1]), 3),
                "ARI vs picture": round(seen["ari"], 3),
                **{v: verdicts.count(v) for v in ("visible", "split", "merged", "hidden")},
            }
        )
    return {"table": rows}


def best_run_fact(table: list[dict]) -> Fact:
    """Which run is closest to the digits, and to what the picture shows, from the comparison table."""
    best = max(table, key=lambda row: row["ARI vs truth"])
    seen = max(table, key=lambda row: row["ARI vs picture"])
    text = f"Closest to the true digits: {best['run']} (ARI {best['ARI vs truth']:.3f})."
    if seen["run"] != best["run"]:
        text += f" Closest to what the picture shows: {seen['run']} (ARI {seen['ARI vs picture']:.3f})."
    else:
        text += " It is also the closest to what the picture shows."
    return Fact("best", text, {"truth": best["run"], "picture": seen["run"]})


def method_facts(result, truth: np.ndarray) -> list[Fact]:
    """The sentences of a clustering step."""
    return clustering_facts(truth, result.labels, result.metrics["acc"])


def layout_facts(layout: np.ndarray, truth: np.ndarray) -> list[Fact]:
    """The sentences of the picture step: islands and touching digits in the layout shown."""
    return picture_facts(layout, truth)


def cluster_digit_names(labels: np.ndarray, truth: np.ndarray) -> dict[int, str]:
    """Each cluster named by the digit it is matched to ('≈ 7'), or by its majority ('mostly 1') when unmatched."""
    labels, truth = np.asarray(labels), np.asarray(truth)
    matched = matched_codes(truth, labels)
    digits = set(np.unique(truth).tolist())
    names = {}
    for cluster in np.unique(labels[labels >= 0]):
        members = labels == cluster
        code = int(matched[members][0])
        majority = int(np.bincount(truth[members]).argmax())
        if code in digits:
            names[int(cluster)] = f"≈ {code}" if code == majority else f"≈ {code} (mostly {majority})"
        else:
            names[int(cluster)] = f"mostly {majority}"
    return names


def rules_facts(explanation, labels: np.ndarray, truth: np.ndarray) -> list[Fact]:
    """The rules step in plain words: how many images the rules place exactly, and the loosest rule."""
    names = cluster_digit_names(labels, truth)
    facts = [
        Fact(
            "accuracy",
            f"The rules place {100 * explanation.accuracy:.0f}% of the images exactly: their own cluster's rule holds "
            "for them and no other rule does.",
            {"accuracy": explanation.accuracy},
        )
    ]
    weakest = min(explanation.clusters, key=lambda rule: rule.precision)
    digit = names.get(weakest.cluster, "")
    facts.append(
        Fact(
            "weakest",
            f"The loosest rule is cluster {weakest.cluster}'s ({digit}): of the images it takes in, only "
            f"{100 * weakest.precision:.0f} in 100 are in that cluster, and it takes in {100 * weakest.recall:.0f} in "
            "100 of the cluster's own images.",
            {"cluster": weakest.cluster, "precision": weakest.precision, "recall": weakest.recall},
        )
    )
    return facts


def readable_rule(rule: str) -> list[str]:
    """A rule as one condition a line ('pixel(2,3) > 7.5' → 'row 2, column 3: more than 7.5 of 16 ink'), its
    alternatives parted by a line 'or'."""
    lines: list[str] = []
    for alternative in rule.split(" OR "):
        conditions = alternative.strip("() ").split(" AND ")
        text = []
        for condition in conditions:
            between = re.fullmatch(r"([-\d.]+) < pixel\((\d+),\s*(\d+)\) ≤ ([-\d.]+)", condition.strip())
            if between is not None:
                low, row, column, high = between.groups()
                text.append(
                    f"row {row}, column {column}: more than {float(low):g} and at most {float(high):g} of 16 ink"
                )
                continue
            match = re.fullmatch(r"pixel\((\d+),\s*(\d+)\)\s*(<=|≤|>)\s*([-\d.]+)", condition.strip())
            if match is None:
                text.append(condition.strip())
                continue
            row, column, op, value = match.groups()
            level = float(value)
            if op == ">":
                amount = "some ink" if level <= 0 else f"more than {level:g} of 16 ink"
            else:
                amount = "no ink" if level <= 0 else f"at most {level:g} of 16 ink"
            text.append(f"row {row}, column {column}: {amount}")
        lines += (["or"] if lines else []) + text
    return lines


def replay_facts(dec_result, n2d_result) -> list[Fact]:
    """DEC against N2D on the same digits, from the two runs' scores."""
    dec, n2d = dec_result.metrics["ari"], n2d_result.metrics["ari"]
    relation = "below" if dec < n2d - 0.005 else "above" if dec > n2d + 0.005 else "level with"
    return [
        Fact(
            "dec",
            f"DEC reaches ARI {dec:.3f}, {relation} N2D's {n2d:.3f} on the same digits.",
            {"dec": dec, "n2d": n2d, "relation": relation},
        )
    ]


def digit_legend(labels: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, list[dict]]:
    """Scatter colour codes matched to the digits, each legend entry naming its cluster's digit ('≈ 7')."""

    labels = np.asarray(labels)
    codes, legend = matched_colour_codes(labels, truth)
    names = cluster_digit_names(labels, truth)
    for code, entry in enumerate(legend):
        members = labels[codes == code]
        if len(members):
            cluster = int(np.bincount(members[members >= 0]).argmax())
            entry["name"] = entry["label"] = names[cluster]
    return codes, legend
