"""Download buttons for figures, joined label tables and the HTML report; files are made when clicked."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from clustering.app.history import RunEntry
from clustering.app.jobs import start_job
from clustering.data import Dataset
from clustering.reports import ReportOptions, ReportRun, build_report, project_report
from clustering.reports.export import joined_labels, table_bytes
from clustering.reports.figures import figure_bytes, heatmap_figure, scatter_figure

PNG_DPI = 200


def _safe_stem(text: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text).strip("-.")
    return stem[:60] or "figure"


def figure_buttons(make: Callable[[], object], stem: str, key: str) -> None:
    """PNG and SVG buttons for a matplotlib figure made by `make()` when a button is clicked."""
    left, right = st.columns(2)
    name = _safe_stem(stem)
    left.download_button(
        "PNG",
        lambda: figure_bytes(make(), "png", dpi=PNG_DPI),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"png-{key}",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "SVG",
        lambda: figure_bytes(make(), "svg"),
        file_name=f"{name}.svg",
        mime="image/svg+xml",
        key=f"svg-{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def scatter_buttons(xy: np.ndarray, codes: np.ndarray, legend: list[dict], title: str, key: str) -> None:
    """PNG and SVG of a scatter drawn as shown (same colours and legend names)."""
    figure_buttons(lambda: scatter_figure(xy, codes, legend, title=title), title, key)


def heatmap_buttons(matrix: np.ndarray, rows: list[str], columns: list[str], title: str, key: str) -> None:
    figure_buttons(lambda: heatmap_figure(matrix, rows, columns, title=title), title, key)


def labels_buttons(
    data: Dataset, labels: np.ndarray, names: dict[int, str], confidence: np.ndarray | None, stem: str, key: str
) -> None:
    """Labels joined with the metadata (id, cluster, cluster_name, confidence, metadata) as CSV and parquet."""

    def table(fmt: str) -> bytes:
        return table_bytes(joined_labels(data, labels, cluster_names=names, confidence=confidence), fmt)

    left, right, _ = st.columns([2, 2, 3])
    name = _safe_stem(stem)
    left.download_button(
        "Labels with metadata (CSV)",
        lambda: table("csv"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv-{key}",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Labels with metadata (parquet)",
        lambda: table("parquet"),
        file_name=f"{name}.parquet",
        mime="application/octet-stream",
        key=f"parquet-{key}",
        on_click="ignore",
        icon=":material/download:",
    )


def report_buttons(
    data: Dataset,
    entries: list[RunEntry],
    names: dict[str, dict[int, str]],
    explanations: dict[str, dict | None],
    truth: str | None,
    projection: str,
    xy: np.ndarray,
    key: str,
) -> None:
    """Title, perception choice and a download of the self-contained HTML report of the given runs."""

    left, right = st.columns([3, 1])
    title = left.text_input("Report title", value=f"{data.name}: clustering report", key=f"title-{key}")
    perception = right.checkbox(
        "Perception verdicts",
        value=False,
        key=f"perception-{key}",
        help="Add what a person sees in the scatter: regions and a verdict per cluster.",
    )
    runs = [
        ReportRun.of(
            entry.result,
            entry.name,
            cluster_names=names.get(entry.id, {}),
            explanation=explanations.get(entry.id),
            run_id=entry.id,
            rows=entry.rows,  # a drill-down: its own rows
        )
        for entry in entries
    ]
    mine = st.session_state.get("suggestion")  # the suggestion made on this data, shown under "How sure is this?"
    suggestion = mine["result"] if mine and mine.get("fingerprint") == data.fingerprint else None
    options = ReportOptions(
        title=title, truth=truth, projection=projection, perception=perception, suggestion=suggestion
    )
    signature = (key, title, perception, truth, projection, tuple(entry.id for entry in entries), data.fingerprint)
    report_job(
        "Make the report (HTML)",
        build_report,
        {"dataset": data, "runs": runs, "options": options, "xy": xy},
        signature,
        f"{_safe_stem(title)}.html",
        key,
    )
    st.caption(
        "One file that opens offline: dataset, each run's settings and metrics, a cluster table with "
        "profiles and rules, the interactive scatter and the comparisons. It is made as a job (progress and "
        "Cancel above), then downloads."
    )


def report_job(label: str, fn, kwargs: dict, signature: tuple, file_name: str, key: str) -> None:
    """A button that makes a report as a job (in a worker process, with progress and Cancel), then its download.

    The finished report is kept in the session for the settings it was made with (`signature`).
    """

    made = st.session_state.setdefault("reports", {})
    if st.button(label, key=f"make-{key}", disabled="job" in st.session_state, icon=":material/description:"):

        def keep(html: str, signature: tuple = signature) -> None:
            made.clear()  # one report at a time: they can be tens of MB
            made[signature] = html.encode("utf-8")

        st.session_state["report-wanted"] = key  # its section stays open while it is made
        start_job(label.replace("Make the ", "").replace(" (HTML)", ""), fn, kwargs, keep)
        st.rerun()
    if signature in made:
        st.download_button(
            "Download the report (HTML)",
            made[signature],
            file_name=file_name,
            mime="text/html",
            key=f"report-{key}",
            on_click="ignore",
            icon=":material/download:",
            type="primary",
        )


def project_report_button(store, project: str, key: str = "project-report") -> None:
    """The project's report, made as a job when asked, then a download."""

    report_job(
        "Make the project's report (HTML)",
        project_report,
        {"store": store, "project": project},
        ("project", project, store.project(project)["updated"]),
        f"{_safe_stem(project)}.html",
        key,
    )
