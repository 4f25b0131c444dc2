"""Metadata charts that filter the map: each column binned once (a code per row), so the browser cross-filters
a million rows by table look-ups and Python turns the chosen bins back into rows, every row, drawn or not."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clustering.data import column_kind, column_kinds
from clustering.limits import FILTER_TOP_CATEGORIES

NUMERIC_BINS = 24
CHARTS_DEFAULT = 4
MISSING = "(missing)"
OTHER = "(other)"


@dataclass(frozen=True)
class FilterChart:
    """One metadata column as bins: `codes[i]` is row i's bin, `bins` the bins' names, `counts` their rows."""

    column: str
    kind: str  # "numeric" (a histogram, brushed as a range) or "category" (bars, clicked)
    bins: list[str]
    codes: np.ndarray  # uint8, one per row
    counts: list[int]

    def to_json(self) -> dict:
        """What the browser's chart needs besides the codes."""
        return {"column": self.column, "kind": self.kind, "bins": self.bins, "counts": self.counts}


def chart_columns(metadata: pd.DataFrame, exclude: tuple = ()) -> list[str]:
    """Columns worth a chart: numbers and categories with more than one value (the profiles' one rule of column
    kinds: ids and free text get none)."""

    return [
        str(column)
        for column, kind in column_kinds(metadata).items()
        if kind in ("number", "category") and column not in exclude and metadata[column].nunique(dropna=True) > 1
    ]


def filter_chart(values: pd.Series, column: str) -> FilterChart:
    """Bins for one column: equal-width bins over the 0.5-99.5% range for numbers (the ends catch the tails),
    the most common values for categories; missing values get a bin of their own."""
    values = pd.Series(values).reset_index(drop=True)
    missing = values.isna().to_numpy()
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if column_kind(values) == "number":  # the one rule: a histogram for a number, bars for a category
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        low, high = np.nanquantile(numbers, [0.005, 0.995])
        high = high if high > low else low + 1.0
        edges = np.linspace(low, high, NUMERIC_BINS + 1)
        codes = np.clip(np.searchsorted(edges, np.nan_to_num(numbers, nan=low), side="right") - 1, 0, NUMERIC_BINS - 1)
        names = [f"{edges[i]:.3g} – {edges[i + 1]:.3g}" for i in range(NUMERIC_BINS)]
        kind = "numeric"
    else:
        text = values.astype(str).where(~missing, None)
        top = text.value_counts().index[: FILTER_TOP_CATEGORIES.whole()].tolist()
        if numeric:
            top = sorted(top, key=float)
        lookup = {name: i for i, name in enumerate(top)}
        codes = text.map(lambda v: lookup.get(v, len(top))).fillna(len(top)).to_numpy(dtype=np.int64)
        names = [str(name) for name in top]
        if (codes == len(top)).any() and (~missing[codes == len(top)]).any():
            names.append(OTHER)
        else:
            codes = np.minimum(codes, len(top))  # no "other" bin: only missing values would be there
        kind = "category"  # a category by the one rule: bars (numbers in their order)
    codes = np.asarray(codes, dtype=np.int64)
    if missing.any():
        codes[missing] = len(names)
        names.append(MISSING)
    counts = np.bincount(codes, minlength=len(names)).tolist()
    return FilterChart(column, kind, names, codes.astype(np.uint8), [int(c) for c in counts])


def filter_charts(metadata: pd.DataFrame, columns: list[str]) -> list[FilterChart]:
    """The charts of the chosen columns, in that order."""
    missing = [c for c in columns if c not in metadata.columns]
    if missing:
        raise ValueError(f"no metadata column {missing[0]!r} to chart; choose among {', '.join(metadata.columns)}.")
    return [filter_chart(metadata[column], column) for column in columns]


def filtered_rows(charts: list[FilterChart], chosen: dict[str, list[int]]) -> np.ndarray:
    """The rows inside every chart's chosen bins (a chart left out of `chosen` keeps every row)."""
    if not charts:
        return np.arange(0)
    keep = np.ones(len(charts[0].codes), dtype=bool)
    for chart in charts:
        bins = chosen.get(chart.column)
        if bins is None:
            continue
        allowed = np.zeros(256, dtype=bool)
        allowed[[b for b in bins if 0 <= int(b) < len(chart.bins)]] = True
        keep &= allowed[chart.codes]
    return np.flatnonzero(keep)


def packed_codes(charts: list[FilterChart], rows: np.ndarray | None = None) -> bytes:
    """Every chart's codes (for `rows`, or all), chart after chart, as the browser reads them: one byte a row."""
    if not charts:
        return b""
    return b"".join(np.ascontiguousarray(c.codes if rows is None else c.codes[rows]).tobytes() for c in charts)
