"""Explanation spaces: the named features a person reads rules in (raw embedding dimensions mean nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import CountVectorizer

from clustering.data import Dataset, column_kind

SPACES = {
    "features": "the input's own named columns",
    "metadata": "numeric metadata columns",
    "pca": "the first principal components",
    "projection": "the 2-D layout's coordinates (rules are regions on the scatter)",
    "pixels": "image pixels (rules shown as masks over the image grid)",
    "words": "word presence in the text column",
}


@dataclass
class Space:
    """A feature matrix with names, ready for rule learning."""

    name: str
    values: np.ndarray  # float64, n x p
    names: list[str]
    info: dict = field(default_factory=dict)
    image_shape: tuple[int, int] | None = None


def available_spaces(dataset: Dataset, has_projection: bool = True) -> list[str]:
    """Spaces that make sense for this dataset, the most readable first."""
    out = []
    if dataset.image_shape:
        out.append("pixels")
    if dataset.text_column:
        out.append("words")
    if dataset.feature_names and dataset.d <= 200:
        out.append("features")
    if _numeric_metadata(dataset) or _category_metadata(dataset):
        out.append("metadata")
    out.append("pca")
    if has_projection:
        out.append("projection")
    if "features" not in out and dataset.d <= 64 and not dataset.image_shape:
        out.append("features")
    return out


def _category_metadata(dataset: Dataset) -> list[str]:
    """Category metadata columns (`column_kind`) of text with two values or more (the truth column left out)."""
    skip = {dataset.label_column, dataset.id_column, dataset.text_column}
    return [
        c
        for c in dataset.metadata.columns
        if c not in skip
        and not pd.api.types.is_numeric_dtype(dataset.metadata[c])  # numbers are features as they are
        and column_kind(dataset.metadata[c]) == "category"
        and dataset.metadata[c].nunique() > 1
    ]


def _numeric_metadata(dataset: Dataset) -> list[str]:
    skip = {dataset.label_column, dataset.id_column}
    return [
        c
        for c in dataset.metadata.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(dataset.metadata[c])
        and dataset.metadata[c].notna().all()
        and dataset.metadata[c].nunique() > 1
    ]


def build_space(
    dataset: Dataset,
    name: str,
    *,
    xy: np.ndarray | None = None,
    n_components: int = 10,
    vocabulary: int = 300,
    seed: int = 0,
) -> Space:
    """The feature matrix and names of one explanation space; ValueError says why a space is unavailable."""
    if name == "features":
        return Space(name, dataset.vectors.astype(np.float64), dataset.features())
    if name == "pixels":
        if not dataset.image_shape:
            raise ValueError(f"{dataset.name} is not an image dataset; choose another space.")
        h, w = dataset.image_shape
        names = [f"pixel({r},{c})" for r in range(h) for c in range(w)]
        return Space(name, dataset.vectors.astype(np.float64), names, image_shape=(h, w))
    if name == "metadata":
        columns = _numeric_metadata(dataset)
        categories = _category_metadata(dataset)
        if not columns and not categories:
            raise ValueError(f"{dataset.name} has no numeric or category metadata columns to explain with.")
        parts = [dataset.metadata[columns].to_numpy(dtype=np.float64)] if columns else []
        names = [str(c) for c in columns]
        for column in categories:  # one 0/1 feature per category: rules read `kind = shoes` / `kind ≠ shoes`
            values = dataset.metadata[column].astype(str).where(dataset.metadata[column].notna(), "missing")
            for value in sorted(values.unique()):
                parts.append((values == value).to_numpy(dtype=np.float64)[:, None])
                names.append(f"{column} = {value}")
        binary = set(range(len(columns), len(names)))
        return Space(name, np.hstack(parts), names, info={"binary_columns": binary})
    if name == "pca":
        count = max(1, min(n_components, dataset.d, dataset.n))
        pca = PCA(n_components=count, random_state=seed).fit(dataset.vectors)
        values = pca.transform(dataset.vectors).astype(np.float64)
        return Space(
            name,
            values,
            [f"PC{j + 1}" for j in range(count)],
            info={"explained_variance": pca.explained_variance_ratio_.round(4).tolist()},
        )
    if name == "projection":
        if xy is None:
            raise ValueError("the projection space needs the 2-D layout; compute it first.")
        return Space(name, np.asarray(xy, dtype=np.float64), ["x", "y"])
    if name == "words":
        if not dataset.text_column:
            raise ValueError(f"{dataset.name} has no text column; word features need one.")

        text = dataset.metadata[dataset.text_column].fillna("").astype(str)
        vectorizer = CountVectorizer(
            binary=True,
            stop_words="english",
            max_features=vocabulary,
            min_df=2,
            token_pattern=r"(?u)\b[a-zA-Z_][a-zA-Z0-9_]{2,}\b",
        )
        values = vectorizer.fit_transform(text).toarray().astype(np.float64)
        names = [f'"{word}"' for word in vectorizer.get_feature_names_out()]
        return Space(name, values, names, info={"binary": True})
    raise ValueError(f"unknown explanation space '{name}'; choose one of {', '.join(SPACES)}.")
