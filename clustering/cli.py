"""`clusterlab` command line: cluster, sweep, compare, perceive, explain, report, figure, export, projects.

Every failure exits with status 2 and one `error: ...` line on stderr (`--debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cache import atomic_write, write_text
from clustering.data import DataError, Dataset, encode_labels
from clustering.explain.registry import EXPLAINERS, get_explainer
from clustering.fit_rows import SAMPLE_ROWS as SAMPLE_DEFAULT
from clustering.labelfile import LabelFile, read_label_file
from clustering.limits import SWEEP_MAX_RUNS
from clustering.result import json_safe


class UsageError(ValueError):
    """A command-line argument a person must fix."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage and its one error line
        return int(stop.code or 0) if isinstance(stop.code, int) else 2
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # one clear line, never a traceback unless asked
        if args.debug:
            raise
        known = (DataError, UsageError, ValueError, OSError)
        text = str(error) if isinstance(error, known) else f"{type(error).__name__}: {error}"
        line = text.strip().splitlines()[0] if text.strip() else type(error).__name__
        print(f"error: {terminal_text(line)}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clusterlab", description="Cluster embeddings, explain and compare clusters.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command")

    samples = commands.add_parser("samples", help="list the bundled sample datasets")
    samples.set_defaults(handler=cmd_samples)

    info = commands.add_parser("info", help="shape, dtype, metadata columns, NaN count, fingerprint")
    _input_arguments(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=cmd_info)

    cluster = commands.add_parser("cluster", help="cluster INPUT and write one label per row")
    _input_arguments(cluster)
    _method_arguments(cluster)
    _scale_arguments(cluster)
    cluster.add_argument("--layout", choices=["umap", "pca"], help="also write a 2-D layout (columns x, y)")
    cluster.add_argument(
        "--out",
        required=True,
        help="labels .csv or .parquet (columns row, cluster[, confidence][, x, y][, id]); "
        "out of core: a new folder for part-*.parquet and run.json",
    )
    cluster.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    cluster.set_defaults(handler=cmd_cluster)

    layout = commands.add_parser("layout", help="a 2-D layout of INPUT alone (UMAP or PCA), as parquet")
    _input_arguments(layout)
    _scale_arguments(layout)
    layout.add_argument("--method", default="umap", choices=["umap", "pca"], help="umap (default) or pca")
    layout.add_argument("--preprocess", default="none", help="none | standardize | l2 | pca:N")
    layout.add_argument("--seed", type=seed_value, default=0, help="layout seed (default 0)")
    layout.add_argument("--out", required=True, help="xy.parquet (columns row, x, y), or a new folder out of core")
    layout.set_defaults(handler=cmd_layout)

    sweep = commands.add_parser("sweep", help="sweep one parameter; clusters, noise, silhouette, stability")
    _input_arguments(sweep)
    _method_arguments(sweep)
    sweep.add_argument(
        "--param-range",
        required=True,
        metavar="NAME=START:STOP:COUNT",
        help="e.g. resolution=0.2:2.0:10 (ints are rounded), or NAME=v1,v2,v3",
    )
    sweep.add_argument("--seeds", type=int, default=3, help="runs per value for seed stability (default 3)")
    sweep.add_argument("--subsamples", type=int, default=3, help="80%% subsample runs per value (default 3)")
    sweep.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    _dask_arguments(sweep)
    sweep.add_argument(
        "--sample", type=sample_value, default=None, help="sweep on this many random rows (default: every row)"
    )
    sweep.add_argument("--json", action="store_true", help="print JSON")
    sweep.set_defaults(handler=cmd_sweep)

    compare = commands.add_parser("compare", help="agreement (ARI, AMI, VI) and best matches between clusterings")
    _input_arguments(compare)
    compare.add_argument(
        "--labels",
        nargs="+",
        required=True,
        metavar="CSV",
        help="label files (from `clusterlab cluster --out`, or one column per file)",
    )
    compare.add_argument("--truth", help="metadata column or CSV file of true labels, compared as one more run")
    compare.add_argument("--json", action="store_true", help="print JSON")
    compare.set_defaults(handler=cmd_compare)

    perceive = commands.add_parser("perceive", help="the clusters a person sees in the 2-D scatter, and verdicts")
    _input_arguments(perceive)
    perceive.add_argument("--labels", metavar="CSV", help="a run's labels: ARI against the picture and verdicts")
    perceive.add_argument(
        "--projection",
        default="umap",
        choices=["umap", "pca", "given"],
        help="2-D layout to look at; `given` uses a 2-column input unchanged (default umap)",
    )
    perceive.add_argument("--preprocess", default="none", help="none | standardize | l2 | pca:N (before projecting)")
    perceive.add_argument("--seed", type=seed_value, default=0, help="projection seed")
    perceive.add_argument("--width", type=int, default=600, help="plot width in pixels (default 600)")
    perceive.add_argument("--height", type=int, default=600, help="plot height in pixels (default 600)")
    perceive.add_argument("--marker", type=float, default=3.0, help="marker size in pixels (default 3)")
    perceive.add_argument("--bandwidth", type=float, default=None, help="smoothing in pixels (default from marker)")
    perceive.add_argument("--level", type=float, default=0.1, help="density threshold, share of the median (0.1)")
    perceive.add_argument("--json", action="store_true", help="print JSON")
    perceive.set_defaults(handler=cmd_perceive)

    explain = commands.add_parser("explain", help="rules that describe each cluster, with accuracy and complexity")
    _input_arguments(explain)
    explain.add_argument("--labels", required=True, metavar="CSV", help="the run's labels (`clusterlab cluster --out`)")
    explain.add_argument(
        "--method",
        default="imm",
        choices=list(EXPLAINERS),
        help="explanation method (default imm; `clusterlab methods` lists their parameters)",
    )
    explain.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="method setting, e.g. --param time_limit=30 (polyhedra), --param max_leaves=20 (exkmc)",
    )
    explain.add_argument(
        "--space", default="auto", help="features | metadata | pca | projection | pixels | words | auto (default)"
    )
    explain.add_argument("--components", type=int, default=10, help="principal components for --space pca (10)")
    explain.add_argument(
        "--projection",
        default="umap",
        choices=["umap", "pca", "given"],
        help="layout for --space projection; `given` reads a 2-column input (default umap)",
    )
    explain.add_argument("--seed", type=seed_value, default=0, help="seed for PCA and layouts (default 0)")
    explain.add_argument("--out", required=True, help="rules JSON to write")
    explain.set_defaults(handler=cmd_explain)

    run_config = commands.add_parser("run", help="run a YAML config's runs into a project")
    run_config.add_argument(
        "config",
        help="YAML with data: (path or sample:NAME, key, columns, preprocess) and runs: [{name, method, params, seed}]",
    )
    run_config.add_argument("--project", help="project to run into (default: the config's file name)")
    run_config.add_argument("--json", action="store_true", help="one JSON summary per run, as `cluster --json`")
    run_config.set_defaults(handler=cmd_run)

    project = commands.add_parser("project", help="list, show, export or delete projects (CLUSTERLAB_HOME)")
    actions = project.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every project: dataset, runs, last change")
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = actions.add_parser("show", help="a project's dataset and runs")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print JSON")
    export = actions.add_parser("export", help="a YAML config that re-runs the project to identical labels")
    export.add_argument("name")
    export.add_argument("--out", required=True, help="YAML file to write")
    labels = actions.add_parser("labels", help="a run's labels as CSV (row, cluster, cluster_name[, confidence])")
    labels.add_argument("name")
    labels.add_argument("--run", required=True, help="run name or id")
    labels.add_argument(
        "--metadata",
        action="store_true",
        help="join the data's metadata (id, cluster, cluster_name, confidence, columns...)",
    )
    labels.add_argument("--out", required=True, help="CSV or parquet file to write")
    delete = actions.add_parser("delete", help="delete a project, its runs and their label files")
    delete.add_argument("name")
    for sub in (listing, show, export, labels, delete):
        sub.set_defaults(handler=cmd_project, input=None)

    report = commands.add_parser("report", help="a self-contained HTML report of runs (opens offline)")
    report.add_argument("input", nargs="?", help="a file or sample:NAME (not with --project)")
    report.add_argument("--key", help="array in .npz, obsm key in .h5ad, vector column in .parquet")
    report.add_argument("--columns", help="comma-separated feature columns (CSV/parquet)")
    report.add_argument("--drop-nonfinite", action="store_true", help="drop rows with NaN/inf instead of failing")
    report.add_argument("--labels", nargs="+", metavar="CSV", help="label files, one run each (`cluster --out`)")
    report.add_argument("--project", help="report a project's saved runs (CLUSTERLAB_HOME) instead of label files")
    report.add_argument("--runs", help="with --project: comma-separated run names or ids (default: all)")
    report.add_argument("--truth", help="metadata column (or CSV file) of true labels: metrics and contingency")
    report.add_argument("--title", default=None, help="report title (default: the dataset's name)")
    _layout_arguments(report)
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
    _input_arguments(figure)
    figure.add_argument("--labels", metavar="CSV", help="the run's labels (default: colour by --truth, or one colour)")
    figure.add_argument("--truth", help="metadata column (or CSV file) of true labels: run colours matched to it")
    figure.add_argument("--title", default="", help="figure title")
    _layout_arguments(figure)
    figure.add_argument("--dpi", type=int, default=150, help="PNG resolution (default 150)")
    figure.add_argument("--width", type=float, default=8.0, help="width in inches (default 8)")
    figure.add_argument("--height", type=float, default=6.0, help="height in inches (default 6)")
    figure.add_argument("--out", required=True, help="scatter.png or scatter.svg")
    figure.set_defaults(handler=cmd_figure)

    export = commands.add_parser("export", help="labels joined with the data's metadata, as CSV or parquet")
    _input_arguments(export)
    export.add_argument("--labels", required=True, metavar="CSV", help="the run's labels (`cluster --out`)")
    export.add_argument("--out", required=True, help="joined.csv or joined.parquet")
    export.set_defaults(handler=cmd_export)

    for sub in (cluster, sweep, compare, perceive, explain, report, figure, export):
        sub.add_argument(
            "--allow-unlabelled",
            action="store_true",
            help="leave data rows that a labels or truth file does not name unlabelled (default: refuse)",
        )
    methods = commands.add_parser("methods", help="list clustering methods and their parameters")
    methods.set_defaults(handler=cmd_methods)
    return parser


