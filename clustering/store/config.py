"""YAML configs that re-run a project: the data (file or sample, options, preprocessing) and a list of runs.

```yaml
data: {path: sample:digits, preprocess: none}      # or a file, with key: / columns: [a, b]
runs:
  - {name: leiden-fine, method: leiden, params: {resolution: 1.5}, seed: 0}
  - {name: leiden-big, method: leiden, sample: 50000}   # fit on 50,000 random rows, assign the rest
versions: {numpy: 2.1.0, ...}                       # written by export: what produced the labels
```
Every run is checked (method, each parameter against its schema) before the first one starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.data import Dataset
from clustering.preprocess import parse as parse_preprocess
from clustering.result import ClusterResult
from clustering.store.database import StoreError
from clustering.store.projects import DatasetRef, Store, check_name


class ConfigError(StoreError):
    """A config a person must fix; the message names the file and the place in it."""


@dataclass
class RunSpec:
    name: str
    method: str
    params: dict
    seed: int | None = None
    sample: int | None = None  # fitted on this many random rows, the rest assigned (clustering.scale)


@dataclass
class Config:
    data: DatasetRef
    runs: list[RunSpec] = field(default_factory=list)
    versions: dict = field(default_factory=dict)


def load_config(path: str | Path) -> Config:
    """Read and check a YAML config; ConfigError names the first problem."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file.")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text.") from None
    return parse_config(raw, str(path))


def parse_config(raw: object, label: str = "config") -> Config:
    if not isinstance(raw, dict):
        raise ConfigError(f"{label}: expected a mapping with `data:` and `runs:`.")
    unknown = sorted(set(raw) - {"data", "runs", "versions"})
    if unknown:
        raise ConfigError(f"{label}: unknown section(s) {', '.join(map(str, unknown))}; use data, runs, versions.")
    data = raw.get("data")
    if isinstance(data, str):
        data = {"path": data}
    if not isinstance(data, dict) or not data.get("path"):
        raise ConfigError(f"{label}: `data:` needs `path:` (a file, or sample:NAME).")
    columns = data.get("columns")
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    preprocess = str(data.get("preprocess") or "none")
    try:
        parse_preprocess(preprocess)
    except ValueError as error:
        raise ConfigError(f"{label}: data.preprocess: {error}") from None
    ref = DatasetRef(
        source=str(data["path"]),
        key=data.get("key"),
        columns=tuple(columns) if columns else None,
        preprocess=preprocess,
        fingerprint=str(data.get("fingerprint") or ""),
        drop_nonfinite=bool(data.get("drop_nonfinite", False)),
    )
    runs_raw = raw.get("runs")
    if not isinstance(runs_raw, list) or not runs_raw:
        raise ConfigError(f"{label}: `runs:` needs a list of runs, each with `method:`.")
    runs, names = [], set()
    for index, entry in enumerate(runs_raw, start=1):
        where = f"{label}: runs[{index}]"
        if not isinstance(entry, dict) or "method" not in entry:
            raise ConfigError(f"{where}: each run needs `method:` (and optional name, params, seed, sample).")
        method = str(entry["method"])
        if method not in BACKENDS:
            raise ConfigError(f"{where}: unknown method {method!r}; choose one of {', '.join(BACKENDS)}.")
        params = entry.get("params") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: `params:` must be a mapping like {{resolution: 1.0}}.")
        seed = entry.get("seed")
        try:
            if seed is not None:
                seed = BACKENDS[method].param("seed").coerce(seed) if _has_seed(method) else None
            BACKENDS[method].checked(params)
        except ParamError as error:
            raise ConfigError(f"{where} ({method}): {error}") from None
        sample = entry.get("sample")
        if sample is not None and (not isinstance(sample, int) or isinstance(sample, bool) or sample < 100):
            raise ConfigError(f"{where}: `sample:` is a number of rows, at least 100 (got {sample!r}).")
        name = str(entry.get("name") or f"{method}-{index}")
        try:
            check_name(name, "run")
        except StoreError as error:
            raise ConfigError(f"{where}: {error}") from None
        if name in names:
            raise ConfigError(f"{where}: the run name {name!r} is used twice; names must differ.")
        names.add(name)
        runs.append(RunSpec(name=name, method=method, params=dict(params), seed=seed, sample=sample))
    versions = raw.get("versions") or {}
    return Config(data=ref, runs=runs, versions=versions if isinstance(versions, dict) else {})


