"""The session's project: work saved as it is made, reopened from the URL (`?project=NAME&run=ID`).

The store holds values (labels, exact parameters, names); the session keeps only which project and run
are open. A session that has not opened a project gets one when its first run is saved.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import streamlit as st

from clustering.app.dataref import UPLOAD, current_ref
from clustering.app.history import RunEntry
from clustering.app.jobs import COLLECTING, JOB_PARAM, lost_job_message
from clustering.cache import atomic_write
from clustering.data import DataError, Dataset
from clustering.result import ClusterResult
from clustering.store import DatasetRef, Store, StoreError, reference
from clustering.store.database import ProjectMissing


@st.cache_resource(show_spinner=False)
def store() -> Store:
    return Store()


def current() -> str | None:
    return st.session_state.get("project")


def sync_url() -> None:
    """Read the URL once, when the session opens (a load, reload or shared link), then keep it naming the work.

    Later the URL is only written: a browser can echo an older query string back, which must not undo a choice.
    """
    state, params = st.session_state, st.query_params
    if not state.get("_url_read"):
        state["_url_read"] = True
        lost = params.get(JOB_PARAM)
        if lost and state.get("job") is None:  # a job the server lost (restarted) is said, once
            state["flash"] = ("warning", lost_job_message(lost))
            params.pop(JOB_PARAM, None)
        wanted, run = params.get("project"), params.get("run")
        if wanted:
            try:
                open_project(wanted)
            except (StoreError, DataError) as error:
                state["flash"] = ("error", f"Could not open project {wanted}: {error}")
        if run and any(entry.id == run for entry in state.get("runs", [])):
            set_active_run(run)
    write_url()


def write_url() -> None:
    """The URL names the open project and the active run; called again wherever the active run changes, so a
    link copied at once opens that run (not the one before)."""
    state, params = st.session_state, st.query_params
    if state.get(COLLECTING):  # not while a job's result is collected: the rerun after it writes the URL
        return
    if state.get("job") is None and JOB_PARAM in params:  # the job it named has ended
        params.pop(JOB_PARAM, None)
    if state.get("project"):
        if params.get("project") != state["project"]:
            params["project"] = state["project"]
        active = state.get("active_run")
        if active and params.get("run") != active:
            params["run"] = active


def open_project(name: str) -> None:
    """Make a saved project this session's work: its dataset, preprocessing and every run."""
    found = store().project(name)
    ref: DatasetRef = found["dataset"]
    state = st.session_state
    state["dataset_ref"] = ref  # the session reads the data as the project names it
    state.pop("upload_bytes", None)
    state["preprocess"] = ref.preprocess
    entries = []
    for record in found["runs"]:
        labels, confidence = store().labels(name, record.id)
        result = record.to_result(labels, confidence, ref.fingerprint)
        rows = store().subset_rows(name, record.id) if record.is_subset else None  # a drill-down's own rows
        entries.append(RunEntry(record.id, record.name, result, ref.fingerprint, created=record.created, rows=rows))
    state["runs"] = entries
    state["project"] = name
    state["project_fingerprint"] = ref.fingerprint
    if entries:
        set_active_run(entries[-1].id)


def set_active_run(run_id: str) -> None:
    """Make a run the active one, and the Cluster page's run picker with it (its widget state is the source)."""
    st.session_state["active_run"] = run_id
    st.session_state["active-select"] = run_id
    write_url()


def data_changed(data: Dataset) -> str | None:
    """A warning when the open project's runs were made on other data than the one loaded now."""
    expected = st.session_state.get("project_fingerprint")
    if current() is None or not expected or expected == data.fingerprint:
        return None
    return (
        f"The open project {current()!r} was made on other data (fingerprint {expected[:12]}, now "
        f"{data.fingerprint[:12]}): its file changed since, or another dataset is loaded. Its runs are hidden "
        "here; new runs go to a new project."
    )


def close_project() -> None:
    st.session_state.pop("project", None)
    st.session_state.pop("project_fingerprint", None)
    st.session_state["runs"] = []
    st.session_state.pop("active_run", None)
    for key in ("project", "run"):
        st.query_params.pop(key, None)


def dataset_reference(data: Dataset, preprocess: str) -> DatasetRef:
    """Where this session's data can be read again: a sample, a file, or the kept copy of an upload (which then
    becomes the session's reference)."""
    ref = current_ref()
    source = ref.source
    if source.startswith(UPLOAD):
        uploads = store().folder / "uploads"  # an upload only lives in memory: a project keeps a copy to reopen it
        uploads.mkdir(parents=True, exist_ok=True)
        path = uploads / f"{source[len(UPLOAD) :]}{Path(ref.name).suffix.lower()}"
        if not path.exists():
            payload = st.session_state.get("upload_bytes", b"")
            atomic_write(path, lambda temporary: temporary.write_bytes(payload))
        source = str(path)
    columns = list(ref.columns) if ref.columns else None
    kept = reference(data, source, preprocess, ref.key, columns, ref.drop_nonfinite, ref.text_column)
    kept = replace(kept, name=ref.name or data.name)
    if ref.source.startswith(UPLOAD):
        st.session_state["dataset_ref"] = kept
    return kept


