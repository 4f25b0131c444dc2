"""`clusterlab report`, `figure` and `export`: what an analyst hands over."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from clustering.cache import atomic_write, write_text
from clustering.cli.files import output_path, read_labels, with_truth
from clustering.cli.options import (
    UsageError,
    comma_list,
    input_arguments,
    label_file_arguments,
    layout_arguments,
    load_dataset,
)
from clustering.cli.output import tqdm_progress
from clustering.data import Dataset, encode_labels
from clustering.reports import ReportOptions, build_report, runs_from_files, runs_from_project
from clustering.reports.export import joined_labels, table_format, write_table
from clustering.reports.report_runs import kept_suggestion
from clustering.run.layout import layout
from clustering.store import Store
from clustering.visual.colours import colour_codes, matched_colour_codes, named_colour_codes


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
    report = commands.add_parser("report", help="a self-contained HTML report of runs (opens offline)")
    report.add_argument("input", nargs="?", help="a file or sample:NAME (not with --project)")
    report.add_argument("--key", help="array in .npz, obsm key in .h5ad, vector column in .parquet")
    report.add_argument("--columns", help="comma-separated feature columns (CSV/parquet)")
    report.add_argument("--drop-nonfinite", action="store_true", help="drop rows with NaN/inf instead of failing")
    report.add_argument("--text-column", default=None, help="the metadata column of free text ('' for none)")
    report.add_argument("--labels", nargs="+", metavar="CSV", help="label files, one run each (`cluster --out`)")
    report.add_argument("--project", help="report a project's saved runs (CLUSTERLAB_HOME) instead of label files")
    report.add_argument("--runs", help="with --project: comma-separated run names or ids (default: all)")
    report.add_argument("--truth", help="metadata column (or CSV file) of true labels: metrics and contingency")
    report.add_argument("--title", default=None, help="report title (default: the dataset's name)")
    layout_arguments(report)
    report.add_argument(
        "--explain",
        default="imm",
        choices=["imm", "exkmc", "none"],
        help="rules per cluster for runs without a saved explanation (default imm)",
    )
    report.add_argument("--perception", action="store_true", help="add what a person sees: regions and verdicts")
    report.add_argument("--out", required=True, help="HTML file to write")
    report.set_defaults(handler=cmd_report)

    figure = commands.add_parser("figure", help="the scatter as PNG or SVG, coloured by a run's labels")
    input_arguments(figure)
    figure.add_argument("--labels", metavar="CSV", help="the run's labels (default: colour by --truth, or one colour)")
    figure.add_argument("--truth", help="metadata column (or CSV file) of true labels: run colours matched to it")
    figure.add_argument("--title", default="", help="figure title")
    layout_arguments(figure)
    figure.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    figure.add_argument("--width", type=float, default=8.0, help="width in inches (default 8)")
    figure.add_argument("--height", type=float, default=6.0, help="height in inches (default 6)")
    figure.add_argument("--no-labels", action="store_true", help="leave the cluster names off the map (on by default)")
    figure.add_argument("--out", required=True, help="scatter.png or scatter.svg")
    figure.set_defaults(handler=cmd_figure)

    export = commands.add_parser("export", help="labels joined with the data's metadata, as CSV or parquet")
    input_arguments(export)
    export.add_argument("--labels", required=True, metavar="CSV", help="the run's labels (`cluster --out`)")
    export.add_argument("--out", required=True, help="joined.csv or joined.parquet")
    export.set_defaults(handler=cmd_export)
    label_file_arguments(report)
    label_file_arguments(figure)
    label_file_arguments(export)


def layout_for(args: argparse.Namespace, dataset: Dataset, preprocess: str) -> np.ndarray:
    """The 2-D positions by the library's one layout rule (`clustering.run.layout`)."""

    check_given(args, dataset)
    return layout(dataset, args.projection, preprocess=preprocess, seed=args.seed)[0]


def check_given(args: argparse.Namespace, dataset: Dataset) -> None:
    """Refuse --projection given for an input without exactly two feature columns."""
    if args.projection == "given" and dataset.d != 2:
        raise UsageError(
            f"--projection given needs two feature columns; the input has {dataset.d}. "
            "Name the two columns with --columns x,y."
        )