def _input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="a file (.npy .npz .csv .tsv .parquet .h5ad) or sample:NAME")
    parser.add_argument("--key", help="array in .npz, obsm key in .h5ad, vector column in .parquet")
    parser.add_argument("--columns", help="comma-separated feature columns (CSV/parquet)")
    parser.add_argument("--drop-nonfinite", action="store_true", help="drop rows with NaN/inf instead of failing")


def _scale_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sample",
        type=sample_value,
        default="auto",
        help="fit on N random rows and assign the rest by their nearest sample rows; "
        "auto (default: above the method's limit, e.g. 200,000 rows for Leiden) or none",
    )
    _dask_arguments(parser)
    parser.add_argument("--keep", help="out of core: comma-separated input columns copied into the output parts")


def _dask_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dask", action="store_true", help="run out of core on Dask (automatic for a parquet folder or a .zarr input)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (default: a local cluster)")
    parser.add_argument("--workers", type=int, default=None, help="local cluster: worker processes (default: cores)")
    parser.add_argument(
        "--worker-memory",
        default=None,
        help="local cluster: memory limit per worker, e.g. 4GB (setting CLUSTERLAB_WORKER_MEMORY, default 4GB)",
    )


def _method_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", required=True, help="leiden, hdbscan, kmeans, gmm, ... (see `clusterlab methods`)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="method parameter")
    parser.add_argument("--seed", type=seed_value, default=None, help="random seed")
    parser.add_argument("--preprocess", default="none", help="none | standardize | l2 | pca:N")
    parser.add_argument("--truth", help="metadata column or CSV file of true labels (column `label`, or only column)")


