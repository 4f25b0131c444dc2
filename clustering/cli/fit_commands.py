"""`clusterlab cluster`, `layout` and `sweep`, in memory or out of core on Dask."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from clustering.cli.files import output_path, read_truth
from clustering.cli.options import (
    UsageError,
    comma_list,
    dask_arguments,
    input_arguments,
    label_file_arguments,
    load_dataset,
    method_arguments,
    parse_params,
    preprocess_argument,
    sample_value,
    scale_arguments,
    seed_value,
)
from clustering.cli.output import line_progress, print_json, tqdm_progress
from clustering.data import Dataset
from clustering.limits import SAMPLE_ROWS, SWEEP_MAX_RUNS
from clustering.reports.export import write_table
from clustering.run.layout import layout, layout_note
from clustering.run.sampled import choose_rows


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
    cluster = commands.add_parser("cluster", help="cluster INPUT and write one label per row")
    input_arguments(cluster)
    method_arguments(cluster)
    scale_arguments(cluster)
    cluster.add_argument("--layout", choices=["umap", "pca"], help="also write a 2-D layout (columns x, y)")
    cluster.add_argument(
        "--out",
        required=True,
        help="labels .csv or .parquet (columns row, cluster[, confidence][, x, y][, id]); "
        "out of core: a new folder for part-*.parquet and run.json",
    )
    cluster.add_argument(
        "--confidence",
        choices=["neighbours", "resampled"],
        default="neighbours",
        help="each row's calibrated confidence from its neighbours (default) or also from reruns over seeds and "
        "80%% subsamples (several fits more)",
    )
    cluster.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    cluster.set_defaults(handler=cmd_cluster)

    layout = commands.add_parser("layout", help="a 2-D layout of INPUT alone (UMAP or PCA), as parquet")
    input_arguments(layout)
    scale_arguments(layout)
    layout.add_argument("--method", default="umap", choices=["umap", "pca"], help="umap (default) or pca")
    preprocess_argument(layout)
    layout.add_argument("--seed", type=seed_value, default=0, help="layout seed (default 0)")
    layout.add_argument("--out", required=True, help="xy.parquet (columns row, x, y), or a new folder out of core")
    layout.set_defaults(handler=cmd_layout)

    sweep = commands.add_parser("sweep", help="sweep one parameter; clusters, noise, silhouette, stability")
    input_arguments(sweep)
    method_arguments(sweep)
    sweep.add_argument(
        "--param-range",
        required=True,
        metavar="NAME=START:STOP:COUNT",
        help="e.g. resolution=0.2:2.0:10 (ints are rounded), or NAME=v1,v2,v3",
    )
    sweep.add_argument("--seeds", type=int, default=3, help="runs per value for seed stability (default 3)")
    sweep.add_argument("--subsamples", type=int, default=3, help="80%% subsample runs per value (default 3)")
    sweep.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    dask_arguments(sweep)
    sweep.add_argument(
        "--sample", type=sample_value, default=None, help="sweep on this many random rows (default: every row)"
    )
    sweep.add_argument("--json", action="store_true", help="print JSON")
    sweep.set_defaults(handler=cmd_sweep)
    label_file_arguments(cluster)
    label_file_arguments(sweep)


def cmd_cluster(args: argparse.Namespace) -> int:
    """`clusterlab cluster`: labels for every row (and a layout), in memory or out of core."""
    from clustering.explainers.keywords import keyword_labels  # deferred: the CLI starts without the engine
    from clustering.run.pipeline import run  # deferred: the CLI starts without the engine

    if out_of_core(args):
        return _cluster_out_of_core(args)
    if args.keep:
        raise UsageError(
            "--keep copies columns into an out-of-core run's parts (a parquet folder, a .zarr, or --dask); "
            "for a file in memory, `clusterlab export` joins every metadata column to the labels."
        )
    out_path = output_path(args)
    dataset = load_dataset(args)
    truth = read_truth(args.truth, dataset, args.allow_unlabelled) if args.truth else None
    progress = tqdm_progress() if not args.json and sys.stderr.isatty() else None
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
        confidence=args.confidence,
    )
    out = pd.DataFrame({"row": np.arange(dataset.n), "cluster": result.labels})
    if result.confidence() is not None:
        out["confidence"] = result.confidence()
    if "layout" in result.artifacts:
        out["x"], out["y"] = result.artifacts["layout"][:, 0], result.artifacts["layout"][:, 1]
    if dataset.id_column:
        out[dataset.id_column] = dataset.metadata[dataset.id_column].to_numpy()
    if dataset.text_column:  # the clusters named by their text's keywords, as on the map and in reports
        terms = keyword_labels(dataset.metadata[dataset.text_column], result.labels, top=5)
        out["cluster_keywords"] = pd.Series(result.labels).map(lambda c: terms.get(int(c), "")).to_numpy()
    write_table(out, out_path)
    if args.json:
        print_json(result.summary())
    else:
        line = f"{result.method}: {result.n_clusters} clusters, {result.n_noise} noise, {result.seconds['total']:.2f} s"
        if result.metrics:
            line += "; " + ", ".join(f"{k} {result.metrics[k]:.3f}" for k in ("ari", "ami", "nmi", "acc"))
        if dataset.embedding is not None:
            print(dataset.warnings[0])  # what was embedded, with which model, and how many texts were cut
        print(line)
        if "sample" in result.info:
            sample = result.info["sample"]
            second = sample.get("second_pass", {})
            print(
                f"fitted on {sample['sample_rows']:,} covering rows; the rest labelled by {sample['voters']} nearest; "
                f"{second.get('uncovered_rows', 0):,} rows far from the sample and "
                f"{second.get('noise_voted_rows', 0):,} its noise took clustered again "
                f"({second.get('clusters', 0)} new clusters)"
            )
        print(f"wrote {out_path}")
    return 0


def out_of_core(args: argparse.Namespace) -> bool:
    """Whether the input runs out of core on Dask (a folder, a .zarr, or --dask/--scheduler)."""
    path = Path(args.input)
    return bool(args.dask or args.scheduler or path.is_dir() or path.suffix == ".zarr")


def _open_source(args: argparse.Namespace, truth: str | None = None):
    from clustering.scale.sources import open_source  # deferred: the CLI starts without the engine

    keep = comma_list(getattr(args, "keep", None))
    columns = comma_list(args.columns) or None
    source = open_source(args.input, columns=columns, key=args.key, keep=keep + ([truth] if truth else []))
    return source, tuple(keep)


def _cluster_out_of_core(args: argparse.Namespace, method: str | None = None) -> int:
    from clustering.scale.dask_run import cluster_out_of_core  # deferred: the CLI starts without the engine

    method = method if method is not None else args.method
    truth = getattr(args, "truth", None) if method else None
    keep = tuple(comma_list(getattr(args, "keep", None)))
    summary = cluster_out_of_core(
        args.input,
        method or None,
        parse_params(args.param) if method else None,
        args.out,
        scheduler=args.scheduler,
        workers=args.workers,
        worker_memory=args.worker_memory,
        columns=comma_list(args.columns) or None,
        key=args.key,
        keep=keep,
        truth_column=truth,
        sample_rows=args.sample if isinstance(args.sample, int) else SAMPLE_ROWS.whole(),
        layout=getattr(args, "layout", None) if method else args.method,
        preprocess=args.preprocess,
        seed=args.seed or 0,
        progress=line_progress() if not getattr(args, "json", False) else None,
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
    """`clusterlab layout`: 2-D positions of every row, by the one layout rule."""

    if out_of_core(args):
        return _cluster_out_of_core(args, method="")
    out_path = output_path(args)
    if out_path.suffix != ".parquet":
        raise UsageError(f"--out {args.out}: write the layout as .parquet (columns row, x, y).")
    dataset = load_dataset(args)
    progress = tqdm_progress() if sys.stderr.isatty() else None
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
    """`NAME=START:STOP:COUNT` or `NAME=v1,v2`: the parameter's name and its values."""
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
        values = list(comma_list(spec))
    return name.strip(), values


