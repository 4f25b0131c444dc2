"""The self-contained HTML report: jinja2 with autoescape, data for scripts as JSON that cannot end a <script>.

Every script is inlined and allowed by its SHA-256 in a Content-Security-Policy that also forbids any request, so
the file opens offline and even a value that slipped past escaping could not run or call out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import jinja2
import markupsafe

from clustering.progress import span
from clustering.reports.content import report_content
from clustering.reports.report_runs import kept_suggestion, runs_from_project
from clustering.reports.values import ReportOptions
from clustering.result import json_safe
from clustering.run.layout import layout
from clustering.visual.colours import without_bidi

ASSETS = Path(__file__).parent
SCATTER = Path(__file__).parent.parent / "visual" / "scatter"  # the scatter the app and the notebook draw too
_JSON_ESCAPES: dict[int, str | None] = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}
_JSON_ESCAPES.update(dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]))  # drawn


def script_json(value) -> str:
    """JSON for a <script type="application/json"> block: '<', '>', '&' and U+2028/9 written as unicode escapes,
    bidi controls dropped (everything in it is drawn)."""
    return json.dumps(json_safe(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False).translate(
        _JSON_ESCAPES
    )


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def scatter_document() -> tuple[str, str]:
    """The app's scatter page with its script inlined (for the iframe's srcdoc), and that script."""
    page = (SCATTER / "index.html").read_text(encoding="utf-8")
    script = (SCATTER / "scatter.js").read_text(encoding="utf-8")
    if "</script" in script.lower():
        raise RuntimeError("scatter.js must not contain '</script'.")
    return page.replace('<script src="scatter.js"></script>', f"<script>{script}</script>"), script


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ASSETS / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_drawn,
    )


def _drawn(value):
    """Every value the template writes, without bidi controls (a name must not reorder what a reader sees);
    markup the report built itself (scripts, JSON) passes as it is."""
    return value if isinstance(value, markupsafe.Markup) or not isinstance(value, str) else without_bidi(value)


def render_report(content: dict) -> str:
    """The report page for `report_content(...)`'s values."""
    scatter_page, scatter_script = scatter_document()
    page_script = (ASSETS / "templates" / "report.js").read_text(encoding="utf-8")
    policy = (
        "default-src 'none'; script-src "
        + _sha256(page_script)
        + " "
        + _sha256(scatter_script)
        + "; style-src 'unsafe-inline'; img-src data:; frame-src 'self' about: data:; base-uri 'none'; "
        "form-action 'none'; connect-src 'none'"
    )
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=content,
            page_script=page_script,
            policy=policy,
            data_json=script_json({**content["scatter"], "page": scatter_page}),
        )
    )


def build_report(dataset, runs, options, *, xy=None, progress=None, cancel=None) -> str:
    """A self-contained HTML report of runs of one dataset.

    Parameters
    ----------
    dataset : Dataset
        The data the runs clustered.
    runs : list of ReportRun
        Labels and, where known, how each run was made, its cluster names and a kept explanation.
    options : ReportOptions
        Title, truth column, layout method, explanation method for runs without one, perception verdicts.
    xy : ndarray of shape (n, 2), optional
        The layout to draw (default: computed by ``options.projection``).
    progress : callable, optional
        ``progress(stage, share)``.
    cancel : threading.Event, optional
        Set it to stop the work (raises Cancelled between stages).

    Returns
    -------
    str
        One HTML page: every script inlined and allowed by hash, no request leaves it, all user text escaped.
    """

    html = render_report(report_content(dataset, runs, options, xy=xy, progress=progress, cancel=cancel))
    if progress is not None:
        progress("report done", 1.0)
    return html


def project_report(store, project: str, *, progress=None, cancel=None) -> str:
    """The report of every run of a project: its kept names and rules, and its kept UMAP layout (made by the one
    layout rule and kept when there is none)."""

    dataset, runs = runs_from_project(store, project)
    preprocess = store.project(project)["dataset"].preprocess
    xy = store.layout(project, "umap", preprocess, 0, dataset.n)
    if xy is None:
        xy = layout(dataset, "umap", preprocess=preprocess, seed=0, progress=span(progress, 0.0, 0.3), cancel=cancel)[0]
        store.save_layout(project, "umap", preprocess, 0, xy)
    truth = dataset.label_column if dataset.label_column in dataset.metadata.columns else None
    suggestion = kept_suggestion(store, project, dataset.fingerprint)
    options = ReportOptions(title=f"{project}: clustering report", truth=truth, suggestion=suggestion)
    return build_report(dataset, runs, options, xy=xy, progress=span(progress, 0.3, 1.0), cancel=cancel)
