"""Label and truth files joined to a dataset by their ids, never by their positions.

A file (CSV or parquet) names its rows by one id column: the dataset's key column, `id` (the key's values, or
the row number when the dataset has no key) or `row` (the 0-based row number, as `clusterlab cluster --out`
writes). Rows may come in any order. Ids the data does not have, ids written twice and data rows the file does
not label are refused with counts and examples; `allow_unlabelled=True` leaves the last unlabelled (-1) and
says how many.

Label values are integers from -1 (noise) to 2**31 - 1, kept as written, or any text (and non-integer numbers),
kept as categories with their names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.data import MISSING_MARKERS, DataError, Dataset
from clustering.limits import LABEL_RENUMBER_ABOVE, NAME_MAX_CHARS

LABEL_MAX = 2**31 - 1  # labels are stored as int32
LABEL_COLUMNS = ("cluster", "label")
TRUTH_COLUMNS = ("label", "truth", "cluster")
NAME_COLUMN = "cluster_name"
CONFIDENCE_COLUMN = "confidence"
EXAMPLES = 5
# How a person leaves rows unlabelled, by where the file was given (the advice names a choice that exists there).
_UNLABELLED_CHOICE = {
    "labels:": "`allow_unlabelled: true` on this run of the config",
    "app": "tick 'Leave data rows the file does not name unlabelled'",
}


@dataclass(frozen=True)
class LabelFile:
    """A file's labels aligned with the dataset's rows, with the names and confidence it carries.

    `labels` holds int codes (-1: noise, or no label); `names` maps codes to their names (text labels, or a
    `cluster_name` column); `unlabelled` counts data rows the file did not label (only when allowed).
    """

    path: str
    labels: np.ndarray
    names: dict[int, str] = field(default_factory=dict)
    confidence: np.ndarray | None = None
    id_column: str = "row"
    unlabelled: int = 0
    missing: int = 0  # truth rows the file names but gives no class (empty, NA, N/A, nan, null)

    def named_values(self) -> pd.Series:
        """The labels as their names (text where the file had text, else the integer), None where unlabelled."""
        values = [self.names.get(int(c), str(int(c))) if c >= 0 else None for c in self.labels]
        return pd.Series(values, dtype=object)


def read_label_file(
    path: str | Path,
    dataset: Dataset,
    *,
    truth: bool = False,
    option: str | None = None,
    allow_unlabelled: bool = False,
) -> LabelFile:
    """Read a labels (or truth) file and join it to `dataset` by its id column.

    Parameters
    ----------
    path : a .csv/.tsv or .parquet file.
    dataset : the data the labels belong to.
    truth : a file of true classes: column `label`, `truth` or `cluster`, an empty cell meaning "no class";
        else a run's labels: column `cluster` or `label`, every cell filled (-1 for noise).
        Either way, the one column that is not an id serves when none of these is there.
    option : how the person gave the file, for messages (default --labels or --truth).
    allow_unlabelled : leave data rows the file does not name unlabelled (-1) instead of refusing.

    Raises
    ------
    DataError naming the file, the row or id, and what to do.
    """
    path = Path(path)
    frame = _read_table(path, option or ("--truth" if truth else "--labels"))
    id_column = _id_column(path, frame, dataset)
    value_column = _value_column(path, frame, id_column, TRUTH_COLUMNS if truth else LABEL_COLUMNS)
    positions = _positions(path, frame[id_column], id_column, dataset)
    codes, names = _label_codes(path, frame[value_column], value_column, empty_is_unlabelled=truth)
    if codes.max(initial=-1) >= max(
        dataset.n, LABEL_RENUMBER_ABOVE.whole()
    ):  # far above the row count: dense, named by value
        codes, names = _compact(codes, names)
    labels = np.full(dataset.n, -1, dtype=np.int32)
    labels[positions] = codes
    unlabelled = dataset.n - len(positions)
    if unlabelled and not allow_unlabelled:
        missing = np.setdiff1d(np.arange(dataset.n), positions)
        raise DataError(
            f"{path}: {unlabelled:,} of the data's {dataset.n:,} rows have no label (for example "
            f"{_describe_rows(missing, dataset, id_column)}). Label every row (write -1 for noise), or leave them "
            f"unlabelled ({_UNLABELLED_CHOICE.get(option or '', 'the option --allow-unlabelled')})."
        )
    if NAME_COLUMN in frame.columns and not names:
        names = _cluster_names(frame[NAME_COLUMN], codes)
    confidence = None
    if CONFIDENCE_COLUMN in frame.columns:
        confidence = np.full(dataset.n, np.nan)
        confidence[positions] = _confidence(path, frame[CONFIDENCE_COLUMN])
    return LabelFile(
        path=str(path),
        labels=labels,
        names=names,
        confidence=confidence,
        id_column=id_column,
        unlabelled=int(unlabelled),
        missing=int((codes < 0).sum()) if truth else 0,
    )


def _compact(codes: np.ndarray, names: dict[int, str]) -> tuple[np.ndarray, dict[int, str]]:
    """Integer classes as dense codes named by their value (a class 2**31 - 1 must not size an array)."""
    if names or not (codes >= 0).any():
        return codes, names
    values, dense = np.unique(codes[codes >= 0], return_inverse=True)
    out = np.full(len(codes), -1, dtype=np.int32)
    out[codes >= 0] = dense
    return out, {i: str(int(v)) for i, v in enumerate(values)}


def read_row_file(path: str | Path, dataset: Dataset, option: str = "rows") -> np.ndarray:
    """The data rows a file names by id (`row`, `id` or the data's key), sorted; for drill-downs in configs."""
    path = Path(path)
    frame = _read_table(path, option)
    id_column = _id_column(path, frame, dataset)
    positions = _positions(path, frame[id_column], id_column, dataset)
    if not len(positions):
        raise DataError(f"{option} {path}: names no rows; a drill-down needs rows to cluster.")
    return np.sort(positions)


def _read_table(path: Path, option: str) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{option} {path}: no such file.")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
            return frame.astype({c: str for c in frame.columns if frame[c].dtype != object}).where(frame.notna())
        separator = "\t" if path.suffix.lower() == ".tsv" else ","
        return pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False, na_values=[""])
    except (ValueError, OSError, ImportError, pd.errors.ParserError) as error:
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"{path}: could not read it as a labels table ({text}). Write CSV or parquet.") from None