def _layout_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--projection",
        default="umap",
        choices=["umap", "pca", "given"],
        help="2-D layout: umap, pca, or the input's two columns (default umap)",
    )
    parser.add_argument("--preprocess", default=None, help="none | standardize | l2 | pca:N before the layout")
    parser.add_argument("--seed", type=seed_value, default=0, help="layout seed (default 0)")


def load_dataset(args: argparse.Namespace) -> Dataset:
    from clustering.samples import load_input

    options: dict = {"drop_nonfinite": args.drop_nonfinite}
    if args.key:
        options["key"] = args.key
    if args.columns:
        options["columns"] = [c.strip() for c in args.columns.split(",") if c.strip()]
    return load_input(args.input, **options)


def seed_value(text: str) -> int:
    """A --seed: a whole number from 0 to 2**31 - 1, checked before any work."""
    from clustering.backends.base import SEED, ParamError

    try:
        return int(SEED.coerce(text))
    except ParamError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def sample_value(text: str) -> str | int:
    """A --sample: 'auto', 'none' or a whole number of rows (at least 100), checked before any work."""
    word = text.strip().lower()
    if word in ("auto", "none"):
        return word
    if not word.isdigit() or int(word) < 100:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of rows (at least 100), 'auto' or 'none'.")
    return int(word)


def parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {pair!r}: write KEY=VALUE, e.g. --param n_clusters=10")
        params[name.strip()] = value.strip()
    return params


def read_truth(spec: str, dataset: Dataset, allow_unlabelled: bool = False) -> np.ndarray:
    """A metadata column name, or a truth file joined to the data by its ids (`label` column, see labelfile)."""
    return truth_values(spec, dataset, allow_unlabelled).pipe(encode_labels)


def truth_values(spec: str, dataset: Dataset, allow_unlabelled: bool = False) -> pd.Series:
    """The truth as values with their names: a metadata column, or a file's labels joined by id (None: none)."""
    if spec in dataset.metadata.columns:
        return dataset.metadata[spec]
    if not Path(spec).exists():
        raise UsageError(
            f"--truth {spec}: neither a metadata column (columns: {list(dataset.metadata.columns)[:15]}) "
            "nor an existing file."
        )
    found = read_label_file(spec, dataset, truth=True, allow_unlabelled=allow_unlabelled)
    _say_unlabelled(found)
    return found.named_values()


