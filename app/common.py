"""Shared UI state for the Streamlit pages: the current dataset, cached heavy work, the run history."""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import streamlit as st

import projects
from clustering import limits
from clustering.data import DataError, Dataset
from clustering.samples import DEFAULT_SAMPLE, SAMPLES, load_sample, sample_names  # noqa: F401 (re-exported)
from history import RunEntry, find_run, runs  # noqa: F401 (find_run and runs re-exported for pages)


def page_setup(title: str) -> None:
    st.set_page_config(page_title=f"Clusterlab · {title}", page_icon="◍", layout="wide")
    warm_up()
    projects.sync_url()


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Compile UMAP's and fast_hdbscan's numba kernels in the background once per server, so the first
    layout and the first large HDBSCAN run are not slow."""

    def work() -> None:
        from clustering.projection import umap_embed

        points = np.random.default_rng(0).normal(size=(300, 8)).astype(np.float32)
        umap_embed(points, n_epochs=20)
        try:
            import fast_hdbscan

            fast_hdbscan.HDBSCAN(min_cluster_size=10).fit(points)
        except Exception:  # warming is an optimisation only
            pass

    thread = threading.Thread(target=work, daemon=True, name="clusterlab-warm-up")
    thread.start()
    return thread


@st.cache_resource(max_entries=8, show_spinner="Loading sample…")
def cached_sample(name: str) -> Dataset:
    return load_sample(name)


@st.cache_resource(max_entries=4, show_spinner="Reading upload…")
def cached_upload(
    digest: str, filename: str, _data: bytes, key: str | None, columns: tuple[str, ...] | None, drop_nonfinite: bool
) -> Dataset:
    """Parse uploaded bytes through the same loader as files (a temporary copy; the upload is never changed)."""
    from clustering.io import load

    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(_data)
        try:
            dataset = load(
                path,
                name=Path(filename).stem,
                key=key or None,
                columns=list(columns) if columns else None,
                drop_nonfinite=drop_nonfinite,
            )
        except DataError as error:
            raise DataError(str(error).replace(str(path), filename)) from None
    return replace(dataset, source=filename)


@st.cache_resource(max_entries=4, show_spinner="Reading the project's data…")
def cached_file(
    path: str, key: str | None, columns: tuple[str, ...] | None, name: str | None = None, drop_nonfinite: bool = False
) -> Dataset:
    """A dataset a project names by path (a file, or the project's copy of an upload, shown under its own name)."""
    from clustering.io import load

    return load(
        path,
        name=name or None,
        key=key or None,
        columns=list(columns) if columns else None,
        drop_nonfinite=drop_nonfinite,
    )


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
    if spec["kind"] == "file":
        return cached_file(
            spec["path"],
            spec.get("key"),
            tuple(spec["columns"]) if spec.get("columns") else None,
            spec.get("name"),
            bool(spec.get("drop_nonfinite", False)),
        )
    return cached_upload(
        spec["digest"],
        spec["filename"],
        state.get("upload_bytes", b""),
        spec.get("key"),
        spec.get("columns"),
        spec.get("drop_nonfinite", False),
    )


def choose_sample(name: str) -> None:
    """Switch to a sample; an open project on other data is closed (its work stays saved)."""
    if st.session_state.get("dataset_spec") != {"kind": "sample", "name": name}:
        projects.close_project()
    st.session_state["dataset_spec"] = {"kind": "sample", "name": name}
    st.session_state.pop("upload_bytes", None)
    st.session_state.pop("selection", None)


def runs_for(data: Dataset) -> list[RunEntry]:
    """The session's runs on this dataset, oldest first."""
    return [r for r in runs() if r.fingerprint == data.fingerprint]


def add_run(data: Dataset, result, name: str | None = None, rows: np.ndarray | None = None) -> RunEntry:
    if name is None:
        from clustering.backends import get_backend

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


# --- background jobs: long work runs in a worker process (see jobs.py) so the page can show progress and a
# Cancel button, and a native crash ends only that job -------------------------------------------------------


def start_job(label: str, fn, kwargs: dict, on_done, children: bool = False) -> None:
    """Run fn(**kwargs, progress=, cancel=) in a worker process; on_done(result) runs on the rerun that sees it end.

    fn must be importable (a library function), and kwargs plain values: they travel to the worker.
    `children`: fn starts processes (a Dask local cluster).
    """
    import jobs

    st.session_state["job"] = jobs.start(label, fn, kwargs, on_done, children=children)


def show_job() -> None:
    """Progress bar and Cancel button while a job runs; collects its result when done."""
    job = st.session_state.get("job")
    if job is None:
        return
    if not job.done:
        st.info(f"Running {plain(job.label)}…")
        if st.button("Cancel", key="cancel-job", type="secondary"):
            job.cancel()
        bar = st.progress(job.share, text=job.message)
        while not job.done:
            time.sleep(0.25)
            bar.progress(job.share, text=f"{job.message} · {time.time() - job.started:.0f} s")
        st.session_state.pop("job", None)
        _finish(job)
        st.rerun()
    st.session_state.pop("job", None)
    _finish(job)


def _finish(job) -> None:
    if job.error == "cancelled":
        st.session_state["flash"] = ("warning", f"{job.label} was cancelled; nothing was changed.")
    elif job.error:
        st.session_state["flash"] = ("error", f"{job.label} failed: {job.error}")
    elif job.on_done is not None:
        job.on_done(job.result)


def page_data(title: str) -> tuple[Dataset, str]:
    """Page header shared by the work pages: config, title, the current dataset (or its error), messages, job."""
    page_setup(title)
    st.title(title)
    try:
        data = dataset()
    except DataError as error:
        st.error(plain(error))
        st.stop()
    show_flash()
    changed = projects.data_changed(data)
    if changed:
        st.warning(plain(changed))
    show_job()
    return data, preprocess_spec()


def show_flash() -> None:
    flash = st.session_state.pop("flash", None)
    if flash:
        getattr(st, flash[0])(plain(flash[1]))


_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")  # links, images, HTML, code, emphasis, tables, maths
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+#>=]|\d+[.)])", re.MULTILINE)  # lists, headings, quotes


def plain(text: object) -> str:
    """User text (names, values, messages) made inert inside Markdown: no links, images, HTML or formatting."""
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", str(text))
    escaped = escaped.replace("://", "\\:\\/\\/").replace("www.", "www\\.")  # no bare-URL autolinks
    return _MARKDOWN_LINE_START.sub(lambda m: f"{m.group(1)}{m.group(2)[:-1]}\\{m.group(2)[-1]}", escaped)


def preprocess_spec() -> str:
    return st.session_state.get("preprocess", "none")


@st.cache_data(max_entries=16, show_spinner=False)
def cached_projection(fingerprint: str, preprocess: str, method: str, seed: int, _data: Dataset) -> np.ndarray:
    """2-D layout (the library's one rule, `clustering.layout`), cached per dataset fingerprint, preprocessing,
    method and seed."""
    from clustering.layout import layout

    return layout(_data, method, preprocess=preprocess, seed=seed)[0]


def layout_note(n: int, method: str) -> str | None:
    """How a layout of n rows was made, when it was not fitted on every row (the rule `clustering.layout` follows)."""
    from clustering.fit_rows import layout_rows
    from clustering.layout import layout_note as note

    return note({"method": method, "fitted_on_sample_rows": layout_rows(method, n, "auto")}, n)


BROWSER_POINTS = limits.BROWSER_POINTS.whole()  # most points one scatter draws


def drawn_rows(n: int) -> np.ndarray | None:
    """The rows a scatter draws when n is over BROWSER_POINTS: one fixed uniform sample; None draws every row."""
    from clustering.scale.sampled import choose_rows

    return choose_rows(n, BROWSER_POINTS, seed=0) if n > BROWSER_POINTS else None


def rows_in_polygon(xy: np.ndarray, polygon: list) -> np.ndarray:
    """Every row whose layout point lies inside a lasso or box (data coordinates): drawn or not."""
    from matplotlib.path import Path as Polygon

    points = np.asarray(polygon, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:  # the browser sends boxes as 4 corners
        return np.zeros(0, dtype=int)
    return np.flatnonzero(Polygon(points).contains_points(xy))


def page_layout(data: Dataset, preprocess: str, method: str) -> np.ndarray:
    """The 2-D layout for a page, with a spinner while it is computed; a refusal is shown and stops the page."""
    memo = st.session_state.setdefault("layouts", {})  # read or made once a session: pages rerun often
    key = (projects.current(), data.fingerprint, preprocess, method)
    if key in memo:
        return memo[key]
    kept = projects.kept_layout(data, preprocess, method, 0)
    if kept is not None:
        memo[key] = kept
        return kept
    try:
        with st.spinner(f"Computing the {method.upper()} layout (kept in the project afterwards)…"):
            xy = cached_projection(data.fingerprint, preprocess, method, 0, data)
        projects.keep_layout(data, preprocess, method, 0, xy)
        memo[key] = xy
        return xy
    except ValueError as error:  # ParamError included
        st.error(plain(error))
        st.stop()


@st.cache_data(max_entries=32, show_spinner=False)
def cluster_keywords(_data: Dataset, run_id: str, _labels: np.ndarray) -> dict[int, str]:
    """c-TF-IDF keyword labels of a text dataset's clusters (legend names), once per run."""
    from clustering.explain.keywords import keyword_labels

    return keyword_labels(_data.metadata[_data.text_column], _labels, top=3)
