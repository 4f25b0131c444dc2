"""An out-of-core run kept as a project: a fixed random sample of its rows (their vectors and carried columns read
from the input), with the run's labels, confidence and layout for those rows, so Explore, Compare, Explain and
reports open it like any project. The project's dataset says it is a sample and of how many rows; the labels of
every row stay in the run's output folder (and its run.json), named by the run's provenance.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cache import atomic_write
from clustering.data import DataError
from clustering.io import load
from clustering.limits import KEPT_ROWS
from clustering.result import ClusterResult
from clustering.run.sampled import choose_rows
from clustering.scale.dask_run import read_labels
from clustering.scale.sources import open_source
from clustering.store import Store
from clustering.store.data_refs import reference


def _summary(out: Path) -> dict:
    path = out / "run.json"
    if not path.is_file():
        raise DataError(f"{out}: no run.json; is this the output folder of an out-of-core run?")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"{path}: not readable JSON ({error}); run the out-of-core run again.") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("input"), str) or not summary.get("method"):
        raise DataError(f"{path}: not an out-of-core run's summary with a method (a layout-only run has no labels).")
    return summary


def sample_table(summary: dict, rows: np.ndarray) -> pd.DataFrame:
    """The sampled rows of the run's input: `id` (the row in the whole input), the features, the carried columns."""

    opened = summary.get("opened") or {}
    source = open_source(
        summary["input"], columns=opened.get("columns"), key=opened.get("key"), keep=opened.get("keep")
    )
    if source.n_rows != summary.get("rows"):
        raise DataError(
            f"{summary['input']}: has {source.n_rows:,} rows, the run labelled {summary.get('rows')}; the input "
            "changed since the run, so its labels would not match."
        )
    vectors: list[np.ndarray] = []
    extra: dict[str, list[np.ndarray]] = {c: [] for c in source.extra_columns}
    for part in source.parts:
        low, high = np.searchsorted(rows, [part.start, part.start + part.rows])
        if high == low:
            continue
        vectors.append(source.take(part, rows[low:high]))
        for column in source.extra_columns:
            extra[column].append(source.read_column(part, column)[rows[low:high] - part.start])
    x = np.concatenate(vectors)
    frame = pd.DataFrame(x, columns=[f"dim_{j}" for j in range(x.shape[1])])
    frame.insert(0, "id", rows)
    for column, pieces in extra.items():
        frame[column if column not in frame.columns else f"input_{column}"] = np.concatenate(pieces)
    return frame


def keep_as_project(out: str | Path, store: Store, project: str, rows: int | None = None, seed: int = 0) -> str:
    """Make project `project` from the out-of-core run in `out`; returns the run id. Refused (nothing written)
    when the folder is not a finished run, the input changed, or the project exists."""
    rows = KEPT_ROWS.whole() if rows is None else rows

    out = Path(out)
    summary = _summary(out)
    if store.exists(project):
        raise DataError(f"project {project!r} exists already; name a new one.")
    labels, confidence, xy = read_labels(out)
    if labels is None:
        raise DataError(f"{out}: the run wrote no cluster labels.")
    n = len(labels)
    chosen = np.sort(choose_rows(n, rows, seed=seed)) if n > rows else np.arange(n)
    table = sample_table(summary, chosen)
    digest = hashlib.blake2b(f"{out.resolve()}|{len(chosen)}|{seed}".encode(), digest_size=16).hexdigest()
    folder = store.folder / "samples"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.parquet"
    atomic_write(path, lambda temporary: table.to_parquet(temporary, index=False))
    name = f"{Path(summary['input']).name} ({len(chosen):,} of {n:,} rows)"
    dataset = load(path, name=name)
    ref = reference(dataset, str(path), summary.get("preprocess") or "none")
    store.create(project, ref)
    result = ClusterResult(
        labels=labels[chosen],
        method=str(summary["method"]),
        params=dict(summary.get("params") or {}),
        seed=summary.get("seed"),
        preprocess=summary.get("preprocess") or "none",
        dataset_fingerprint=dataset.fingerprint,
        probabilities=None if confidence is None else np.asarray(confidence)[chosen],
        info={"out_of_core": {"out": str(out), "rows": n, "kept_rows": int(len(chosen)), "seed": seed}},
    )
    run_id = store.add_run(project, result, f"{summary['method']} (out of core, {n:,} rows)")
    layout = summary.get("layout") or {}
    if xy is not None and layout.get("method"):
        store.save_layout(project, str(layout["method"]), ref.preprocess, 0, np.asarray(xy)[chosen])  # the pages' seed
    return run_id
