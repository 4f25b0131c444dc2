"""Shared argument groups and value parsers of the `clusterlab` command line (one place for each option)."""

from __future__ import annotations

import argparse
from dataclasses import replace

from clustering.backends.base import RANDOM_STATE, ParamError
from clustering.backends.leiden import Leiden
from clustering.cli.output import tqdm_progress
from clustering.data import Dataset
from clustering.embed.models import MODEL_CHOICES
from clustering.graph.preprocess import CHOICES as PREPROCESS_CHOICES
from clustering.io.checks import chosen_text_column
from clustering.limits import EMBED_FAST_ADVISED_ROWS


class UsageError(ValueError):
    """A command-line argument a person must fix."""


def input_arguments(parser: argparse.ArgumentParser) -> None:
    """INPUT and the options that pick what is read from it (--key, --columns, --drop-nonfinite, --text-column)."""
    parser.add_argument(
        "input",
        help="a file (.npy .npz .csv .tsv .parquet .h5ad; texts: .csv .tsv .parquet .jsonl .txt) or sample:NAME",
    )
    parser.add_argument("--key", help="array in .npz, obsm key in .h5ad, vector column in .parquet")
    parser.add_argument("--columns", help="comma-separated feature columns (CSV/parquet)")
    parser.add_argument("--drop-nonfinite", action="store_true", help="drop rows with NaN/inf instead of failing")
    parser.add_argument(
        "--text-column",
        default=None,
        help="the column of free text (embedded when the table has no numeric columns; keywords, word rules); "
        "default: found from the data; '' for none",
    )
    parser.add_argument(
        "--embed",
        default=None,
        metavar="MODEL",
        help=f"embed the text column with MODEL: {'; '.join(f'{k}: {v}' for k, v in MODEL_CHOICES.items())}; or a "
        "local sentence-transformers folder (nothing is downloaded). Default: minilm when the table has no numeric "
        f"columns; fast is advised above {EMBED_FAST_ADVISED_ROWS.whole():,} texts",
    )
    parser.add_argument(
        "--drop-empty-text", action="store_true", help="leave out rows whose text is empty instead of refusing the file"
    )


def scale_arguments(parser: argparse.ArgumentParser) -> None:
    """--sample and --keep, and the Dask options."""
    parser.add_argument(
        "--sample",
        type=sample_value,
        default="auto",
        help="fit on N random rows and assign the rest by their nearest sample rows; "
        f"auto (default: above the method's limit, e.g. {Leiden.full_fit_rows:,} rows for Leiden) or none",
    )
    dask_arguments(parser)
    parser.add_argument("--keep", help="out of core: comma-separated input columns copied into the output parts")


def dask_arguments(parser: argparse.ArgumentParser) -> None:
    """--dask, --scheduler, --workers and --worker-memory."""
    parser.add_argument(
        "--dask", action="store_true", help="run out of core on Dask (automatic for a parquet folder or a .zarr input)"
    )
    parser.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler (default: a local cluster)")
    parser.add_argument(
        "--workers", type=worker_count, default=None, help="local cluster: worker processes (default: cores)"
    )
    parser.add_argument(
        "--worker-memory",
        type=memory_size,
        default=None,
        help="local cluster: memory limit per worker, e.g. 4GB (setting CLUSTERLAB_WORKER_MEMORY, default 4GB)",
    )


def preprocess_argument(parser, default: str | None = "none", when: str = "") -> None:
    """--preprocess, its choices from `clustering.graph.preprocess.CHOICES` (one help text for every command)."""
    help_text = " | ".join(PREPROCESS_CHOICES) + (f" ({when})" if when else "")
    parser.add_argument("--preprocess", default=default, help=help_text)


def method_arguments(parser: argparse.ArgumentParser) -> None:
    """--method, --param, --seed, --preprocess and --truth."""
    parser.add_argument("--method", required=True, help="leiden, hdbscan, kmeans, gmm, ... (see `clusterlab methods`)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="method parameter")
    parser.add_argument("--seed", type=seed_value, default=None, help="random seed")
    preprocess_argument(parser)
    parser.add_argument("--truth", help="metadata column or CSV file of true labels (column `label`, or only column)")


def layout_arguments(parser: argparse.ArgumentParser) -> None:
    """--projection, --preprocess and --seed of a layout."""
    parser.add_argument(
        "--projection",
        default="umap",
        choices=["umap", "pca", "given"],
        help="2-D layout: umap, pca, or the input's two columns (default umap)",
    )
    preprocess_argument(parser, None, "before the layout")
    parser.add_argument("--seed", type=seed_value, default=0, help="layout seed (default 0)")


def label_file_arguments(parser: argparse.ArgumentParser) -> None:
    """--allow-unlabelled, for commands that read a labels or truth file."""
    parser.add_argument(
        "--allow-unlabelled",
        action="store_true",
        help="leave data rows that a labels or truth file does not name unlabelled (default: refuse)",
    )


def worker_count(text: str) -> int:
    """--workers: a whole number from 1 to 1,024."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 1024:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of worker processes from 1 to 1024.")
    return int(text)


def memory_size(text: str) -> str:
    """--worker-memory: a size Dask reads, such as 4GB or 500MB (at least 100MB)."""
    from dask.utils import parse_bytes  # deferred: the CLI starts without the engine

    try:
        size = parse_bytes(text.strip())
    except (ValueError, TypeError):
        raise argparse.ArgumentTypeError(f"{text!r}: give a size such as 4GB or 500MB.") from None
    if size < 100 * 2**20:
        raise argparse.ArgumentTypeError(f"{text!r}: a worker needs at least 100MB.")
    return text.strip()


def comma_list(text: str | None) -> list[str]:
    """Names given as `a,b,c` (spaces around names dropped, empty names skipped)."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def seed_value(text: str) -> int:
    """A --seed: a whole number from 0 to 2**31 - 1, checked before any work."""

    try:
        return int(RANDOM_STATE.coerce(text))
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
    """`--param KEY=VALUE` pairs as a dict (values stay text; the method's schema parses them)."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {pair!r}: write KEY=VALUE, e.g. --param n_clusters=10")
        params[name.strip()] = value.strip()
    return params


def load_dataset(args: argparse.Namespace) -> Dataset:
    """The INPUT as a Dataset, with the options given."""
    from clustering.io.samples import load_input  # deferred: the CLI starts without the engine

    options: dict = {"drop_nonfinite": args.drop_nonfinite}
    if args.key:
        options["key"] = args.key
    if args.columns:
        options["columns"] = comma_list(args.columns)
    text_column = getattr(args, "text_column", None)
    if text_column is not None and not str(args.input).startswith("sample:"):
        options["text_column"] = text_column.strip()
    if getattr(args, "embed", None) or getattr(args, "drop_empty_text", False):
        if str(args.input).startswith("sample:"):
            raise UsageError("--embed and --drop-empty-text apply to files of text, not to bundled samples.")
        options["embed"] = args.embed.strip() if args.embed else None
        options["drop_empty_text"] = bool(args.drop_empty_text)
    if not str(args.input).startswith("sample:"):
        options["progress"] = tqdm_progress()
    dataset = load_input(args.input, **options)
    if text_column is not None and str(args.input).startswith("sample:"):
        dataset = replace(dataset, text_column=chosen_text_column(dataset.metadata, text_column.strip(), args.input))
    return dataset
