"""Running a config (`clustering.store.config`) into a project: each run made and stored in turn, a consensus or
an edit from the runs above it, a drill-down on its rows, labels read from their file."""

from __future__ import annotations

from pathlib import Path

from clustering.evidence.consensus import consensus_result
from clustering.io.labels import read_label_file, read_row_file
from clustering.result import ClusterResult
from clustering.run.edits import EditError, edited_result
from clustering.run.imported import imported_result
from clustering.run.pipeline import run, run_subset
from clustering.store.config import Config, RunSpec
from clustering.store.data_refs import load_data, reference
from clustering.store.database import ConfigError
from clustering.store.projects import Store, check_name


def run_config(
    config: Config, store: Store, project: str, progress=None, on_stored=None
) -> list[tuple[str, ClusterResult]]:
    """Run every run of a config into a project (created when missing); returns (run id, result) pairs.

    Each run is stored as it is made and handed to `on_stored(run_id, result)` (the CLI prints it then). A run
    that fails or is interrupted keeps the runs stored before it; a project this call created is removed again
    only while nothing at all was written to it, by this call or anyone else.
    """
    project = check_name(project)  # refused before any work, so a failure leaves nothing behind
    dataset = load_data(config.data)
    if config.data.source.startswith("sample:") or Path(config.data.source).is_absolute():
        source = config.data.source
    else:
        source = str(Path(config.data.source).resolve())
    ref = reference(
        dataset,
        source,
        config.data.preprocess,
        config.data.key,
        list(config.data.columns) if config.data.columns else None,
        config.data.drop_nonfinite,
        config.data.text_column,
    )
    existing, created = store.open_or_create(project, ref)  # one step: a second writer opens it
    if not created and existing.fingerprint and existing.fingerprint != ref.fingerprint:
        raise ConfigError(
            f"project {project!r} holds another dataset ({existing.source}); name a new project (CLI: --project)."
        )
    truth = dataset.labels()
    done: list[tuple[str, ClusterResult]] = []
    by_name: dict[str, tuple[str, ClusterResult]] = {}
    try:
        for spec in config.runs:
            result, names = _spec_result(spec, dataset, config.data.preprocess, truth, by_name, progress)
            result.name = spec.name
            run_id = store.add_run(project, result, spec.name)
            for code, cluster_name in names.items():  # an imported run's names from its file
                store.name_cluster(project, run_id, code, cluster_name)
            done.append((run_id, result))
            by_name[spec.name] = done[-1]
            if on_stored is not None:
                on_stored(run_id, result)
    except BaseException:
        if created and not done:
            store.delete_if_empty(project)  # no empty project behind, and never another writer's work
        raise
    return done


def _spec_result(
    spec: RunSpec, dataset, preprocess: str, truth, by_name: dict, progress
) -> tuple[ClusterResult, dict[int, str]]:
    """One run of a config (a consensus, an edit, labels from a file, a drill-down, or a plain run) and the cluster
    names it brings (an imported file's)."""

    if spec.members:
        members = [(by_name[m][0], by_name[m][1].labels) for m in spec.members]
        n_neighbors, resolution = spec.params["n_neighbors"], spec.params["resolution"]
        found = consensus_result(
            dataset, members, preprocess=preprocess, n_neighbors=n_neighbors, resolution=resolution, seed=spec.seed or 0
        )
        return found, {}
    if spec.base is not None:
        base_id, base = by_name[spec.base]
        try:
            return edited_result(dataset, base, base_id, spec.edits, preprocess), {}
        except EditError as error:
            raise ConfigError(f"run {spec.name!r}: {error}") from None
    if spec.labels is not None:
        found = read_label_file(spec.labels, dataset, option="labels:", allow_unlabelled=spec.allow_unlabelled)
        return imported_result(dataset, found, spec.labels.name, preprocess), found.names
    if spec.rows is not None:
        rows = read_row_file(spec.rows, dataset, option="rows:")
        params = {**spec.params, **({"random_state": spec.seed} if spec.seed is not None else {})}
        return run_subset(dataset, rows, spec.method, params, preprocess=preprocess, progress=progress), {}
    found = run(
        dataset,
        spec.method,
        spec.params,
        seed=spec.seed,
        preprocess=preprocess,
        truth=truth,
        progress=progress,
        sample=spec.sample,
    )
    return found, {}
