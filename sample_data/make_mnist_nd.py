"""Build MNIST-Nd: MNIST-test in 2, 4, 8, 16, 32 and 64 latent dimensions of a mixture VAE (on CPU, minutes).

After Turishcheva et al. 2024, "MNIST-Nd: a set of naturalistic datasets to benchmark clustering across
dimensions": one architecture for every size, a prior that is a mixture of 10 Gaussians, and the KL term scaled
by 2 / dimension (a beta-VAE) so the signal-to-noise ratio stays comparable across sizes. Differences from the
paper, said plainly: it trains on the 10,000 MNIST-test images (the only MNIST shipped here, never downloaded),
with a smaller network and fewer epochs so it runs on 2 CPU cores; each image's latent is its posterior mean.
The digits are never shown to the network.

Run: .venv/bin/python sample_data/make_mnist_nd.py [2 4 8 ...]   (writes sample_data/mnist-nd/mnist-<d>d.parquet)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
OUT = HERE / "mnist-nd"
DIMENSIONS = (2, 4, 8, 16, 32, 64)
COMPONENTS = 10
EPOCHS = 25
BATCH = 128


class MixtureVAE(nn.Module):
    """784 -> 256 -> 128 -> latent (mean, log-variance) -> 128 -> 256 -> 784, prior a mixture of Gaussians."""

    def __init__(self, latent: int, components: int = COMPONENTS) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.mean = nn.Linear(128, latent)
        self.log_var = nn.Linear(128, latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 784)
        )
        self.prior_means = nn.Parameter(3.0 * torch.randn(components, latent))
        self.prior_log_var = nn.Parameter(torch.zeros(components, latent))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(x)
        return self.mean(hidden), self.log_var(hidden).clamp(-8, 8)

    def log_prior(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) under the uniform mixture of diagonal Gaussians."""
        diff = z[:, None, :] - self.prior_means[None]
        var = self.prior_log_var.exp()[None]
        per_component = -0.5 * ((diff**2) / var + self.prior_log_var[None] + np.log(2 * np.pi)).sum(-1)
        return torch.logsumexp(per_component, dim=1) - np.log(self.prior_means.shape[0])

    def loss(self, x: torch.Tensor, beta: float) -> torch.Tensor:
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * (0.5 * log_var).exp()
        reconstruction = nn.functional.binary_cross_entropy_with_logits(self.decoder(z), x, reduction="none").sum(1)
        log_q = -0.5 * (((z - mean) ** 2) / log_var.exp() + log_var + np.log(2 * np.pi)).sum(-1)
        kl = log_q - self.log_prior(z)  # one-sample estimate: the mixture prior has no closed form
        return (reconstruction + beta * kl).mean()


def mnist_test() -> tuple[np.ndarray, np.ndarray]:
    table = pq.read_table(HERE / "mnist-test.parquet")
    images = np.stack(table.column("embedding").to_numpy(zero_copy_only=False)).astype(np.float32) / 255.0
    return images, table.column("label").to_numpy().astype(np.int16)


def train(images: np.ndarray, latent: int, seed: int = 0) -> np.ndarray:
    """Train one mixture VAE; the images' posterior means (n x latent, float32)."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = MixtureVAE(latent)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = torch.from_numpy(images)
    beta = 2.0 / latent
    for _ in range(EPOCHS):
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), BATCH):
            optimiser.zero_grad()
            model.loss(data[order[start : start + BATCH]], beta).backward()
            optimiser.step()
    with torch.no_grad():
        return model.encode(data)[0].numpy().astype(np.float32)


def main(dimensions: list[int]) -> None:
    sys.path.insert(0, str(HERE))
    from make_samples import write_vectors

    torch.set_num_threads(2)
    images, labels = mnist_test()
    OUT.mkdir(exist_ok=True)
    for latent in dimensions:
        start = time.perf_counter()
        vectors = train(images, latent)
        print(f"{latent:>2}-d trained in {time.perf_counter() - start:.0f} s")
        write_vectors(OUT / f"mnist-{latent}d.parquet", vectors, {"label": labels})


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(DIMENSIONS))
