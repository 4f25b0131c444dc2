"""DEC (Xie, Girshick & Farhadi 2016) and IDEC (Guo et al. 2017) as scikit-learn estimators.

DEC: pretrain an autoencoder, initialise centres by k-means (n_init 20) on the embedding, then
minimise KL(P‖Q) between the soft assignment Q and the sharpened target P, recomputed every
`update_interval` iterations; stop when fewer than `tol` of the points change cluster.
IDEC keeps the decoder: loss = reconstruction MSE + γ·KL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from typing_extensions import override

from clustering.backends.base import Param
from clustering.backends.deep.base import DEEP_COMMON, DeepBackend
from clustering.backends.deep.torch_core import (
    Replay,
    Trainer,
    TrainingProgress,
    kl_divergence,
    kmeans_init,
    replay_projector,
    soft_assignment,
    target_distribution,
    torch_module,
)
from clustering.limits import DEEP_REPLAY_ROWS


def _unset_projector(z: np.ndarray) -> np.ndarray:
    raise RuntimeError("the replay's projector is set when the replay starts")


@dataclass
class SelfTraining:
    """The state of DEC's self-training loop."""

    mu: Any  # cluster centres (a torch Parameter)
    optimizer: Any
    labels: np.ndarray  # assignment at the last target update
    target: Any = None  # P, recomputed every update_interval iterations
    iteration: int = 0
    loss: float = float("nan")
    converged: bool = False
    batches: Iterator[Any] | None = None  # the current epoch's mini-batches
    project: Callable[[np.ndarray], np.ndarray] = _unset_projector  # embedding -> 2-D, for the replay


