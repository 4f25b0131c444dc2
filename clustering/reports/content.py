"""What a report holds, as plain values: the dataset, each run with its clusters, comparisons, the scatter's data.

Built from a dataset plus runs (label files or a project's saved runs); rendered by `clustering.reports.html`.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import replace

import numpy as np

from clustering.data import Dataset, column_kinds, encode_labels
from clustering.evaluate.differences import difference_phrases, differences
from clustering.evaluate.metrics import agreement
from clustering.evaluate.perception import perceive
from clustering.evaluate.profiles import cluster_profiles, exemplar_text
from clustering.explainers import available_spaces, build_space, explain
from clustering.explainers.keywords import keyword_labels
from clustering.limits import (
    EXPLAIN_MAX_CLUSTERS,
    IMAGE_MAX_ROWS,
    REPORT_COLOUR_COLUMNS,
    REPORT_DIFFERENCE_CLUSTERS,
    REPORT_DIFFERENCE_ROWS,
    REPORT_POINTS,
)
from clustering.progress import report
from clustering.reports.comparison import comparisons
from clustering.reports.how_sure import how_sure_content
from clustering.reports.values import ReportOptions, ReportRun, fmt
from clustering.result import library_versions
from clustering.run.layout import layout as make_layout
from clustering.run.layout import layout_note
from clustering.run.sampled import choose_rows
from clustering.visual.colours import (
    NOISE_CODE,
    NOISE_COLOUR,
    colour_codes,
    hover_columns,
    hover_lines,
    image_bytes,
    matched_colour_codes,
    named_colour_codes,
)
from clustering.visual.map_labels import map_labels


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _image_uri(pixels: np.ndarray, shape: tuple[int, int]) -> str:
    """A small grey PNG (data URI) of one image row, dark ink on white."""
    # deferred: matplotlib (0.3 s) loads only for static figures
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    imsave(buffer, np.asarray(pixels, dtype=np.float64).reshape(shape), cmap="gray_r", format="png")
    return "data:image/png;base64," + _b64(buffer.getvalue())


def truth_labels(dataset: Dataset, column: str | None) -> tuple[np.ndarray | None, dict[int, str]]:
    """Truth codes of a metadata column and the category name of each code."""
    if column is None:
        return None, {}
    if column not in dataset.metadata.columns:
        raise ValueError(
            f"truth column {column!r} is not in the metadata (columns: "
            f"{', '.join(map(str, dataset.metadata.columns[:15]))})."
        )
    values = dataset.metadata[column]
    codes = encode_labels(values)
    names = {}
    for code in np.unique(codes[codes >= 0]):
        names[int(code)] = str(values[np.flatnonzero(codes == code)[0]])
    return codes, names


def layout(dataset: Dataset, options: ReportOptions, progress=None) -> tuple[np.ndarray, dict]:
    """The 2-D scatter positions and how they were made, by the library's one layout rule (`clustering.run.layout`):
    a UMAP of many rows is fitted on a sample and the rest placed, as in the app."""

    return make_layout(dataset, options.projection, preprocess=options.preprocess, seed=options.seed, progress=progress)


def drawn_rows(n: int) -> np.ndarray:
    """The rows a report's scatter carries: every row up to REPORT_POINTS, else one fixed uniform sample."""

    return choose_rows(n, REPORT_POINTS.whole(), seed=0)


def _explanation(dataset: Dataset, run: ReportRun, method: str, seed: int) -> dict | None:
    if run.explanation is not None or method == "none" or len(np.unique(run.labels[run.labels >= 0])) < 2:
        return run.explanation

    if len(np.unique(run.labels[run.labels >= 0])) > EXPLAIN_MAX_CLUSTERS.value():
        return None  # too many clusters for rules: the table shows none (the CLI's explain says why)
    space = build_space(dataset, available_spaces(dataset, has_projection=False)[0], seed=seed)
    return explain(space, run.labels, method).to_json()


