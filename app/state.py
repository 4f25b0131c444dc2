"""The session's state: the current dataset (cached loads), its runs, and the preprocessing chosen."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import streamlit as st

from clustering.app import projects
from clustering.app.dataref import UPLOAD, current_ref
from clustering.app.history import RunEntry, runs
from clustering.backends import get_backend
from clustering.data import Dataset
from clustering.explainers.keywords import keyword_labels
from clustering.io import NO_EMBED, load, load_bytes
from clustering.io.samples import SAMPLES, load_sample
from clustering.store import DatasetRef
from clustering.store.data_refs import kept_upload_source


@st.cache_resource(max_entries=8, show_spinner="Loading sample…")
def cached_sample(name: str) -> Dataset:
    return load_sample(name)


@st.cache_resource(max_entries=4, show_spinner="Reading upload…")
def cached_upload(
    digest: str,
    filename: str,
    _data: bytes,
    key: str | None,
    columns: tuple[str, ...] | None,
    drop_nonfinite: bool,
    text_column: str | None = None,
    embed: str | None = None,
    drop_empty_text: bool = False,
) -> Dataset:
    """Parse uploaded bytes through the same loader as files (a temporary copy; the upload is never changed). A
    table of texts is embedded only with the model the person chose (`embed`); else it is refused, naming its
    text columns, so the Data page can offer the choice."""
    return load_bytes(
        _data,
        filename,
        key=key or None,
        columns=list(columns) if columns else None,
        drop_nonfinite=drop_nonfinite,
        text_column=text_column,
        embed=embed or NO_EMBED,
        drop_empty_text=drop_empty_text,
    )


@st.cache_resource(max_entries=4, show_spinner="Reading the project's data…")
def cached_file(
    path: str,
    key: str | None,
    columns: tuple[str, ...] | None,
    name: str | None = None,
    drop_nonfinite: bool = False,
    text_column: str | None = None,
    shown_source: str | None = None,
    embed: str | None = None,
    drop_empty_text: bool = False,
) -> Dataset:
    """A dataset a project names by path (a file, or the project's copy of an upload, shown under its own name
    and `shown_source`)."""

    data = load(
        path,
        name=name or None,
        key=key or None,
        columns=list(columns) if columns else None,
        drop_nonfinite=drop_nonfinite,
        text_column=text_column,
        embed=embed or NO_EMBED,
        drop_empty_text=drop_empty_text,
    )
    return replace(data, source=shown_source) if shown_source else data


def upload_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def dataset() -> Dataset:
    """The session's current dataset, read as its reference says (cached)."""
    ref = current_ref()
    if ref.source.startswith("sample:"):
        return cached_sample(ref.source.split(":", 1)[1])
    if ref.source.startswith(UPLOAD):
        return cached_upload(
            ref.source[len(UPLOAD) :],
            ref.name,
            st.session_state.get("upload_bytes", b""),
            ref.key,
            ref.columns,
            ref.drop_nonfinite,
            ref.text_column,
            ref.embed,
            ref.drop_empty_text,
        )
    shown = kept_upload_source(ref)  # a project's copy of an upload reads as the uploaded file, not its hashed path
    name = (Path(ref.name).stem if shown else ref.name) or None
    return cached_file(
        ref.source,
        ref.key,
        ref.columns,
        name,
        ref.drop_nonfinite,
        ref.text_column,
        shown,
        ref.embed,
        ref.drop_empty_text,
    )


def choose_sample(name: str) -> None:
    """Switch to a sample; an open project on other data is closed (its work stays saved)."""
    ref = DatasetRef(source=f"sample:{name}")
    if current_ref() != ref:
        projects.close_project()
    st.session_state["dataset_ref"] = ref
    st.session_state.pop("upload_bytes", None)
    st.session_state.pop("selection", None)


def runs_for(data: Dataset) -> list[RunEntry]:
    """The session's runs on this dataset, oldest first."""
    return [r for r in runs() if r.fingerprint == data.fingerprint]


def add_run(data: Dataset, result, name: str | None = None, rows: np.ndarray | None = None) -> RunEntry:
    if name is None:
        defaults = get_backend(result.method).defaults()
        changed = {k: v for k, v in result.params.items() if defaults.get(k) != v}
        number = sum(r.result.method == result.method for r in runs_for(data)) + 1
        name = f"{result.method} #{number}" + (
            f" ({', '.join(f'{k}={v}' for k, v in changed.items())})" if changed else ""
        )
        if "subset_rows" in result.info:
            name += f" on {result.info['subset_rows']:,} selected rows"
    run_id = projects.save_run(data, result, name, preprocess_spec())
    entry = RunEntry(run_id or uuid.uuid4().hex[:8], name, result, data.fingerprint, rows=rows)
    runs().append(entry)
    projects.set_active_run(entry.id)
    return entry


def sample_caption(name: str) -> str:
    return SAMPLES[name].description


def preprocess_spec() -> str:
    return st.session_state.get("preprocess", "none")


@st.cache_data(max_entries=32, show_spinner=False)
def cluster_keywords(_data: Dataset, run_id: str, _labels: np.ndarray) -> dict[int, str]:
    """c-TF-IDF keyword labels of a text dataset's clusters (legend names), once per run."""

    return keyword_labels(_data.metadata[_data.text_column], _labels, top=3)
