"""Find rows by text: a word in a text column or a metadata value, case-insensitive."""

from __future__ import annotations

import numpy as np
import pandas as pd


def search_rows(metadata: pd.DataFrame, query: str, columns: list[str] | None = None) -> np.ndarray:
    """Rows (ascending) where any of `columns` (default: every column) contains `query`, ignoring case.

    Numbers match by their written form ("12" finds 12 and 120); an empty query matches nothing.
    """
    text = query.strip().lower()
    if not text:
        return np.zeros(0, dtype=np.int64)
    found = np.zeros(len(metadata), dtype=bool)
    for column in columns if columns is not None else list(metadata.columns):
        values = metadata[column].astype(str).str.lower()
        found |= values.str.contains(text, regex=False).to_numpy()
    return np.flatnonzero(found)
