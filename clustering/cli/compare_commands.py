"""`clusterlab compare`, `perceive` and `explain`: agreement, what a person sees, and rules per cluster."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd

from clustering.cache import write_text
from clustering.cli.files import output_path, read_labels, read_truth, run_names
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
from clustering.explainers import available_spaces, build_space, explain
from clustering.explainers.registry import EXPLAINERS, get_explainer
from clustering.graph.projection import project
from clustering.result import json_safe


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
    compare = commands.add_parser("compare", help="agreement (ARI, AMI, VI) and best matches between clusterings")
    input_arguments(compare)
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
    input_arguments(perceive)
    perceive.add_argument("--labels", metavar="CSV", help="a run's labels: ARI against the picture and verdicts")
    perceive.add_argument(
        "--projection",
        default="umap",
        choices=["umap", "pca", "given"],
        help="2-D layout to look at; `given` uses a 2-column input unchanged (default umap)",
    )
    preprocess_argument(perceive, when="before projecting")
    perceive.add_argument("--seed", type=seed_value, default=0, help="projection seed")
    perceive.add_argument("--width", type=int, default=600, help="plot width in pixels (default 600)")
    perceive.add_argument("--height", type=int, default=600, help="plot height in pixels (default 600)")
    perceive.add_argument("--marker", type=float, default=3.0, help="marker size in pixels (default 3)")
    perceive.add_argument("--bandwidth", type=float, default=None, help="smoothing in pixels (default from marker)")
    perceive.add_argument("--level", type=float, default=0.1, help="density threshold, share of the median (0.1)")
    perceive.add_argument("--json", action="store_true", help="print JSON")
    perceive.set_defaults(handler=cmd_perceive)

    explain = commands.add_parser("explain", help="rules that describe each cluster, with accuracy and complexity")
    input_arguments(explain)
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
    label_file_arguments(compare)
    label_file_arguments(perceive)
    label_file_arguments(explain)


def cmd_compare(args: argparse.Namespace) -> int:
    """`clusterlab compare`: ARI, AMI, VI and best matches between label files (and the truth)."""
    from clustering.evaluate.compare import Labeling, compare  # deferred: the CLI starts without the engine

    dataset = load_dataset(args)
    labelings = [
        Labeling(name, read_labels(path, dataset, args.allow_unlabelled).labels)
        for name, path in zip(run_names(args.labels), args.labels)
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
    """`clusterlab perceive`: the regions a person sees in the 2-D layout, and each cluster's verdict."""
    from clustering.evaluate.perception import (  # deferred: the CLI starts without the engine
        ViewModel,
        perceive,
        trustworthiness_continuity,
    )
    from clustering.run.pipeline import prepared  # deferred: the CLI starts without the engine

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
    """`clusterlab explain`: rules per cluster, with accuracy and complexity, written as JSON."""
    from clustering.explainers.keywords import keywords  # deferred: the CLI starts without the engine

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
            xy = project(dataset.vectors, method=args.projection, n_components=2, seed=args.seed)
    space = build_space(dataset, space_name, xy=xy, n_components=args.components, seed=args.seed)
    progress = tqdm_progress() if sys.stderr.isatty() else None
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