def _id_column(path: Path, frame: pd.DataFrame, dataset: Dataset) -> str:
    columns = [str(c) for c in frame.columns]
    for candidate in (dataset.id_column, "id", "row"):
        if candidate and candidate in columns:
            if candidate != "row" and "row" in columns and frame[candidate].isna().any():
                return "row"  # blank ids (the data's own key has blanks): the row numbers Clusterlab wrote join it
            return candidate
    key = f"`{dataset.id_column}`, " if dataset.id_column and dataset.id_column != "id" else ""
    raise DataError(
        f"{path}: no id column (found {columns[:10]}); labels are joined to the data by id, never by position. "
        f"Add a column {key}`id` or `row` (the 0-based row number, as `clusterlab cluster --out` writes)."
    )


def _value_column(path: Path, frame: pd.DataFrame, id_column: str, accepted: tuple[str, ...]) -> str:
    for name in accepted:
        if name in frame.columns and name != id_column:
            return name
    others = [str(c) for c in frame.columns if c not in (id_column, "row", "id", NAME_COLUMN, CONFIDENCE_COLUMN)]
    if len(others) == 1:
        return others[0]
    raise DataError(
        f"{path}: name the labels column {' or '.join(repr(n) for n in accepted)} (found {list(frame.columns)[:10]})."
    )


def _positions(path: Path, ids: pd.Series, id_column: str, dataset: Dataset) -> np.ndarray:
    """Each file row's position in the dataset; unknown and repeated ids refused with counts and examples."""
    if ids.isna().any():
        line = int(np.flatnonzero(ids.isna().to_numpy())[0]) + 2
        raise DataError(f"{path}: line {line} has no {id_column!r}; every row needs its id.")
    if id_column == "row" or (id_column == "id" and not dataset.id_column):
        numbers = pd.to_numeric(ids, errors="coerce")
        bad = numbers.isna() | (numbers != numbers.round())
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            raise DataError(
                f"{path}: line {line}: {id_column} {ids.iloc[line - 2]!r} is not a row number (0 to {dataset.n - 1})."
            )
        keys: pd.Index = pd.Index(np.arange(dataset.n))
        wanted: pd.Index = pd.Index(numbers.to_numpy(dtype=np.float64))
    else:
        key = dataset.id_column if id_column == "id" and dataset.id_column else id_column
        keys = pd.Index(dataset.metadata[key].astype(str).str.strip())
        if not keys.is_unique:
            repeated = keys[keys.duplicated()].unique()[:EXAMPLES]
            raise DataError(
                f"the data's key column {key!r} repeats values ({', '.join(map(repr, repeated))}); "
                "labels cannot be joined by it. Give the labels file a `row` column instead."
            )
        wanted = pd.Index(ids.astype(str).str.strip())
    repeated_mask = wanted.duplicated()
    if repeated_mask.any():
        repeated = wanted[repeated_mask].unique()
        raise DataError(
            f"{path}: {len(repeated):,} {id_column} value(s) appear more than once ({_examples(repeated)}); "
            "give each row one label."
        )
    positions = keys.get_indexer(wanted)
    unknown = positions < 0
    if unknown.any():
        written = ids.astype(str).str.strip().to_numpy()[unknown]  # as the file wrote them: 1.0 stays 1.0
        raise DataError(
            f"{path}: {int(unknown.sum()):,} {id_column} value(s) are not in the data "
            f"({_examples(written, strip=False)}); the data has {dataset.n:,} rows"
            + (f" (row numbers 0 to {dataset.n - 1})." if keys.dtype.kind in "iuf" else ".")
            + _padding_hint(written, keys)
            + " Check that the file belongs to this data."
        )
    return positions.astype(np.int64)