def read_labels(path_text: str, dataset: Dataset, allow_unlabelled: bool = False) -> LabelFile:
    """A labels file joined to the data by its ids: `row`, `id` or the data's key (see clustering.labelfile)."""
    found = read_label_file(path_text, dataset, option="--labels", allow_unlabelled=allow_unlabelled)
    _say_unlabelled(found)
    return found


def _say_unlabelled(found: LabelFile) -> None:
    if found.unlabelled:
        print(
            f"note: {found.path}: {found.unlabelled:,} data rows have no label and are left unlabelled (-1).",
            file=sys.stderr,
        )


def output_path(args: argparse.Namespace) -> Path:
    """Check --out before any work starts: a file path in an existing folder, never one of the inputs."""
    text = (args.out or "").strip()
    if not text:
        raise UsageError("--out is empty; give the file to write, e.g. --out labels.csv.")
    out = Path(text)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"--out {text}: folder {folder} does not exist; create it first or pick another folder.")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"--out {text}: folder {folder} is not writable.")
    if out.is_dir():
        raise UsageError(f"--out {text}: is a folder; give a file name inside it.")
    inputs = [args.input, getattr(args, "truth", None), *_as_list(getattr(args, "labels", None))]
    for given in inputs:
        if given and not str(given).startswith("sample:") and _same_file(out, Path(given)):
            raise UsageError(
                f"--out {text} is also an input ({given}); write the result to another file, "
                "the input is never overwritten."
            )
    return out


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def _run_names(paths: list[str]) -> list[str]:
    names = [Path(p).stem for p in paths]
    if len(set(names)) != len(names):
        names = [str(Path(p)) for p in paths]
    return names


def terminal_text(text: object) -> str:
    """Text safe to print: control, format (bidi) and surrogate characters shown as escapes, never acted on."""
    import unicodedata

    out = []
    for char in str(text):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def print_json(payload: dict) -> None:
    print(json.dumps(json_safe(payload), indent=None))


def cmd_samples(args: argparse.Namespace) -> int:
    from clustering.samples import SAMPLES, sample_names

    for name in sample_names():
        sample = SAMPLES[name]
        print(f"sample:{name:<12} {sample.description}\n{'':19} source: {sample.provenance}")
    return 0


