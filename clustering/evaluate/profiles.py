"""What each cluster holds, in the metadata's own terms: top categories, numeric medians, exemplar rows."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clustering.data import column_kinds
from clustering.explainers.keywords import keyword_labels


@dataclass
class ClusterProfile:
    """One cluster: its size, the metadata that sets it apart, and the rows nearest its centre."""

    cluster: int
    size: int
    share: float
    categories: list[dict] = field(default_factory=list)  # {column, values: [(value, share in cluster, overall)]}
    medians: list[dict] = field(default_factory=list)  # {column, median, overall}
    exemplars: list[int] = field(default_factory=list)  # row indices, nearest the cluster mean first

    def to_dict(self) -> dict:
        """The profile as JSON-ready values."""
        return {
            "cluster": self.cluster,
            "size": self.size,
            "share": self.share,
            "categories": self.categories,
            "medians": self.medians,
            "exemplars": self.exemplars,
        }


def cluster_profiles(
    metadata: pd.DataFrame,
    labels: np.ndarray,
    vectors: np.ndarray | None = None,
    *,
    top: int = 3,
    max_categories: int = 3,
    max_numeric: int = 6,
    exemplars: int = 3,
) -> list[ClusterProfile]:
    """A profile per cluster (noise left out), largest cluster first.

    Category columns are ranked per cluster by how much their most common value is over-represented (its share
    in the cluster over its share overall), so the columns that set a cluster apart come first.
    """
    labels = np.asarray(labels)
    if len(metadata) != len(labels):
        raise ValueError(f"{len(metadata)} metadata rows for {len(labels)} labels.")
    kinds = column_kinds(metadata)
    categorical = [c for c, kind in kinds.items() if kind == "category"]
    numeric = [c for c, kind in kinds.items() if kind == "number"][:max_numeric]
    overall_shares = {c: metadata[c].astype(str).value_counts(normalize=True) for c in categorical}
    overall_medians = {c: float(pd.to_numeric(metadata[c], errors="coerce").median()) for c in numeric}
    clusters, sizes = np.unique(labels[labels >= 0], return_counts=True)
    profiles = []
    for cluster, size in sorted(zip(clusters.tolist(), sizes.tolist()), key=lambda pair: (-pair[1], pair[0])):
        members = labels == cluster
        profile = ClusterProfile(int(cluster), int(size), float(size / len(labels)))
        ranked = []
        for column in categorical:
            shares = metadata.loc[members, column].astype(str).value_counts(normalize=True).head(top)
            values = [(str(v), float(s), float(overall_shares[column].get(v, 0.0))) for v, s in shares.items()]
            lift = values[0][1] / max(values[0][2], 1e-9) if values else 0.0
            ranked.append((lift, column, values))
        ranked.sort(key=lambda item: -item[0])
        profile.categories = [{"column": column, "values": values} for _, column, values in ranked[:max_categories]]
        for column in numeric:
            inside = pd.to_numeric(metadata.loc[members, column], errors="coerce")
            median = float(inside.median()) if inside.notna().any() else float("nan")
            profile.medians.append({"column": column, "median": median, "overall": overall_medians[column]})
        rows = np.flatnonzero(members)
        if vectors is not None and len(rows):
            inside_vectors = np.asarray(vectors[rows], dtype=np.float64)
            distance = ((inside_vectors - inside_vectors.mean(axis=0)) ** 2).sum(axis=1)
            rows = rows[np.argsort(distance, kind="stable")]
        profile.exemplars = [int(r) for r in rows[:exemplars]]
        profiles.append(profile)
    return profiles


def exemplar_text(metadata: pd.DataFrame, row: int, columns: list[str] | None = None, width: int = 120) -> str:
    """A short line describing one row from its metadata (the given columns, else the first few)."""
    shown = columns or [c for c in metadata.columns if c != "row"][:3]
    parts = []
    for column in shown:
        value = str(metadata.iloc[row][column]).replace("\n", " ")
        parts.append(f"{column}: {value if len(value) <= width else value[: width - 1] + '…'}")
    return f"row {row}" + (" · " + " · ".join(parts) if parts else "")


def suggested_names(
    metadata: pd.DataFrame, labels: np.ndarray, text_column: str | None = None, skip: tuple = ()
) -> dict[int, list[str]]:
    """Names to offer for each cluster: its keywords (with a text column) and its over-represented categories
    (a value held by at least half the cluster and twice as common there as overall), best first."""
    columns = [c for c in metadata.columns if c not in skip and c != text_column]
    out: dict[int, list[str]] = {}
    for profile in cluster_profiles(metadata[columns], labels, max_categories=2, max_numeric=0, exemplars=0):
        offers = []
        for category in profile.categories:
            value, share, overall = category["values"][0]
            if share >= 0.5 and share >= 2 * overall:
                offers.append(value if len(profile.categories) == 1 else f"{category['column']}: {value}")
        out[profile.cluster] = offers
    if text_column:
        for cluster, words in keyword_labels(metadata[text_column], labels, top=3).items():
            if words:
                out.setdefault(cluster, []).insert(0, words)
    return out
