"""This session's run history: typed entries, and the one way to look a run up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from clustering.result import ClusterResult


@dataclass
class RunEntry:
    """One run of this session: its id (the project's run id once saved), name and result."""

    id: str
    name: str
    result: ClusterResult
    fingerprint: str  # of the dataset it was run on
    created: float = field(default_factory=time.time)
    rows: np.ndarray | None = None  # a drill-down's selected rows


def runs() -> list[RunEntry]:
    """Run history of this session (all datasets)."""
    return st.session_state.setdefault("runs", [])


def find_run(history: list[RunEntry], run_id: str) -> RunEntry:
    """The entry with this id; a missing id is a programming error, said plainly."""
    for entry in history:
        if entry.id == run_id:
            return entry
    raise KeyError(f"no run {run_id!r} in this session's history")
