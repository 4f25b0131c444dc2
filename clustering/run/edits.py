"""Edits to a clustering, as values: merge clusters, split one (re-cluster its rows), move rows, mark rows as noise.

An edited run is its base run plus a list of edits; the list is its provenance, stored with the run and written
to configs, so `clusterlab run` replays it to identical labels. Rows are named by the data's ids (its id column,
else row numbers), never by position in a selection.
"""

from __future__ import annotations

import time

import numpy as np

from clustering.backends import BACKENDS
from clustering.data import Dataset
from clustering.evidence.confidence import labels_confidence
from clustering.limits import EDIT_MAX_IDS
from clustering.params import ParamError
from clustering.progress import report
from clustering.result import ClusterResult
from clustering.run.pipeline import run_subset

EDITED = "edited"  # the method name of an edited run
KINDS = ("merge", "split", "move", "noise")


class EditError(ValueError):
    """An edit that cannot apply: said with the edit's place and what to do."""


def _ids_to_rows(dataset: Dataset, ids: list, where: str) -> np.ndarray:
    """Rows of the data's ids (its id column, else row numbers); unknown or repeated ids are refused."""
    if not isinstance(ids, list) or not ids:
        raise EditError(f"{where}: list the rows' ids, e.g. [12, 40].")
    if len(ids) > EDIT_MAX_IDS.whole():
        raise EditError(f"{where}: {len(ids):,} ids is over the {EDIT_MAX_IDS.whole():,} one edit may list.")
    if dataset.id_column:
        keys = dataset.metadata[dataset.id_column].astype(str).to_numpy()
        lookup = dict(zip(keys.tolist(), range(len(keys)), strict=True))
        rows = [lookup.get(str(i), -1) for i in ids]
    else:
        rows = [int(i) if isinstance(i, int | np.integer) and 0 <= int(i) < dataset.n else -1 for i in ids]
    unknown = [ids[k] for k, row in enumerate(rows) if row < 0]
    if unknown:
        raise EditError(f"{where}: {len(unknown):,} id(s) are not in the data (for example {unknown[:3]}).")
    out = np.asarray(rows, dtype=np.int64)
    if len(np.unique(out)) != len(out):
        raise EditError(f"{where}: an id is listed twice.")
    return out


def row_ids(dataset: Dataset, rows: np.ndarray) -> list:
    """The ids an edit stores for these rows: the id column's values, else row numbers (plain JSON values)."""
    rows = np.asarray(rows, dtype=np.int64)
    if dataset.id_column:
        return [v.item() if hasattr(v, "item") else v for v in dataset.metadata[dataset.id_column].to_numpy()[rows]]
    return [int(r) for r in rows]


