"""Clusterlab's library: cluster embeddings, see why, compare clusterings, report them.

>>> import clustering as cl                                             # doctest: +SKIP
>>> res = cl.cluster(df, "leiden", text="title")      # a DataFrame, file, array, AnnData or Dataset
>>> res.table()                                       # cluster, name, keywords, confidence, metadata; by id
>>> rules = res.explain()                             # rules per cluster in the most readable space
>>> cl.report([res], "report.html")

The names below load on first use (as scanpy and scikit-learn do), so `import clustering` stays instant; the
verbs' packages are named apart from them (`run/`, `explainers/`, `reports/`), so a loaded package never hides one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_PUBLIC = {
    "Dataset": "clustering.data",
    "DataError": "clustering.data",
    "ClusterResult": "clustering.result",
    "Clustering": "clustering.api",
    "load": "clustering.io",
    "load_sample": "clustering.io.samples",
    "BACKENDS": "clustering.backends",
    "cluster": "clustering.api",
    "EXPLAINERS": "clustering.explainers",
    "build_space": "clustering.explainers",
    "explain": "clustering.explainers",
    "compare": "clustering.api",
    "report": "clustering.api",
    "Map": "clustering.notebook",
}
__all__ = [
    "BACKENDS",
    "EXPLAINERS",
    "ClusterResult",
    "Clustering",
    "DataError",
    "Dataset",
    "Map",
    "build_space",
    "cluster",
    "compare",
    "explain",
    "load",
    "load_sample",
    "report",
]

if TYPE_CHECKING:
    from clustering.api import Clustering, cluster, compare, report
    from clustering.backends import BACKENDS
    from clustering.data import DataError, Dataset
    from clustering.explainers import EXPLAINERS, build_space, explain
    from clustering.io import load
    from clustering.io.samples import load_sample
    from clustering.notebook import Map
    from clustering.result import ClusterResult


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'clustering' has no attribute {name!r}; its public names: {', '.join(__all__)}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)


def __dir__() -> list[str]:
    return __all__