def _cluster_rows(
    dataset: Dataset,
    run: ReportRun,
    legend: list[dict],
    codes_of: dict[int, int],
    explanation: dict | None,
    keyword_names: dict[int, str],
    verdicts: dict,
) -> list[dict]:

    rules = {int(c["cluster"]): c for c in (explanation or {}).get("clusters", [])}
    text_columns = [dataset.text_column] if dataset.text_column else None
    metadata = dataset.metadata.drop(columns=[c for c in (dataset.text_column, dataset.id_column) if c])
    out = []
    for rank, profile in enumerate(cluster_profiles(dataset.metadata, run.labels, dataset.vectors)):
        cluster = profile.cluster
        apart: list[str] = []
        if rank < REPORT_DIFFERENCE_CLUSTERS.whole() and 2 <= profile.size <= dataset.n - 2:
            members = np.flatnonzero(run.labels == cluster)
            table = differences(
                dataset.vectors,
                metadata,
                members,
                feature_names=dataset.features(),
                rows_tested=REPORT_DIFFERENCE_ROWS.whole(),
            )
            apart = difference_phrases(table)
        rule = rules.get(cluster)
        exemplars = []
        for row in profile.exemplars:
            image = _image_uri(dataset.vectors[row], dataset.image_shape) if dataset.image_shape else None
            entry = {"text": exemplar_text(dataset.metadata, row, text_columns), "image": image}
            exemplars.append(entry)
        out.append(
            {
                "cluster": cluster,
                "colour": legend[codes_of[cluster]]["colour"] if cluster in codes_of else NOISE_COLOUR,
                "name": run.cluster_names.get(cluster) or keyword_names.get(cluster, ""),
                "named_by": "user"
                if run.cluster_names.get(cluster)
                else ("keywords" if cluster in keyword_names else ""),
                "size": profile.size,
                "share": profile.share,
                "categories": [
                    {
                        "column": c["column"],
                        "values": [{"value": v, "share": s, "overall": o} for v, s, o in c["values"]],
                    }
                    for c in profile.categories
                ],
                "medians": [
                    {"column": m["column"], "median": fmt(m["median"]), "overall": fmt(m["overall"])}
                    for m in profile.medians
                ],
                "exemplars": exemplars,
                "rule": rule["rule"] if rule else None,
                "precision": rule["precision"] if rule else None,
                "recall": rule["recall"] if rule else None,
                "verdict": verdicts.get(str(cluster)),
                "apart": apart,
            }
        )
    return out


def report_content(
    dataset: Dataset,
    runs: list[ReportRun],
    options: ReportOptions,
    *,
    xy: np.ndarray | None = None,
    progress=None,
    cancel=None,
) -> dict:
    """Every value the report template shows, with the scatter's binary data packed as base64."""

    def step(text: str, share: float) -> None:
        report(progress, text, share, cancel)

    if not runs:
        raise ValueError("a report needs at least one run.")
    for run in runs:
        if len(run.labels) != dataset.n:
            raise ValueError(f"run {run.name!r} has {len(run.labels)} labels for {dataset.n} rows.")
    truth, truth_names = truth_labels(dataset, options.truth)
    layout_info: dict = {"method": options.projection, "fitted_on_sample_rows": None}
    if xy is None:
        step(f"{options.projection} layout of {dataset.n:,} points", 0.05)
        xy, layout_info = layout(dataset, options, progress=lambda text, share: step(text, 0.05 + 0.2 * share))
    step("layout done", 0.25)
    xy = np.asarray(xy, dtype=np.float32)
    if xy.shape != (dataset.n, 2) or not np.isfinite(xy).all():
        raise ValueError(f"the layout must be {dataset.n} finite x, y pairs; got shape {xy.shape}.")
    views, run_entries = [], []
    for index, run in enumerate(runs):
        step(f"run {run.name}: profiles and rules", 0.3 + 0.5 * index / len(runs))
        view, entry = run_entry(dataset, run, index, truth, options, xy)
        views.append(view)
        run_entries.append(entry)
    step("comparisons", 0.85)
    comparison = comparisons(runs, truth, truth_names, options, views)
    content = finish_content(dataset, runs, options, views, run_entries, comparison, xy, layout_info)
    content["how_sure"] = how_sure_content([run for run in runs if run.rows is None], truth, options.suggestion)
    return content


