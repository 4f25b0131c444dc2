"""N2D-style recipe (McConville et al. 2020): autoencoder embedding -> UMAP -> Gaussian mixture.

New points are embedded by the encoder and take the majority label of their nearest training
points in that embedding (UMAP built on precomputed neighbours has no out-of-sample transform).
"""

from __future__ import annotations

import threading
import time

import numpy as np

from clustering.backends.base import Backend, Param, memory_refusal, relabel_by_size
from clustering.backends.deep import (
    TrainConfig,
    Trainer,
    TrainingProgress,
    input_scale,
    restore,
    save_model,
    torch_module,
)
from clustering.backends.deep_dec import DEEP_COMMON, size_order
from clustering.projection import umap_embed


class N2D(Backend):
    name = "n2d"
    title = "N2D (autoencoder + UMAP + GMM)"
    description = "Autoencoder embedding, UMAP on it, Gaussian mixture there: the strongest deep recipe."
    accepts_callbacks = True
    schema = tuple(p for p in DEEP_COMMON) + (
        Param("umap_neighbors", int, 20, "UMAP neighbours on the embedding", low=2, high=200),
        Param("umap_dims", int, 10, "UMAP output dimensions", low=2, high=50),
        Param("umap_min_dist", float, 0.0, "UMAP min_dist (0 packs clusters tightly)", low=0.0, high=1.0),
        Param("covariance_type", str, "full", "GMM component shape", choices=("full", "tied", "diag", "spherical")),
    )

    def __init__(self, n_clusters=10, hidden="500,500,2000", embedding_dim=10, pretrain_epochs=100, batch_size=256,
                 device="auto", seed=0, umap_neighbors=20, umap_dims=10, umap_min_dist=0.0, covariance_type="full"):
        self.n_clusters = n_clusters
        self.hidden = hidden
        self.embedding_dim = embedding_dim
        self.pretrain_epochs = pretrain_epochs
        self.batch_size = batch_size
        self.device = device
        self.seed = seed
        self.umap_neighbors = umap_neighbors
        self.umap_dims = umap_dims
        self.umap_min_dist = umap_min_dist
        self.covariance_type = covariance_type

    @classmethod
    def refusal(cls, n, d, params):
        if params.get("n_clusters", 10) > n:
            return f"n2d: n_clusters is more than the {n} rows."
        return memory_refusal("N2D", n * d * 4 * 3, "Reduce dimensions (PCA) or subsample first.")

    def fit(self, X, y=None, progress: TrainingProgress | None = None, cancel: threading.Event | None = None):
        from sklearn.mixture import GaussianMixture

        p = self._params()
        x = self._check_x(X)
        config = TrainConfig.from_params(p)
        scale = input_scale(x)
        trainer = Trainer(x * np.float32(scale), config, progress, cancel)
        model = trainer.pretrained_autoencoder()
        z = trainer.embed(model).cpu().numpy()
        trainer.check_cancel()
        trainer.report("umap", 0, 2, float("nan"))
        start = time.perf_counter()
        manifold = umap_embed(z, n_components=p["umap_dims"], n_neighbors=p["umap_neighbors"],
                              min_dist=p["umap_min_dist"], seed=p["seed"])
        trainer.seconds["umap"] = time.perf_counter() - start
        trainer.check_cancel()
        trainer.report("gmm", 1, 2, float("nan"))
        start = time.perf_counter()
        gmm = GaussianMixture(n_components=p["n_clusters"], covariance_type=p["covariance_type"],
                              random_state=p["seed"]).fit(manifold.astype(np.float64))
        proba = gmm.predict_proba(manifold.astype(np.float64))
        raw = proba.argmax(axis=1).astype(np.int32)
        self.labels_ = relabel_by_size(raw)
        self.probabilities_ = proba[:, size_order(raw, p["n_clusters"])].astype(np.float32)
        trainer.seconds["gmm"] = time.perf_counter() - start
        trainer.report("gmm", 2, 2, float("nan"))
        self.embedding_ = z.astype(np.float32)
        self.manifold_ = manifold
        self.model_ = model.cpu()
        self.device_ = trainer.device
        self.seconds_ = dict(trainer.seconds)
        self.pretrain_cached_ = trainer.pretrain_cached
        self.config_ = {**p, "input_dim": int(x.shape[1]), "input_scale": scale}
        return self

    def transform(self, X) -> np.ndarray:
        torch = torch_module()
        self.model_.eval()
        with torch.no_grad():
            x = np.asarray(X, dtype=np.float32) * np.float32(self.config_["input_scale"])
            return self.model_.encoder(torch.as_tensor(x)).numpy()

    def predict(self, X, k: int = 10) -> np.ndarray:
        """Majority label of the k nearest training points in the autoencoder embedding."""
        from sklearn.neighbors import KNeighborsClassifier

        classifier = KNeighborsClassifier(n_neighbors=min(k, len(self.embedding_))).fit(self.embedding_, self.labels_)
        return classifier.predict(self.transform(X)).astype(np.int32)

    def save(self, path) -> None:
        save_model(path, self.name, self.config_, self.model_.state_dict(),
                   {"embedding": self.embedding_, "labels": self.labels_})

    @classmethod
    def load(cls, path) -> "N2D":
        estimator, extra = restore(cls, path)
        estimator.embedding_ = np.asarray(extra["embedding"])
        estimator.labels_ = np.asarray(extra["labels"])
        return estimator

