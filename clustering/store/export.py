"""A project as a config that `clusterlab run` re-runs to identical labels: the YAML, and the files it names
(drill-downs' rows, imported labels)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import yaml

from clustering.backends import BACKENDS
from clustering.evidence.consensus import CONSENSUS
from clustering.run.edits import EDITED
from clustering.run.imported import IMPORTED
from clustering.store.projects import DatasetRef, Store


@dataclass
class Exported:
    """A project as a config: the YAML text and the files it names (relative path -> CSV bytes)."""

    text: str
    files: dict[str, bytes] = field(default_factory=dict)


def export_config(store: Store, project: str) -> str:
    """A project's data and runs as YAML that `clusterlab run` re-runs to identical labels (the YAML alone: a
    project with drill-downs or imported labels also needs `export_project`'s files)."""
    return export_project(store, project).text


def export_project(store: Store, project: str, files_folder: str = "files") -> Exported:
    """A project as a config that re-runs to identical labels: every run kind the store holds (plain, sampled,
    edited, consensus, drill-down, imported). Drill-downs' rows and imported labels go to CSV files under
    `files_folder`, named in the YAML relative to it."""

    found = store.project(project)
    runs: list[dict] = []
    versions: dict[str, str] = {}
    files: dict[str, bytes] = {}
    exported: dict[str, str] = {}  # run id -> its name in the config (an edited run names its base by it)
    for entry in found["runs"]:
        name = _config_name(entry.name, set(exported.values()))
        run = _exported_run(store, project, entry, name, exported, files, files_folder)
        if run is None:
            continue
        exported[entry.id] = name
        runs.append(run)
        if entry.method in BACKENDS:
            versions.update(entry.versions)
    header = f"# Clusterlab project {project!r}: `clusterlab run THIS.yaml --project NEW` re-runs it.\n"
    data = _exported_data(found["dataset"])
    return Exported(header + yaml.safe_dump({"data": data, "runs": runs, "versions": versions}, sort_keys=False), files)


def _config_name(name: str, taken: set[str]) -> str:
    """A run's name in a config: names repeat in a project (ids tell them apart); a config's names may not."""
    chosen, copy = name, 1
    while chosen in taken:
        copy += 1
        chosen = f"{name} ({copy})"
    return chosen


def _exported_data(ref: DatasetRef) -> dict:
    data: dict = {"path": ref.source, "preprocess": ref.preprocess, "fingerprint": ref.fingerprint}
    if ref.key:
        data["key"] = ref.key
    if ref.columns:
        data["columns"] = list(ref.columns)
    if ref.drop_nonfinite:
        data["drop_nonfinite"] = True
    if ref.text_column is not None:
        data["text_column"] = ref.text_column
    if ref.embed:
        data["embed"] = ref.embed  # replayed with the same model (its version is checked by the fingerprint)
    if ref.drop_empty_text:
        data["drop_empty_text"] = True
    if ref.name:
        data["name"] = ref.name  # a kept upload's path is a hashed copy; its name says what was uploaded
    return data


def _exported_run(
    store: Store, project: str, entry, name: str, exported: dict, files: dict, folder: str
) -> dict | None:
    """One stored run as a config entry (its files added to `files`), or None for a run no config can make."""

    stem = _file_stem(name, len(files))
    if entry.method == EDITED:
        base = exported.get(str(entry.params.get("from")))
        return None if base is None else {"name": name, "from": base, "edits": entry.params["edits"]}
    if entry.method == CONSENSUS and "members" in entry.params:  # not the ensemble method of that name
        members = [exported.get(str(m)) for m in entry.params["members"]]
        if None in members:
            return None
        params = {k: entry.params[k] for k in ("n_neighbors", "resolution")}
        return {"name": name, "of": members, "params": params, "seed": entry.seed or 0}
    if entry.method == IMPORTED:
        labels, confidence = store.labels(project, entry.id)
        names = {c: n for c, (n, _) in store.cluster_names(project, entry.id).items() if n}
        table = pd.DataFrame({"row": range(len(labels)), "cluster": labels})
        table["cluster_name"] = [names.get(int(c), "") for c in labels]
        if confidence is not None and str(entry.info.get("confidence", "")).startswith("the file's own"):
            table["confidence"] = confidence
        path = f"{folder}/{stem}.labels.csv"
        files[path] = table.to_csv(index=False).encode()
        unlabelled = bool(entry.info.get("unlabelled"))
        return {"name": name, "labels": path, **({"allow_unlabelled": True} if unlabelled else {})}
    if entry.method not in BACKENDS:
        return None
    run: dict = {"name": name, "method": entry.method}
    run["params"] = {k: v for k, v in entry.params.items() if k not in ("seed", "random_state")}
    if entry.seed is not None:
        run["seed"] = entry.seed
    if entry.is_subset:
        rows = store.subset_rows(project, entry.id)
        path = f"{folder}/{stem}.rows.csv"
        files[path] = pd.DataFrame({"row": rows}).to_csv(index=False).encode()
        run["rows"] = path
    elif entry.info.get("sample"):
        run["sample"] = int(entry.info["sample"]["sample_rows"])
    return run


def _file_stem(name: str, index: int) -> str:
    """A file name from a run name: letters, digits, '-' and '_' only, numbered so two never collide."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in name)[:40].strip("-")
    return f"{index + 1:02d}-{safe or 'run'}"
