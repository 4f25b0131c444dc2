"""A lesson as one offline HTML page (jinja2 with autoescape, like the report): students open it without a server.

Figures are static images inlined as data URIs; the page has no script at all, and its Content-Security-Policy
forbids any request, so it opens offline and nothing in it can call out.
"""

from __future__ import annotations

import base64
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np
from markupsafe import Markup, escape

from clustering.explainers.masks import mean_image, rule_mask
from clustering.lessons import digits, dimensions
from clustering.reports.figures import blank_figure, figure_bytes, scatter_figure
from clustering.result import library_versions
from clustering.visual.colours import colour_codes

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass
class Section:
    """One step of an exported lesson."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)  # {src: data URI, caption}
    tables: list[dict] = field(default_factory=list)  # {columns, rows}
    masks: list[dict] = field(default_factory=list)  # {rule, mean: data URIs, caption}


def strong(text: str) -> Markup:
    """Escape, then the lesson's own **bold** and *italic* marks as HTML."""
    html = str(escape(text))
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    return Markup(re.sub(r"\*(.+?)\*", r"<em>\1</em>", html))


def render_lesson(title: str, sections: list[Section], note: str = "") -> str:
    """The page for a lesson's sections."""

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["strong"] = strong
    lesson = {
        "title": title,
        "sections": sections,
        "note": note,
        "clusterlab": library_versions().get("clusterlab", ""),
        "generated": time.strftime("%Y-%m-%d %H:%M"),
    }
    return environment.get_template("lesson.html.j2").render(lesson=lesson, policy=POLICY)


def data_uri(payload: bytes, mime: str) -> str:
    """Bytes as a data: address (the page's images; its policy allows no other source)."""
    return f"data:{mime};base64," + base64.b64encode(payload).decode("ascii")


def scatter_uri(xy: np.ndarray, codes: np.ndarray, legend: list[dict], title: str) -> str:
    """A static scatter (SVG) coloured as the app colours it."""
    figure = scatter_figure(xy, codes, legend, title=title, width=7.5, height=5.5)
    return data_uri(figure_bytes(figure, "svg"), "image/svg+xml")


def png_uri(image: np.ndarray) -> str:
    """A small uint8 image (a rule mask, a mean image) as PNG."""

    # deferred: only image lessons need it
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return data_uri(buffer.getvalue(), "image/png")


def digits_sections(done: dict, data) -> list[Section]:
    """The digits lesson's computed steps as sections (steps not computed yet are left out)."""
    truth = data.labels()
    sections = [Section("The data", [digits.STEPS[0].about])]
    layout = done.get("picture")
    if layout is None:
        return sections
    codes, legend = colour_codes(data.metadata["label"], noise_negative=False)
    sections.append(
        Section(
            "The picture",
            [digits.STEPS[1].about],
            [f.text for f in digits.layout_facts(layout, truth)],
            [{"src": scatter_uri(layout, codes, legend, "digits by true digit"), "caption": "UMAP of the digits"}],
        )
    )
    for step in digits.METHOD_STEPS:
        if step.key not in done:
            return sections
        result = done[step.key]
        codes, legend = digits.digit_legend(result.labels, truth)
        facts = [
            f"{result.n_clusters} clusters, ARI {result.metrics['ari']:.3f}, ACC {result.metrics['acc']:.3f}.",
            *[f.text for f in digits.method_facts(result, truth)],
        ]
        if step.key == "n2d" and "dec" in done:
            facts += [f.text for f in digits.replay_facts(done["dec"], result)]
        figure = {"src": scatter_uri(layout, codes, legend, f"{step.title} clusters"), "caption": step.title}
        sections.append(Section(step.title, [step.about, digits.SCORES], facts, [figure]))
    if "compare" in done:
        table = done["compare"]["table"]
        sections.append(
            Section(
                "Compare",
                [digits.STEPS[-2].about],
                [digits.best_run_fact(table).text],
                tables=[{"columns": list(table[0]), "rows": [list(row.values()) for row in table]}],
            )
        )
    if "explain" in done:
        sections.append(rules_section(done["explain"], done["leiden"].labels, data))
    return sections


def rules_section(explanation, labels: np.ndarray, data) -> Section:
    """The rules step: masks, the sentences and every rule in full."""

    truth = data.labels()
    names = digits.cluster_digit_names(labels, truth)
    masks = [
        {
            "rule": png_uri(rule_mask(explanation, rule.cluster, data.image_shape, 9)),
            "mean": png_uri(mean_image(data.vectors, np.flatnonzero(labels == rule.cluster), data.image_shape, 9)),
            "caption": f"cluster {rule.cluster} ({names.get(rule.cluster, '')})",
        }
        for rule in explanation.clusters
    ]
    rows = [
        [
            f"{c.cluster} ({names.get(c.cluster, '')})",
            "\n".join(digits.readable_rule(c.rule)),
            f"{c.precision:.2f}",
            f"{c.recall:.2f}",
        ]
        for c in explanation.clusters
    ]
    return Section(
        "Why these clusters?",
        [digits.STEPS[-1].about],
        [f.text for f in digits.rules_facts(explanation, labels, truth)],
        masks=masks,
        tables=[{"columns": ["cluster", "rule, one condition a line", "precision", "recall"], "rows": rows}],
    )


def dimension_sections(results: list[dict]) -> list[Section]:
    """The MNIST-Nd lesson's computed sizes and, with two or more, its conclusion."""
    sections = [Section("The question", [dimensions.ABOUT, dimensions.PAPER_FINDING])]
    previous = None
    for result in results:
        rows = [
            [dimensions.METHOD_TITLES[m], f"{s['ari']:.3f}", s["clusters"], f"{100 * s['noise']:.0f}%"]
            for m, s in result["scores"].items()
        ]
        sections.append(
            Section(
                f"{result['dimension']} dimensions",
                facts=[f.text for f in dimensions.dimension_facts(result, previous)],
                tables=[{"columns": ["method", "ARI vs digit", "clusters", "noise"], "rows": rows}],
            )
        )
        previous = result
    if len(results) >= 2:
        table = dimensions.ari_table(results)
        dims = sorted(r["dimension"] for r in results)
        rows = [[d, *[f"{table[m][d]:.3f}" for m in table]] for d in dims]
        sections.append(
            Section(
                "What we found",
                facts=[f.text for f in dimensions.finding_facts(results)],
                figures=[{"src": ari_chart_uri(results), "caption": "ARI against dimension"}],
                tables=[{"columns": ["dimensions", *[dimensions.METHOD_TITLES[m] for m in table]], "rows": rows}],
            )
        )
    return sections


def ari_chart_uri(results: list[dict]) -> str:
    """ARI against dimension (SVG), one line per method."""
    table = dimensions.ari_table(results)
    figure = blank_figure(7.0, 4.2)
    axes = figure.subplots()
    for method, by_dimension in table.items():
        dims = sorted(by_dimension)
        axes.plot(dims, [by_dimension[d] for d in dims], marker="o", label=dimensions.METHOD_TITLES[method])
    axes.set_xscale("log", base=2)
    axes.set_xticks(list(dimensions.DIMENSIONS), [str(d) for d in dimensions.DIMENSIONS])
    axes.set_ylim(0, 1)
    axes.set_xlabel("latent dimensions")
    axes.set_ylabel("ARI vs the true digits")
    axes.legend()
    return data_uri(figure_bytes(figure, "svg"), "image/svg+xml")
