"""The PyTorch core of the deep clustering backends (DEC, IDEC, N2D): the autoencoder, its training, replays.

One code path for CPU and CUDA: the whole dataset lives on the device when it fits, batches are
index slices (no per-batch host copies), bf16 autocast on CUDA for the autoencoder's matrix work,
soft assignments and the KL target in float32. Pretrained autoencoders are cached per
(data, architecture, training settings), so switching DEC -> IDEC -> N2D pretrains once.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from clustering.cache import atomic_write, cache_dir
from clustering.data import fingerprint_array
from clustering.limits import DEEP_MAX_LAYERS, DEEP_MAX_WIDTH
from clustering.progress import Cancelled

# progress(stage, step, total, loss, changed_share)
TrainingProgress = Callable[[str, int, int, float, float | None], None]


def torch_module():
    """The torch module, imported on first use (the library loads without it)."""
    # deferred: heavy (1 s to import); only the deep backends need it
    import torch

    return torch


def pick_device(device: str = "auto") -> str:
    """The device to train on: 'cuda' when asked for (or 'auto' and available), else 'cpu'."""
    torch = torch_module()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device=cuda was asked for but no CUDA GPU is available; use device=auto or cpu")
    return device


def set_threads() -> None:
    """Give torch the machine's cores (or the OMP setting), once."""
    torch = torch_module()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    torch.set_num_threads(cores)


def seed_everything(seed: int) -> None:
    """Seed torch, numpy and Python's random for a reproducible training."""
    torch = torch_module()
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)


def hidden_problem(text: str) -> str | None:
    """What is wrong with an encoder-width list like '500,500,2000' (None when it is fine)."""
    parts = [part.strip() for part in str(text).split(",")]
    if not all(part.isdigit() for part in parts):
        return f"{text!r} is not a list of widths; write whole numbers separated by commas, like 500,500,2000"
    widths = [int(part) for part in parts]
    if not 1 <= len(widths) <= DEEP_MAX_LAYERS.whole():
        return f"give 1 to {DEEP_MAX_LAYERS.whole()} layer widths, not {len(widths)}"
    if min(widths) < 1 or max(widths) > DEEP_MAX_WIDTH.whole():
        return f"each width must be between 1 and {DEEP_MAX_WIDTH.whole():,}"
    return None


def parse_hidden(text: str) -> tuple[int, ...]:
    """Encoder widths from text such as '500,500,2000'."""
    problem = hidden_problem(text)
    if problem:
        raise ValueError(f"hidden: {problem}")
    return tuple(int(part) for part in str(text).split(","))


def build_autoencoder(input_dim: int, hidden: tuple[int, ...], embedding_dim: int):
    """d-500-500-2000-10 style: ReLU between layers, linear embedding and linear reconstruction."""
    return _autoencoder_class()([input_dim, *hidden, embedding_dim])


_AUTOENCODER: type | None = None


def _autoencoder_class() -> type:
    """The AutoEncoder module class, defined once torch is imported (torch stays a lazy import).

    It is published as this module's `AutoEncoder` (see __getattr__), so fitted models pickle by reference
    when a worker process sends a result back to the app.
    """
    global _AUTOENCODER
    if _AUTOENCODER is None:
        nn = torch_module().nn

        def stack(sizes: list[int]):
            layers: list = []
            for i in range(len(sizes) - 1):
                layers.append(nn.Linear(sizes[i], sizes[i + 1]))
                if i < len(sizes) - 2:
                    layers.append(nn.ReLU())
            return nn.Sequential(*layers)

        class AutoEncoder(nn.Module):  # type: ignore[name-defined]  # torch is imported lazily
            def __init__(self, dims: list[int]) -> None:
                super().__init__()
                self.encoder = stack(dims)
                self.decoder = stack(dims[::-1])

            def forward(self, x):
                z = self.encoder(x)
                return z, self.decoder(z)

        AutoEncoder.__qualname__ = "AutoEncoder"
        AutoEncoder.__module__ = __name__
        _AUTOENCODER = AutoEncoder
    return _AUTOENCODER