def ensure_project(data: Dataset, preprocess: str) -> str:
    """The open project, or a new one for this data named after it and the time."""
    name = current()
    if name is None:
        base = "".join(c if c.isalnum() or c in " .-_" else "-" for c in data.name)[:50] or "project"
        wanted = f"{base} {time.strftime('%Y-%m-%d %H.%M.%S')}"
        name = store().create_unique(wanted, dataset_reference(data, preprocess))  # "(2)" when taken: no race
        st.session_state["project"] = name
        st.session_state["project_fingerprint"] = data.fingerprint
    return name


def save_run(data: Dataset, result: ClusterResult, name: str, preprocess: str) -> str | None:
    """Save a run into the session's project; returns its id, or None (with a message) when it could not be."""
    try:
        project = current()
        if project is not None and st.session_state.get("project_fingerprint") != data.fingerprint:
            st.session_state.pop("project", None)  # other data now: its runs start a project of their own
        project = ensure_project(data, preprocess)
        try:
            return store().add_run(project, result, name)
        except ProjectMissing:  # renamed or deleted elsewhere: the work in hand goes to a new project, said once
            st.session_state.pop("project", None)
            run_id = store().add_run(ensure_project(data, preprocess), result, name)
            st.session_state["flash"] = (
                "warning",
                f"Project {project!r} was renamed or deleted in another session; this run was saved to a new "
                f"project, {current()!r}.",
            )
            return run_id
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


def legend_names(run_id: str) -> dict[int, str]:
    """The user's names of a run's clusters, for legends and tables."""
    return {cluster: name for cluster, (name, _) in cluster_names(run_id).items() if name}


def cluster_label(cluster: object, names: dict[int, str]) -> str:
    """'3 · the zeros' where the cluster has a name, '3' otherwise, 'noise' for -1, '–' for no cluster (NaN)."""
    try:
        number = int(cluster)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return "–"
    if number < 0:
        return "noise"
    return f"{number} · {names[number]}" if number in names else str(number)


def rename_run(run_id: str, name: str) -> None:
    if project := current():
        try:
            store().rename_run(project, run_id, name)
        except StoreError as error:
            st.session_state["flash"] = ("warning", f"The new name was not saved: {error}")


def delete_run(run_id: str) -> None:
    if project := current():
        store().delete_run(project, run_id)


def name_cluster(run_id: str, cluster: int, name: str, note: str) -> None:
    if project := current():
        store().name_cluster(project, run_id, cluster, name, note)


def _project_of(data: Dataset) -> str | None:
    """The open project when it holds this data."""
    project = current()
    return project if project and st.session_state.get("project_fingerprint") == data.fingerprint else None


def kept_layout(data: Dataset, preprocess: str, method: str, seed: int) -> np.ndarray | None:
    project = _project_of(data)
    if project is None:
        return None
    try:
        return store().layout(project, method, preprocess, seed, data.n)
    except (StoreError, OSError):
        return None


def keep_layout(data: Dataset, preprocess: str, method: str, seed: int, xy: np.ndarray) -> None:
    project = _project_of(data)
    if project is not None:
        try:
            store().save_layout(project, method, preprocess, seed, xy)
        except (StoreError, OSError) as error:
            st.session_state["flash"] = ("warning", f"The layout was not kept in the project: {error}")


def keep_explanation(run_id: str, settings: dict, result: dict) -> None:
    if project := current():
        try:
            store().save_explanation(project, run_id, settings, result)
        except StoreError as error:
            st.session_state["flash"] = ("warning", f"The explanation was not kept in the project: {error}")


def kept_explanations(run_id: str) -> list[dict]:
    project = current()
    if project is None:
        return []
    try:
        return store().explanations(project, run_id)
    except StoreError:
        return []


def keep_stability(run_id: str, settings: dict, result: dict) -> None:
    if project := current():
        try:
            store().save_comparison(project, "stability", [run_id], settings, result)
        except StoreError as error:
            st.session_state["flash"] = ("warning", f"The stability result was not kept in the project: {error}")


def kept_stability(run_ids: list[str]) -> dict | None:
    """The newest kept stability result of any of these runs, as the Compare page shows it."""
    project = current()
    if project is None:
        return None
    try:
        kept = store().comparisons(project, "stability")
    except StoreError:
        return None
    found = next((c for c in kept if c["run_ids"] and c["run_ids"][0] in run_ids), None)
    return {"run": found["run_ids"][0], **found["result"]} if found else None


def keep_finding(kind: str, run_ids: list[str], settings: dict, result: dict) -> None:
    """Keep a finding (a suggestion, a level tree's runs) in the open project; a warning when the store refuses."""
    if project := current():
        try:
            store().save_comparison(project, kind, run_ids, settings, result)
        except StoreError as error:
            st.session_state["flash"] = ("warning", f"The {kind} was not kept in the project: {error}")


def kept_finding(kind: str, settings: dict | None = None) -> dict | None:
    """The newest kept finding of this kind (with these settings, when given), or None."""
    project = current()
    if project is None:
        return None
    try:
        kept = store().comparisons(project, kind)
    except StoreError:
        return None
    return next((c for c in kept if settings is None or c["settings"] == settings), None)