def _has_seed(method: str) -> bool:
    return any(p.name == "seed" for p in BACKENDS[method].schema)


def load_data(ref: DatasetRef) -> Dataset:
    """The dataset a reference names, refused when its content changed since the project was made."""
    from clustering.samples import load_input

    options: dict = {"drop_nonfinite": True} if ref.drop_nonfinite else {}
    if ref.key:
        options["key"] = ref.key
    if ref.columns:
        options["columns"] = list(ref.columns)
    dataset = load_input(ref.source, **options)
    if ref.fingerprint and dataset.fingerprint != ref.fingerprint:
        raise ConfigError(
            f"{ref.source}: the data changed since this project was made (fingerprint "
            f"{dataset.fingerprint[:12]}, expected {ref.fingerprint[:12]}); its labels would not match."
        )
    return dataset


def reference(
    dataset: Dataset,
    source: str,
    preprocess: str = "none",
    key: str | None = None,
    columns: list[str] | None = None,
    drop_nonfinite: bool = False,
) -> DatasetRef:
    return DatasetRef(
        source=source,
        key=key,
        columns=tuple(columns) if columns else None,
        preprocess=preprocess,
        fingerprint=dataset.fingerprint,
        n_rows=dataset.n,
        n_features=dataset.d,
        name=dataset.name,
        drop_nonfinite=drop_nonfinite,
    )


def run_config(config: Config, store: Store, project: str, progress=None) -> list[tuple[str, ClusterResult]]:
    """Run every run of a config into a project (created when missing); returns (run id, result) pairs."""
    from clustering.pipeline import run

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
    )
    if store.exists(project):
        existing = store.project(project)["dataset"]
        if existing.fingerprint and existing.fingerprint != ref.fingerprint:
            raise ConfigError(
                f"project {project!r} holds another dataset ({existing.source}); name a new project (CLI: --project)."
            )
    else:
        store.create(project, ref)
    truth = dataset.labels()
    done = []
    for spec in config.runs:
        result = run(
            dataset,
            spec.method,
            spec.params,
            seed=spec.seed,
            preprocess=config.data.preprocess,
            truth=truth,
            progress=progress,
            sample=spec.sample,
        )
        result.name = spec.name
        done.append((store.add_run(project, result, spec.name), result))
    return done


def export_config(store: Store, project: str) -> str:
    """A project's data and runs as YAML that `clusterlab run` re-runs to identical labels."""
    import yaml

    found = store.project(project)
    ref: DatasetRef = found["dataset"]
    data: dict = {"path": ref.source, "preprocess": ref.preprocess, "fingerprint": ref.fingerprint}
    if ref.key:
        data["key"] = ref.key
    if ref.columns:
        data["columns"] = list(ref.columns)
    if ref.drop_nonfinite:
        data["drop_nonfinite"] = True
    runs: list[dict] = []
    versions: dict[str, str] = {}
    for entry in found["runs"]:
        if (entry["info"] or {}).get("subset_rows"):
            continue  # drill-downs on a selection are not re-runnable from the whole data
        run = {
            "name": entry["name"],
            "method": entry["method"],
            "params": {k: v for k, v in entry["params"].items() if k != "seed"},
        }
        if entry["seed"] is not None:
            run["seed"] = entry["seed"]
        sampled = (entry["info"] or {}).get("sample")
        if sampled:
            run["sample"] = int(sampled["sample_rows"])
        runs.append(run)
        versions.update(entry["versions"] or {})
    header = f"# Clusterlab project {project!r}: `clusterlab run THIS.yaml --project NEW` re-runs it.\n"
    return header + yaml.safe_dump({"data": data, "runs": runs, "versions": versions}, sort_keys=False)
