"""YAML configs that re-run a project: the data (file or sample, options, preprocessing) and a list of runs.

```yaml
data: {path: sample:digits, preprocess: none}      # or a file, with key: / columns: [a, b]
runs:
  - {name: leiden-fine, method: leiden, params: {resolution: 1.5}, seed: 0}
  - {name: leiden-big, method: leiden, sample: 50000}   # fit on 50,000 random rows, assign the rest
  - {name: fixed, from: leiden-fine, edits: [{merge: [2, 5]}]}  # an edited run: merge, split, move, noise
versions: {numpy: 2.1.0, ...}                       # written by export: what produced the labels
```
Every run is checked (method, each parameter against its schema) before the first one starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.limits import CONFIG_MAX_DEPTH, CONFIG_MAX_KB, CONFIG_MAX_RUNS
from clustering.preprocess import parse as parse_preprocess
from clustering.result import ClusterResult
from clustering.store.data_refs import load_data, reference
from clustering.store.database import ConfigError, StoreError
from clustering.store.projects import DatasetRef, Store, check_name


@dataclass
class RunSpec:
    """One run of a config: name, method, parameters, seed and sample size."""

    name: str
    method: str
    params: dict
    seed: int | None = None
    sample: int | None = None  # fitted on this many random rows, the rest assigned (clustering.scale)
    base: str | None = None  # an edited run: the earlier run of this config it edits
    edits: list = field(default_factory=list)
    members: list = field(default_factory=list)  # a consensus run: the earlier runs it agrees from


@dataclass
class Config:
    """A config: the data and its runs (and the versions that made them)."""

    data: DatasetRef
    runs: list[RunSpec] = field(default_factory=list)
    versions: dict = field(default_factory=dict)


DATA_KEYS = ("path", "key", "columns", "preprocess", "fingerprint", "drop_nonfinite", "text_column", "name")
RUN_KEYS = ("name", "method", "params", "seed", "sample", "from", "edits", "of")
TOP_KEYS = ("data", "runs", "versions")


def load_config(path: str | Path) -> Config:
    """Read and check a YAML config; ConfigError names the first problem.

    The YAML is read without aliases and anchors (no alias bombs), with duplicate keys refused and its size and
    depth bounded (settings CLUSTERLAB_CONFIG_MAX_KB, CLUSTERLAB_CONFIG_MAX_DEPTH), then checked against the
    schema: unknown keys are named with the closest valid one, and every value's type is checked.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file.")
    size_kb = path.stat().st_size / 1024
    if size_kb > CONFIG_MAX_KB.value():
        raise ConfigError(
            f"{path}: {size_kb:,.0f} KB is over the {CONFIG_MAX_KB.value():,.0f} KB limit for a config "
            "(setting CLUSTERLAB_CONFIG_MAX_KB)."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text.") from None
    return parse_config(read_yaml(text, str(path)), str(path))


def read_yaml(text: str, label: str = "config") -> object:
    """Plain YAML data: aliases, anchors and tags other than the standard ones refused, duplicate keys refused."""
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader(label))  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{label}: not valid YAML{where}: {problem}.") from None


def _strict_loader(label: str):
    import yaml

    max_depth = int(CONFIG_MAX_DEPTH.value())

    class StrictLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            event = self.peek_event()
            where = f" (line {event.start_mark.line + 1})"
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ConfigError(
                    f"{label}{where}: YAML anchors and aliases (&, *) are not accepted; write values out."
                )
            self.depth += 1
            if self.depth > max_depth:
                raise ConfigError(
                    f"{label}{where}: nested more than {max_depth} levels deep (setting CLUSTERLAB_CONFIG_MAX_DEPTH)."
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node, deep=False):
            seen: set = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise ConfigError(f"{label} (line {key_node.start_mark.line + 1}): a key must be plain text.")
                if key in seen:
                    raise ConfigError(
                        f"{label} (line {key_node.start_mark.line + 1}): the key {key!r} appears twice in one "
                        "mapping; keep one."
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return StrictLoader


def _check_keys(mapping: dict, allowed: tuple[str, ...], where: str) -> None:
    import difflib

    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}; {hint}valid keys: {', '.join(allowed)}.")


def _expect(value: object, kinds: tuple[type, ...], where: str, what: str) -> None:
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise ConfigError(f"{where}: {what} (got {type(value).__name__} {str(value)[:40]!r}).")


