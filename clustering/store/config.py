"""YAML configs that re-run a project: the data (file or sample, options, preprocessing) and a list of runs.

```yaml
data: {path: sample:digits, preprocess: none}      # or a file, with key: / columns: [a, b]
runs:
  - {name: leiden-fine, method: leiden, params: {resolution: 1.5}, seed: 0}
  - {name: leiden-big, method: leiden, sample: 50000}   # fit on 50,000 random rows, assign the rest
  - {name: fixed, from: leiden-fine, edits: [{merge: [2, 5]}]}  # an edited run: merge, split, move, noise
  - {name: both, of: [leiden-fine, leiden-big]}      # a consensus of earlier runs
  - {name: zoom, method: kmeans, rows: e.files/zoom.rows.csv}   # a drill-down: only the rows the file names
  - {name: mine, labels: e.files/mine.labels.csv}    # labels read from a file, joined by id
versions: {numpy: 2.1.0, ...}                       # written by export: what produced the labels
```
Every run is checked (method, each parameter against its schema) before the first one starts. Files a config
names (`rows:`, `labels:`) are found beside the config when their paths are relative.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from clustering.backends import BACKENDS
from clustering.backends.base import ParamError
from clustering.evidence.consensus import CONSENSUS
from clustering.graph.preprocess import parse as parse_preprocess
from clustering.limits import CONFIG_MAX_DEPTH, CONFIG_MAX_KB, CONFIG_MAX_RUNS
from clustering.run.edits import EDITED, EditError, check_edit
from clustering.run.imported import IMPORTED
from clustering.store.database import ConfigError, StoreError
from clustering.store.projects import DatasetRef, check_name


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
    rows: Path | None = None  # a drill-down: the file naming the rows it clusters
    labels: Path | None = None  # an imported run: the labels file it reads
    allow_unlabelled: bool = False  # an imported run: rows the file does not name are left unlabelled


@dataclass
class Config:
    """A config: the data and its runs (and the versions that made them)."""

    data: DatasetRef
    runs: list[RunSpec] = field(default_factory=list)
    versions: dict = field(default_factory=dict)


DATA_KEYS = (
    "path",
    "key",
    "columns",
    "preprocess",
    "fingerprint",
    "drop_nonfinite",
    "text_column",
    "text",
    "embed",
    "drop_empty_text",
    "name",
)
RUN_KEYS = ("name", "method", "params", "seed", "sample", "rows", "from", "edits", "of", "labels")
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
    return parse_config(read_yaml(text, str(path)), str(path), folder=path.resolve().parent)


def read_yaml(text: str, label: str = "config") -> object:
    """Plain YAML data: aliases, anchors and tags other than the standard ones refused, duplicate keys refused."""

    try:
        return yaml.load(text, Loader=_strict_loader(label))  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{label}: not valid YAML{where}: {problem}.") from None


def _strict_loader(label: str):

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

    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"{where}: unknown key {key!r}; {hint}valid keys: {', '.join(allowed)}.")


def _expect(value: object, kinds: tuple[type, ...], where: str, what: str) -> None:
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise ConfigError(f"{where}: {what} (got {type(value).__name__} {str(value)[:40]!r}).")


def parse_config(raw: object, label: str = "config", folder: Path | None = None) -> Config:
    """Check a config's data against the schema (keys, types, sizes); ConfigError names the place.

    `folder` is where relative `rows:` and `labels:` files are found (the config's own folder; default the current
    one)."""
    folder = folder or Path.cwd()
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
        spec = _run_spec(entry, f"{label}: runs[{index}]", index, folder)
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
    if data.get("text") is not None and data.get("text_column") is not None and data["text"] != data["text_column"]:
        raise ConfigError(f"{where}: `text:` and `text_column:` name different columns; give one.")
    for option in ("key", "fingerprint", "preprocess", "text_column", "text", "embed", "name"):
        if data.get(option) is not None:
            _expect(data[option], (str,), f"{where}.{option}", "text")
    drop = data.get("drop_nonfinite", False)
    _expect(drop, (bool,), f"{where}.drop_nonfinite", "true or false (without quotes)")
    drop_empty = data.get("drop_empty_text", False)
    _expect(drop_empty, (bool,), f"{where}.drop_empty_text", "true or false (without quotes)")
    if source.startswith("sample:") and data.get("embed"):
        raise ConfigError(f"{where}.embed: a bundled sample has its own vectors; `embed:` applies to files of text.")
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
        text_column=data.get("text_column", data.get("text")),
        embed=data.get("embed") or None,
        drop_empty_text=bool(drop_empty),
        name=str(data.get("name") or ""),
    )


def _edited_spec(entry: dict, where: str, index: int) -> RunSpec:
    """A run that edits an earlier run: `from:` its name, `edits:` the list (merge, split, move, noise)."""

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


def _file_of(value: object, where: str, folder: Path) -> Path:
    """A file a config names: text, relative to the config's folder, existing."""
    _expect(value, (str,), where, "a file path")
    path = Path(str(value)).expanduser()
    path = path if path.is_absolute() else folder / path
    if not path.is_file():
        raise ConfigError(f"{where}: {value!r}: no such file (relative paths are read beside the config).")
    return path


