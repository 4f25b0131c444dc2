"""The one object that flows through the pipeline: vectors, aligned metadata, a fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd


class DataError(ValueError):
    """Input a person must fix; the message names the file, row/column and what to do."""


def fingerprint_array(array: np.ndarray) -> str:
    """Content hash of an array (shape, dtype and bytes): the cache key used everywhere."""
    contiguous = np.ascontiguousarray(array)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{contiguous.shape}|{contiguous.dtype.str}".encode())
    digest.update(memoryview(contiguous).cast("B"))  # type: ignore[arg-type]  # numpy arrays are buffers
    return digest.hexdigest()


@dataclass(frozen=True)
class Dataset:
    """Vectors (float32, n x d, read-only) with a metadata frame aligned by row.

    A dataset is a value: nothing changes it after it is made (`dataclasses.replace` or `with_metadata` make a new
    one), so its fingerprint, computed once, always describes its vectors.
    """

    vectors: np.ndarray
    metadata: pd.DataFrame = field(default_factory=pd.DataFrame)
    name: str = "data"
    source: str = ""
    feature_names: list[str] | None = None
    id_column: str | None = None
    label_column: str | None = None
    text_column: str | None = None
    image_shape: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)
    embedding: dict | None = None  # how the vectors were made from the text column (model, version, cut texts)

    def __post_init__(self) -> None:
        vectors = np.asarray(self.vectors)
        if vectors.ndim != 2:
            raise DataError(f"{self.name}: vectors must be 2-D (rows x features), got shape {vectors.shape}.")
        vectors = np.array(vectors, dtype=np.float32, order="C", copy=not _owned_read_only(vectors))
        vectors.setflags(write=False)
        object.__setattr__(self, "vectors", vectors)
        metadata = self.metadata
        if metadata is None or len(metadata.columns) == 0:
            metadata = pd.DataFrame(index=pd.RangeIndex(len(vectors)))
        if len(metadata) != len(vectors):
            raise DataError(f"{self.name}: metadata has {len(metadata)} rows but there are {len(vectors)} vectors.")
        object.__setattr__(self, "metadata", metadata.reset_index(drop=True))
        object.__setattr__(self, "warnings", list(self.warnings))
        if self.feature_names is not None and len(self.feature_names) != self.vectors.shape[1]:
            raise DataError(
                f"{self.name}: {len(self.feature_names)} feature names for {self.vectors.shape[1]} columns."
            )

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.vectors.shape[0])

    @property
    def d(self) -> int:
        """Number of features."""
        return int(self.vectors.shape[1])

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of the vectors, computed once; for vectors embedded from text, the hash of the texts and
        the model (a model's last bits differ between machines, and the same texts must name the same data)."""
        if self.embedding and self.embedding.get("key"):
            return hashlib.sha256(f"text-embedding:{self.embedding['key']}".encode()).hexdigest()
        return fingerprint_array(self.vectors)

    def features(self) -> list[str]:
        """Feature names (dim_0 ... when the file had none)."""
        return list(self.feature_names) if self.feature_names else [f"dim_{j}" for j in range(self.d)]

    def labels(self, column: str | None = None) -> np.ndarray | None:
        """Truth labels from a metadata column as int codes (-1 = unlabelled), or None."""
        column = column or self.label_column
        if column is None or column not in self.metadata:
            return None
        return encode_labels(self.metadata[column])

    def subset(self, rows: np.ndarray, name: str | None = None) -> Dataset:
        """A new dataset holding the given rows (indices into this one), metadata kept aligned."""
        rows = np.asarray(rows)
        metadata = self.metadata.iloc[rows].reset_index(drop=True)
        if "row" not in metadata.columns:
            metadata.insert(0, "row", rows)
        return Dataset(
            vectors=self.vectors[rows],
            metadata=metadata,
            name=name or f"{self.name}[{len(rows)} rows]",
            source=self.source,
            feature_names=self.feature_names,
            id_column=self.id_column,
            label_column=self.label_column,
            text_column=self.text_column,
            image_shape=self.image_shape,
            embedding={k: v for k, v in self.embedding.items() if k != "key"} if self.embedding else None,
        )

    def truth_candidates(self, max_classes: int = 500) -> list[str]:
        """Metadata columns that can serve as ground truth: the categories (`column_kind`), and first the dataset's
        label column (up to `max_classes` classes)."""
        columns = [
            str(column)
            for column in self.metadata.columns
            if column_kind(self.metadata[column]) == "category" and self.metadata[column].nunique(dropna=True) > 1
        ]
        if self.label_column in self.metadata.columns and 1 < self.metadata[self.label_column].nunique() <= max_classes:
            columns = [str(self.label_column)] + [c for c in columns if c != self.label_column]  # the declared truth
        return columns

    def with_metadata(self, **columns) -> Dataset:
        """A new dataset with these metadata columns added or replaced (one value per row each)."""
        return replace(self, metadata=self.metadata.assign(**columns))

    def summary(self) -> dict:
        """Shape, columns, NaN count, fingerprint and warnings, as `clusterlab info` prints them."""
        return {
            "name": self.name,
            "source": self.source,
            "n_rows": self.n,
            "n_features": self.d,
            "dtype": str(self.vectors.dtype),
            "feature_columns": self.features(),
            "metadata_columns": list(map(str, self.metadata.columns)),
            "text_column": self.text_column,
            "embedding": self.embedding,
            "nan_count": int(np.isnan(self.vectors).sum()),
            "fingerprint": self.fingerprint,
            "warnings": list(self.warnings),
        }