def cmd_methods(args: argparse.Namespace) -> int:
    from clustering.backends import BACKENDS

    print("Clustering methods (`clusterlab cluster --method NAME --param KEY=VALUE`):")
    for name, backend in BACKENDS.items():
        print(f"{name}: {backend.description}")
        for param in backend.schema:
            print(f"    {param.describe()}")
    print("\nExplanation methods (`clusterlab explain --method NAME --param KEY=VALUE`):")
    for name, explainer in EXPLAINERS.items():
        print(f"{name}: {explainer.description}")
        for param in explainer.schema:
            print(f"    {param.describe()}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    dataset = load_dataset(args)
    summary = dataset.summary()
    summary["shape"] = [dataset.n, dataset.d]
    if args.json:
        print_json(summary)
        return 0
    print(f"{summary['source']}: {dataset.n:,} rows x {dataset.d:,} features, {summary['dtype']}")
    features = dataset.features()
    shown = ", ".join(features) if len(features) <= 8 else f"{', '.join(features[:3])} … {features[-1]}"
    print(f"features ({len(features)}): {shown}")
    print(f"metadata columns: {', '.join(summary['metadata_columns']) or '(none)'}")
    print(f"NaN values: {summary['nan_count']}")
    print(f"fingerprint: {summary['fingerprint']}")
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    return 0


def cmd_cluster(args: argparse.Namespace) -> int:
    from clustering.pipeline import run

    if _out_of_core(args):
        return _cluster_out_of_core(args)
    if args.keep:
        raise UsageError(
            "--keep copies columns into an out-of-core run's parts (a parquet folder, a .zarr, or --dask); "
            "for a file in memory, `clusterlab export` joins every metadata column to the labels."
        )
    out_path = output_path(args)
    dataset = load_dataset(args)
    truth = read_truth(args.truth, dataset, args.allow_unlabelled) if args.truth else None
    progress = _tqdm_progress() if not args.json and sys.stderr.isatty() else None
    result = run(
        dataset,
        args.method,
        parse_params(args.param),
        seed=args.seed,
        preprocess=args.preprocess,
        truth=truth,
        progress=progress,
        sample=args.sample,
        layout=args.layout,
    )
    out = pd.DataFrame({"row": np.arange(dataset.n), "cluster": result.labels})
    if result.confidence() is not None:
        out["confidence"] = result.confidence()
    if "layout" in result.artifacts:
        out["x"], out["y"] = result.artifacts["layout"][:, 0], result.artifacts["layout"][:, 1]
    if dataset.id_column:
        out[dataset.id_column] = dataset.metadata[dataset.id_column].to_numpy()
    write_table(out, out_path)
    if args.json:
        print_json(result.summary())
    else:
        line = f"{result.method}: {result.n_clusters} clusters, {result.n_noise} noise, {result.seconds['total']:.2f} s"
        if result.metrics:
            line += "; " + ", ".join(f"{k} {result.metrics[k]:.3f}" for k in ("ari", "ami", "nmi", "acc"))
        print(line)
        if "sample" in result.info:
            sample = result.info["sample"]
            print(f"fitted on {sample['sample_rows']:,} random rows; the rest labelled by {sample['voters']} nearest")
        print(f"wrote {out_path}")
    return 0


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """CSV, or parquet for a .parquet name; written atomically."""
    if path.suffix == ".parquet":
        atomic_write(path, lambda temporary: frame.to_parquet(temporary, index=False))
    else:
        atomic_write(path, lambda temporary: frame.to_csv(temporary, index=False))


def _out_of_core(args: argparse.Namespace) -> bool:
    path = Path(args.input)
    return bool(args.dask or args.scheduler or path.is_dir() or path.suffix == ".zarr")


def _open_source(args: argparse.Namespace, truth: str | None = None):
    from clustering.scale.sources import open_source

    keep = [c.strip() for c in (getattr(args, "keep", None) or "").split(",") if c.strip()]
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    source = open_source(args.input, columns=columns, key=args.key, keep=keep + ([truth] if truth else []))
    return source, tuple(keep)


def _cluster_out_of_core(args: argparse.Namespace, method: str | None = None) -> int:
    from clustering.scale.dask_run import cluster_out_of_core

    method = method if method is not None else args.method
    truth = getattr(args, "truth", None) if method else None
    keep = tuple(c.strip() for c in (getattr(args, "keep", None) or "").split(",") if c.strip())
    summary = cluster_out_of_core(
        args.input,
        method or None,
        parse_params(args.param) if method else None,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        worker_memory=args.worker_memory,
        columns=[c.strip() for c in args.columns.split(",")] if args.columns else None,
        key=args.key,
        keep=keep,
        truth_column=truth,
        sample_rows=args.sample if isinstance(args.sample, int) else SAMPLE_DEFAULT,
        layout=getattr(args, "layout", None) if method else args.method,
        preprocess=args.preprocess,
        seed=args.seed or 0,
        progress=_line_progress() if not getattr(args, "json", False) else None,
    )
    out = Path(args.out)
    if getattr(args, "json", False):
        print_json(summary)
        return 0
    if method:
        line = f"{method}: {summary['n_clusters']} clusters, {summary['noise']:,} noise"
        line += f", {summary['seconds']['total']:.1f} s on {summary['workers']} workers"
        if "ari" in summary:
            line += f"; ari {summary['ari']:.3f}"
        print(line)
    for column, renamed in (summary.get("renamed_columns") or {}).items():
        print(f"kept column {column!r} is written as {renamed!r}: {column!r} holds the computed values")
    print(f"wrote {len(summary['files'])} parts and run.json to {out}")
    return 0


def cmd_layout(args: argparse.Namespace) -> int:
    from clustering.layout import layout, layout_note

    if _out_of_core(args):
        return _cluster_out_of_core(args, method="")
    out_path = output_path(args)
    if out_path.suffix != ".parquet":
        raise UsageError(f"--out {args.out}: write the layout as .parquet (columns row, x, y).")
    dataset = load_dataset(args)
    progress = _tqdm_progress() if sys.stderr.isatty() else None
    start = time.perf_counter()
    xy, info = layout(
        dataset, args.method, preprocess=args.preprocess, seed=args.seed, sample=args.sample, progress=progress
    )
    out = pd.DataFrame({"row": np.arange(dataset.n), "x": xy[:, 0], "y": xy[:, 1]})
    if dataset.id_column:
        out[dataset.id_column] = dataset.metadata[dataset.id_column].to_numpy()
    write_table(out, out_path)
    note = layout_note(info, dataset.n) or "Fitted on every row."
    print(f"{args.method} layout of {dataset.n:,} rows in {time.perf_counter() - start:.1f} s. {note}")
    print(f"wrote {out_path}")
    return 0


def parse_range(text: str) -> tuple[str, list]:
    name, sep, spec = text.partition("=")
    if not sep or not spec:
        raise UsageError(f"--param-range {text!r}: write NAME=START:STOP:COUNT or NAME=v1,v2,...")
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise UsageError(f"--param-range {text!r}: START:STOP:COUNT needs three parts")
        try:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise UsageError(f"--param-range {text!r}: START and STOP are numbers, COUNT a whole number") from None
        if not 1 <= count <= SWEEP_MAX_RUNS.value():
            raise UsageError(
                f"--param-range {text!r}: COUNT must be from 1 to {SWEEP_MAX_RUNS.value():,.0f} "
                "(setting CLUSTERLAB_SWEEP_MAX_RUNS)"
            )
        values = list(np.linspace(start, stop, count))
    else:
        values = [v.strip() for v in spec.split(",") if v.strip()]
    return name.strip(), values


def cmd_sweep(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from clustering.scale.dask_run import dask_client
    from clustering.sweep import sweep

    name, values = parse_range(args.param_range)
    on_dask = _out_of_core(args)
    with dask_client(args.scheduler, args.workers, args.worker_memory) if on_dask else nullcontext() as client:
        dataset, truth = _sweep_data(args, client)
        report = _sweep(sweep, args, dataset, truth, name, values, client)
    if args.json:
        print_json(report)
        return 0
    columns = ["value", "n_clusters", "noise_share", "silhouette", "seed_stability", "subsample_stability"]
    if truth is not None:
        columns.append("ari")
    print(pd.DataFrame(report["rows"])[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _sweep_data(args: argparse.Namespace, client) -> tuple[Dataset, np.ndarray | None]:
    """The data a sweep runs on: the input, or a random sample of it (read by the Dask workers out of core)."""
    from clustering.scale.dask_run import read_sample
    from clustering.scale.sampled import choose_rows

    if client is None:
        dataset = load_dataset(args)
        truth = read_truth(args.truth, dataset, args.allow_unlabelled) if args.truth else None  # joined on all rows
        if isinstance(args.sample, int):
            rows = choose_rows(dataset.n, args.sample, args.seed or 0)
            dataset, truth = dataset.subset(rows), None if truth is None else truth[rows]
        return dataset, truth
    source, _ = _open_source(args)
    rows = choose_rows(source.n_rows, args.sample if isinstance(args.sample, int) else SAMPLE_DEFAULT, args.seed or 0)
    vectors = read_sample(client, source, rows)
    dataset = Dataset(vectors=vectors, name=f"{source.name} (sample of {len(rows):,})")
    if args.truth:
        raise UsageError("--truth: out of core, a sweep has no truth; compare its chosen run with `cluster --truth`.")
    return dataset, None


def _sweep(sweep, args: argparse.Namespace, dataset: Dataset, truth, name: str, values: list, client) -> dict:
    """The sweep's runs: local processes, or tasks on the Dask cluster (joblib's dask backend)."""
    from contextlib import nullcontext

    import joblib

    with joblib.parallel_config(backend="dask") if client is not None else nullcontext():
        return sweep(
            dataset,
            args.method,
            name,
            values,
            base_params=parse_params(args.param),
            preprocess=args.preprocess,
            seed=args.seed or 0,
            n_seeds=args.seeds,
            n_subsamples=args.subsamples,
            truth=truth,
            n_jobs=-1 if client is not None else args.jobs,
        )


def cmd_compare(args: argparse.Namespace) -> int:
    from clustering.compare import Labeling, compare

    dataset = load_dataset(args)
    labelings = [
        Labeling(name, read_labels(path, dataset, args.allow_unlabelled).labels)
        for name, path in zip(_run_names(args.labels), args.labels)
    ]
    if args.truth:
        labelings.append(Labeling("truth", read_truth(args.truth, dataset, args.allow_unlabelled), is_truth=True))
    if len(labelings) < 2:
        raise UsageError("compare needs two label files, or one and --truth.")
    report = compare(labelings)
    if args.json:
        print_json({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in report.items()})
        return 0
    for key in ("ari", "ami", "vi"):
        print(f"{key.upper()}:")
        print(pd.DataFrame(report[key], index=report["runs"], columns=report["runs"]).round(3).to_string())
    return 0


def cmd_perceive(args: argparse.Namespace) -> int:
    from clustering.perception import ViewModel, perceive, trustworthiness_continuity
    from clustering.pipeline import prepared
    from clustering.projection import project

    dataset = load_dataset(args)
    if args.projection == "given":
        if dataset.d != 2:
            raise UsageError(
                f"--projection given needs a 2-column input; {args.input} has {dataset.d} feature "
                "columns (name the two with --columns, e.g. --columns x,y)."
            )
        xy = dataset.vectors.astype(np.float64)
        x = None
    else:
        x = prepared(dataset, args.preprocess, seed=args.seed)
        xy = project(x, method=args.projection, n_components=2, seed=args.seed)
    labels = read_labels(args.labels, dataset, args.allow_unlabelled).labels if args.labels else None
    view = ViewModel(
        width_px=args.width, height_px=args.height, marker_px=args.marker, bandwidth_px=args.bandwidth, level=args.level
    )
    report = perceive(xy, labels, view)
    report["projection"] = args.projection
    if x is not None and dataset.n > 25:
        report["faithfulness"] = trustworthiness_continuity(x, xy, k=min(10, dataset.n // 3 - 1), seed=args.seed)
    if args.json:
        print_json({k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in report.items()})
        return 0
    print(f"{report['n_regions']} visual regions; {100 * report['unassigned_share']:.1f}% of points unassigned")
    if "faithfulness" in report:
        f = report["faithfulness"]
        print(f"projection: trustworthiness {f['trustworthiness']:.3f}, continuity {f['continuity']:.3f} (k={f['k']})")
    if labels is not None:
        print(f"ARI run vs picture: {report['ari']:.3f}")
        for cluster, verdict in report["verdicts"].items():
            print(f"  cluster {cluster}: {verdict}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from clustering.explain import available_spaces, build_space, explain
    from clustering.explain.keywords import keywords

    out_path = output_path(args)
    params = get_explainer(args.method).checked(parse_params(args.param))  # refused before any work
    dataset = load_dataset(args)
    labels = read_labels(args.labels, dataset, args.allow_unlabelled).labels
    space_name = args.space
    if space_name == "auto":
        space_name = available_spaces(dataset, has_projection=False)[0]
    xy = None
    if space_name == "projection":
        if args.projection == "given":
            if dataset.d != 2:
                raise UsageError(f"--projection given needs a 2-column input; {args.input} has {dataset.d} columns.")
            xy = dataset.vectors
        else:
            from clustering.projection import project

            xy = project(dataset.vectors, method=args.projection, n_components=2, seed=args.seed)
    space = build_space(dataset, space_name, xy=xy, n_components=args.components, seed=args.seed)
    progress = _tqdm_progress() if sys.stderr.isatty() else None
    result = explain(space, labels, args.method, progress=progress, **params)
    report = result.to_json()
    if dataset.text_column:
        terms = keywords(dataset.metadata[dataset.text_column], labels)
        report["keywords"] = {str(c): [t for t, _ in found] for c, found in terms.items()}
    write_text(out_path, json.dumps(json_safe(report), indent=2))
    print(
        f"{result.method} in {result.space}: accuracy {result.accuracy:.3f}, complexity "
        + ", ".join(f"{k} {v}" for k, v in result.complexity.items())
    )
    for rule in result.clusters[:20]:
        print(f"  cluster {rule.cluster} (precision {rule.precision:.2f}, recall {rule.recall:.2f}): {rule.rule}")
    print(f"wrote {out_path}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from clustering.store import Store, load_config, run_config

    config = load_config(args.config)
    project = args.project or Path(args.config).stem
    progress = _tqdm_progress() if not args.json and sys.stderr.isatty() else None
    for run_id, result in run_config(config, Store(), project, progress=progress):
        if args.json:
            print_json({**result.summary(), "project": project, "run": result.name, "run_id": run_id})
        else:
            print(
                f"{project} / {result.name}: {result.method}, {result.n_clusters} clusters, {result.n_noise} "
                f"noise, {result.seconds['total']:.2f} s"
            )
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    from clustering.store import Store, export_config

    store = Store()
    if args.action == "list":
        projects = store.projects()
        if args.json:
            print_json({"projects": projects})
        for entry in [] if args.json else projects:
            print(terminal_text(f"{entry['name']}: {entry['dataset']['source']}, {entry['runs']} run(s)"))
        return 0
    if args.action == "show":
        found = store.project(args.name)
        payload = {**found, "dataset": found["dataset"].to_json()}
        if args.json:
            print_json(payload)
            return 0
        print(terminal_text(f"{args.name}: {payload['dataset']['source']} ({payload['dataset']['n_rows']:,} rows)"))
        for run in found["runs"]:
            line = (
                f"  {run['name']} [{run['id']}]: {run['method']}, {run['n_clusters']} clusters, {run['n_noise']} noise"
            )
            print(terminal_text(line))
        return 0
    if args.action == "export":
        out = output_path(args)
        write_text(out, export_config(store, args.name))
        print(f"wrote {out}")
        return 0
    if args.action == "labels":
        out = output_path(args)
        found = store.project(args.name)
        run = store.find_run(args.name, args.run)
        from clustering.report.export import joined_labels, table_format, write_table
        from clustering.store import load_data

        table_format(out)
        labels, confidence = store.labels(args.name, run["id"])
        names = store.cluster_names(args.name, run["id"])
        if args.metadata:
            frame = joined_labels(
                load_data(found["dataset"]),
                labels,
                confidence=confidence,
                cluster_names={c: name for c, (name, _) in names.items() if name},
            )
        else:
            frame = pd.DataFrame(
                {
                    "row": np.arange(len(labels)),
                    "cluster": labels,
                    "cluster_name": [names.get(int(c), ("", ""))[0] for c in labels],
                }
            )
            if confidence is not None:
                frame["confidence"] = confidence
        write_table(frame, out)
        print(f"wrote {out}")
        return 0
    store.delete(args.name)
    print(f"deleted project {args.name}")
    return 0


def _with_truth(args: argparse.Namespace, dataset: Dataset) -> tuple[Dataset, str | None]:
    """--truth as a metadata column name; a CSV file's labels become a new dataset's metadata column 'truth'."""
    if not args.truth:
        return dataset, None
    if args.truth in dataset.metadata.columns:
        return dataset, args.truth
    return dataset.with_metadata(truth=truth_values(args.truth, dataset, args.allow_unlabelled)), "truth"


def _layout_for(args: argparse.Namespace, dataset: Dataset, preprocess: str) -> np.ndarray:
    """The 2-D positions by the library's one layout rule (`clustering.layout`)."""
    from clustering.layout import layout

    _check_given(args, dataset)
    return layout(dataset, args.projection, preprocess=preprocess, seed=args.seed)[0]


def _check_given(args: argparse.Namespace, dataset: Dataset) -> None:
    if args.projection == "given" and dataset.d != 2:
        raise UsageError(
            f"--projection given needs two feature columns; the input has {dataset.d}. "
            "Name the two columns with --columns x,y."
        )


def cmd_report(args: argparse.Namespace) -> int:
    from clustering.report import ReportOptions, build_report, runs_from_files, runs_from_project

    out = output_path(args)
    if out.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--out {args.out}: a report is an .html file.")
    if bool(args.project) == bool(args.labels):
        raise UsageError("give either --labels CSV [CSV ...] with INPUT, or --project NAME.")
    xy = None
    store = None
    preprocess = args.preprocess
    if args.project:
        if args.input:
            raise UsageError("--project reports the project's own data; leave INPUT out.")
        from clustering.store import Store

        store = Store()
        wanted = [r.strip() for r in args.runs.split(",") if r.strip()] if args.runs else None
        dataset, runs = runs_from_project(store, args.project, wanted)
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
    dataset, truth_column = _with_truth(args, dataset)
    _check_given(args, dataset)
    options = ReportOptions(
        title=args.title or f"{dataset.name}: clustering report",
        truth=truth_column,
        projection=args.projection,
        preprocess=preprocess,
        seed=args.seed,
        explain=args.explain,
        perception=args.perception,
    )
    progress = _tqdm_progress() if sys.stderr.isatty() else None
    html = build_report(dataset, runs, options, xy=xy, progress=progress)
    write_text(out, html)
    print(f"wrote {out} ({len(html.encode()) / 1e6:.1f} MB, {len(runs)} run(s) of {source})")
    return 0


def cmd_figure(args: argparse.Namespace) -> int:
    from clustering.report.colours import colour_codes, matched_colour_codes, named_colour_codes
    from clustering.report.figures import check_figure_size, figure_bytes, figure_format, scatter_figure

    out = output_path(args)
    fmt = figure_format(out)
    if not 0.5 <= args.width <= 100 or not 0.5 <= args.height <= 100:
        raise UsageError("--width and --height are inches between 0.5 and 100.")
    try:
        check_figure_size(args.width, args.height, args.dpi)  # before any work
    except ValueError as error:
        raise UsageError(f"--width/--height/--dpi: {error}") from None
    dataset, truth_column = _with_truth(args, load_dataset(args))
    xy = _layout_for(args, dataset, args.preprocess or "none")
    if args.labels:
        found = read_labels(args.labels, dataset, args.allow_unlabelled)
        if truth_column:
            reference = encode_labels(dataset.metadata[truth_column])
            codes, legend = matched_colour_codes(found.labels, reference, found.names)
        else:
            codes, legend = named_colour_codes(found.labels, found.names)
    elif truth_column:
        codes, legend = colour_codes(dataset.metadata[truth_column], noise_negative=False)
    else:
        codes, legend = np.zeros(dataset.n, dtype=np.uint16), []
    figure = scatter_figure(xy, codes, legend, title=args.title, width=args.width, height=args.height)
    data = figure_bytes(figure, fmt, dpi=args.dpi)
    atomic_write(out, lambda temporary: temporary.write_bytes(data))
    print(f"wrote {out} ({fmt}, {len(data) / 1e3:.0f} kB)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from clustering.report.export import joined_labels, table_format, write_table

    out = output_path(args)
    table_format(out)
    dataset = load_dataset(args)
    found = read_labels(args.labels, dataset, args.allow_unlabelled)
    frame = joined_labels(dataset, found.labels, cluster_names=found.names, confidence=found.confidence)
    write_table(frame, out)
    print(f"wrote {out} ({dataset.n:,} rows)")
    return 0


def _line_progress():
    """Progress for long runs: a bar on a terminal, else one line per tenth on stderr (logs of batch jobs)."""
    if sys.stderr.isatty():
        return _tqdm_progress()
    last = [-1]

    def update(stage: str, share: float) -> None:
        tenth = int(share * 10)
        if tenth > last[0]:
            last[0] = tenth
            print(f"{100 * share:3.0f}% {stage}", file=sys.stderr, flush=True)

    return update


def _tqdm_progress():
    from tqdm import tqdm

    bar = tqdm(total=100, file=sys.stderr, leave=False, bar_format="{desc} {bar} {percentage:3.0f}%")

    def update(stage: str, share: float) -> None:
        bar.set_description_str(stage)
        bar.n = int(share * 100)
        bar.refresh()
        if share >= 1.0:
            bar.close()

    return update


if __name__ == "__main__":
    sys.exit(main())