def run_entry(
    dataset: Dataset, run: ReportRun, index: int, truth: np.ndarray | None, options: ReportOptions, xy: np.ndarray
) -> tuple[dict, dict]:
    """One run's scatter colouring (matched to the truth when there is one) and its section of the report."""

    if run.rows is not None:
        return _drill_down_entry(dataset, run, index, truth, options, xy)

    keyword_names: dict[str, dict[int, str]] = {}
    if dataset.text_column:
        keyword_names[run.name] = keyword_labels(dataset.metadata[dataset.text_column], run.labels)
    shown_names = {
        c: run.cluster_names.get(c) or keyword_names.get(run.name, {}).get(c, "")
        for c in np.unique(run.labels[run.labels >= 0]).tolist()
    }
    if truth is not None:
        codes, legend = matched_colour_codes(run.labels, truth, {c: n for c, n in shown_names.items() if n})
        matched_codes = codes.astype(np.int64)
    else:
        codes, legend = named_colour_codes(run.labels, {c: n for c, n in shown_names.items() if n})
        matched_codes = codes.astype(np.int64)
    codes_of = {}
    for cluster in np.unique(run.labels[run.labels >= 0]).tolist():
        code = int(matched_codes[np.flatnonzero(run.labels == cluster)[0]])
        if code != 65535:
            codes_of[int(cluster)] = code
    view = {"name": f"run: {run.name}", "codes": codes, "legend": legend}
    explanation = _explanation(dataset, run, options.explain, options.seed)
    perception = None
    if options.perception:
        found = perceive(xy, run.labels)
        perception = {"n_regions": found["n_regions"], "ari": found["ari"], "verdicts": found["verdicts"]}
    metrics = agreement(truth, run.labels) if truth is not None else None
    entry = {
        "anchor": f"run-{index + 1}",
        "name": run.name,
        "method": run.method or "labels file",
        "source": run.source,
        "params": [(k, fmt(v)) for k, v in run.params.items()],
        "seed": run.seed,
        "preprocess": run.preprocess,
        "device": run.device,
        "versions": list(run.versions.items()),
        "seconds": [(k, f"{v:.2f} s") for k, v in run.seconds.items()],
        "n_clusters": int(len(np.unique(run.labels[run.labels >= 0]))),
        "n_noise": int((run.labels < 0).sum()),
        "metrics": [(k, fmt(v)) for k, v in metrics.items()] if metrics else [],
        "explanation": {
            "method": explanation.get("method"),
            "space": explanation.get("space"),
            "accuracy": explanation.get("accuracy"),
        }
        if explanation
        else None,
        "perception": perception,
        "subset": None,
        "clusters": _cluster_rows(
            dataset,
            run,
            legend,
            codes_of,
            explanation,
            keyword_names.get(run.name, {}),
            (perception or {}).get("verdicts", {}),
        ),
    }
    return view, entry


def _drill_down_entry(
    dataset: Dataset, run: ReportRun, index: int, truth: np.ndarray | None, options: ReportOptions, xy: np.ndarray
) -> tuple[dict, dict]:
    """A drill-down's section made on its own rows (profiles, keywords, rules, scores), drawn grey elsewhere."""
    rows = np.asarray(run.rows, dtype=np.int64)
    confidence = None if run.confidence is None else np.asarray(run.confidence)[rows]
    inner = replace(run, labels=run.labels[rows], confidence=confidence, rows=None)
    view, entry = run_entry(
        dataset.subset(rows), inner, index, None if truth is None else truth[rows], options, xy[rows]
    )
    codes = np.full(dataset.n, NOISE_CODE, dtype=np.uint16)
    codes[rows] = view["codes"]
    view["codes"] = codes
    entry["subset"] = (
        f"A drill-down: {len(rows):,} of the data's {dataset.n:,} rows, clustered on their own. Its map shows the "
        "other rows grey; its scores, profiles and rules are of its own rows only."
    )
    return view, entry


