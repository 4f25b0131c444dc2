"""`clusterlab run` and `clusterlab project ...`: configs into projects, and the projects' actions."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cache import atomic_write, write_text
from clustering.cli.files import check_output, output_path
from clustering.cli.options import UsageError
from clustering.cli.output import print_json, terminal_text, tqdm_progress
from clustering.limits import KEPT_ROWS
from clustering.reports.export import joined_labels, table_format, write_table
from clustering.store import Store, load_config, load_data, run_config
from clustering.store.checks import damaged_runs, orphans, remove_orphans
from clustering.store.export import export_project
from clustering.store.records import check_name


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
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
    keep = actions.add_parser(
        "keep", help="an out-of-core run's output folder as a project (a sample of its rows, their labels and layout)"
    )
    keep.add_argument("out", help="the run's output folder (with run.json)")
    keep.add_argument("--project", required=True, dest="name", help="the new project's name")
    keep.add_argument(
        "--rows", type=int, default=KEPT_ROWS.whole(), help=f"rows the project holds (default {KEPT_ROWS.whole():,})"
    )
    check = actions.add_parser(
        "check", help="find runs whose label files are missing or changed, and files no run names (orphans)"
    )
    check.add_argument("--fix", action="store_true", help="remove the orphan files (ten minutes old or more)")
    for sub in (listing, show, export, labels, delete, keep, check):
        sub.set_defaults(handler=cmd_project, input=None)


def cmd_run(args: argparse.Namespace) -> int:
    """`clusterlab run`: every run of a YAML config into a project, each said as soon as it is stored."""

    config = load_config(args.config)
    project = args.project or Path(args.config).stem
    progress = tqdm_progress() if not args.json and sys.stderr.isatty() else None

    def said(run_id: str, result) -> None:
        if args.json:
            print_json({**result.summary(), "project": project, "run": result.name, "run_id": run_id})
        else:
            print(
                terminal_text(
                    f"{project} / {result.name}: {result.method}, {result.n_clusters} clusters, {result.n_noise} "
                    f"noise, {result.total_seconds:.2f} s"
                ),
                flush=True,
            )
        sys.stdout.flush()

    run_config(config, Store(), project, progress=progress, on_stored=said)
    return 0


def project_list(store, args: argparse.Namespace) -> None:
    """`project list`: every project with its dataset and number of runs."""
    projects = store.projects()
    if args.json:
        print_json({"projects": projects})
        return
    for entry in projects:
        print(terminal_text(f"{entry['name']}: {entry['dataset']['source']}, {entry['runs']} run(s)"))


def project_show(store, args: argparse.Namespace) -> None:
    """`project show`: a project's dataset and its runs."""
    found = store.project(args.name)
    payload = {**found, "dataset": found["dataset"].to_json(), "runs": [run.to_json() for run in found["runs"]]}
    if args.json:
        print_json(payload)
        return
    print(terminal_text(f"{args.name}: {payload['dataset']['source']} ({payload['dataset']['n_rows']:,} rows)"))
    for run in found["runs"]:
        line = f"  {run.name} [{run.id}]: {run.method}, {run.n_clusters} clusters, {run.n_noise} noise"
        print(terminal_text(line))


def project_export(store, args: argparse.Namespace) -> None:
    """`project export`: a YAML config that re-runs the project to identical labels (with the files it names:
    drill-downs' rows and imported labels, in a folder beside it)."""

    out = output_path(args)
    _not_the_data(store, args.name, out)
    exported = export_project(store, args.name, files_folder=f"{out.stem}.files")
    targets = {name: out.parent / name for name in exported.files}
    for target in targets.values():
        check_output(target, args)
    for name, target in targets.items():
        target.parent.mkdir(exist_ok=True)
        atomic_write(target, functools.partial(_write_bytes, payload=exported.files[name]))
    write_text(out, exported.text)
    print(f"wrote {out}" + (f" and {len(targets)} file(s) in {out.stem}.files/" if targets else ""))


def project_labels(store, args: argparse.Namespace) -> None:
    """`project labels`: a run's labels (with names, confidence and, asked, the metadata)."""

    out = output_path(args)
    _not_the_data(store, args.name, out)
    table_format(out)
    run = store.find_run(args.name, args.run)
    labels, confidence = store.labels(args.name, run.id)
    names = {c: name for c, (name, _) in store.cluster_names(args.name, run.id).items() if name}
    if args.metadata:
        dataset = load_data(store.project(args.name)["dataset"])
        frame = joined_labels(dataset, labels, confidence=confidence, cluster_names=names)
    else:
        frame = pd.DataFrame(
            {"row": np.arange(len(labels)), "cluster": labels, "cluster_name": [names.get(int(c), "") for c in labels]}
        )
        if confidence is not None:
            frame["confidence"] = confidence
    write_table(frame, out)
    print(f"wrote {out}")


def _write_bytes(temporary: Path, payload: bytes) -> None:
    temporary.write_bytes(payload)


def _not_the_data(store, project: str, out: Path) -> None:
    """Refuse an output over the project's own data file (an input of every project command)."""
    source = store.project(project)["dataset"].source
    if not source.startswith("sample:") and Path(source).exists() and out.exists() and out.samefile(source):
        raise UsageError(f"--out {out} is the project's data file; write the result to another file.")


def project_delete(store, args: argparse.Namespace) -> None:
    """`project delete`: the project, its runs and their files."""
    store.delete(args.name)
    print(terminal_text(f"deleted project {args.name}"))


def project_keep(store, args: argparse.Namespace) -> None:
    """`clusterlab project keep OUT --project NAME`: an out-of-core run opened as a project (a sample)."""
    from clustering.scale.keep import keep_as_project  # deferred: the CLI starts without the engine

    if args.rows < 100:
        raise UsageError("--rows is at least 100.")
    run_id = keep_as_project(args.out, store, check_name(args.name), rows=args.rows)
    found = store.project(args.name)["dataset"]
    print(f"project {args.name!r}: {found.name}, run {run_id}; open it in the app or `clusterlab report --project`")


def project_check(store, args: argparse.Namespace) -> int:
    """`project check`: damaged runs (exit 1: run them again) and orphan files (removed with --fix)."""

    damaged = damaged_runs(store)
    for project, run, why in damaged:
        print(terminal_text(f"damaged: {project} / {run}: {why}"))
    found = remove_orphans(store) if args.fix else orphans(store)
    for path in found:
        print(f"{'removed' if args.fix else 'orphan'}: {path}")
    if found and not args.fix:
        print(f"{len(found)} orphan file(s) no run names; `clusterlab project check --fix` removes them.")
    if not damaged and not found:
        print(f"{store.path}: every run's labels are whole; no orphan files.")
    return 1 if damaged else 0


PROJECT_ACTIONS = {
    "list": project_list,
    "show": project_show,
    "export": project_export,
    "labels": project_labels,
    "delete": project_delete,
    "keep": project_keep,
    "check": project_check,
}


def cmd_project(args: argparse.Namespace) -> int:
    """`clusterlab project ACTION`: the action from the table."""

    return PROJECT_ACTIONS[args.action](Store(), args) or 0
