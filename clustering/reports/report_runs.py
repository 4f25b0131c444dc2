"""Where a report's runs come from: label files joined to the data, or a project's saved runs."""

from __future__ import annotations

from pathlib import Path

from clustering.data import Dataset
from clustering.reports.values import ReportRun
from clustering.store.data_refs import load_data


def runs_from_files(paths: list[str], dataset: Dataset, read_labels) -> list[ReportRun]:
    """Label files as runs named after their files; `read_labels(path, dataset)` returns a joined LabelFile."""

    runs, seen = [], set()
    for path in paths:
        name = Path(path).stem
        while name in seen:
            name = name + "'"
        seen.add(name)
        found = read_labels(path, dataset)  # joined by id; missing, repeated or unknown ids refused
        runs.append(
            ReportRun(
                name=name,
                labels=found.labels,
                source=str(path),
                confidence=found.confidence,
                cluster_names=dict(found.names),
                confidence_note="read from the labels file",
            )
        )
    return runs


def runs_from_project(store, project: str, run_names: list[str] | None = None) -> tuple[Dataset, list[ReportRun]]:
    """A project's dataset (reloaded and checked against its fingerprint) and its chosen runs (all by default)."""

    found = store.project(project)
    saved = found["runs"]
    if run_names:
        chosen = [store.find_run(project, wanted) for wanted in run_names]
    else:
        chosen = list(saved)
    if not chosen:
        raise ValueError(f"project {project!r} has no runs to report; run one first.")
    dataset = load_data(found["dataset"])
    runs = []
    for record in chosen:
        labels, confidence = store.labels(project, record.id)
        kept = store.explanations(project, record.id)
        names = {c: name for c, (name, _) in store.cluster_names(project, record.id).items() if name}
        runs.append(
            ReportRun(
                name=record.name,
                labels=labels,
                method=record.method,
                params=record.params,
                seed=record.seed,
                preprocess=record.preprocess or "",
                versions=record.versions,
                device=record.device,
                seconds=record.seconds,
                confidence=confidence,
                cluster_names=names,
                explanation=kept[0]["result"] if kept else None,
                source=f"project {project}",
                run_id=record.id,
                confidence_note=str(record.info.get("confidence", "")),
                rows=store.subset_rows(project, record.id) if record.is_subset else None,
            )
        )
    return dataset, runs


def kept_suggestion(store, project: str, fingerprint: str) -> dict | None:
    """The project's newest suggestion (`Suggestion.summary()`) made on this data, or None."""
    kept = [
        c["result"] for c in store.comparisons(project, "suggestion") if c["settings"].get("fingerprint") == fingerprint
    ]
    return kept[0] if kept else None
