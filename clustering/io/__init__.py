"""Load embeddings from .npy, .npz, .csv/.tsv, .parquet and .h5ad into a Dataset.

Every failure is a DataError naming the file, the row/column where it can, and what to do.
Nothing is written to the user's file. One module per kind of file (arrays, tables, h5ad) and the checks they
share (checks).
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

import pandas as pd

from clustering.data import DataError, Dataset
from clustering.io.arrays import npy_header, read_npy, read_npz
from clustering.io.checks import (
    FORMATS,
    LoadOptions,
    column_std,
    duplicate_rows,
    finish,
    nonfinite_rows,
    short_error,
    text_columns,
)
from clustering.io.h5ad import read_h5ad
from clustering.io.tables import (
    DEFAULT_VECTOR_COLUMN,
    METADATA_NAMES,
    NO_EMBED,
    TextTable,
    embedding_columns,
    read_parquet,
    read_table,
    split_note,
    split_or_embed,
)
from clustering.io.texts import read_jsonl, read_lines, texts_dataset
from clustering.progress import Progress

__all__ = [
    "DEFAULT_VECTOR_COLUMN",
    "FORMATS",
    "METADATA_NAMES",
    "NO_EMBED",
    "LoadOptions",
    "NeedsEmbedding",
    "TextTable",
    "column_std",
    "duplicate_rows",
    "embedding_columns",
    "load",
    "load_bytes",
    "nonfinite_rows",
    "npy_header",
    "split_note",
]


class NeedsEmbedding(DataError):
    """A table of texts read without a text model (``embed="none"``): the columns its text could come from."""

    def __init__(self, message: str, columns: list[str], rows: int) -> None:
        super().__init__(message)
        self.columns = columns
        self.rows = rows


def load_bytes(
    data: bytes, filename: str, *, progress: Progress | None = None, cancel: threading.Event | None = None, **options
) -> Dataset:
    """Load a file's bytes (an upload) through `load`, from a temporary copy; messages name `filename`."""
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            dataset = load(path, name=Path(filename).stem, progress=progress, cancel=cancel, **options)
        except NeedsEmbedding as error:
            raise NeedsEmbedding(str(error).replace(str(path), filename), error.columns, error.rows) from None
        except DataError as error:
            raise DataError(str(error).replace(str(path), filename)) from None
    return replace(dataset, source=filename)


def load(
    path: str | os.PathLike,
    *,
    name: str | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    **options,
) -> Dataset:
    """Load a file into a Dataset.

    Parameters
    ----------
    path : str or PathLike
        A .npy, .npz, .csv, .tsv, .parquet, .h5ad, .jsonl (JSON lines) or .txt (one text per line) file. A table
        whose features are a text column (no numeric column), or any table with ``embed``, has its text embedded.
    name : str, optional
        The dataset's name (default: the file's stem).
    **options
        `LoadOptions`: ``key`` (array in .npz, obsm key in .h5ad, vector column in .parquet), ``columns``
        (feature columns of a table), ``drop_nonfinite``, ``max_mb``, ``text_column``, ``embed`` (text model:
        ``minilm``, ``fast`` or a local folder; ``none`` never embeds), ``drop_empty_text``.
    progress, cancel
        Progress of an embedding (texts per second, time left) and its Cancel.

    Returns
    -------
    Dataset
        Vectors (float32) and the metadata aligned by row.

    Raises
    ------
    DataError
        On any bad input, naming the file, row or column and what to do; sizes are checked from what the file
        declares before anything is read, and nothing is ever unpickled.
    """
    opts = LoadOptions(**options)
    path = Path(path)
    label = str(path)
    if not path.exists():
        raise DataError(f"{label}: file not found. Check the path (formats: {', '.join(FORMATS)}).")
    if path.is_dir():
        raise DataError(f"{label}: is a folder, not a file. Point to one file ({', '.join(FORMATS)}).")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DataError(
            f"{label}: unknown extension '{suffix or '(none)'}'. Save the vectors as one of {', '.join(FORMATS)}."
        )
    size_mb = path.stat().st_size / 2**20
    if path.stat().st_size == 0:
        raise DataError(f"{label}: the file is empty (0 bytes). Export the embeddings again.")
    if size_mb > opts.max_mb:
        raise DataError(
            f"{label}: {size_mb:,.0f} MB is over the {opts.max_mb:,.0f} MB limit. "
            "Subsample the rows or raise the limit (CLUSTERLAB_MAX_MB)."
        )
    reader = {
        ".npy": read_npy,
        ".npz": read_npz,
        ".csv": read_table,
        ".tsv": read_table,
        ".parquet": read_parquet,
        ".h5ad": read_h5ad,
        ".jsonl": lambda p, o: split_or_embed(read_jsonl(p), p, o),
        ".txt": _read_txt,
    }[suffix]
    try:
        vectors, metadata, feature_names = reader(path, opts)
    except TextTable as table:
        if opts.embed == NO_EMBED:
            frame = table.frame
            words_first = sorted(frame.columns, key=lambda c: pd.api.types.is_numeric_dtype(frame[c]))  # ids last
            raise NeedsEmbedding(
                f"{str(table).rstrip('.')}. Its text can be embedded: name the model (CLI: --embed minilm or --embed "
                "fast; app: Data page, Embed the text column).",
                text_columns(frame) or [str(c) for c in words_first],
                len(frame),
            ) from None
        return texts_dataset(table.frame, path, opts, name=name or path.stem, progress=progress, cancel=cancel)
    except DataError:
        raise
    except MemoryError as error:
        raise DataError(f"{label}: not enough memory to load it ({error}). Subsample the rows.") from error
    except Exception as error:  # any parser failure becomes an actionable message
        raise DataError(
            f"{label}: could not be read as {suffix[1:]} ({type(error).__name__}: {short_error(error)}). "
            "The file may be truncated or corrupt, or not really this format: export it again."
        ) from error
    dataset = finish(vectors, metadata, feature_names, name=name or path.stem, source=label, opts=opts)
    note = split_note(dataset) if suffix in (".csv", ".tsv", ".parquet") and not opts.columns else None
    return replace(dataset, warnings=[*dataset.warnings, note]) if note else dataset


def _read_txt(path: Path, opts: LoadOptions):
    """A .txt file is texts only: always a TextTable (one document per line), to embed."""
    raise TextTable(read_lines(path), f"{path}: a file of texts, one per line")