class DEC(DeepBackend):
    """DEC: autoencoder pretraining, then self-training of soft assignments towards a sharper target."""

    name = "dec"
    title = "DEC (deep embedded clustering)"
    description = "Learns an autoencoder embedding and sharpens k clusters in it by self-training (PyTorch)."
    improved = False  # IDEC keeps the decoder
    schema: ClassVar[tuple[Param, ...]] = DEEP_COMMON + (
        Param(
            "max_iter",
            int,
            8000,
            "most self-training iterations (mini-batches)",
            low=0,
            high=200000,
            label="Most iterations",
        ),
        Param("update_interval", int, 140, "iterations between target updates (T)", low=1, high=100000, advanced=True),
        Param(
            "tol",
            float,
            0.001,
            "stop when fewer than this share of points change cluster",
            low=0.0,
            high=1.0,
            label="Tolerance",
            advanced=True,
        ),
        Param(
            "optimizer",
            str,
            "sgd",
            "self-training optimiser: sgd (momentum 0.9) or adam",
            choices=("sgd", "adam"),
            advanced=True,
        ),
        Param(
            "lr",
            float,
            0.01,
            "self-training learning rate",
            low=1e-6,
            high=10.0,
            log=True,
            label="Learning rate",
            advanced=True,
        ),
        Param(
            "alpha",
            float,
            1.0,
            "degrees of freedom of the Student's t kernel",
            low=0.01,
            high=100.0,
            label="Kernel degrees of freedom",
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
        max_iter=8000,
        update_interval=140,
        tol=0.001,
        optimizer="sgd",
        lr=0.01,
        alpha=1.0,
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
        self.max_iter = max_iter
        self.update_interval = update_interval
        self.tol = tol
        self.optimizer = optimizer
        self.lr = lr
        self.alpha = alpha

    def fit(self, X, y=None, progress: TrainingProgress | None = None, cancel: threading.Event | None = None):
        """Pretrain, start from k-means on the embedding, self-train until stable; labels by decreasing size."""
        p, trainer, model, z = self._pretrain(X, progress, cancel)
        state = self._initial_state(p, trainer, model, z)
        replay = self._start_replay(p, z, state)
        start = time.perf_counter()
        while state.iteration < p["max_iter"]:
            if state.iteration % p["update_interval"] == 0 and self._update_target(p, trainer, model, state, replay):
                break
            self._train_step(p, trainer, model, state)
        trainer.seconds["cluster"] = time.perf_counter() - start
        self._final_assignment(p, trainer, model, state, replay)
        self._finish(p, trainer, model)
        return self

    # -- the steps of fit --------------------------------------------------------------------------------
    def _initial_state(self, p: dict, trainer: Trainer, model, z: np.ndarray) -> SelfTraining:
        """Centres from k-means (n_init 20) on the embedding, and the optimiser over encoder (+ decoder) and centres."""
        torch = torch_module()
        start = time.perf_counter()
        centers, labels = kmeans_init(z, p["n_clusters"], p["random_state"])
        trainer.seconds["kmeans_init"] = time.perf_counter() - start
        self.init_labels_ = labels.copy()
        mu = torch.nn.Parameter(torch.as_tensor(centers, device=trainer.device))
        parameters = list(model.parameters() if self.improved else model.encoder.parameters()) + [mu]
        if p["optimizer"] == "sgd":
            optimizer = torch.optim.SGD(parameters, lr=p["lr"], momentum=0.9)
        else:
            optimizer = torch.optim.Adam(parameters, lr=p["lr"])
        return SelfTraining(mu=mu, optimizer=optimizer, labels=labels)

    def _start_replay(self, p: dict, z: np.ndarray, state: SelfTraining) -> Replay:
        """A fixed sample of rows whose 2-D positions and labels are recorded at every target update."""
        rng = np.random.default_rng(p["random_state"])
        sample = np.sort(rng.choice(len(z), size=min(DEEP_REPLAY_ROWS.whole(), len(z)), replace=False))
        state.project = replay_projector(z[sample])
        replay = Replay(sample=sample)
        replay.record(0, state.labels, state.project(z[sample]), 1.0, float("nan"))
        return replay

    def _update_target(self, p: dict, trainer: Trainer, model, state: SelfTraining, replay: Replay) -> bool:
        """Recompute Q and the target P on all rows; True when fewer than `tol` of the rows changed cluster."""
        torch = torch_module()
        z_all = trainer.embed(model)
        with torch.no_grad():
            q_all = soft_assignment(z_all, state.mu.detach(), p["alpha"])
            state.target = target_distribution(q_all)
        current = q_all.argmax(dim=1).cpu().numpy().astype(np.int32)
        changed = float((current != state.labels).mean())
        state.labels = current
        if state.iteration > 0:
            replay.record(
                state.iteration, current, state.project(z_all[replay.sample].cpu().numpy()), changed, state.loss
            )
        trainer.report("cluster", state.iteration, p["max_iter"], state.loss, changed)
        state.converged = state.iteration > 0 and changed < p["tol"]
        return state.converged

    def _train_step(self, p: dict, trainer: Trainer, model, state: SelfTraining) -> None:
        """One mini-batch of KL(P‖Q) (plus reconstruction for IDEC)."""
        torch = torch_module()
        index = next(state.batches, None) if state.batches is not None else None
        if index is None:
            state.batches = trainer.batches()
            index = next(state.batches)
        trainer.check_cancel()
        batch = trainer.x[index]
        with trainer.autocast():
            z_batch, reconstruction = model(batch)
        q = soft_assignment(z_batch.float(), state.mu, p["alpha"])
        loss = kl_divergence(state.target[index], q)
        if self.improved:
            loss = p["gamma"] * loss + torch.nn.functional.mse_loss(reconstruction.float(), batch)
        state.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        state.optimizer.step()
        state.loss = float(loss.detach())
        state.iteration += 1

    def _final_assignment(self, p: dict, trainer: Trainer, model, state: SelfTraining, replay: Replay) -> None:
        """Labels and soft assignments from the final Q, numbered by size in the result and every replay frame."""
        torch = torch_module()
        z_all = trainer.embed(model)
        with torch.no_grad():
            q_all = soft_assignment(z_all, state.mu.detach(), p["alpha"]).cpu().numpy()
        raw = q_all.argmax(axis=1).astype(np.int32)
        if not replay.iterations or replay.iterations[-1] != state.iteration:
            replay.record(
                state.iteration,
                raw,
                state.project(z_all[replay.sample].cpu().numpy()),
                float((raw != state.labels).mean()),
                state.loss,
            )
        order = self._set_labels(raw, q_all)
        rank = np.empty(len(order), dtype=np.int16)
        rank[order] = np.arange(len(order), dtype=np.int16)
        replay.labels = [rank[frame] for frame in replay.labels]  # same numbering as labels_, in every frame
        self.converged_ = state.converged
        self.n_iter_ = state.iteration
        self.replay_ = replay
        self.cluster_centers_ = state.mu.detach().cpu().numpy()[order]

    @override
    def artifacts(self) -> dict:
        return {"replay": self.replay_}

    # -- new points and persistence ------------------------------------------------------------------
    def predict_proba(self, X) -> np.ndarray:
        """Soft assignment (Student's t) of new points to the fitted centres."""
        torch = torch_module()
        z = torch.as_tensor(self.transform(X))
        with torch.no_grad():
            return soft_assignment(z, torch.as_tensor(self.cluster_centers_), self.config_["alpha"]).numpy()

    @override
    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1).astype(np.int32)

    def _extra(self) -> dict[str, np.ndarray]:
        return {"centers": self.cluster_centers_}

    def _restore_extra(self, extra: dict[str, np.ndarray]) -> None:
        self.cluster_centers_ = np.asarray(extra["centers"], dtype=np.float32)


class IDEC(DEC):
    """IDEC: DEC that keeps the reconstruction loss while clustering, so the embedding keeps the data's shape."""

    name = "idec"
    title = "IDEC (DEC keeping the decoder)"
    description = "DEC whose loss keeps reconstruction, so the embedding keeps local structure (PyTorch)."
    improved = True
    schema = tuple(
        Param("optimizer", str, "adam", p.help, choices=p.choices, advanced=True)
        if p.name == "optimizer"
        else Param("lr", float, 0.001, p.help, low=p.low, high=p.high, log=True, label=p.label, advanced=True)
        if p.name == "lr"
        else p
        for p in DEC.schema
    ) + (
        Param(
            "gamma",
            float,
            0.1,
            "weight of the clustering (KL) loss against reconstruction",
            low=0.0,
            high=100.0,
            label="Clustering loss weight",
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
        max_iter=8000,
        update_interval=140,
        tol=0.001,
        optimizer="adam",
        lr=0.001,
        alpha=1.0,
        gamma=0.1,
    ):
        super().__init__(
            n_clusters=n_clusters,
            hidden=hidden,
            embedding_dim=embedding_dim,
            pretrain_epochs=pretrain_epochs,
            batch_size=batch_size,
            device=device,
            random_state=random_state,
            max_iter=max_iter,
            update_interval=update_interval,
            tol=tol,
            optimizer=optimizer,
            lr=lr,
            alpha=alpha,
        )
        self.gamma = gamma
