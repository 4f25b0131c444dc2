"""How many rows a method or a layout is fitted on: every row, or a sample (the one place this is decided).

A method fits every row up to its `full_fit_rows` and `sample_rows` random rows above (`sample="auto"`); a UMAP
layout fits every row up to LAYOUT_FULL_ROWS and LAYOUT_SAMPLE_ROWS above; PCA fits every row. A number fits that many
rows; "none" (or None) every row.
"""

from __future__ import annotations

from clustering.backends import get_backend
from clustering.limits import LAYOUT_FULL_ROWS, LAYOUT_SAMPLE_ROWS, MIN_SAMPLE_ROWS
from clustering.params import ParamError

# rows a sampled UMAP layout is fitted on: 100k x 50 blobs in 8 s with trustworthiness 0.981, as a 50k sample
# (28 s) and umap-learn on every row (56 s, 0.980)

SampleSpec = int | str | None
"""A sample as callers give it: a number of rows, "auto", "none" or None."""


def _rows(sample: SampleSpec) -> int:
    try:
        rows = int(sample)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ParamError(f"sample={sample!r}: give a number of rows, 'auto' or 'none'.") from None
    if rows < MIN_SAMPLE_ROWS.whole():
        raise ParamError(f"sample={rows}: fit on at least {MIN_SAMPLE_ROWS.whole()} rows (or 'none' for every row).")
    return rows


def method_rows(method: str, n: int, sample: SampleSpec) -> int | None:
    """Rows `method` is fitted on when sampling applies (fewer than n), else None (every row)."""
    if sample is None or sample == "none":
        return None
    if sample == "auto":
        backend = get_backend(method)
        return backend.sample_rows if n > backend.full_fit_rows else None
    rows = _rows(sample)
    return rows if rows < n else None


def layout_rows(layout: str, n: int, sample: SampleSpec) -> int | None:
    """Rows a 2-D layout of n rows is fitted on (the rest placed among their neighbours), else None."""
    if sample is None or sample == "none":
        return None
    if sample == "auto":
        return LAYOUT_SAMPLE_ROWS.whole() if layout == "umap" and n > LAYOUT_FULL_ROWS.whole() else None
    rows = _rows(sample)
    return rows if rows < n else None
