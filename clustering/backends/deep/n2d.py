"""N2D-style recipe (McConville et al. 2020): autoencoder embedding -> UMAP -> Gaussian mixture.

New points are embedded by the encoder and take the majority label of their nearest training
points in that embedding (UMAP built on precomputed neighbours has no out-of-sample transform).
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

import numpy as np

from clustering.backends.base import Param
from clustering.backends.deep.base import DEEP_COMMON, DeepBackend
from clustering.backends.deep.torch_core import TrainingProgress
from clustering.graph.projection import umap_embed


class N2D(DeepBackend):
    """N2D: autoencoder embedding, UMAP on it, a Gaussian mixture there."""

    name = "n2d"
    title = "N2D (autoencoder + UMAP + GMM)"
    description = "Autoencoder embedding, UMAP on it, Gaussian mixture there: the strongest deep recipe."
    stage_spans: ClassVar[dict[str, tuple[float, float]]] = {
        "pretrain": (0.0, 0.45),
        "umap": (0.45, 0.85),
        "gmm": (0.85, 1.0),
    }
    schema = DEEP_COMMON + (
        Param(
            "umap_neighbors",
            int,
            20,
            "UMAP neighbours on the embedding",
            low=2,
            high=200,
            label="UMAP neighbours",
            advanced=True,
        ),
        Param("umap_dims", int, 10, "UMAP output dimensions", low=2, high=50, label="UMAP dimensions", advanced=True),
        Param(
            "umap_min_dist",
            float,
            0.0,
            "UMAP min_dist (0 packs clusters tightly)",
            low=0.0,
            high=1.0,
            label="UMAP min_dist",
            advanced=True,
        ),
        Param(
            "covariance_type",
            str,
            "full",
            "GMM component shape",
            choices=("full", "tied", "diag", "spherical"),
            label="Mixture shape",
            advanced=True,
        ),
    )

    def __init__(
        self,
        n_clusters=10,
        hidden="500,500,2000",
        embedding_dim=10,
        pretrain_epochs=100,
        batch_size=256,
        device="auto",
        random_state=0,
        umap_neighbors=20,
        umap_dims=10,
        umap_min_dist=0.0,
        covariance_type="full",
    ):
        super().__init__(
            n_clusters=n_clusters,
            hidden=hidden,
            embedding_dim=embedding_dim,
            pretrain_epochs=pretrain_epochs,
            batch_size=batch_size,
            device=device,
            random_state=random_state,
        )
        self.umap_neighbors = umap_neighbors
        self.umap_dims = umap_dims
        self.umap_min_dist = umap_min_dist
        self.covariance_type = covariance_type

    def fit(self, X, y=None, progress: TrainingProgress | None = None, cancel: threading.Event | None = None):
        """Pretrain, UMAP the embedding, fit a Gaussian mixture there; labels by decreasing size."""
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.mixture import GaussianMixture

        p, trainer, model, z = self._pretrain(X, progress, cancel)
        trainer.check_cancel()
        trainer.report("umap", 0, 2, float("nan"))
        start = time.perf_counter()
        manifold = umap_embed(
            z,
            n_components=p["umap_dims"],
            n_neighbors=p["umap_neighbors"],
            min_dist=p["umap_min_dist"],
            seed=p["random_state"],
        )
        trainer.seconds["umap"] = time.perf_counter() - start
        trainer.check_cancel()
        trainer.report("gmm", 1, 2, float("nan"))
        start = time.perf_counter()
        gmm = GaussianMixture(
            n_components=p["n_clusters"], covariance_type=p["covariance_type"], random_state=p["random_state"]
        ).fit(manifold.astype(np.float64))
        proba = gmm.predict_proba(manifold.astype(np.float64))
        self._set_labels(proba.argmax(axis=1).astype(np.int32), proba)
        trainer.seconds["gmm"] = time.perf_counter() - start
        trainer.report("gmm", 2, 2, float("nan"))
        self.embedding_ = z.astype(np.float32)
        self.manifold_ = manifold
        self._finish(p, trainer, model)
        return self

    def predict(self, X, k: int = 10) -> np.ndarray:
        """Majority label of the k nearest training points in the autoencoder embedding."""
        x = self._check_predict(X)
        # deferred: the registry loads at every start; the engine loads on fit
        from sklearn.neighbors import KNeighborsClassifier

        classifier = KNeighborsClassifier(n_neighbors=min(k, len(self.embedding_))).fit(self.embedding_, self.labels_)
        return classifier.predict(self.transform(x)).astype(np.int32)

    def _extra(self) -> dict[str, np.ndarray]:
        return {"embedding": self.embedding_, "labels": self.labels_}

    def _restore_extra(self, extra: dict[str, np.ndarray]) -> None:
        self.embedding_ = np.asarray(extra["embedding"])
        self.labels_ = np.asarray(extra["labels"])
