"""The benchmark sets with known classes that trust.py and calibrate.py share.

digits, MNIST-test, the text-embedding sample (python-docs, 67 topics), the single-cell sample (PBMC, 10 cell
types), a density set with noise (blobs of unequal spread plus 15% uniform noise, noise its own class) and
separated blobs. `geometry_sets` are the synthetic family the confidence is calibrated on (classes that are the
geometry, other seeds): the benchmark sets above are never fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.data import Dataset
from clustering.io.samples import SAMPLES, load_sample

NAMES = ("digits", "mnist-test", "python-docs", "pbmc", "density", "blobs")
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


def blobs_set(n: int = 3000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Eight separated blobs in 10-D (classes that are the geometry, every row clear)."""
    from sklearn.datasets import make_blobs

    x, y = make_blobs(n, n_features=10, centers=8, cluster_std=1.0, random_state=seed)
    return x.astype(np.float32), y


def geometry_sets(count: int = 12, n: int = 2000) -> list[BenchSet]:
    """Synthetic sets whose classes are the geometry (blobs of unequal spread and size, some overlapping, with 0 to
    25% uniform noise as its own class), drawn with seeds 100 and up: the confidence's calibration family."""
    from sklearn.datasets import make_blobs

    found = []
    for index in range(count):
        rng = np.random.default_rng(100 + index)
        dims = int(rng.choice([2, 5, 10, 20, 50]))
        centres = int(rng.integers(3, 13))
        noise = float(rng.choice([0.0, 0.05, 0.15, 0.25]))
        spread = rng.uniform(0.5, 3.0, centres)
        sizes = rng.dirichlet(np.full(centres, 3.0)) * n * (1 - noise)
        x, y = make_blobs(
            np.maximum(sizes.astype(int), 10), n_features=dims, cluster_std=spread, random_state=100 + index
        )
        uniform = rng.uniform(x.min(0), x.max(0), (int(n * noise), dims))
        x = np.vstack([x, uniform]).astype(np.float32)
        y = np.concatenate([y, np.full(len(uniform), 99)])
        name = f"geometry-{index}"
        dataset = Dataset(vectors=x, metadata=pd.DataFrame({"label": y}), name=name, source="benchmark")
        found.append(BenchSet(name, dataset, y, "none"))
    return found


def load(name: str) -> BenchSet:
    """One set: its dataset, its classes as codes, the preprocessing its sample suggests."""
    if name in ("density", "blobs"):
        x, y = density_set() if name == "density" else blobs_set()
        dataset = Dataset(vectors=x, metadata=pd.DataFrame({"label": y}), name=name, source="benchmark")
        return BenchSet(name, dataset, y, "none")
    dataset = load_sample(name)
    column = TRUTH.get(name) or dataset.truth_candidates()[0]
    truth = dataset.metadata[column].astype("category").cat.codes.to_numpy()
    return BenchSet(name, dataset, truth, SAMPLES[name].suggested_preprocess)
