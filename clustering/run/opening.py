"""Open a file and cluster it in one step, as `clusterlab app FILE` does: load (embedding a table of texts with the
default model) and run `auto`, with one progress bar and Cancel for both."""

from __future__ import annotations

import threading
from pathlib import Path

from clustering.backends import get_backend
from clustering.io import load
from clustering.progress import Progress, span
from clustering.result import ClusterResult
from clustering.run.pipeline import run

FALLBACK_METHOD = "leiden"


def open_and_cluster(
    path: str,
    text_column: str | None = None,
    embed: str | None = None,
    method: str = "auto",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> tuple[dict, ClusterResult]:
    """Load `path` and cluster it with `method`; returns how it was read (text column, model) and the result."""
    options: dict = {"text_column": text_column} if text_column is not None else {}
    if embed:
        options["embed"] = embed
    dataset = load(Path(path), progress=span(progress, 0.0, 0.5, "reading: "), cancel=cancel, **options)
    if get_backend(method).refusal(dataset.n, dataset.d, {}):  # too few rows for `auto`: Leiden's defaults
        method = FALLBACK_METHOD
    result = run(dataset, method, {}, progress=span(progress, 0.5, 1.0, "clustering: "), cancel=cancel)
    embedding = dataset.embedding or {}
    read = {
        "text_column": dataset.text_column if embedding else text_column,
        "embed": embedding.get("model"),
        "drop_empty_text": bool(embedding.get("dropped")),
    }
    return read, result
