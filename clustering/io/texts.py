"""Tables of texts: a `.txt` file (one document per line), JSON lines, or a CSV/TSV/parquet table whose features
are a text column. The texts are checked (empty, missing, not UTF-8), embedded, and become the dataset's vectors;
every column stays as metadata and the text column names the clusters.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.data import DataError, Dataset
from clustering.embed import DEFAULT_MODEL, embed_texts
from clustering.io.checks import LoadOptions, chosen_text_column, finish, not_utf8
from clustering.limits import EMBED_FAST_ADVISED_ROWS
from clustering.progress import Progress

TEXT_FORMATS = (".txt", ".jsonl")
EXAMPLES = 5


def read_lines(path: Path) -> pd.DataFrame:
    """A `.txt` file as a one-column table `text`: one document per line (a final newline ends the last)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(path, data, error.start) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise DataError(f"{path}: no lines to read; put one document per line.")
    return pd.DataFrame({"text": [line.rstrip("\r") for line in lines]})


def read_jsonl(path: Path) -> pd.DataFrame:
    """A JSON lines file: one object per line, its keys the columns."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise not_utf8(path, data, error.start) from None
    try:
        frame = pd.read_json(path, lines=True, dtype=False)
    except ValueError as error:
        raise DataError(f"{path}: not JSON lines ({str(error)[:120]}). Put one JSON object per line.") from error
    if frame.empty:
        raise DataError(f"{path}: no rows to read; put one JSON object per line.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def texts_dataset(
    frame: pd.DataFrame,
    path: Path,
    opts: LoadOptions,
    *,
    name: str,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> Dataset:
    """Embed the text column of `frame` and make the dataset: vectors from the texts, every column as metadata."""
    label = str(path)
    column = chosen_text_column(frame, opts.text_column or None, label)
    if column is None:  # short texts (titles) are not told from categories by their words: the one text column
        strings = [c for c in frame.columns if frame[c].dtype == object and str(c).lower() != "id"]
        column = strings[0] if len(strings) == 1 else None
    if column is None:
        raise DataError(
            f"{label}: no numeric feature columns and no column of text to embed (columns: "
            f"{list(frame.columns)[:20]}). Name the text column (CLI: --text-column; app: Data page)."
        )
    values = frame[column]
    missing = np.flatnonzero(values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy())
    if len(missing) == len(frame):
        raise DataError(f"{label}: the text column '{column}' is empty on every row.")
    if len(missing) and not opts.drop_empty_text:
        rows = ", ".join(str(int(r) + 1) for r in missing[:EXAMPLES])
        raise DataError(
            f"{label}: the text column '{column}' is empty or missing on {len(missing):,} of {len(frame):,} rows "
            f"(rows {rows}{' …' if len(missing) > EXAMPLES else ''}; row 1 is the first data row). Fill them, or "
            "leave those rows out (CLI: --drop-empty-text; app: Data page)."
        )
    if len(missing):
        has_id = any(str(c).lower() == "id" and frame[c].is_unique for c in frame.columns)
        if not has_id:  # rows are joined by id: the file's own row numbers, not the positions left
            frame = frame.assign(id=np.arange(len(frame)))
        frame = frame.drop(index=frame.index[missing]).reset_index(drop=True)
    texts = [str(v) for v in frame[column].tolist()]
    vectors, embedding = embed_texts(
        texts, opts.embed or DEFAULT_MODEL, column=column, progress=progress, cancel=cancel
    )
    embedding.dropped = [int(r) for r in missing]
    dataset = finish(
        vectors,
        frame,
        None,
        name=name,
        source=label,
        opts=LoadOptions(max_mb=opts.max_mb, max_columns=opts.max_columns, max_rows=opts.max_rows, text_column=column),
    )
    notes = [embedding.note()]
    if embedding.model["model"] != "fast" and len(texts) > EMBED_FAST_ADVISED_ROWS.whole() and not embedding.cached:
        notes.append(
            f"{len(texts):,} texts: the fast model (--embed fast) embeds them in seconds rather than minutes, "
            f"advised above {EMBED_FAST_ADVISED_ROWS.whole():,} texts."
        )
    return replace(
        dataset,
        text_column=column,
        embedding=embedding.to_json(),
        warnings=[*notes, *(w for w in dataset.warnings if "identical" in w or "duplicate" in w)],
    )
