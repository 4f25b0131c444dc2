"""A fitted deep model as one .npz file (tensors, extra arrays and a JSON header; never a pickle), and back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from clustering.backends.deep.torch_core import build_autoencoder, parse_hidden, torch_module
from clustering.cache import atomic_write

MODEL_FORMAT = "clusterlab-deep-2"


def save_model(path: str | Path, kind: str, config: dict, state: dict, extra: dict | None = None) -> None:
    """One npz file: the network's tensors, extra arrays and a JSON header (never a pickle)."""
    arrays = {f"state/{k}": v.detach().cpu().numpy() for k, v in state.items()}
    arrays.update({f"extra/{k}": np.asarray(v) for k, v in (extra or {}).items()})
    header = json.dumps({"format": MODEL_FORMAT, "kind": kind, "config": config})
    arrays["header"] = np.frombuffer(header.encode(), dtype=np.uint8)

    def write(temporary: Path) -> None:
        with open(temporary, "wb") as handle:  # a handle, so numpy keeps the user's file name
            np.savez(handle, **arrays)

    atomic_write(Path(path), write)


def load_payload(path: str | Path) -> dict:
    """Header, state dict (tensors) and extra arrays of a model file; anything else is refused."""
    torch = torch_module()
    try:
        with np.load(str(path), allow_pickle=False) as stored:
            if "header" not in stored.files:
                raise ValueError("no header")
            header = json.loads(stored["header"].tobytes().decode())
            state = {k[6:]: torch.from_numpy(stored[k].copy()) for k in stored.files if k.startswith("state/")}
            extra = {k[6:]: stored[k] for k in stored.files if k.startswith("extra/")}
    except (OSError, ValueError, KeyError, UnicodeDecodeError, EOFError) as error:
        raise ValueError(
            f"{path}: not a Clusterlab deep clustering model file ({error}). "
            "Save the model again with the estimator's save()."
        ) from None
    if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
        raise ValueError(f"{path}: not a Clusterlab deep clustering model file")
    return {"kind": header.get("kind"), "config": header.get("config", {}), "state_dict": state, "extra": extra}


def restore(cls, path: str | Path):
    """A fitted deep estimator of class cls from its file: parameters, network and input scale."""
    payload = load_payload(path)
    if payload["kind"] != cls.name:
        raise ValueError(f"{path}: holds a {payload['kind']} model, not {cls.name}")
    config = dict(payload["config"])
    input_dim, scale = config.pop("input_dim"), config.pop("input_scale")
    estimator = cls(**cls.checked(config))  # a file saved before 2026-12 names random_state `seed`
    estimator.model_ = build_autoencoder(input_dim, parse_hidden(config["hidden"]), config["embedding_dim"])
    estimator.model_.load_state_dict(payload["state_dict"])
    estimator.config_ = {**config, "input_dim": input_dim, "input_scale": scale}
    return estimator, payload["extra"]
