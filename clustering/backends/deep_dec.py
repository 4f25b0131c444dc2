"""DEC (Xie, Girshick & Farhadi 2016) and IDEC (Guo et al. 2017) as scikit-learn estimators.

DEC: pretrain an autoencoder, initialise centres by k-means (n_init 20) on the embedding, then
minimise KL(P‖Q) between the soft assignment Q and the sharpened target P, recomputed every
`update_interval` iterations; stop when fewer than `tol` of the points change cluster.
IDEC keeps the decoder: loss = reconstruction MSE + γ·KL.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from clustering.backends.base import SEED, Backend, Param, memory_refusal, relabel_by_size
from clustering.backends.deep import (
    REPLAY_SAMPLE,
    Replay,
    TrainConfig,
    Trainer,
    TrainingProgress,
    hidden_problem,
    input_scale,
    kl_divergence,
    kmeans_init,
    replay_projector,
    restore,
    save_model,
    soft_assignment,
    target_distribution,
    torch_module,
)

DEEP_COMMON = (
    Param("n_clusters", int, 10, "number of clusters", low=2, high=500, at_most_rows=True),
    Param("hidden", str, "500,500,2000", "encoder widths, comma-separated (decoder mirrors them)",
          check=hidden_problem),
    Param("embedding_dim", int, 10, "size of the embedding the clusters live in", low=2, high=256),
    Param("pretrain_epochs", int, 100, "autoencoder pretraining epochs (reconstruction MSE, Adam)", low=0, high=5000),
    Param("batch_size", int, 256, "mini-batch size", low=8, high=65536, log=True),
    Param("device", str, "auto", "auto uses a CUDA GPU when present, else the CPU", choices=("auto", "cpu", "cuda")),
    SEED,
)


def size_order(labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Cluster ids by decreasing size (ties by id), matching relabel_by_size; empty clusters last."""
    counts = np.bincount(labels, minlength=n_clusters)
    return np.argsort(-counts, kind="stable")


