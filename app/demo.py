"""The guided demo on the Home page: digits -> Leiden, HDBSCAN, DEC -> scatter, one sentence per step."""

from __future__ import annotations

from clustering.pipeline import run
from clustering.projection import project
from clustering.samples import load_sample

DEMO_SAMPLE = "digits"
DEMO_STEPS: list[tuple[str, dict, str]] = [
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
        "dec",
        {"n_clusters": 10, "hidden": "128,128,256", "pretrain_epochs": 30, "max_iter": 1500, "update_interval": 50},
        "**DEC** trains a small neural network to compress each image, then sharpens 10 clusters in that learned "
        "space: the network and the clusters improve together.",
    ),
]
SCORES_SENTENCE = (
    "**ARI** counts pairs of images: 1 when every pair the digits put together the clustering also puts together "
    "(and apart), 0 for a random grouping. **ACC** is the share of images in the right group once each cluster "
    "is matched to one digit."
)
COMPARE_SENTENCE = (
    "**Compare** the three runs side by side (colours matched across panels) and ask the picture: a "
    "cluster is *visible* when the layout shows it as one region of its own, *merged* when it shares "
    "a region with others (the picture cannot tell them apart), *split* when it spans several regions "
    "and *hidden* when its points lie in sparse areas."
)
EXPLAIN_SENTENCE = (
    "**Explain** Leiden's clusters with rules on the layout itself: the **tree** (IMM) cuts the picture "
    "with one straight line at a time, so each cluster is a box (read its rule from the root down); "
    "the **polyhedra** use a few straight cuts per cluster, found by integer programming. "
    "*Accuracy* is the share of points that fall in their own cluster's region and no other."
)
LAYOUT_SENTENCE = (
    "The **UMAP** layout places similar images together; colour it by each run to see where the "
    "methods agree and where they split or merge digits."
)


def run_demo(progress, cancel) -> dict:
    """All steps of the demo as one job; returns the dataset, results and layout."""
    data = load_sample(DEMO_SAMPLE)
    truth = data.labels()
    results = []
    for i, (method, params, _) in enumerate(DEMO_STEPS):

        def step_progress(message, share, i=i, method=method):
            progress(f"step {i + 1}/{len(DEMO_STEPS) + 1}: {method} · {message}", (i + share) / (len(DEMO_STEPS) + 1))

        data_for_method = data
        if method == "dec":  # pixels 0-16 -> 0-1 for the network
            from clustering.data import Dataset

            data_for_method = Dataset(vectors=data.vectors / 16.0, metadata=data.metadata, name=data.name)
        result = run(data_for_method, method, params, seed=0, truth=truth, progress=step_progress, cancel=cancel)
        result.dataset_fingerprint = data.fingerprint
        results.append(result)
    progress("final step: UMAP layout and comparison", len(DEMO_STEPS) / (len(DEMO_STEPS) + 1))
    layout = project(data.vectors, "umap", seed=0)
    progress("final step: explanations", 0.95)
    return {
        "sample": DEMO_SAMPLE,
        "results": results,
        "layout": layout,
        "comparison": demo_comparison(results, truth, layout),
        "explanations": demo_explanations(results[0], layout, cancel),
    }


def demo_explanations(result, layout, cancel=None) -> dict:
    """An IMM tree and polyhedra for a run, in the 2-D layout's coordinates (so rules are regions)."""
    from clustering.explain import Space, explain

    space = Space("projection", layout, ["x", "y"])
    return {
        "tree": explain(space, result.labels, "imm"),
        "polyhedra": explain(space, result.labels, "polyhedra", time_limit=8, cancel=cancel),
    }


def demo_comparison(results: list, truth, layout) -> dict:
    """Agreement between the demo's runs and the truth, and what the layout shows of each run."""
    from clustering.compare import Labeling, compare
    from clustering.perception import perceive

    names = [method for method, _, _ in DEMO_STEPS]
    report = compare([Labeling(n, r.labels) for n, r in zip(names, results)] + [Labeling("truth", truth, True)])
    seen = {n: perceive(layout, r.labels) for n, r in zip(names, results)}
    rows = []
    for name in names:
        verdicts = list(seen[name]["verdicts"].values())
        rows.append(
            {
                "run": name,
                "ARI vs truth": round(float(report["ari"][names.index(name), -1]), 3),
                "ARI vs picture": round(seen[name]["ari"], 3),
                **{v: verdicts.count(v) for v in ("visible", "split", "merged", "hidden")},
            }
        )
    return {"table": rows, "ari": report["ari"].round(3).tolist(), "runs": report["runs"]}