def _cluster(value: object, labels: np.ndarray, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise EditError(f"{where}: a cluster is a whole number (got {value!r}).")
    if int(value) not in set(np.unique(labels[labels >= 0]).tolist()):
        raise EditError(f"{where}: the run has no cluster {value}.")
    return int(value)


def check_edit(edit: object, where: str) -> dict:
    """One edit's shape (not yet its rows or clusters): a mapping with one of KINDS and its own keys only."""
    allowed = {"merge": {"merge"}, "split": {"split", "method", "params", "seed"}, "move": {"move", "to"}}
    allowed["noise"] = {"noise"}
    if not isinstance(edit, dict):
        raise EditError(f"{where}: an edit is a mapping such as {{merge: [2, 5]}}.")
    kinds = [k for k in KINDS if k in edit]
    if len(kinds) != 1:
        raise EditError(
            f"{where}: an edit names one of {', '.join(KINDS)} (got {', '.join(map(str, edit)) or 'none'})."
        )
    extra = set(map(str, edit)) - allowed[kinds[0]]
    if extra:
        raise EditError(f"{where}: unknown key {sorted(extra)[0]!r} for a {kinds[0]} edit.")
    if kinds[0] == "move" and "to" not in edit:
        raise EditError(f"{where}: a move edit says where to: {{move: [ids], to: 3}}.")
    if kinds[0] == "split" and "method" not in edit:
        raise EditError(f"{where}: a split edit names the method that re-clusters it: {{split: 2, method: kmeans}}.")
    if kinds[0] == "merge" and (not isinstance(edit["merge"], list) or len(edit["merge"]) < 2):
        raise EditError(f"{where}: merge lists two clusters or more, e.g. {{merge: [2, 5]}}.")
    if kinds[0] in ("move", "noise") and (not isinstance(edit[kinds[0]], list) or not edit[kinds[0]]):
        raise EditError(f"{where}: list the rows' ids, e.g. [12, 40].")
    return edit


def apply_edits(dataset: Dataset, labels: np.ndarray, edits: list, preprocess: str = "none") -> np.ndarray:
    """The labels after each edit in turn (the input is not changed)."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    for index, edit in enumerate(edits):
        where = f"edit {index + 1}"
        check_edit(edit, where)
        if "merge" in edit:
            clusters = [_cluster(c, labels, where) for c in edit["merge"]]
            labels[np.isin(labels, clusters)] = min(clusters)
        elif "split" in edit:
            labels = _split(dataset, labels, edit, preprocess, where)
        elif "move" in edit:
            to = edit["to"]
            if isinstance(to, bool) or not isinstance(to, int | np.integer) or not 0 <= int(to) <= 2**31 - 1:
                raise EditError(f"{where}: `to` is a cluster number from 0 (a new number makes a new cluster).")
            labels[_ids_to_rows(dataset, edit["move"], where)] = _target(labels, int(to), where)
        else:
            labels[_ids_to_rows(dataset, edit["noise"], where)] = -1
    return labels.astype(np.int32)


def _target(labels: np.ndarray, to: int, where: str) -> int:
    """A move's cluster: one the run has, or a new number no larger than the row count (so nothing sized by the
    largest id, such as a bincount, can be made to allocate gigabytes by one edit)."""
    largest = int(labels.max(initial=-1))
    if to > max(largest + 1, len(labels)):
        raise EditError(
            f"{where}: cluster {to:,} is a new number far above the run's clusters (largest {largest}); a new "
            f"cluster takes a number up to {max(largest + 1, len(labels)):,}, e.g. {largest + 1}."
        )
    return to


def _split(dataset: Dataset, labels: np.ndarray, edit: dict, preprocess: str, where: str) -> np.ndarray:
    """Re-cluster one cluster's rows: its first part keeps the number, the others get new numbers."""

    cluster = _cluster(edit["split"], labels, where)
    method = str(edit["method"])
    if method not in BACKENDS:
        raise EditError(f"{where}: unknown method {method!r}; choose one of {', '.join(BACKENDS)}.")
    rows = np.flatnonzero(labels == cluster)
    if len(rows) < 3:
        raise EditError(f"{where}: cluster {cluster} has {len(rows)} rows; splitting needs 3 or more.")
    params = dict(edit.get("params") or {})
    if edit.get("seed") is not None:
        params["random_state"] = edit["seed"]
    try:
        parts = run_subset(dataset, rows, method, params, preprocess=preprocess).labels[rows]
    except ParamError as error:
        raise EditError(f"{where} ({method}): {error}") from None
    out = labels.copy()
    start = int(labels.max()) + 1
    found = [p for p in np.unique(parts) if p >= 0]
    for k, part in enumerate(found):
        out[rows[parts == part]] = cluster if k == 0 else start + k - 1
    out[rows[parts < 0]] = -1
    return out


def edited_result(
    dataset: Dataset, base: ClusterResult, base_id: str, edits: list, preprocess: str = "none"
) -> ClusterResult:
    """A new run: the base run's labels after `edits`; its provenance is (the base run's id, the edits). The base
    may be an edited run itself: a config replays the chain in order."""
    started = time.perf_counter()
    labels = apply_edits(dataset, base.labels, edits, preprocess)
    calibrated = labels_confidence(dataset, labels, preprocess)
    info: dict = {"edits": len(edits)}
    if calibrated is not None:
        info["confidence"] = "calibrated from neighbours"
    return ClusterResult(
        labels=labels,
        method=EDITED,
        params={"from": base_id, "edits": edits},
        seed=None,
        preprocess=preprocess,
        dataset_fingerprint=dataset.fingerprint,
        seconds={"total": time.perf_counter() - started},
        calibrated=calibrated,
        info=info,
    )


def edit_run(
    dataset: Dataset,
    base: ClusterResult,
    base_id: str,
    edits: list,
    preprocess: str = "none",
    progress=None,
    cancel=None,
) -> ClusterResult:
    """`edited_result` as a job (a split re-clusters, which can take a while): progress said, cancel honoured."""

    report(progress, f"applying {len(edits)} edit(s)", 0.05, cancel)
    result = edited_result(dataset, base, base_id, edits, preprocess)
    report(progress, "edited", 1.0, cancel)
    return result
