"""Shared UI state for the Streamlit pages: the current dataset, cached heavy work, the run history."""

from __future__ import annotations

import hashlib
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import streamlit as st

from clustering.data import DataError, Dataset
from clustering.samples import DEFAULT_SAMPLE, SAMPLES, load_sample, sample_names


def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"Clusterlab · {title}", page_icon="◍", layout="wide")


@st.cache_resource(max_entries=8, show_spinner="Loading sample…")
def cached_sample(name: str) -> Dataset:
    return load_sample(name)


@st.cache_resource(max_entries=4, show_spinner="Reading upload…")
def cached_upload(digest: str, filename: str, _data: bytes, key: str | None, columns: tuple[str, ...] | None,
                  drop_nonfinite: bool) -> Dataset:
    """Parse uploaded bytes through the same loader as files (a temporary copy; the upload is never changed)."""
    from clustering.io import load

    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(_data)
        try:
            dataset = load(path, name=Path(filename).stem, key=key or None, columns=list(columns) if columns else None,
                           drop_nonfinite=drop_nonfinite)
        except DataError as error:
            raise DataError(str(error).replace(str(path), filename)) from None
    dataset.source = filename
    return dataset


def upload_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def dataset() -> Dataset:
    """The session's current dataset (the default sample until the user picks another)."""
    state = st.session_state
    if "dataset_spec" not in state:
        state["dataset_spec"] = {"kind": "sample", "name": DEFAULT_SAMPLE}
    spec = state["dataset_spec"]
    if spec["kind"] == "sample":
        return cached_sample(spec["name"])
    return cached_upload(spec["digest"], spec["filename"], state.get("upload_bytes", b""), spec.get("key"),
                         spec.get("columns"), spec.get("drop_nonfinite", False))


def choose_sample(name: str) -> None:
    st.session_state["dataset_spec"] = {"kind": "sample", "name": name}
    st.session_state.pop("upload_bytes", None)
    st.session_state.pop("selection", None)


def runs() -> list[dict]:
    """Run history of this session (all datasets); each entry holds a ClusterResult."""
    return st.session_state.setdefault("runs", [])


def runs_for(data: Dataset) -> list[dict]:
    return [r for r in runs() if r["fingerprint"] == data.fingerprint]


def add_run(data: Dataset, result, name: str | None = None, rows: np.ndarray | None = None) -> dict:
    entry = {"id": uuid.uuid4().hex[:8], "name": name or result.name, "result": result,
             "fingerprint": data.fingerprint, "created": time.time(), "rows": rows}
    runs().append(entry)
    st.session_state["active_run"] = entry["id"]
    return entry


def sample_caption(name: str) -> str:
    return SAMPLES[name].description


__all__ = ["page_setup", "dataset", "choose_sample", "runs", "runs_for", "add_run", "sample_names",
           "sample_caption", "cached_upload", "upload_digest"]
