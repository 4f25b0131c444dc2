"""Reports and exports: the self-contained HTML report, static figures, labels joined with the data."""

from clustering.reports.content import report_content
from clustering.reports.html import build_report, project_report, render_report, script_json
from clustering.reports.report_runs import runs_from_files, runs_from_project
from clustering.reports.values import ReportOptions, ReportRun

__all__ = [
    "ReportOptions",
    "ReportRun",
    "build_report",
    "project_report",
    "render_report",
    "report_content",
    "runs_from_files",
    "runs_from_project",
    "script_json",
]
