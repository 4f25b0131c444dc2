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
        """Content hash of the vectors, computed once."""
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
        )

    def truth_candidates(self, max_classes: int = 500) -> list[str]:
        """Metadata columns that can serve as ground truth (2 to max_classes distinct values, at most a third of
        the rows), the dataset's label column first."""
        columns = []
        for column in self.metadata.columns:
            distinct = self.metadata[column].nunique(dropna=True)
            if 1 < distinct <= min(max_classes, max(2, self.n // 3)):
                columns.append(str(column))
        if self.label_column in columns:
            columns.remove(self.label_column)
            columns.insert(0, self.label_column)
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
            "nan_count": int(np.isnan(self.vectors).sum()),
            "fingerprint": self.fingerprint,
            "warnings": list(self.warnings),
        }


def _owned_read_only(array: np.ndarray) -> bool:
    """A C-contiguous read-only float32 array is already a dataset's own: no copy needed."""
    return array.dtype == np.float32 and array.flags.c_contiguous and not array.flags.writeable


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