def finish_content(
    dataset: Dataset,
    runs: list[ReportRun],
    options: ReportOptions,
    views: list,
    run_entries: list,
    comparison: dict | None,
    xy: np.ndarray,
    layout_info: dict,
) -> dict:
    """Metadata colourings, the sampled scatter (codes, hover, images, notes) and the dataset's summary."""

    kinds = column_kinds(dataset.metadata)
    for column in [c for c, kind in kinds.items() if kind == "category" and c != options.truth][
        : REPORT_COLOUR_COLUMNS.whole()
    ]:
        codes, legend = colour_codes(dataset.metadata[column], noise_negative=False)
        views.append({"name": f"metadata: {column}", "codes": codes, "legend": legend})

    drawn = drawn_rows(dataset.n)
    for view in views:  # labels placed from every row; codes for the drawn rows only (legends count every row)
        view["labels"] = map_labels(xy, view["codes"], view["legend"])
        view["codes"] = _b64(np.asarray(view["codes"], dtype=np.uint16)[drawn].tobytes())
    hover = hover_lines(
        dataset.metadata.iloc[drawn].reset_index(drop=True),
        hover_columns(dataset.metadata.columns, dataset.text_column),
        width=80,
        whole=dataset.text_column,
    )
    images = None
    if dataset.image_shape is not None and len(drawn) <= IMAGE_MAX_ROWS.whole():
        images = _b64(image_bytes(dataset.vectors[drawn]))
    notes = [note for note in (layout_note(layout_info, dataset.n),) if note]
    if len(drawn) < dataset.n:
        notes.append(
            f"Showing {len(drawn):,} of {dataset.n:,} points ({100 * len(drawn) / dataset.n:.0f}%), a uniform random "
            "sample (setting CLUSTERLAB_REPORT_POINTS); legend counts and every table are of every row."
        )
    versions = library_versions()
    return {
        "title": options.title,
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "clusterlab": versions.get("clusterlab", ""),
        "dataset": {
            "name": dataset.name,
            "source": dataset.source,
            "rows": f"{dataset.n:,}",
            "features": f"{dataset.d:,}",
            "fingerprint": dataset.fingerprint,
            "preprocess": ", ".join(sorted({r.preprocess for r in runs if r.preprocess})) or "none",
            "metadata": list(map(str, dataset.metadata.columns)),
            "truth": options.truth,
            "embedding": embedding_line(dataset.embedding),
        },
        "projection": options.projection,
        "runs": run_entries,
        "comparison": comparison,
        "scatter": {
            "xy": _b64(np.ascontiguousarray(xy[drawn]).tobytes()),
            "views": views,
            "hover": hover,
            "images": images,
            "image_shape": list(dataset.image_shape) if images and dataset.image_shape else None,
            "n": len(drawn),
        },
        "scatter_notes": notes,
        "scatter_total": f"{dataset.n:,}",
    }


def embedding_line(embedding: dict | None) -> str | None:
    """How the vectors were made from text, for the report's dataset table; None for vectors given as such."""
    if not embedding:
        return None
    cut = (
        f"; {embedding['truncated']:,} text(s) cut to its {embedding['max_tokens']} tokens"
        if embedding["truncated"]
        else ""
    )
    dropped = f"; {embedding['dropped']:,} empty text(s) left out" if embedding.get("dropped") else ""
    return f"column '{embedding['column']}' embedded with {embedding['name']} ({embedding['version']}){cut}{dropped}"
