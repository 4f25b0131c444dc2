"""The guided demo on the Home page: a step-by-step story on 1,797 handwritten digits.

Each step is computed when the class reaches it (one worker job, a few seconds), so the story starts at once and
Next/Back move through what exists. The text of each clustering step says what the method got right and wrong,
from its own results.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from clustering.compare import Labeling, compare, splits_and_merges
from clustering.pipeline import run
from clustering.projection import project
from clustering.samples import load_sample

DEMO_SAMPLE = "digits"
DEMO_SECONDS = 120  # what the page promises for the whole story on a laptop
DEMO_METHODS: list[tuple[str, dict, str]] = [
    (
        "leiden",
        {"resolution": 1.0},
        "**Leiden** links every digit image to its 15 nearest neighbours and finds communities in that graph: "
        "no number of clusters is given, the resolution decides.",
    ),
    (
        "hdbscan",
        {"min_cluster_size": 15},
        "**HDBSCAN** first squeezes the 64 pixels into 10 UMAP dimensions, then keeps only dense groups: "
        "ambiguous scribbles become noise (grey) instead of being forced into a cluster.",
    ),
    (
        "n2d",
        {"n_clusters": 10, "hidden": "256,256,512", "pretrain_epochs": 60, "umap_neighbors": 15},
        "**Deep clustering (N2D)** trains a small neural network to compress each image into 10 numbers, lays "
        "those out with UMAP and fits 10 Gaussian clusters there: the network learns which strokes matter.",
    ),
]
REPLAY_METHOD = (
    "dec",
    {"n_clusters": 10, "hidden": "128,128,256", "pretrain_epochs": 30, "max_iter": 1500, "update_interval": 50},
)
REPLAY_SENTENCE = (
    "**DEC** (deep embedded clustering) starts from k-means in the network's space and then sharpens: each "
    "update pulls images towards the cluster they already lean to. Press Play: watch which digits settle early "
    "and which keep moving. It scores below N2D here, because sharpening also hardens early mistakes."
)
DEMO_STEPS = ["data", "picture", *[m for m, _, _ in DEMO_METHODS], "compare", "explain"]
STEP_TITLES = {
    "data": "The data",
    "picture": "The picture",
    "leiden": "Leiden",
    "hdbscan": "HDBSCAN",
    "n2d": "Deep clustering",
    "compare": "Compare",
    "explain": "Why these clusters?",
}
DATA_SENTENCE = (
    "1,797 handwritten digits, each an 8 × 8 image: 64 numbers per image. Nobody tells the methods which digit "
    "is which; we only use the true digits afterwards, to score them."
)
LAYOUT_SENTENCE = (
    "The **UMAP** layout places similar images together: every dot is one image (hover to see it), coloured by "
    "its true digit. Most digits form their own island; 1, 8 and 9 touch."
)
SCORES_SENTENCE = (
    "**ARI** counts pairs of images: 1 when every pair the digits put together the clustering also puts together "
    "(and apart), 0 for a random grouping. **ACC** is the share of images in the right group once each cluster "
    "is matched to one digit."
)
COMPARE_SENTENCE = (
    "**Compare** the three runs side by side, colours matched to the true digits, and ask the picture: a "
    "cluster is *visible* when the layout shows it as one region of its own, *merged* when it shares "
    "a region with others (the picture cannot tell them apart), *split* when it spans several regions "
    "and *hidden* when its points lie in sparse areas. **ARI vs picture** says how close a run is to what the "
    "eye groups (1 = the same groups)."
)
EXPLAIN_SENTENCE = (
    "**Why** is a cluster a cluster? A threshold tree (IMM) describes each of Leiden's clusters by a few pixels: "
    "red squares must be inked, blue ones blank. Beside each mask, the cluster's average image."
)


def demo_step(name: str, layout: np.ndarray | None = None, labels: dict | None = None, progress=None, cancel=None):
    """Compute one step of the demo (a worker job): the layout, a clustering, the comparison or the rules."""
    data = load_sample(DEMO_SAMPLE)
    truth = data.labels()
    if name == "picture":
        if progress is not None:
            progress("UMAP layout of 1,797 images", 0.1)
        return project(data.vectors, "umap", seed=0)
    methods = {method: params for method, params, _ in DEMO_METHODS}
    methods[REPLAY_METHOD[0]] = REPLAY_METHOD[1]
    if name in methods:
        deep = name in ("n2d", "dec")
        data_for_method = replace(data, vectors=data.vectors / 16.0) if deep else data  # pixels to 0-1 for networks
        result = run(data_for_method, name, methods[name], seed=0, truth=truth, progress=progress, cancel=cancel)
        return replace(result, dataset_fingerprint=data.fingerprint)
    if name == "compare":
        assert layout is not None and labels is not None
        return demo_comparison(labels, truth, layout)
    if name == "explain":
        assert labels is not None
        from clustering.explain import build_space, explain

        return explain(build_space(data, "pixels"), labels["leiden"], "imm")
    raise ValueError(f"no demo step {name!r}")


def honest_sentence(method: str, labels: np.ndarray, truth: np.ndarray, acc: float) -> str:
    """What a run got right and wrong, from its own contingency with the true digits."""
    changes = splits_and_merges(truth, labels, share=0.2)
    merged = [sorted(parts) for parts in changes["merged"].values()]
    split = sorted(changes["split"])
    noise = float((labels < 0).mean())
    parts = [f"{100 * acc:.0f}% of the images end up with their digit"]
    if merged:
        parts.append("it merges digits " + ", and ".join(" and ".join(str(d) for d in group) for group in merged[:3]))
    if split:
        parts.append("it splits digit " + ", ".join(str(d) for d in split[:4]) + " over several clusters")
    if noise > 0.01:
        parts.append(f"it leaves {100 * noise:.0f}% of the images as noise")
    if not merged and not split:
        parts.append("each digit is one cluster")
    return f"{STEP_TITLES.get(method, method)}: " + "; ".join(parts) + "."


def demo_comparison(labels: dict, truth, layout) -> dict:
    """Agreement between the demo's runs and the truth, and what the layout shows of each run."""
    from clustering.perception import perceive

    names = list(labels)
    report = compare([Labeling(n, labels[n]) for n in names] + [Labeling("truth", truth, True)])
    seen = {n: perceive(layout, labels[n]) for n in names}
    rows = []
    for name in names:
        verdicts = list(seen[name]["verdicts"].values())
        rows.append(
            {
                "run": STEP_TITLES.get(name, name),
                "ARI vs truth": round(float(report["ari"][names.index(name), -1]), 3),
                "ARI vs picture": round(seen[name]["ari"], 3),
                **{v: verdicts.count(v) for v in ("visible", "split", "merged", "hidden")},
            }
        )
    return {"table": rows}
