"""Run `clusterlab` in a subprocess, so a native crash (exit 134/139) fails a test instead of killing pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np


def clusterlab(*args: str, cwd: Path, env: dict | None = None, home: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m clustering.cli ARGS` in `cwd`, with `env` added (and CLUSTERLAB_HOME when `home` is given)."""
    extra = {**(env or {}), **({"CLUSTERLAB_HOME": str(home)} if home is not None else {})}
    return subprocess.run(
        [sys.executable, "-m", "clustering.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **extra},
    )


def huge_blobs(path: Path, scale: float = 1e30) -> np.ndarray:
    """Two blobs of 30 rows in 4-d, saved times `scale` as float32; returns the unscaled rows."""
    r = np.random.default_rng(0).normal(size=(60, 4))
    x = np.vstack([r[:30], r[30:] + 5])
    np.save(path, (x * scale).astype(np.float32))
    return x
