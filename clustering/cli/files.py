"""Files a command reads and writes: label and truth files (joined by id), output paths never over an input."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cli.options import UsageError
from clustering.data import Dataset, encode_labels, is_missing
from clustering.io.labels import LabelFile, read_label_file
from clustering.store.database import HOME_SETTING, home_path


def read_truth(spec: str, dataset: Dataset, allow_unlabelled: bool = False) -> np.ndarray:
    """True classes as int codes (-1 none): a metadata column, or a truth file joined to the data by its ids."""
    if spec in dataset.metadata.columns:
        codes = encode_labels(dataset.metadata[spec])
        _say_missing(spec, int((codes < 0).sum()))
        return codes
    return _truth_file(spec, dataset, allow_unlabelled).labels


def truth_values(spec: str, dataset: Dataset, allow_unlabelled: bool = False) -> pd.Series:
    """The truth as values with their names: a metadata column, or a truth file's classes by name (None: none)."""
    if spec in dataset.metadata.columns:
        values = dataset.metadata[spec].reset_index(drop=True).astype(object)
        return values.where(~is_missing(values), None)
    return _truth_file(spec, dataset, allow_unlabelled).named_values()


def _truth_file(spec: str, dataset: Dataset, allow_unlabelled: bool) -> LabelFile:
    if not Path(spec).exists():
        raise UsageError(
            f"--truth {spec}: neither a metadata column (columns: {list(dataset.metadata.columns)[:15]}) "
            "nor an existing file."
        )
    found = read_label_file(spec, dataset, truth=True, allow_unlabelled=allow_unlabelled)
    _say_unlabelled(found)
    return found


def read_labels(path_text: str, dataset: Dataset, allow_unlabelled: bool = False) -> LabelFile:
    """A labels file joined to the data by its ids: `row`, `id` or the data's key (see clustering.io.labels)."""
    found = read_label_file(path_text, dataset, option="--labels", allow_unlabelled=allow_unlabelled)
    _say_unlabelled(found)
    return found


def _say_missing(where: str, missing: int) -> None:
    if missing:
        print(
            f"note: {where}: {missing:,} rows have no class (empty, NA, N/A, nan or null) and are left out of the "
            "scores.",
            file=sys.stderr,
        )


def _say_unlabelled(found: LabelFile) -> None:
    _say_missing(found.path, found.missing)
    if found.unlabelled:
        print(
            f"note: {found.path}: {found.unlabelled:,} data rows have no label and are left unlabelled (-1).",
            file=sys.stderr,
        )


def with_truth(args: argparse.Namespace, dataset: Dataset) -> tuple[Dataset, str | None]:
    """--truth as a metadata column name; a CSV file's labels become a new dataset's metadata column 'truth'."""
    if not args.truth:
        return dataset, None
    if args.truth in dataset.metadata.columns:
        return dataset, args.truth
    return dataset.with_metadata(truth=truth_values(args.truth, dataset, args.allow_unlabelled)), "truth"


def output_path(args: argparse.Namespace) -> Path:
    """Check --out before any work starts: a file path in an existing folder, never one of the inputs, never in the
    project store."""
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
    check_output(out, args)
    return out


def check_output(out: Path, args: argparse.Namespace) -> None:
    """Refuse a file to write that is one of the command's inputs or lies in the project store (CLUSTERLAB_HOME):
    the store's database and label files are written by the store alone."""
    inputs = [getattr(args, "input", None), getattr(args, "truth", None), getattr(args, "config", None)]
    inputs += _as_list(getattr(args, "labels", None))
    for given in inputs:
        if given and not str(given).startswith("sample:") and _same_file(out, Path(given)):
            raise UsageError(
                f"--out {out} is also an input ({given}); write the result to another file, "
                "the input is never overwritten."
            )
    store = store_folder()
    if store is not None and out.resolve().is_relative_to(store):
        raise UsageError(
            f"--out {out} lies in the project store ({store}, {HOME_SETTING}); the store's files are written by "
            "Clusterlab alone. Write the file somewhere else."
        )


def store_folder() -> Path | None:
    """The project store's folder, resolved (None when it does not exist yet: nothing there to overwrite)."""
    root = home_path()
    return root.resolve() if root.is_dir() else None


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def run_names(paths: list[str]) -> list[str]:
    """Run names from file names (their stems, or whole paths when stems repeat)."""
    names = [Path(p).stem for p in paths]
    if len(set(names)) != len(names):
        names = [str(Path(p)) for p in paths]
    return names