def _label_codes(
    path: Path, raw: pd.Series, column: str, empty_is_unlabelled: bool = False
) -> tuple[np.ndarray, dict[int, str]]:
    """Integer labels kept as written; anything else becomes named categories. Bad values refused with the line."""
    text = raw.astype(object).where(raw.notna(), None)
    blank = text.astype(str).str.strip()
    empty = text.isna() | blank.eq("") | (blank.str.lower().isin(MISSING_MARKERS) if empty_is_unlabelled else False)
    empty = np.asarray(empty, dtype=bool)
    if empty.any() and not empty_is_unlabelled:
        line = int(np.flatnonzero(empty)[0]) + 2
        raise DataError(f"{path}: line {line} has no {column!r}; write -1 for noise (or a label).")
    stripped = text.astype(str).str.strip().where(~empty, "-1")
    numbers = pd.to_numeric(stripped, errors="coerce")
    integral = numbers.notna().all() and np.isfinite(numbers).all() and (numbers == numbers.round()).all()
    if integral:
        values = numbers.to_numpy(dtype=np.float64)
        wrong = (values < -1) | (values > LABEL_MAX)
        if wrong.any():
            line = int(np.flatnonzero(wrong)[0]) + 2
            value = stripped.iloc[line - 2]
            reason = "negative labels other than -1 (noise) mean nothing" if values[line - 2] < -1 else "too large"
            raise DataError(
                f"{path}: line {line}: {column} {value} is out of range ({reason}); integer labels run from -1 "
                f"(noise) to {LABEL_MAX:,}, or write the labels as text."
            )
        return values.astype(np.int32), {}
    too_long = stripped.str.len() > NAME_MAX_CHARS.value()
    if too_long.any():
        line = int(np.flatnonzero(too_long.to_numpy())[0]) + 2
        raise DataError(
            f"{path}: line {line}: the {column} name has {len(stripped.iloc[line - 2]):,} characters, over the "
            f"{NAME_MAX_CHARS.value():,.0f} a name may have (setting CLUSTERLAB_NAME_MAX_CHARS); shorten it."
        )
    noise = stripped.eq("-1").to_numpy()
    codes = np.full(len(stripped), -1, dtype=np.int32)
    categories, uniques = pd.factorize(stripped[~noise], sort=True)
    codes[~noise] = categories
    return codes, {i: str(name) for i, name in enumerate(uniques)}


def _cluster_names(column: pd.Series, codes: np.ndarray) -> dict[int, str]:
    """Each cluster's name from a `cluster_name` column: the first non-empty one written for it."""
    frame = pd.DataFrame({"code": codes, "name": column.fillna("").astype(str).str.strip().to_numpy()})
    frame = frame[(frame["code"] >= 0) & (frame["name"] != "") & (frame["name"] != "noise")]
    frame = frame.drop_duplicates("code")
    limit = int(NAME_MAX_CHARS.value())
    return {int(code): str(name)[:limit] for code, name in zip(frame["code"], frame["name"])}


def _confidence(path: Path, column: pd.Series) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        line = int(np.flatnonzero(bad)[0]) + 2
        raise DataError(
            f"{path}: line {line}: confidence {column.iloc[line - 2]!r} is not a number from 0 to 1; "
            "fix it or drop the column."
        )
    return values


def _padding_hint(written, keys: pd.Index) -> str:
    """A hint when ids differ from the data's only by leading zeros (007 for 7): ids are matched as written."""
    known = set(map(str, keys[:1_000_000]))
    padded = [w for w in written[:1000] if w.lstrip("0") in known or (w.lstrip("0") == "" and "0" in known)]
    if not padded:
        return ""
    example = padded[0]
    return (
        f" Ids are matched as written: {example!r} is not {example.lstrip('0') or '0'!r}; write the ids as the data "
        "does (without leading zeros), or give the data's own key column."
    )


def _examples(values, total: int | None = None, strip: bool = True) -> str:
    """The first few values, and how many more (of `total`, default all of `values`); `strip` writes a whole float
    without its '.0' (numbers the code made, not text a person wrote)."""
    shown = [str(v) for v in list(values[:EXAMPLES])]
    shown = [s[:-2] if strip and s.endswith(".0") else s for s in shown]
    more = (len(values) if total is None else total) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "")


def _describe_rows(rows: np.ndarray, dataset: Dataset, id_column: str) -> str:
    if dataset.id_column and id_column in (dataset.id_column, "id"):
        return (
            f"{id_column} "
            + _examples(dataset.metadata[dataset.id_column].to_numpy()[rows[:EXAMPLES]])
            + (f" and {len(rows) - EXAMPLES:,} more" if len(rows) > EXAMPLES else "")
        )
    return "row " + _examples(rows)