def _owned_read_only(array: np.ndarray) -> bool:
    """A C-contiguous read-only float32 array is already a dataset's own: no copy needed."""
    return array.dtype == np.float32 and array.flags.c_contiguous and not array.flags.writeable


CATEGORY_MAX_VALUES = 50  # a column with at most this many distinct values (and at most half the rows) is a category
TEXT_MIN_LENGTH = 40  # mean length from which a column of many distinct strings is free text, not ids
COLUMN_KINDS = ("category", "number", "text", "id")


def column_kind(values: pd.Series) -> str:
    """What a metadata column is, the one rule every page, chart, export and report uses.

    'category': booleans, or at most CATEGORY_MAX_VALUES distinct values and at most half the rows (numbers too:
    a 1-5 rating is a category); 'number': numbers beyond that; 'id': a distinct integer per row (in more than
    CATEGORY_MAX_VALUES rows), or short strings
    too many to be categories; 'text': longer strings (mean length TEXT_MIN_LENGTH or more).
    """
    values = pd.Series(values)
    n = max(len(values), 1)
    distinct = int(values.nunique(dropna=True))
    if pd.api.types.is_bool_dtype(values) or distinct <= min(CATEGORY_MAX_VALUES, max(n // 2, 2)):
        return "category"
    if pd.api.types.is_numeric_dtype(values):
        counter = pd.api.types.is_integer_dtype(values) and distinct == n > CATEGORY_MAX_VALUES
        return "id" if counter else "number"
    filled = values.dropna().astype(str)
    return "text" if len(filled) and filled.str.len().mean() >= TEXT_MIN_LENGTH else "id"


def column_kinds(metadata: pd.DataFrame, skip: tuple[str, ...] = ("row",)) -> dict[str, str]:
    """`column_kind` of every metadata column (but `skip`)."""
    return {column: column_kind(metadata[column]) for column in metadata.columns if column not in skip}


MISSING_MARKERS = ("", "na", "n/a", "nan", "null", "none", "<na>")  # a missing class, in any case


def is_missing(values: pd.Series) -> np.ndarray:
    """Which values mean "no class": NaN/None or text such as '', NA, N/A, nan, null (any case)."""
    series = pd.Series(values).reset_index(drop=True)
    return np.asarray(series.isna() | series.astype(str).str.strip().str.lower().isin(MISSING_MARKERS), dtype=bool)


def encode_labels(values: pd.Series | np.ndarray) -> np.ndarray:
    """Map any label values to int32 codes; missing, empty or -1 become -1 (unlabelled)."""
    series = pd.Series(values).reset_index(drop=True)
    missing = pd.Series(is_missing(series)) | series.astype(str).str.strip().isin(["-1", "-1.0"])
    codes = np.full(len(series), -1, dtype=np.int32)
    present = series[~missing]
    if len(present):
        numeric = pd.to_numeric(present, errors="coerce")
        if numeric.notna().all() and (numeric == numeric.round()).all():
            uniques = np.unique(numeric.to_numpy(dtype=np.int64))
            codes[~missing.to_numpy()] = np.searchsorted(uniques, numeric.to_numpy(dtype=np.int64))
        else:
            codes[~missing.to_numpy()] = pd.factorize(present.astype(str), sort=True)[0]
    return codes
