"""`clusterlab consensus`: one clustering that several agree on (co-association on the kNN graph, then Leiden)."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from clustering.cli.files import output_path, read_labels, run_names
from clustering.cli.options import (
    UsageError,
    input_arguments,
    label_file_arguments,
    load_dataset,
    preprocess_argument,
    seed_value,
)
from clustering.cli.output import print_json
from clustering.evaluate import metrics
from clustering.graph.neighbors import knn_graph
from clustering.graph.preprocess import prepared
from clustering.reports.export import write_table


def register(commands) -> None:
    """Add `consensus` to the `clusterlab` parser."""
    parser = commands.add_parser(
        "consensus", help="the clustering several label files agree on (co-association, clustered again)"
    )
    input_arguments(parser)
    parser.add_argument("--labels", nargs="+", required=True, metavar="CSV", help="two label files or more")
    preprocess_argument(parser, when="for the kNN graph")
    parser.add_argument("--neighbors", type=int, default=15, help="neighbours per row in the graph (default 15)")
    parser.add_argument(
        "--resolution",
        type=float,
        default=None,
        help="Leiden resolution (default: of 0.25, 0.5, 1 and 2, the one agreeing most with the members)",
    )
    parser.add_argument("--seed", type=seed_value, default=0, help="Leiden seed")
    parser.add_argument("--out", required=True, help="the consensus labels: CSV or parquet (row, cluster, confidence)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    label_file_arguments(parser)
    parser.set_defaults(handler=cmd_consensus)


def cmd_consensus(args: argparse.Namespace) -> int:
    """`clusterlab consensus`: read the members (joined by id), build their co-association, write the consensus."""
    from clustering.evidence.consensus import consensus  # deferred: the CLI starts without the engine

    if len(args.labels) < 2:
        raise UsageError("--labels needs two label files or more (a consensus of one is that one).")
    if not 2 <= args.neighbors <= 200:
        raise UsageError("--neighbors is between 2 and 200.")
    if args.resolution is not None and not 0 < args.resolution <= 100:
        raise UsageError("--resolution is a number above 0 (and at most 100).")
    out = output_path(args)
    dataset = load_dataset(args)
    members = [read_labels(path, dataset, args.allow_unlabelled).labels for path in args.labels]
    names = run_names(args.labels)
    knn = knn_graph(prepared(dataset, args.preprocess), args.neighbors)
    found = consensus(knn, members, names, resolution=args.resolution, seed=args.seed)
    table = pd.DataFrame({"row": np.arange(dataset.n), "cluster": found.labels, "confidence": found.agreement})
    if dataset.id_column:
        table[dataset.id_column] = dataset.metadata[dataset.id_column].to_numpy()
    write_table(table, out)
    summary = {
        "members": names,
        "n_clusters": int(len(np.unique(found.labels[found.labels >= 0]))),
        "n_noise": int((found.labels < 0).sum()),
        "ari_with_members": {name: metrics.ari(labels, found.labels) for name, labels in zip(names, members)},
        "mean_confidence": float(found.agreement.mean()),
        "consensus": found.note,
        "kept_member": found.kept_member,
        "out": str(out),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"consensus of {len(names)} clusterings: {summary['n_clusters']} clusters, {summary['n_noise']} noise, "
            f"mean agreement {summary['mean_confidence']:.2f}; wrote {out}"
        )
        if found.note:  # the resolution it chose, and a member kept instead of a consensus agreeing less
            print(found.note)
    return 0