def cmd_sweep(args: argparse.Namespace) -> int:
    """`clusterlab sweep`: one parameter over values, with clusters, noise, silhouette and stability."""

    from clustering.run.sweep import sweep  # deferred: the CLI starts without the engine
    from clustering.scale.dask_run import dask_client  # deferred: the CLI starts without the engine

    name, values = parse_range(args.param_range)
    on_dask = out_of_core(args)
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
    from clustering.scale.dask_run import read_sample  # deferred: the CLI starts without the engine

    if client is None:
        dataset = load_dataset(args)
        truth = read_truth(args.truth, dataset, args.allow_unlabelled) if args.truth else None  # joined on all rows
        if isinstance(args.sample, int):
            rows = choose_rows(dataset.n, args.sample, args.seed or 0)
            dataset, truth = dataset.subset(rows), None if truth is None else truth[rows]
        return dataset, truth
    source, _ = _open_source(args)
    rows = choose_rows(
        source.n_rows, args.sample if isinstance(args.sample, int) else SAMPLE_ROWS.whole(), args.seed or 0
    )
    vectors = read_sample(client, source, rows)
    dataset = Dataset(vectors=vectors, name=f"{source.name} (sample of {len(rows):,})")
    if args.truth:
        raise UsageError("--truth: out of core, a sweep has no truth; compare its chosen run with `cluster --truth`.")
    return dataset, None


def _sweep(sweep, args: argparse.Namespace, dataset: Dataset, truth, name: str, values: list, client) -> dict:
    """The sweep's runs: local processes, or tasks on the Dask cluster (joblib's dask backend)."""

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
