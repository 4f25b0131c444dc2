"""The benchmark sets with known classes that trust.py and calibrate.py share.

digits, MNIST-test, the text-embedding sample (python-docs, 67 topics), the single-cell sample (PBMC, 10 cell
types) and a density set with noise (blobs of unequal spread plus 15% uniform noise, noise its own class).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.data import Dataset
from clustering.io.samples import SAMPLES, load_sample

NAMES = ("digits", "mnist-test", "python-docs", "pbmc", "density")
# python-docs' topics (67 over 1,790 paragraphs) are too many per row for the app's category rule to offer as a truth
TRUTH = {"python-docs": "topic"}


@dataclass(frozen=True)
class BenchSet:
    name: str
    dataset: Dataset
    truth: np.ndarray
    preprocess: str


def density_set(n: int = 4000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Eight blobs of unequal spread in 10-D plus 15% uniform noise (class -1 kept as its own class, 99)."""
    from sklearn.datasets import make_blobs

    spread = [0.5, 1.0, 1.5, 2.0, 1.0, 0.8, 2.5, 1.2]
    x, y = make_blobs(int(n * 0.85), n_features=10, centers=8, cluster_std=spread, random_state=seed)
    rng = np.random.default_rng(seed)
    noise = rng.uniform(x.min(0), x.max(0), (n - len(x), 10))
    return np.vstack([x, noise]).astype(np.float32), np.concatenate([y, np.full(len(noise), 99)])


def load(name: str) -> BenchSet:
    """One set: its dataset, its classes as codes, the preprocessing its sample suggests."""
    if name == "density":
        x, y = density_set()
        dataset = Dataset(vectors=x, metadata=pd.DataFrame({"label": y}), name="density", source="benchmark")
        return BenchSet(name, dataset, y, "none")
    dataset = load_sample(name)
    column = TRUTH.get(name) or dataset.truth_candidates()[0]
    truth = dataset.metadata[column].astype("category").cat.codes.to_numpy()
    return BenchSet(name, dataset, truth, SAMPLES[name].suggested_preprocess)