def parse_config(raw: object, label: str = "config") -> Config:
    """Check a config's data against the schema (keys, types, sizes); ConfigError names the place."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{label}: expected a mapping with `data:` and `runs:`.")
    _check_keys(raw, TOP_KEYS, label)
    ref = _data_ref(raw.get("data"), f"{label}: data")
    runs_raw = raw.get("runs")
    if not isinstance(runs_raw, list) or not runs_raw:
        raise ConfigError(f"{label}: `runs:` needs a list of runs, each with `method:`.")
    if len(runs_raw) > CONFIG_MAX_RUNS.value():
        raise ConfigError(
            f"{label}: {len(runs_raw):,} runs is over the limit of {CONFIG_MAX_RUNS.value():,.0f} "
            "(setting CLUSTERLAB_CONFIG_MAX_RUNS); split the config."
        )
    runs, names = [], set()
    for index, entry in enumerate(runs_raw, start=1):
        spec = _run_spec(entry, f"{label}: runs[{index}]", index)
        if spec.base is not None and spec.base not in names:
            raise ConfigError(
                f"{label}: runs[{index}]: `from: {spec.base}` names no earlier run of this config; an edited run "
                "comes after the run it edits."
            )
        missing = [m for m in spec.members if m not in names]
        if missing:
            raise ConfigError(
                f"{label}: runs[{index}]: `of:` names {missing[0]!r}, no earlier run of this config; a consensus "
                "comes after its members."
            )
        if spec.name in names:
            raise ConfigError(f"{label}: runs[{index}]: the run name {spec.name!r} is used twice; names must differ.")
        names.add(spec.name)
        runs.append(spec)
    versions = raw.get("versions") or {}
    _expect(versions, (dict,), f"{label}: versions", "a mapping of package: version")
    return Config(data=ref, runs=runs, versions={str(k): str(v) for k, v in versions.items()})


def _data_ref(data: object, where: str) -> DatasetRef:
    if isinstance(data, str):
        data = {"path": data}
    if not isinstance(data, dict) or not data.get("path"):
        raise ConfigError(f"{where}: `data:` needs `path:` (a file, or sample:NAME).")
    _check_keys(data, DATA_KEYS, where)
    _expect(data["path"], (str,), f"{where}.path", "a file path or sample:NAME")
    source = str(data["path"])
    if source.startswith("sample:"):
        for option in ("key", "columns"):
            if data.get(option) is not None:
                raise ConfigError(
                    f"{where}.{option}: a bundled sample has its own vectors; `{option}:` applies to files only."
                )
    columns = data.get("columns")
    if isinstance(columns, str):
        columns = [c.strip() for c in columns.split(",") if c.strip()]
    if columns is not None:
        _expect(columns, (list,), f"{where}.columns", "a list of column names, e.g. [a, b]")
        if not all(isinstance(c, str) and c.strip() for c in columns):
            raise ConfigError(f"{where}.columns: each column is a name (text), e.g. [emb_0, emb_1].")
    for option in ("key", "fingerprint", "preprocess", "text_column", "name"):
        if data.get(option) is not None:
            _expect(data[option], (str,), f"{where}.{option}", "text")
    drop = data.get("drop_nonfinite", False)
    _expect(drop, (bool,), f"{where}.drop_nonfinite", "true or false (without quotes)")
    preprocess = str(data.get("preprocess") or "none")
    try:
        parse_preprocess(preprocess)
    except ValueError as error:
        raise ConfigError(f"{where}.preprocess: {error}") from None
    return DatasetRef(
        source=source,
        key=data.get("key"),
        columns=tuple(columns) if columns else None,
        preprocess=preprocess,
        fingerprint=str(data.get("fingerprint") or ""),
        drop_nonfinite=bool(drop),
        text_column=data.get("text_column"),
        name=str(data.get("name") or ""),
    )


def _edited_spec(entry: dict, where: str, index: int) -> RunSpec:
    """A run that edits an earlier run: `from:` its name, `edits:` the list (merge, split, move, noise)."""
    from clustering.edits import EDITED, EditError, check_edit

    _check_keys(entry, ("name", "method", "from", "edits"), where)
    if entry.get("method", EDITED) != EDITED:
        raise ConfigError(f"{where}: a run with `from:` is an edited run; leave `method:` out (or write {EDITED}).")
    _expect(entry["from"], (str,), f"{where}.from", "the name of an earlier run")
    edits = entry.get("edits")
    if not isinstance(edits, list) or not edits:
        raise ConfigError(f"{where}: `edits:` lists the edits, e.g. [{{merge: [2, 5]}}].")
    try:
        for k, edit in enumerate(edits, start=1):
            check_edit(edit, f"{where}.edits[{k}]")
    except EditError as error:
        raise ConfigError(str(error)) from None
    name = str(entry.get("name") or f"edited-{index}")
    try:
        check_name(name, "run")
    except StoreError as error:
        raise ConfigError(f"{where}: {error}") from None
    return RunSpec(name=name, method=EDITED, params={}, base=str(entry["from"]), edits=list(edits))


def _consensus_spec(entry: dict, where: str, index: int) -> RunSpec:
    """A consensus of earlier runs: `of:` their names, `params:` n_neighbors and resolution, `seed:`."""
    from clustering.consensus import CONSENSUS

    _check_keys(entry, ("name", "method", "of", "params", "seed"), where)
    if entry.get("method", CONSENSUS) != CONSENSUS:
        raise ConfigError(f"{where}: a run with `of:` is a consensus; leave `method:` out (or write {CONSENSUS}).")
    members = entry["of"]
    if not isinstance(members, list) or len(members) < 2 or not all(isinstance(m, str) for m in members):
        raise ConfigError(f"{where}: `of:` lists two earlier runs or more by name, e.g. [km, leiden].")
    params = entry.get("params") or {}
    if not isinstance(params, dict) or set(params) - {"n_neighbors", "resolution"}:
        raise ConfigError(f"{where}: a consensus takes `params: {{n_neighbors: 15, resolution: 1.0}}` only.")
    k, resolution = params.get("n_neighbors", 15), params.get("resolution", 1.0)
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= 200:
        raise ConfigError(f"{where}: n_neighbors is a whole number from 2 to 200.")
    if isinstance(resolution, bool) or not isinstance(resolution, int | float) or not 0 < resolution <= 100:
        raise ConfigError(f"{where}: resolution is a number above 0 (at most 100).")
    seed = entry.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**31 - 1:
        raise ConfigError(f"{where}: seed is a whole number from 0.")
    name = str(entry.get("name") or f"consensus-{index}")
    try:
        check_name(name, "run")
    except StoreError as error:
        raise ConfigError(f"{where}: {error}") from None
    params = {"n_neighbors": k, "resolution": float(resolution)}
    return RunSpec(name=name, method=CONSENSUS, params=params, seed=seed, members=list(members))


def _run_spec(entry: object, where: str, index: int) -> RunSpec:
    if isinstance(entry, dict) and "from" in entry:
        return _edited_spec(entry, where, index)
    if isinstance(entry, dict) and "of" in entry:
        return _consensus_spec(entry, where, index)
    if not isinstance(entry, dict) or "method" not in entry:
        raise ConfigError(f"{where}: each run needs `method:` (and optional name, params, seed, sample).")
    _check_keys(entry, RUN_KEYS, where)
    _expect(entry["method"], (str,), f"{where}.method", "a method name")
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
        BACKENDS[method].checked({str(k): v for k, v in params.items()})
    except ParamError as error:
        raise ConfigError(f"{where} ({method}): {error}") from None
    sample = entry.get("sample")
    if sample is not None and (not isinstance(sample, int) or isinstance(sample, bool) or sample < 100):
        raise ConfigError(f"{where}: `sample:` is a number of rows, at least 100 (got {sample!r}).")
    name = entry.get("name")
    if name is not None:
        _expect(name, (str, int, float), f"{where}.name", "text")
    name = str(name if name is not None else f"{method}-{index}")
    try:
        check_name(name, "run")
    except StoreError as error:
        raise ConfigError(f"{where}: {error}") from None
    return RunSpec(name=name, method=method, params={str(k): v for k, v in params.items()}, seed=seed, sample=sample)


def _has_seed(method: str) -> bool:
    return any(p.name == "seed" for p in BACKENDS[method].schema)


def run_config(config: Config, store: Store, project: str, progress=None) -> list[tuple[str, ClusterResult]]:
    """Run every run of a config into a project (created when missing); returns (run id, result) pairs."""
    from clustering.pipeline import run

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
    if store.exists(project):  # another dataset's project is refused before any work
        existing = store.project(project)["dataset"]
        if existing.fingerprint and existing.fingerprint != ref.fingerprint:
            raise ConfigError(
                f"project {project!r} holds another dataset ({existing.source}); name a new project (CLI: --project)."
            )
    created = not store.exists(project)
    if created:
        store.create(project, ref)
    truth = dataset.labels()
    done: list[tuple[str, ClusterResult]] = []
    by_name: dict[str, tuple[str, ClusterResult]] = {}
    try:
        for spec in config.runs:
            if spec.members:  # a consensus of runs above
                from clustering.consensus import consensus_result

                result = consensus_result(
                    dataset,
                    [(by_name[m][0], by_name[m][1].labels) for m in spec.members],
                    preprocess=config.data.preprocess,
                    n_neighbors=spec.params["n_neighbors"],
                    resolution=spec.params["resolution"],
                    seed=spec.seed or 0,
                )
                result.name = spec.name
                done.append((store.add_run(project, result, spec.name), result))
                by_name[spec.name] = done[-1]
                continue
            if spec.base is not None:  # an edited run: its base's labels (run above) after the edits
                from clustering.edits import EditError, edited_result

                base_id, base = by_name[spec.base]
                try:
                    result = edited_result(dataset, base, base_id, spec.edits, config.data.preprocess)
                except EditError as error:
                    raise ConfigError(f"run {spec.name!r}: {error}") from None
                result.name = spec.name
                done.append((store.add_run(project, result, spec.name), result))
                by_name[spec.name] = done[-1]
                continue
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
            by_name[spec.name] = done[-1]
    except BaseException:
        if created and not done:
            store.delete(project)  # a failed first run leaves no empty project behind
        raise
    return done


def export_config(store: Store, project: str) -> str:
    """A project's data and runs as YAML that `clusterlab run` re-runs to identical labels."""
    import yaml

    from clustering.consensus import CONSENSUS
    from clustering.edits import EDITED

    found = store.project(project)
    ref: DatasetRef = found["dataset"]
    data: dict = {"path": ref.source, "preprocess": ref.preprocess, "fingerprint": ref.fingerprint}
    if ref.key:
        data["key"] = ref.key
    if ref.columns:
        data["columns"] = list(ref.columns)
    if ref.drop_nonfinite:
        data["drop_nonfinite"] = True
    if ref.text_column is not None:
        data["text_column"] = ref.text_column
    if ref.name:
        data["name"] = ref.name  # a kept upload's path is a hashed copy; its name says what was uploaded
    runs: list[dict] = []
    versions: dict[str, str] = {}
    taken: set[str] = set()
    exported: dict[str, str] = {}  # run id -> its name in the config (an edited run names its base by it)
    for entry in found["runs"]:
        edited = entry.method == EDITED and str(entry.params.get("from")) in exported
        of_runs = entry.method == CONSENSUS and "members" in entry.params  # not the ensemble method of that name
        agreed = of_runs and all(str(m) in exported for m in entry.params["members"])
        if entry.is_subset or (of_runs and not agreed) or (entry.method not in BACKENDS and not edited and not agreed):
            continue  # drill-downs, imported labels (and edits of them) are not re-runnable from the whole data
        name, copy = entry.name, 1
        while name in taken:  # names repeat in a project (ids tell them apart); a config's names may not
            copy += 1
            name = f"{entry.name} ({copy})"
        taken.add(name)
        exported[entry.id] = name
        if edited:
            runs.append({"name": name, "from": exported[str(entry.params["from"])], "edits": entry.params["edits"]})
            continue
        if agreed:
            of = [exported[str(m)] for m in entry.params["members"]]
            params = {k: entry.params[k] for k in ("n_neighbors", "resolution")}
            runs.append({"name": name, "of": of, "params": params, "seed": entry.seed or 0})
            continue
        run = {"name": name, "method": entry.method, "params": {k: v for k, v in entry.params.items() if k != "seed"}}
        if entry.seed is not None:
            run["seed"] = entry.seed
        sampled = entry.info.get("sample")
        if sampled:
            run["sample"] = int(sampled["sample_rows"])
        runs.append(run)
        versions.update(entry.versions)
    header = f"# Clusterlab project {project!r}: `clusterlab run THIS.yaml --project NEW` re-runs it.\n"
    return header + yaml.safe_dump({"data": data, "runs": runs, "versions": versions}, sort_keys=False)
