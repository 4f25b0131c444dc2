"""What every deep clustering backend shares: the autoencoder's parameters, the start and end of `fit`,
size-ordered labels, `transform` (the encoder) and save/load as npz (never a pickle)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np
from sklearn.base import TransformerMixin
from typing_extensions import override

from clustering.backends.base import RANDOM_STATE, Backend, Param, by_size, memory_refusal
from clustering.backends.deep.model_file import restore, save_model
from clustering.backends.deep.torch_core import (
    TrainConfig,
    Trainer,
    TrainingProgress,
    hidden_problem,
    input_scale,
    torch_module,
)

DEEP_COMMON = (
    Param("n_clusters", int, 10, "number of clusters", low=2, high=500, at_most_rows=True, label="Clusters"),
    Param(
        "hidden",
        str,
        "500,500,2000",
        "encoder widths, comma-separated (decoder mirrors them)",
        check=hidden_problem,
        label="Encoder widths",
        advanced=True,
    ),
    Param(
        "embedding_dim",
        int,
        10,
        "size of the embedding the clusters live in",
        low=2,
        high=256,
        label="Embedding size",
        advanced=True,
    ),
    Param("pretrain_epochs", int, 100, "autoencoder pretraining epochs (reconstruction MSE, Adam)", low=0, high=5000),
    Param("batch_size", int, 256, "mini-batch size", low=8, high=65536, log=True, advanced=True),
    Param(
        "device",
        str,
        "auto",
        "auto uses a CUDA GPU when present, else the CPU",
        choices=("auto", "cpu", "cuda"),
        advanced=True,
    ),
    RANDOM_STATE,
)


class DeepBackend(TransformerMixin, Backend):
    """Base of DEC, IDEC and N2D: an autoencoder pretrained on the data, then a method's clustering step."""

    accepts_callbacks: ClassVar[bool] = True
    stage_spans: ClassVar[dict[str, tuple[float, float]]] = {"pretrain": (0.0, 0.45), "cluster": (0.45, 1.0)}
    schema: ClassVar[tuple[Param, ...]] = DEEP_COMMON

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # the encoder computes in float32
        return tags

    def __init__(
        self,
        n_clusters=10,
        hidden="500,500,2000",
        embedding_dim=10,
        pretrain_epochs=100,
        batch_size=256,
        device="auto",
        random_state=0,
    ):
        self.n_clusters = n_clusters
        self.hidden = hidden
        self.embedding_dim = embedding_dim
        self.pretrain_epochs = pretrain_epochs
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    @classmethod
    @override
    def refusal(cls, n: int, d: int, params: dict[str, Any]) -> str | None:
        if params.get("n_clusters", 10) > n:
            return f"{cls.name}: n_clusters is more than the {n} rows."
        return memory_refusal(cls.name.upper(), n * d * 4 * 3, "Reduce dimensions (PCA) or subsample first.")

    # -- the shared start and end of fit -------------------------------------------------------------
    def _pretrain(self, X, progress: TrainingProgress | None, cancel: threading.Event | None):
        """Validated parameters, the trainer, the pretrained autoencoder and the data's embedding."""
        p = self._params()
        x = self._check_x(X)
        self.input_scale_ = input_scale(x)
        trainer = Trainer(x * np.float32(self.input_scale_), TrainConfig.from_params(p), progress, cancel)
        model = trainer.pretrained_autoencoder()
        return p, trainer, model, trainer.embed(model).cpu().numpy()

    def _set_labels(self, raw: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """labels_ renumbered by size and probabilities_ in the same order; returns the size order."""
        self.labels_, order = by_size(raw, self.n_clusters)
        self.probabilities_ = probabilities[:, order].astype(np.float32)
        return order

    def _finish(self, p: dict, trainer: Trainer, model) -> None:
        """The fitted network and the run's record: device, timings, whether pretraining came from the cache."""
        self.model_ = model.cpu()
        self.device_ = trainer.device
        self.seconds_ = dict(trainer.seconds)
        self.pretrain_cached_ = trainer.pretrain_cached
        self.config_ = {**p, "input_dim": int(trainer.x.shape[1]), "input_scale": self.input_scale_}

    # -- what the run record keeps ------------------------------------------------------------------
    @override
    def run_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"device": self.device_, "pretrain_cached": self.pretrain_cached_}
        for name in ("n_iter", "converged"):
            if name + "_" in self.__dict__:
                info[name] = self.__dict__[name + "_"]
        return info

    @override
    def run_device(self) -> str | None:
        return self.device_

    @override
    def stage_seconds(self) -> dict[str, float]:
        return dict(self.seconds_)

    # -- new points and persistence ------------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Embedding of new points by the fitted encoder."""
        torch = torch_module()
        x = torch.as_tensor(self._check_predict(X, "model_") * np.float32(self.config_["input_scale"]))
        self.model_.eval()
        with torch.no_grad():
            return self.model_.encoder(x).numpy()

    def _extra(self) -> dict[str, np.ndarray]:
        """Arrays besides the network that a saved model needs (centres, training embedding...)."""
        return {}

    def _restore_extra(self, extra: dict[str, np.ndarray]) -> None:
        """Set back what `_extra` saved."""

    def save(self, path) -> None:
        """Write the fitted model as one npz file (network tensors, extra arrays, a JSON header)."""
        save_model(path, self.name, self.config_, self.model_.state_dict(), self._extra())

    @classmethod
    def load(cls, path):
        """A fitted estimator from `save`'s file; any other file is refused."""
        estimator, extra = restore(cls, path)
        estimator._restore_extra(extra)
        return estimator