def cmd_report(args: argparse.Namespace) -> int:
    """`clusterlab report`: a self-contained HTML report of label files or of a project's runs."""

    out = output_path(args)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {args.out}: a report is an .html file.")
    if bool(args.project) == bool(args.labels):
        raise UsageError("give either --labels CSV [CSV ...] with INPUT, or --project NAME.")
    xy = None
    store = None
    suggestion = None  # a project's kept suggestion on its data
    preprocess = args.preprocess
    if args.project:
        if args.input:
            raise UsageError("--project reports the project's own data; leave INPUT out.")

        store = Store()
        wanted = comma_list(args.runs) or None
        dataset, runs = runs_from_project(store, args.project, wanted)
        suggestion = kept_suggestion(store, args.project, dataset.fingerprint)
        preprocess = preprocess or store.project(args.project)["dataset"].preprocess
        if args.projection != "given":
            xy = store.layout(args.project, args.projection, preprocess, args.seed, dataset.n)
        source = f"project {args.project}"
    else:
        if not args.input:
            raise UsageError("name the INPUT the labels belong to (a file or sample:NAME).")
        if args.runs:
            raise UsageError("--runs chooses runs of a --project; with label files, list the files in --labels.")
        dataset = load_dataset(args)
        runs = runs_from_files(args.labels, dataset, lambda path, data: read_labels(path, data, args.allow_unlabelled))
        source = dataset.source
    preprocess = preprocess or "none"
    dataset, truth_column = with_truth(args, dataset)
    check_given(args, dataset)
    options = ReportOptions(
        title=args.title or f"{dataset.name}: clustering report",
        truth=truth_column,
        projection=args.projection,
        preprocess=preprocess,
        seed=args.seed,
        explain=args.explain,
        suggestion=suggestion,
        perception=args.perception,
    )
    progress = tqdm_progress() if sys.stderr.isatty() else None
    html = build_report(dataset, runs, options, xy=xy, progress=progress)
    write_text(out, html)
    print(f"wrote {out} ({len(html.encode()) / 1e6:.1f} MB, {len(runs)} run(s) of {source})")
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    """`clusterlab figure`: the scatter as PNG or SVG, coloured by a run or the truth."""
    from clustering.reports.figures import (  # deferred: the CLI starts without the engine
        check_figure_size,
        figure_bytes,
        figure_format,
        scatter_figure,
    )

    out = output_path(args)
    fmt = figure_format(out)
    if not 0.5 <= args.width <= 100 or not 0.5 <= args.height <= 100:
        raise UsageError("--width and --height are inches between 0.5 and 100.")
    try:
        check_figure_size(args.width, args.height, args.dpi)  # before any work
    except ValueError as error:
        raise UsageError(f"--width/--height/--dpi: {error}") from None
    dataset, truth_column = with_truth(args, load_dataset(args))
    xy = layout_for(args, dataset, args.preprocess or "none")
    if args.labels:
        found = read_labels(args.labels, dataset, args.allow_unlabelled)
        names = dict(found.names)
        if dataset.text_column:  # unnamed clusters are labelled by their keywords
            from clustering.explainers.keywords import keyword_labels  # deferred: the CLI starts without the engine

            names = {**keyword_labels(dataset.metadata[dataset.text_column], found.labels, top=3), **names}
        if truth_column:
            reference = encode_labels(dataset.metadata[truth_column])
            codes, legend = matched_colour_codes(found.labels, reference, names)
        else:
            codes, legend = named_colour_codes(found.labels, names)
    elif truth_column:
        codes, legend = colour_codes(dataset.metadata[truth_column], noise_negative=False)
    else:
        codes, legend = np.zeros(dataset.n, dtype=np.uint16), []
    figure = scatter_figure(
        xy, codes, legend, title=args.title, width=args.width, height=args.height, labels=not args.no_labels
    )
    data = figure_bytes(figure, fmt, dpi=args.dpi)
    atomic_write(out, lambda temporary: temporary.write_bytes(data))
    print(f"wrote {out} ({fmt}, {len(data) / 1e3:.0f} kB)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`clusterlab export`: a labels file joined with the data's metadata, as CSV or parquet."""

    out = output_path(args)
    table_format(out)
    dataset = load_dataset(args)
    found = read_labels(args.labels, dataset, args.allow_unlabelled)
    frame = joined_labels(dataset, found.labels, cluster_names=found.names, confidence=found.confidence)
    write_table(frame, out)
    print(f"wrote {out} ({dataset.n:,} rows)")
    return 0
