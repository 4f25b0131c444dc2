"""The short Python front over the library: `cluster` anything (a file, DataFrame, array, AnnData or Dataset) into a
`Clustering` (labels, confidence, names and keywords joined by id), `explain` it, `compare` and `report` clusterings.

They only gather arguments for `clustering.run.pipeline.run` and `clustering.reports.build_report`, so a script, the
CLI and the app make the same runs and reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cache import write_text
from clustering.data import DataError, Dataset
from clustering.evaluate.compare import Labeling
from clustering.evaluate.compare import compare as compare_labelings
from clustering.evaluate.profiles import suggested_names
from clustering.explainers import Explanation, available_spaces, build_space
from clustering.explainers import explain as explain_in
from clustering.explainers.keywords import keyword_labels
from clustering.io import load
from clustering.io.frames import from_anndata, from_array, from_frame
from clustering.reports import ReportOptions, ReportRun, build_report
from clustering.reports.export import joined_labels
from clustering.result import ClusterResult
from clustering.run.pipeline import run


@dataclass
class Clustering:
    """A clustering with its data: `labels`, `confidence`, `names` and `keywords`, each a Series indexed by the
    rows' ids; `table()` joins them to the metadata; `explain()` writes rules for each cluster."""

    data: Dataset
    result: ClusterResult

    @property
    def ids(self) -> pd.Index:
        """The rows' ids: the data's id column, else the row numbers."""
        data = self.data
        return pd.Index(data.metadata[data.id_column] if data.id_column else np.arange(data.n), name="id")

    @property
    def labels(self) -> pd.Series:
        """Each row's cluster (-1: noise), by id."""
        return pd.Series(self.result.labels, index=self.ids, name="cluster")

    @property
    def confidence(self) -> pd.Series | None:
        """Each row's calibrated confidence in its cluster, by id (None when the method has none)."""
        values = self.result.confidence()
        return None if values is None else pd.Series(values, index=self.ids, name="confidence")

    @property
    def keywords(self) -> pd.Series:
        """Each row's cluster keywords from the text column, by id ("" without text, and for noise)."""
        terms: dict[int, str] = {}
        if self.data.text_column:
            terms = keyword_labels(self.data.metadata[self.data.text_column], self.result.labels, top=5)
        return self.labels.map(lambda c: terms.get(int(c), "")).rename("keywords")

    @property
    def names(self) -> pd.Series:
        """Each row's cluster name: its best suggested name (keywords or an over-represented category), else
        "cluster N"; "noise" for noise. By id."""
        offers = suggested_names(self.data.metadata, self.result.labels, self.data.text_column, skip=("id", "row"))
        return self.labels.map(lambda c: "noise" if c < 0 else (offers.get(int(c)) or [f"cluster {int(c)}"])[0]).rename(
            "name"
        )

    @property
    def n_clusters(self) -> int:
        """Clusters found (noise not counted)."""
        return self.result.n_clusters

    @property
    def metrics(self) -> dict | None:
        """Scores against the truth given to `cluster` (ARI, AMI, NMI, ACC), else None."""
        return self.result.metrics

    def table(self) -> pd.DataFrame:
        """One row per input row, indexed by id: cluster, name, keywords (with text), confidence, then metadata."""
        names = dict(zip(self.result.labels.tolist(), self.names.tolist(), strict=True))
        frame = joined_labels(self.data, self.result.labels, cluster_names=names, confidence=self.result.confidence())
        return frame.set_index("id")

    def explain(self, method: str = "imm", space: str | None = None, **params) -> Explanation:
        """Rules for each cluster (`EXPLAINERS`: imm, exkmc, kernel-imm, polyhedra) in a readable feature space:
        pixels, words, features or metadata (default: the most readable this data has)."""
        spaces = available_spaces(self.data, has_projection=False)
        chosen = space or (spaces[0] if spaces else "features")
        return explain_in(build_space(self.data, chosen), self.result.labels, method, **params)

    def __repr__(self) -> str:
        return (
            f"Clustering({self.result.method}: {self.n_clusters} clusters of {self.data.n:,} rows of {self.data.name})"
        )


