"""No pickle is ever read: not from caches, stores, model files or data (the CLI cases in a subprocess)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


# --- 2. no pickle is ever read from a cache -------------------------------------------------------------------


def test_planted_pickle_in_sweep_cache_never_runs(monkeypatch, tmp_path):
    import pickle

    from clustering.data import Dataset
    from clustering.run.sweep import sweep

    monkeypatch.setenv("CLUSTERLAB_CACHE", str(tmp_path))
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    x = np.random.default_rng(0).normal(size=(90, 3)).astype(np.float32)
    data = Dataset(vectors=x)
    sweep(data, "kmeans", "n_clusters", [2], n_seeds=1, n_subsamples=0, n_jobs=1)
    cached = list((tmp_path / "sweeps").glob("*"))
    assert cached and all(p.suffix == ".npz" for p in cached)
    for path in cached:  # overwrite every cache file with a pickle, and plant more beside them
        path.write_bytes(pickle.dumps(Payload()))
    (tmp_path / "sweeps" / "output.pkl").write_bytes(pickle.dumps(Payload()))
    report = sweep(data, "kmeans", "n_clusters", [2], n_seeds=1, n_subsamples=0, n_jobs=1)
    assert report["rows"][0]["n_clusters"] == 2
    assert not marker.exists()


def test_no_pickle_loading_in_library_or_app():
    offenders = []
    for folder in ("clustering", "app"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            for needle in (
                "pickle.load",
                "joblib.Memory",
                "from joblib import Memory",
                "allow_pickle=True",
                "cloudpickle",
            ):
                if needle in text:
                    offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_deep_model_files_are_npz_not_pickles(tmp_path):
    from clustering.backends.deep.model_file import load_payload

    planted = tmp_path / "model.pt"
    planted.write_bytes(b"\x80\x04\x95" + b"\x00" * 64)  # a pickle's opening bytes
    with pytest.raises(ValueError, match="not a Clusterlab deep clustering model"):
        load_payload(planted)