def __getattr__(name: str):
    if name == "AutoEncoder":
        return _autoencoder_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def soft_assignment(z, centers, alpha: float = 1.0):
    """Student's t kernel: q_ij ∝ (1 + ||z_i - μ_j||² / α)^(-(α+1)/2), rows sum to 1."""
    distances = ((z.unsqueeze(1) - centers.unsqueeze(0)) ** 2).sum(dim=2)
    q = (1.0 + distances / alpha) ** (-(alpha + 1.0) / 2.0)
    return q / q.sum(dim=1, keepdim=True)


def target_distribution(q):
    """p_ij ∝ q_ij² / f_j with f_j = Σ_i q_ij, rows sum to 1."""
    weight = q**2 / q.sum(dim=0)
    return weight / weight.sum(dim=1, keepdim=True)


def kl_divergence(p, q):
    """KL(P‖Q), summed over clusters, averaged over rows."""
    torch = torch_module()
    return (p * (torch.log(p.clamp_min(1e-12)) - torch.log(q.clamp_min(1e-12)))).sum(dim=1).mean()


@dataclass
class TrainConfig:
    """How an autoencoder is trained; its key names the cached weights."""

    hidden: tuple[int, ...] = (500, 500, 2000)
    embedding_dim: int = 10
    pretrain_epochs: int = 100
    pretrain_lr: float = 1e-3
    batch_size: int = 256
    seed: int = 0
    device: str = "auto"

    @classmethod
    def from_params(cls, p: dict) -> TrainConfig:
        """The autoencoder settings out of a deep backend's validated parameters."""
        return cls(
            hidden=parse_hidden(p["hidden"]),
            embedding_dim=p["embedding_dim"],
            pretrain_epochs=p["pretrain_epochs"],
            batch_size=p["batch_size"],
            seed=p["random_state"],
            device=p["device"],
        )

    def key(self, fingerprint: str) -> str:
        """The cache key of weights trained on data with this fingerprint under this configuration."""
        text = json.dumps(
            {**self.__dict__, "hidden": list(self.hidden), "device": "any", "data": fingerprint}, sort_keys=True
        )
        return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass
class Replay:
    """Labels at every target update, and 2-D positions of a fixed sample of embedded points."""

    sample: np.ndarray  # row indices of the sample (≤ DEEP_REPLAY_ROWS)
    iterations: list[int] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)  # full label vectors (int16)
    positions: list[np.ndarray] = field(default_factory=list)  # (len(sample), 2) float32
    changed: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    def record(self, iteration: int, labels: np.ndarray, embedded_2d: np.ndarray, changed: float, loss: float) -> None:
        """Keep one frame of the replay: labels and 2-D positions of the replay sample."""
        self.iterations.append(int(iteration))
        self.labels.append(labels.astype(np.int16))
        self.positions.append(embedded_2d.astype(np.float32))
        self.changed.append(float(changed))
        self.losses.append(float(loss))

    def __len__(self) -> int:
        return len(self.iterations)


