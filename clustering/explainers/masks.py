"""Rules on image data drawn as images: which pixels a cluster's rule needs inked or blank."""

from __future__ import annotations

import numpy as np

from clustering.explainers.explanation import Explanation

INK, BLANK, BOTH, UNUSED = (220, 60, 60), (60, 90, 220), (150, 80, 200), (238, 238, 238)


def rule_mask(explanation: Explanation, cluster: int, image_shape: tuple[int, int], scale: int = 1) -> np.ndarray:
    """An RGB image (uint8) of a cluster's rule: red = ink required, blue = blank required, grey = not used."""
    h, w = image_shape
    mask = np.empty((h, w, 3), dtype=np.uint8)
    mask[:] = UNUSED
    for feature, sign in explanation.signs.get(cluster, {}).items():
        mask[feature // w, feature % w] = INK if sign > 0 else BLANK if sign < 0 else BOTH
    return np.kron(mask, np.ones((scale, scale, 1), dtype=np.uint8))


def mean_image(vectors: np.ndarray, rows: np.ndarray, image_shape: tuple[int, int], scale: int = 1) -> np.ndarray:
    """The mean of some image rows, dark ink on white (uint8)."""
    mean = np.asarray(vectors)[rows].mean(axis=0).reshape(image_shape)
    image = (255 - 255 * mean / max(float(mean.max()), 1e-9)).astype(np.uint8)
    return np.kron(image, np.ones((scale, scale), dtype=np.uint8))