def _imported_spec(entry: dict, where: str, index: int, folder: Path) -> RunSpec:
    """Labels read from a file: `labels:` the file (joined to the data by id), `allow_unlabelled:` optional."""

    _check_keys(entry, ("name", "method", "labels", "allow_unlabelled"), where)
    if entry.get("method", IMPORTED) != IMPORTED:
        raise ConfigError(f"{where}: a run with `labels:` is read from its file; leave `method:` out.")
    allow = entry.get("allow_unlabelled", False)
    _expect(allow, (bool,), f"{where}.allow_unlabelled", "true or false (without quotes)")
    name = _checked_name(entry.get("name"), f"imported-{index}", where)
    labels = _file_of(entry["labels"], f"{where}.labels", folder)
    return RunSpec(name=name, method=IMPORTED, params={}, labels=labels, allow_unlabelled=bool(allow))


def _checked_name(name: object, default: str, where: str) -> str:
    if name is not None:
        _expect(name, (str, int, float), f"{where}.name", "text")
    text = str(name if name is not None else default)
    try:
        return check_name(text, "run")
    except StoreError as error:
        raise ConfigError(f"{where}: {error}") from None


def _run_spec(entry: object, where: str, index: int, folder: Path) -> RunSpec:
    if isinstance(entry, dict) and "from" in entry:
        return _edited_spec(entry, where, index)
    if isinstance(entry, dict) and "of" in entry:
        return _consensus_spec(entry, where, index)
    if isinstance(entry, dict) and "labels" in entry:
        return _imported_spec(entry, where, index, folder)
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
            seed = BACKENDS[method].param("random_state").coerce(seed) if _has_seed(method) else None
        BACKENDS[method].checked({str(k): v for k, v in params.items()})
    except ParamError as error:
        raise ConfigError(f"{where} ({method}): {error}") from None
    sample = entry.get("sample")
    if sample is not None and (not isinstance(sample, int) or isinstance(sample, bool) or sample < 100):
        raise ConfigError(f"{where}: `sample:` is a number of rows, at least 100 (got {sample!r}).")
    if sample is not None and "rows" in entry:
        raise ConfigError(f"{where}: a drill-down (`rows:`) clusters its rows whole; leave `sample:` out.")
    rows = _file_of(entry["rows"], f"{where}.rows", folder) if "rows" in entry else None
    name = _checked_name(entry.get("name"), f"{method}-{index}", where)
    params = {str(k): v for k, v in params.items()}
    return RunSpec(name=name, method=method, params=params, seed=seed, sample=sample, rows=rows)


def _has_seed(method: str) -> bool:
    return any(p.name == "random_state" for p in BACKENDS[method].schema)
