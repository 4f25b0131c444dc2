"""The session's project: work saved as it is made, reopened from the URL (`?project=NAME&run=ID`).

The store holds values (labels, exact parameters, names); the session keeps only which project and run
are open. A session that has not opened a project gets one when its first run is saved.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import streamlit as st

from clustering.data import DataError, Dataset
from clustering.result import ClusterResult
from clustering.store import DatasetRef, Store, StoreError, reference


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return Store()


def current() -> str | None:
    return st.session_state.get("project")


def sync_url() -> None:
    """Open the project the URL names (once per session), and keep the URL naming the open project and run."""
    state, params = st.session_state, st.query_params
    wanted = params.get("project")
    if wanted and wanted != state.get("project") and state.get("_url_project") != wanted:
        state["_url_project"] = wanted
        try:
            open_project(wanted)
        except (StoreError, DataError) as error:
            state["flash"] = ("error", f"Could not open project {wanted}: {error}")
    if state.get("project") and params.get("project") != state["project"]:
        params["project"] = state["project"]
    run = params.get("run")
    if run and state.get("_url_run") != run:
        state["_url_run"] = run
        state["active_run"] = run
    active = state.get("active_run")
    if active and params.get("run") != active and state.get("project"):
        params["run"] = active


def open_project(name: str) -> None:
    """Make a saved project this session's work: its dataset, preprocessing and every run."""
    found = store().project(name)
    ref: DatasetRef = found["dataset"]
    state = st.session_state
    if ref.source.startswith("sample:"):
        state["dataset_spec"] = {"kind": "sample", "name": ref.source.split(":", 1)[1]}
    else:
        state["dataset_spec"] = {"kind": "file", "path": ref.source, "key": ref.key,
                                 "columns": list(ref.columns) if ref.columns else None}
    state.pop("upload_bytes", None)
    state["preprocess"] = ref.preprocess
    entries = []
    for run in found["runs"]:
        labels, confidence = store().labels(name, run["id"])
        result = ClusterResult(labels=labels, method=run["method"], params=run["params"], seed=run["seed"],
                               preprocess=run["preprocess"], dataset_fingerprint=ref.fingerprint,
                               seconds=run["seconds"] or {}, probabilities=confidence, metrics=run["metrics"],
                               device=run["device"], info=run["info"] or {}, versions=run["versions"] or {},
                               name=run["name"])
        entries.append({"id": run["id"], "name": run["name"], "result": result, "fingerprint": ref.fingerprint,
                        "created": run["created"], "rows": None})
    state["runs"] = entries
    state["project"] = name
    state["_url_project"] = name
    if entries:
        state["active_run"] = entries[-1]["id"]


def close_project() -> None:
    st.session_state.pop("project", None)
    st.session_state["runs"] = []
    st.session_state.pop("active_run", None)
    for key in ("project", "run"):
        st.query_params.pop(key, None)


def dataset_reference(data: Dataset, preprocess: str) -> DatasetRef:
    """Where this session's data can be read again: a sample, a file, or the kept copy of an upload."""
    spec = st.session_state.get("dataset_spec", {})
    if spec.get("kind") == "sample":
        return reference(data, f"sample:{spec['name']}", preprocess)
    if spec.get("kind") == "file":
        return reference(data, spec["path"], preprocess, spec.get("key"), spec.get("columns"))
    uploads = store().folder / "uploads"  # an upload only lives in memory: a project keeps a copy to reopen it
    uploads.mkdir(parents=True, exist_ok=True)
    path = uploads / f"{spec['digest']}{Path(spec['filename']).suffix.lower()}"
    if not path.exists():
        path.write_bytes(st.session_state.get("upload_bytes", b""))
    st.session_state["dataset_spec"] = {"kind": "file", "path": str(path), "key": spec.get("key"),
                                        "columns": list(spec["columns"]) if spec.get("columns") else None}
    return reference(data, str(path), preprocess, spec.get("key"), spec.get("columns"))


def ensure_project(data: Dataset, preprocess: str) -> str:
    """The open project, or a new one for this data named after it and the time."""
    name = current()
    if name is None:
        base = "".join(c if c.isalnum() or c in " .-_" else "-" for c in data.name)[:50] or "project"
        name = f"{base} {time.strftime('%Y-%m-%d %H.%M.%S')}"
        store().create(name, dataset_reference(data, preprocess))
        st.session_state["project"] = name
        st.session_state["_url_project"] = name
    return name


def save_run(data: Dataset, result: ClusterResult, name: str, preprocess: str) -> str | None:
    """Save a run into the session's project; returns its id, or None (with a message) when it could not be."""
    try:
        project = ensure_project(data, preprocess)
        if store().project(project)["dataset"].fingerprint != data.fingerprint:
            project = None
            st.session_state.pop("project", None)
            project = ensure_project(data, preprocess)
        return store().add_run(project, result, name)
    except (StoreError, DataError, OSError) as error:
        st.session_state["flash"] = ("warning", f"The run was not saved to a project: {error}")
        return None


def cluster_names(run_id: str) -> dict[int, tuple[str, str]]:
    project = current()
    if project is None:
        return {}
    try:
        return store().cluster_names(project, run_id)
    except StoreError:
        return {}


def legend_names(run_id: str, labels: np.ndarray) -> dict[int, str]:
    """The user's names of a run's clusters, for legends and tables."""
    return {cluster: name for cluster, (name, _) in cluster_names(run_id).items() if name}


def rename_run(run_id: str, name: str) -> None:
    if current():
        try:
            store().rename_run(current(), run_id, name)
        except StoreError as error:
            st.session_state["flash"] = ("warning", f"The new name was not saved: {error}")


def delete_run(run_id: str) -> None:
    if current():
        store().delete_run(current(), run_id)


def name_cluster(run_id: str, cluster: int, name: str, note: str) -> None:
    if current():
        store().name_cluster(current(), run_id, cluster, name, note)
