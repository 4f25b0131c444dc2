"""Download buttons for figures, joined label tables and the HTML report; files are made when clicked."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from app.history import RunEntry
from clustering.data import Dataset
from clustering.report.export import joined_labels, table_bytes
from clustering.report.figures import figure_bytes, heatmap_figure, scatter_figure

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
    from clustering.report import ReportOptions, ReportRun, build_report

    left, right = st.columns([3, 1])
    title = left.text_input("Report title", value=f"{data.name}: clustering report", key=f"title-{key}")
    perception = right.checkbox(
        "Perception verdicts",
        value=False,
        key=f"perception-{key}",
        help="Add what a person sees in the scatter: regions and a verdict per cluster.",
    )
    runs = []
    for entry in entries:
        result = entry.result
        runs.append(
            ReportRun(
                name=entry.name,
                labels=result.labels,
                method=result.method,
                params=result.params,
                seed=result.seed,
                preprocess=result.preprocess,
                versions=result.versions,
                device=result.device,
                seconds=result.seconds,
                confidence=result.confidence(),
                cluster_names=names.get(entry.id, {}),
                explanation=explanations.get(entry.id),
            )
        )
    options = ReportOptions(title=title, truth=truth, projection=projection, perception=perception)
    st.download_button(
        "Download report (HTML)",
        lambda: build_report(data, runs, options, xy=xy).encode("utf-8"),
        file_name=f"{_safe_stem(title)}.html",
        mime="text/html",
        key=f"report-{key}",
        on_click="ignore",
        icon=":material/download:",
        type="primary",
    )
    st.caption(
        "One file that opens offline: dataset, each run's settings and metrics, a cluster table with "
        "profiles and rules, the interactive scatter and the comparisons."
    )


def project_report_html(store, project: str) -> bytes:
    """The report of every run of a project, with its kept names, rules and UMAP layout (made and kept if none)."""
    from clustering.layout import layout
    from clustering.report import ReportOptions, build_report, runs_from_project

    dataset, runs = runs_from_project(store, project)
    preprocess = store.project(project)["dataset"].preprocess
    xy = store.layout(project, "umap", preprocess, 0, dataset.n)
    if xy is None:
        xy = layout(dataset, "umap", preprocess=preprocess, seed=0)[0]
        store.save_layout(project, "umap", preprocess, 0, xy)
    truth = dataset.label_column if dataset.label_column in dataset.metadata.columns else None
    options = ReportOptions(title=f"{project}: clustering report", truth=truth)
    return build_report(dataset, runs, options, xy=xy).encode("utf-8")


def project_report_button(store, project: str, key: str = "project-report") -> None:
    """A download of the project's report, made when clicked."""
    st.download_button(
        "Download the project's report (HTML)",
        lambda: project_report_html(store, project),
        file_name=f"{_safe_stem(project)}.html",
        mime="text/html",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help="Every run with its settings, metrics, named clusters, profiles, rules and the scatter, "
        "in one file that opens offline. Compare makes one of chosen runs.",
    )
