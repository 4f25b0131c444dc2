"""`clusterlab samples`, `info` and `methods`: what there is to work with."""

from __future__ import annotations

import argparse

from clustering.backends import BACKENDS
from clustering.cli.options import input_arguments, load_dataset
from clustering.cli.output import print_json
from clustering.explainers.registry import EXPLAINERS
from clustering.io.checks import text_column_reasons


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
    samples = commands.add_parser("samples", help="list the bundled sample datasets")
    samples.set_defaults(handler=cmd_samples)

    info = commands.add_parser("info", help="shape, dtype, metadata columns, NaN count, fingerprint")
    input_arguments(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=cmd_info)

    methods = commands.add_parser("methods", help="list clustering methods and their parameters")
    methods.set_defaults(handler=cmd_methods)


def cmd_samples(args: argparse.Namespace) -> int:
    """`clusterlab samples`: the bundled datasets."""
    from clustering.io.samples import SAMPLES, sample_names  # deferred: the CLI starts without the engine

    for name in sample_names():
        sample = SAMPLES[name]
        print(f"sample:{name:<12} {sample.description}\n{'':19} source: {sample.provenance}")
    return 0


def cmd_methods(args: argparse.Namespace) -> int:
    """`clusterlab methods`: every clustering and explanation method with its parameters."""

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


def _why_text(dataset) -> str:
    """Why the text column was taken (found from the data), for `info`."""

    reasons = dict(text_column_reasons(dataset.metadata))
    return f" ({reasons[dataset.text_column]})" if dataset.text_column in reasons else ""


def cmd_info(args: argparse.Namespace) -> int:
    """`clusterlab info`: shape, features, metadata, NaN count and fingerprint of an input."""
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
    print(f"text column: {summary['text_column'] or '(none found; name one with --text-column)'}{_why_text(dataset)}")
    print(f"NaN values: {summary['nan_count']}")
    print(f"fingerprint: {summary['fingerprint']}")
    for warning in summary["warnings"]:
        print(f"warning: {warning}")
    return 0
