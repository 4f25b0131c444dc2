"""The session's data as a `DatasetRef` (the store's own value): a sample, a file, or an upload held in memory."""

from __future__ import annotations

import streamlit as st

from clustering.io.samples import DEFAULT_SAMPLE
from clustering.store import DatasetRef

UPLOAD = "upload:"  # a DatasetRef's source for an upload still in memory: "upload:<digest>", its name the file's


def current_ref() -> DatasetRef:
    """How the session's data is read: a `DatasetRef` (the default sample until the user picks another)."""
    state = st.session_state
    if not isinstance(state.get("dataset_ref"), DatasetRef):
        state["dataset_ref"] = DatasetRef(source=f"sample:{DEFAULT_SAMPLE}")
    return state["dataset_ref"]


def upload_ref(digest: str, filename: str, key: str | None, columns, drop_nonfinite: bool) -> DatasetRef:
    """The reference of an upload held in this session (its bytes in `upload_bytes`)."""
    return DatasetRef(
        source=f"{UPLOAD}{digest}",
        name=filename,
        key=key or None,
        columns=tuple(columns) if columns else None,
        drop_nonfinite=drop_nonfinite,
    )
