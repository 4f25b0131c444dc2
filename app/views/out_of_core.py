"""Data page section: cluster an input too large to load, on Dask, with progress and cancel; see the result."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from clustering.app import projects
from clustering.app.jobs import show_job, start_job
from clustering.app.layouts import BROWSER_POINTS
from clustering.app.page import show_flash
from clustering.app.scatter import colour_codes, scatter
from clustering.app.text import plain
from clustering.app.widgets import parameter_form
from clustering.backends import BACKENDS
from clustering.data import DataError
from clustering.limits import KEPT_ROWS, SAMPLE_ROWS
from clustering.scale.dask_run import WORKER_MEMORY, cluster_out_of_core, read_drawn
from clustering.scale.keep import keep_as_project
from clustering.store import StoreError
from clustering.store.database import home


def section() -> None:
    """The form, the running job, and the last out-of-core run's summary and picture."""
    st.caption(
        "For a folder of .parquet files, a .zarr array or an .npy file on this server that is too large to load: "
        "the method and the layout are fitted on a random sample, then Dask workers label and place every row, "
        "part by part, and write partitioned parquet (row_id, cluster, confidence, x, y). No process holds the "
        "whole matrix."
    )
    path = st.text_input("Input on the server", key="ooc-path", placeholder="/data/embeddings-parquet/")
    left, right = st.columns(2)
    method = left.selectbox("Method", list(BACKENDS), key="ooc-method", format_func=lambda n: BACKENDS[n].title)
    layout = right.selectbox("Layout", ["umap", "pca", "none"], key="ooc-layout")
    params, problem = parameter_form(BACKENDS[method], key_prefix="ooc")
    left, middle, right = st.columns(3)
    sample_rows = left.number_input("Fit on a sample of rows", 1_000, 1_000_000, SAMPLE_ROWS.whole(), step=10_000)
    columns = middle.text_input("Feature columns (parquet; empty: chosen as on upload)", key="ooc-columns")
    truth = right.text_input("Truth column (parquet, optional)", key="ooc-truth")
    with st.expander("Dask"):
        scheduler = st.text_input("Scheduler address (empty: a local cluster on this machine)", key="ooc-scheduler")
        a, b = st.columns(2)
        workers = a.number_input("Local workers", 1, 256, os.cpu_count() or 1, key="ooc-workers")
        memory = b.text_input("Memory per local worker (CLUSTERLAB_WORKER_MEMORY)", WORKER_MEMORY, key="ooc-memory")
    # Chosen when the run starts: a widget's default is fixed at its first drawing, before a path is typed.
    out = st.text_input(
        "Output folder (created; must be new or empty)",
        key="ooc-out",
        placeholder=str(home() / "out-of-core" / "INPUT-METHOD-TIME (when left empty)"),
    )
    if problem:
        st.error(plain(problem))
    busy = "job" in st.session_state
    if st.button("Run out of core", type="primary", disabled=busy or not path.strip() or bool(problem)):
        kwargs = {
            "path": path.strip(),
            "method": method,
            "params": dict(params),
            "out": out.strip() or str(default_output(path, method)),
            "scheduler": scheduler.strip() or None,
            "workers": int(workers),
            "worker_memory": memory.strip() or None,
            "columns": [c.strip() for c in columns.split(",") if c.strip()] or None,
            "truth_column": truth.strip() or None,
            "sample_rows": int(sample_rows),
            "layout": None if layout == "none" else layout,
            "preprocess": st.session_state.get("preprocess", "none"),
        }
        start_job(
            f"{BACKENDS[method].title} on {Path(path.strip()).name} (out of core)",
            cluster_out_of_core,
            kwargs,
            lambda summary: st.session_state.__setitem__("ooc-summary", summary),
            children=True,
        )
        st.rerun()
    show_job()
    show_flash()  # a failed or cancelled run says so here, on this page
    summary = st.session_state.get("ooc-summary")
    if summary:
        show_summary(summary)


def keep_section(summary: dict) -> None:
    """Open the run as a project: a fixed sample of its rows with their labels and layout, for every page."""
    if not summary.get("method"):
        return
    left, right = st.columns([3, 1])
    name = left.text_input(
        "Keep as a project named",
        value=f"{Path(summary['input']).name} {summary['method']} (out of core)"[:200],
        key="ooc-project",
        help=f"The project holds {KEPT_ROWS.whole():,} random rows (or all, if fewer) with their vectors, "
        "carried columns, labels and layout, so Explore, Compare, Explain and reports open it; every row's "
        "labels stay in the output folder.",
    )
    if right.button("Keep and open", key="ooc-keep", disabled="job" in st.session_state):
        try:
            with st.spinner("Reading the sample's rows from the input…"):
                keep_as_project(summary["out"], projects.store(), name.strip())
            projects.open_project(name.strip())
        except (DataError, StoreError, OSError) as error:
            st.error(plain(error))
            return
        st.session_state["flash"] = ("success", f"Project {name.strip()!r} opened: a sample of the run's rows.")
        st.rerun()


def default_output(path: str, method: str) -> Path:
    """A new folder for a run's parts: ~/.clusterlab/out-of-core/<input>-<method>-<time>."""
    stem = Path(path.strip().rstrip("/")).stem or "input"
    return home() / "out-of-core" / f"{stem}-{method}-{time.strftime('%Y%m%d-%H%M%S')}"


def show_summary(summary: dict) -> None:
    """Counts, timings and a sampled scatter of the output (the share drawn said on screen)."""
    st.subheader(f"{plain(summary['method'])} on {plain(Path(summary['input']).name)}")
    cells = st.columns(5)
    cells[0].metric("Rows", f"{summary['rows']:,}")
    cells[1].metric("Clusters", summary["n_clusters"])
    cells[2].metric("Noise", f"{summary['noise']:,}")
    cells[3].metric("Seconds", f"{summary['seconds']['total']:.0f}")
    cells[4].metric("ARI vs truth", f"{summary['ari']:.3f}" if "ari" in summary else "—")
    sample = summary["sample"]
    st.caption(
        f"Fitted on {sample['sample_rows']:,} random rows; the rest labelled by a vote of their {sample['voters']} "
        f"nearest sample rows ({sample['search']}, agreeing with exact search on "
        f"{100 * sample['label_agreement_with_exact']:.1f}% of probe rows). {summary['workers']} workers, peak "
        f"{summary['worker_peak_rss_mb']:,.0f} MB each. Output: {plain(summary['out'])} "
        f"({len(summary['files'])} parts and run.json)."
    )
    for column, renamed in (summary.get("renamed_columns") or {}).items():
        st.caption(
            f"Kept column {plain(column)} is written as {plain(renamed)}: {plain(column)} holds the computed values."
        )
    st.dataframe(pd.DataFrame([summary["seconds"]]).round(1), hide_index=True)
    keep_section(summary)
    if not summary.get("layout"):
        return
    drawn = read_drawn(summary["out"], BROWSER_POINTS)
    shown = len(drawn["row_id"])
    if shown < drawn["total"]:
        st.info(f"Showing {shown:,} of {drawn['total']:,} points ({100 * shown / drawn['total']:.0f}%), at random.")
    codes, legend = colour_codes(drawn["cluster"]) if "cluster" in drawn else (np.zeros(shown, np.uint16), [])
    xy = np.column_stack([drawn["x"], drawn["y"]])
    scatter(xy, codes, [{**e, "name": f"cluster {e['name']}"} for e in legend], key="ooc-scatter")