class Trainer:
    """Holds data on the device and runs autoencoder pretraining and the self-training loop."""

    def __init__(
        self,
        x: np.ndarray,
        config: TrainConfig,
        progress: TrainingProgress | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        torch = torch_module()
        set_threads()
        self.config = config
        self.device = pick_device(config.device)
        self.progress = progress
        self.cancel = cancel
        self.x = torch.as_tensor(np.ascontiguousarray(x, dtype=np.float32), device=self.device)
        self.n = len(x)
        self.generator = torch.Generator(device="cpu").manual_seed(config.seed)
        self.fingerprint = fingerprint_array(x)
        self.seconds: dict[str, float] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def reseed(self, phase: int) -> None:
        """Each phase draws batches from its own seeded stream, so a cached pretraining changes nothing."""
        self.generator = torch_module().Generator(device="cpu").manual_seed(self.config.seed * 1000 + phase)

    def autocast(self):
        """bf16 autocast on CUDA, nothing on the CPU."""
        torch = torch_module()
        if self.device == "cuda":
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return torch.autocast(device_type="cpu", enabled=False)

    def check_cancel(self) -> None:
        """Raise Cancelled when the run's cancel event is set."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("training cancelled")

    def report(self, stage: str, step: int, total: int, loss: float, changed: float | None = None) -> None:
        """Pass a training event to the progress callback, when there is one."""
        if self.progress is not None:
            self.progress(stage, step, total, loss, changed)

    def batches(self):
        """Shuffled index batches over the data on the device."""
        torch = torch_module()
        order = torch.randperm(self.n, generator=self.generator).to(self.device)
        for start in range(0, self.n, self.config.batch_size):
            yield order[start : start + self.config.batch_size]

    def embed(self, model, x=None):
        """The encoder's embedding of x (default: the training data) as a numpy array."""
        torch = torch_module()
        x = self.x if x is None else x
        model.eval()
        parts = []
        with torch.no_grad(), self.autocast():
            for start in range(0, len(x), 8192):
                parts.append(model.encoder(x[start : start + 8192]).float())
        model.train()
        return torch.cat(parts)

    # -- pretraining -----------------------------------------------------------------------------
    def pretrained_autoencoder(self):
        """Autoencoder trained end to end on reconstruction MSE (Adam), from cache when possible."""
        torch = torch_module()
        seed_everything(self.config.seed)
        model = build_autoencoder(self.x.shape[1], tuple(self.config.hidden), self.config.embedding_dim)
        path = cache_dir() / f"autoencoder-{self.config.key(self.fingerprint)}.npz"
        cached = _cached_weights(path, model.state_dict())
        if cached is not None:
            model.load_state_dict(cached)
            self.seconds["pretrain"] = 0.0
            self.pretrain_cached = True
            self.reseed(1)
            return model.to(self.device)
        self.pretrain_cached = False
        model = model.to(self.device)
        optimizer = torch.optim.Adam(model.parameters(), lr=self.config.pretrain_lr)
        start = time.perf_counter()
        epochs = self.config.pretrain_epochs
        for epoch in range(epochs):
            total = 0.0
            for index in self.batches():
                self.check_cancel()
                batch = self.x[index]
                with self.autocast():
                    _, reconstruction = model(batch)
                loss = torch.nn.functional.mse_loss(reconstruction.float(), batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(index)
            self.report("pretrain", epoch + 1, epochs, total / self.n)
        self.seconds["pretrain"] = time.perf_counter() - start
        self.reseed(1)
        weights = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
        try:
            atomic_write(path, lambda temporary: np.savez(temporary, **weights))
        except OSError:
            pass  # a cache that cannot be written only costs time
        return model


def _cached_weights(path: Path, expected: dict) -> dict | None:
    """Cached autoencoder weights when the file holds exactly the expected tensors (names, shapes, finite)."""
    if not path.exists():
        return None
    torch = torch_module()
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        sound = set(arrays) == set(expected) and all(
            arrays[k].shape == tuple(v.shape) and arrays[k].dtype == np.float32 and np.isfinite(arrays[k]).all()
            for k, v in expected.items()
        )
    except Exception:  # unreadable: rebuilt, never trusted
        sound = False
    if not sound:
        path.unlink(missing_ok=True)
        return None
    return {k: torch.from_numpy(v.copy()) for k, v in arrays.items()}


def input_scale(x: np.ndarray) -> float:
    """Global factor bringing large-valued inputs to mean square 1 (DEC's normalisation); 1 for data already small.

    One scalar keeps the geometry; without it, inputs like raw pixel counts make the reconstruction loss
    dominate and the self-training collapse into one cluster.
    """
    mean_square = float(np.mean(np.square(x, dtype=np.float64)))
    return 1.0 if mean_square <= 1.0 or not np.isfinite(mean_square) else float(1.0 / np.sqrt(mean_square))


def kmeans_init(z: np.ndarray, n_clusters: int, seed: int, n_init: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """k-means on the embedding: centres and labels, the start of self-training."""
    # deferred: the registry loads at every start; the engine loads on fit
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=n_clusters, n_init=n_init, random_state=seed).fit(z)
    return model.cluster_centers_.astype(np.float32), model.labels_.astype(np.int32)


def replay_projector(z_sample: np.ndarray):
    """A fixed 2-D PCA of the initial embedding sample, so positions across updates are comparable."""
    mean = z_sample.mean(axis=0)
    _, _, vt = np.linalg.svd(z_sample - mean, full_matrices=False)
    basis = vt[:2].T

    def project(z: np.ndarray) -> np.ndarray:
        return ((z - mean) @ basis).astype(np.float32)

    return project