class DEC(Backend):
    name = "dec"
    title = "DEC (deep embedded clustering)"
    description = "Learns an autoencoder embedding and sharpens k clusters in it by self-training (PyTorch)."
    accepts_callbacks = True
    improved = False  # IDEC keeps the decoder
    schema = DEEP_COMMON + (
        Param("max_iter", int, 8000, "most self-training iterations (mini-batches)", low=0, high=200000),
        Param("update_interval", int, 140, "iterations between target updates (T)", low=1, high=100000),
        Param("tol", float, 0.001, "stop when fewer than this share of points change cluster", low=0.0, high=1.0),
        Param("optimizer", str, "sgd", "self-training optimiser: sgd (momentum 0.9) or adam", choices=("sgd", "adam")),
        Param("lr", float, 0.01, "self-training learning rate", low=1e-6, high=10.0, log=True),
        Param("alpha", float, 1.0, "degrees of freedom of the Student's t kernel", low=0.01, high=100.0),
    )

    def __init__(self, n_clusters=10, hidden="500,500,2000", embedding_dim=10, pretrain_epochs=100, batch_size=256,
                 device="auto", seed=0, max_iter=8000, update_interval=140, tol=0.001, optimizer="sgd", lr=0.01,
                 alpha=1.0):
        self.n_clusters = n_clusters
        self.hidden = hidden
        self.embedding_dim = embedding_dim
        self.pretrain_epochs = pretrain_epochs
        self.batch_size = batch_size
        self.device = device
        self.seed = seed
        self.max_iter = max_iter
        self.update_interval = update_interval
        self.tol = tol
        self.optimizer = optimizer
        self.lr = lr
        self.alpha = alpha

    @classmethod
    def refusal(cls, n, d, params):
        if params.get("n_clusters", 10) > n:
            return f"{cls.name}: n_clusters is more than the {n} rows."
        return memory_refusal(cls.name.upper(), n * d * 4 * 3, "Reduce dimensions (PCA) or subsample first.")

    def fit(self, X, y=None, progress: TrainingProgress | None = None, cancel: threading.Event | None = None):
        torch = torch_module()
        p = self._params()
        x = self._check_x(X)
        scale = input_scale(x)
        trainer = Trainer(x * np.float32(scale), TrainConfig.from_params(p), progress, cancel)
        model = trainer.pretrained_autoencoder()
        z = trainer.embed(model).cpu().numpy()
        start = time.perf_counter()
        centers, labels = kmeans_init(z, p["n_clusters"], p["seed"])
        trainer.seconds["kmeans_init"] = time.perf_counter() - start
        self.init_labels_ = labels.copy()
        rng = np.random.default_rng(p["seed"])
        sample = np.sort(rng.choice(len(x), size=min(REPLAY_SAMPLE, len(x)), replace=False))
        project = replay_projector(z[sample])
        replay = Replay(sample=sample)
        replay.record(0, labels, project(z[sample]), 1.0, float("nan"))

        mu = torch.nn.Parameter(torch.as_tensor(centers, device=trainer.device))
        parameters = list(model.encoder.parameters()) + [mu]
        if self.improved:
            parameters = list(model.parameters()) + [mu]
        if p["optimizer"] == "sgd":
            optimizer = torch.optim.SGD(parameters, lr=p["lr"], momentum=0.9)
        else:
            optimizer = torch.optim.Adam(parameters, lr=p["lr"])
        start = time.perf_counter()
        last = labels
        target = None
        batches = trainer.batches()
        iteration = 0
        loss_value = float("nan")
        self.converged_ = False
        while iteration < p["max_iter"]:
            if iteration % p["update_interval"] == 0:
                z_all = trainer.embed(model)
                with torch.no_grad():
                    q_all = soft_assignment(z_all, mu.detach(), p["alpha"])
                    target = target_distribution(q_all)
                current = q_all.argmax(dim=1).cpu().numpy().astype(np.int32)
                changed = float((current != last).mean())
                last = current
                if iteration > 0:
                    replay.record(iteration, current, project(z_all[sample].cpu().numpy()), changed, loss_value)
                trainer.report("cluster", iteration, p["max_iter"], loss_value, changed)
                if iteration > 0 and changed < p["tol"]:
                    self.converged_ = True
                    break
            index = next(batches, None)
            if index is None:
                batches = trainer.batches()
                index = next(batches)
            trainer.check_cancel()
            batch = trainer.x[index]
            with trainer.autocast():
                z_batch, reconstruction = model(batch)
            q = soft_assignment(z_batch.float(), mu, p["alpha"])
            loss = kl_divergence(target[index], q)
            if self.improved:
                loss = p["gamma"] * loss + torch.nn.functional.mse_loss(reconstruction.float(), batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_value = float(loss.detach())
            iteration += 1
        trainer.seconds["cluster"] = time.perf_counter() - start
        z_all = trainer.embed(model)
        with torch.no_grad():
            q_all = soft_assignment(z_all, mu.detach(), p["alpha"]).cpu().numpy()
        raw = q_all.argmax(axis=1).astype(np.int32)
        if not replay.iterations or replay.iterations[-1] != iteration:
            replay.record(iteration, raw, project(z_all[sample].cpu().numpy()), float((raw != last).mean()), loss_value)
        order = size_order(raw, p["n_clusters"])
        self.labels_ = relabel_by_size(raw)
        rank = np.empty(len(order), dtype=np.int16)
        rank[order] = np.arange(len(order), dtype=np.int16)
        replay.labels = [rank[frame] for frame in replay.labels]  # same numbering as labels_, in every frame
        self.probabilities_ = q_all[:, order].astype(np.float32)
        self.n_iter_ = iteration
        self.device_ = trainer.device
        self.seconds_ = dict(trainer.seconds)
        self.pretrain_cached_ = trainer.pretrain_cached
        self.replay_ = replay
        self.model_ = model.cpu()
        self.cluster_centers_ = mu.detach().cpu().numpy()[order]
        self.config_ = {**p, "input_dim": int(x.shape[1]), "input_scale": scale}
        return self

    # -- new points and persistence ------------------------------------------------------------
    def transform(self, X) -> np.ndarray:
        """Embedding of new points."""
        torch = torch_module()
        x = torch.as_tensor(np.asarray(X, dtype=np.float32) * np.float32(self.config_["input_scale"]))
        self.model_.eval()
        with torch.no_grad():
            return self.model_.encoder(x).numpy()

    def predict_proba(self, X) -> np.ndarray:
        torch = torch_module()
        z = torch.as_tensor(self.transform(X))
        with torch.no_grad():
            return soft_assignment(z, torch.as_tensor(self.cluster_centers_), self.config_["alpha"]).numpy()

    def predict(self, X) -> np.ndarray:
        return self.predict_proba(X).argmax(axis=1).astype(np.int32)

    def save(self, path) -> None:
        save_model(path, self.name, self.config_, self.model_.state_dict(),
                   {"centers": self.cluster_centers_})

    @classmethod
    def load(cls, path) -> "DEC":
        estimator, extra = restore(cls, path)
        estimator.cluster_centers_ = np.asarray(extra["centers"], dtype=np.float32)
        return estimator


class IDEC(DEC):
    name = "idec"
    title = "IDEC (DEC keeping the decoder)"
    description = "DEC whose loss keeps reconstruction, so the embedding keeps local structure (PyTorch)."
    improved = True
    schema = tuple(
        Param("optimizer", str, "adam", p.help, choices=p.choices) if p.name == "optimizer"
        else Param("lr", float, 0.001, p.help, low=p.low, high=p.high, log=True) if p.name == "lr" else p
        for p in DEC.schema
    ) + (Param("gamma", float, 0.1, "weight of the clustering (KL) loss against reconstruction", low=0.0, high=100.0),)

    def __init__(self, n_clusters=10, hidden="500,500,2000", embedding_dim=10, pretrain_epochs=100, batch_size=256,
                 device="auto", seed=0, max_iter=8000, update_interval=140, tol=0.001, optimizer="adam", lr=0.001,
                 alpha=1.0, gamma=0.1):
        super().__init__(n_clusters=n_clusters, hidden=hidden, embedding_dim=embedding_dim,
                         pretrain_epochs=pretrain_epochs, batch_size=batch_size, device=device, seed=seed,
                         max_iter=max_iter, update_interval=update_interval, tol=tol, optimizer=optimizer, lr=lr,
                         alpha=alpha)
        self.gamma = gamma
