"""The guided demo on the Home page: digits -> Leiden, HDBSCAN, DEC -> scatter, one sentence per step."""

from __future__ import annotations

from clustering.pipeline import run
from clustering.projection import project
from clustering.samples import load_sample

DEMO_SAMPLE = "digits"
DEMO_STEPS = [
    ("leiden", {"resolution": 1.0},
     "**Leiden** links every digit image to its 15 nearest neighbours and finds communities in that graph: "
     "no number of clusters is given, the resolution decides."),
    ("hdbscan", {"min_cluster_size": 15},
     "**HDBSCAN** first squeezes the 64 pixels into 10 UMAP dimensions, then keeps only dense groups: "
     "ambiguous scribbles become noise (grey) instead of being forced into a cluster."),
    ("dec", {"n_clusters": 10, "hidden": "128,128,256", "pretrain_epochs": 30, "max_iter": 1500,
             "update_interval": 50},
     "**DEC** trains a small neural network to compress each image, then sharpens 10 clusters in that learned "
     "space: the network and the clusters improve together."),
]
LAYOUT_SENTENCE = ("The **UMAP** layout places similar images together; colour it by each run to see where the "
                   "methods agree and where they split or merge digits.")


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
    progress("final step: UMAP layout", len(DEMO_STEPS) / (len(DEMO_STEPS) + 1))
    layout = project(data.vectors, "umap", seed=0)
    return {"sample": DEMO_SAMPLE, "results": results, "layout": layout}