def as_dataset(data, *, text: str | None = None, embed: str | None = None, key: str | None = None) -> Dataset:
    """Any input as a Dataset: a Dataset as it is; a file path (any format `load` reads); a DataFrame (numeric
    columns, or its `text` column embedded); a NumPy array; an AnnData (`X`, or `obsm[key]`)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, str | os.PathLike):
        options: dict = {"text_column": text} if text is not None else {}
        if embed or text:
            options["embed"] = embed or "minilm"
        if key:
            options["key"] = key
        return load(data, **options)
    if isinstance(data, pd.DataFrame):
        return from_frame(data, text=text, embed=embed)
    if hasattr(data, "obs") and hasattr(data, "obsm"):
        return from_anndata(data, key=key)
    if isinstance(data, np.ndarray | list):
        return from_array(np.asarray(data))
    raise DataError(f"cannot cluster a {type(data).__name__}: give a file path, DataFrame, array, AnnData or Dataset.")


def cluster(
    data,
    method: str = "leiden",
    *,
    text: str | None = None,
    embed: str | None = None,
    key: str | None = None,
    seed: int | None = None,
    preprocess: str = "none",
    truth: np.ndarray | str | None = None,
    sample: int | str | None = None,
    layout: str | None = None,
    confidence: str = "neighbours",
    **params,
) -> Clustering:
    """Cluster `data` with one method of `BACKENDS`; its parameters as keywords (checked by its schema).

    Parameters
    ----------
    data : path, DataFrame, ndarray, AnnData or Dataset
        A DataFrame's `text` column is embedded (`embed`: minilm, fast or a local model folder).
    method : str
        One of `BACKENDS` (leiden, hdbscan, auto, ...).
    truth : array or str, optional
        True classes (or the name of a metadata column) to score against.

    Examples
    --------
    >>> res = cluster(df, "leiden", text="title")  # doctest: +SKIP
    >>> res.table()                                # doctest: +SKIP
    """
    dataset = as_dataset(data, text=text, embed=embed, key=key)
    known = dataset.labels(truth) if isinstance(truth, str) else truth
    if isinstance(truth, str) and known is None:
        raise DataError(f"{dataset.name}: no column {truth!r} for the truth.")
    result = run(
        dataset,
        method,
        params,
        seed=seed,
        preprocess=preprocess,
        truth=known,
        sample=sample,
        layout=layout,
        confidence=confidence,
    )
    return Clustering(dataset, result)


def _labels_of(found) -> np.ndarray:
    if isinstance(found, Clustering):
        return found.result.labels
    if isinstance(found, ClusterResult):
        return found.labels
    return np.asarray(found)


def compare(results: dict, truth: np.ndarray | None = None) -> dict:
    """Agreement between named clusterings (or results, or label arrays), and a truth when given: ARI, AMI, VI and
    matches."""
    labelings = [Labeling(name, _labels_of(found)) for name, found in results.items()]
    if truth is not None:
        labelings.append(Labeling("truth", np.asarray(truth), is_truth=True))
    return compare_labelings(labelings)


def report(
    results: list[Clustering],
    path: str | Path | None = None,
    *,
    title: str = "Clustering report",
    truth: str | None = None,
    projection: str = "umap",
) -> str:
    """A self-contained HTML report of clusterings of one dataset (written to `path` when given); returns the HTML.

    `truth` names a metadata column of true classes; `projection` is ``umap`` or ``pca``.
    """
    if not results:
        raise ValueError("report: give at least one clustering.")
    data = results[0].data
    if any(found.data.fingerprint != data.fingerprint for found in results):
        raise ValueError("report: the clusterings are of different data; report each dataset apart.")
    runs = [ReportRun.of(found.result) for found in results]
    html = build_report(data, runs, ReportOptions(title=title, truth=truth, projection=projection))
    if path is not None:
        write_text(Path(path), html)
    return html
