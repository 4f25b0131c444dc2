"""`clusterlab suggest`: the number of clusters with evidence (a ladder of one method, rerun and compared)."""

from __future__ import annotations

import argparse
import sys

from clustering.cli.files import read_truth
from clustering.cli.options import (
    UsageError,
    input_arguments,
    label_file_arguments,
    load_dataset,
    parse_params,
    preprocess_argument,
    seed_value,
)
from clustering.cli.output import print_json, tqdm_progress
from clustering.store import Store


def register(commands) -> None:
    """Add `suggest` to the `clusterlab` parser."""
    from clustering.run.suggest import LADDERS  # deferred: the CLI starts without the engine

    parser = commands.add_parser(
        "suggest", help="how many clusters: each level of a method rerun over seeds and subsamples, one recommended"
    )
    input_arguments(parser)
    parser.add_argument(
        "--method", default="leiden", choices=list(LADDERS), help="the method's ladder (default leiden)"
    )
    parser.add_argument(
        "--values", help="comma-separated ladder (resolutions, min cluster sizes or k); default: the method's own"
    )
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="fixed method parameter")
    preprocess_argument(parser)
    parser.add_argument("--repeats", type=int, default=3, help="seeds and 80%% subsamples per level (default 3 each)")
    parser.add_argument("--seed", type=seed_value, default=0, help="first seed (default 0)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    parser.add_argument(
        "--truth", help="known classes (column or file): each level's ARI is shown, never used to choose"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--project", help="keep the suggestion in this project (its data must be INPUT): its report then shows it"
    )
    label_file_arguments(parser)
    parser.set_defaults(handler=cmd_suggest)


def ladder_values(text: str | None) -> list[float] | None:
    """--values as numbers (None: the method's ladder)."""
    if not text:
        return None
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--values {text!r}: give comma-separated numbers, e.g. 0.2,0.5,1,2.") from None
    if not values:
        raise UsageError("--values is empty; give comma-separated numbers.")
    return values


def cmd_suggest(args: argparse.Namespace) -> int:
    """`clusterlab suggest`: print the ladder (clusters, stability, agreement[, ARI]) and the recommended level."""
    from clustering.run.suggest import suggest  # deferred: the CLI starts without the engine

    if not 1 <= args.repeats <= 20:
        raise UsageError("--repeats is between 1 and 20.")
    dataset = load_dataset(args)
    truth = read_truth(args.truth, dataset, args.allow_unlabelled) if args.truth else None
    found = suggest(
        dataset,
        args.method,
        values=ladder_values(args.values),
        base_params=parse_params(args.param),
        preprocess=args.preprocess,
        seed=args.seed,
        repeats=args.repeats,
        truth=truth,
        n_jobs=args.jobs,
        progress=tqdm_progress() if not args.json and sys.stderr.isatty() else None,
    )
    if args.project:
        keep_in_project(args.project, dataset, args.preprocess, found)
    if args.json:
        print_json(found.summary())
        return 0
    header = f"{found.param:>16s} {'clusters':>8s} {'noise':>6s} {'stable':>7s} {'found again':>11s} {'agreement':>9s}"
    print(header + (f" {'ARI':>6s}" if truth is not None else ""))
    for index, level in enumerate(found.levels):
        line = (
            f"{level.value:>16g} {level.n_clusters:>8d} {level.noise_share:>6.1%} {level.stability:>7.3f} "
            f"{level.cluster_stability:>11.1%} {level.agreement:>9.3f}"
        )
        if level.ari is not None:
            line += f" {level.ari:>6.3f}"
        print(line + ("  <- recommended" if index == found.chosen and found.structure else ""))
    if found.structure:
        print(f"recommended: {found.param} {found.level.value:g}. {found.reason}")
    else:
        print(f"recommended: one cluster. {found.reason}")
    print(f"{found.runs} runs in {found.seconds:.1f} s")
    return 0


def keep_in_project(project: str, dataset, preprocess: str, found) -> None:
    """Keep the suggestion with the project (refused when the project holds other data)."""

    store = Store()
    ref = store.project(project)["dataset"]
    if ref.fingerprint and ref.fingerprint != dataset.fingerprint:
        raise UsageError(
            f"project {project!r} holds other data than {dataset.source or dataset.name}; give its own INPUT."
        )
    settings = {"fingerprint": dataset.fingerprint, "preprocess": preprocess, "method": found.method}
    store.save_comparison(project, "suggestion", [], settings, found.summary())
