"""The store's values: how to load a project's data again (DatasetRef), one saved run (RunRecord), and the rule
for names (check_name). Everything the store returns about a run is a RunRecord; reports and the app build on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field

from clustering.result import ClusterResult
from clustering.store.database import StoreError

# Control characters (C0, C1), bidi overrides and lone surrogates: a name shows as written everywhere or is refused.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
RUN_ID = re.compile(r"[0-9a-f]{12}")


@dataclass(frozen=True)
class DatasetRef:
    """How to load a project's data again: a file path or `sample:NAME`, options, and what it held."""

    source: str
    key: str | None = None
    columns: tuple[str, ...] | None = None
    preprocess: str = "none"
    fingerprint: str = ""
    n_rows: int = 0
    n_features: int = 0
    name: str = ""
    drop_nonfinite: bool = False
    text_column: str | None = None  # None: found from the data; "": none; else the column's name
    embed: str | None = None  # the text model the vectors were made with (minilm, fast, a folder); None: vectors
    drop_empty_text: bool = False  # rows with empty text were left out when it was embedded

    def to_json(self) -> dict:
        """The reference as JSON-ready values."""
        return {
            "source": self.source,
            "key": self.key,
            "columns": list(self.columns) if self.columns else None,
            "preprocess": self.preprocess,
            "fingerprint": self.fingerprint,
            "n_rows": self.n_rows,
            "n_features": self.n_features,
            "name": self.name,
            "drop_nonfinite": self.drop_nonfinite,
            "text_column": self.text_column,
            "embed": self.embed,
            "drop_empty_text": self.drop_empty_text,
        }

    @classmethod
    def from_json(cls, data: object) -> DatasetRef:
        """A reference read back from the store, its fields' types checked (a damaged row is refused, not used)."""
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            raise StoreError("a project's dataset reference is damaged (no `source` text); the store was edited.")
        columns = data.get("columns")
        if columns is not None and not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
            raise StoreError("a project's dataset reference is damaged (`columns` is not a list of names).")
        for key in ("key", "preprocess", "fingerprint", "name", "text_column", "embed"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise StoreError(f"a project's dataset reference is damaged (`{key}` is not text).")
        for key in ("n_rows", "n_features"):
            value = data.get(key, 0)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise StoreError(f"a project's dataset reference is damaged (`{key}` is not a count).")
        return cls(
            source=str(data["source"]),
            key=data.get("key"),
            columns=tuple(columns) if columns else None,
            preprocess=data.get("preprocess") or "none",
            fingerprint=data.get("fingerprint", ""),
            n_rows=int(data.get("n_rows", 0)),
            n_features=int(data.get("n_features", 0)),
            name=data.get("name", ""),
            drop_nonfinite=bool(data.get("drop_nonfinite", False)),
            text_column=data.get("text_column"),
            embed=data.get("embed"),
            drop_empty_text=bool(data.get("drop_empty_text", False)),
        )


def check_name(name: str, what: str = "project") -> str:
    """A project or run name: 1-200 characters without control or bidi characters (names are values, never paths).

    Leading and trailing spaces are refused rather than trimmed, so the name a person typed is the name kept; a run
    name may not have the form of a run id (12 hex digits), so a name never shadows another run's id.
    """
    name = str(name)
    if not 1 <= len(name) <= 200 or CONTROL.search(name):
        raise StoreError(
            f"{what} name {name.encode('unicode_escape').decode()[:80]!r}: use 1-200 printable characters "
            "(no control, bidi-override or unpaired surrogate characters)."
        )
    if name != name.strip():
        raise StoreError(f"{what} name {name!r}: remove the spaces at its start or end.")
    if what == "run" and RUN_ID.fullmatch(name):
        raise StoreError(f"run name {name!r} has the form of a run id (12 hex digits); pick another name.")
    return name


@dataclass(frozen=True)
class RunRecord:
    """A saved run (without its labels): how it was made, what it found, when."""

    id: str
    name: str
    method: str
    params: dict = field(default_factory=dict)
    seed: int | None = None
    preprocess: str = "none"
    versions: dict = field(default_factory=dict)
    device: str | None = None
    seconds: dict = field(default_factory=dict)
    metrics: dict | None = None
    info: dict = field(default_factory=dict)
    n_rows: int = 0
    n_clusters: int = 0
    n_noise: int = 0
    created: float = 0.0

    COLUMNS = (
        "id, name, method, params, seed, preprocess, versions, device, seconds, metrics, info, n_rows, n_clusters, "
        "n_noise, created"
    )

    @classmethod
    def from_row(cls, row: tuple) -> RunRecord:
        """A record from a `SELECT {COLUMNS} FROM runs` row; JSON columns parsed, a damaged one refused."""
        values = dict(zip([c.strip() for c in cls.COLUMNS.split(",")], row))
        for key in ("params", "versions", "seconds", "metrics", "info"):
            text = values[key]
            parsed = json.loads(text) if text is not None else None
            if parsed is not None and not isinstance(parsed, dict):
                raise StoreError(f"run {values['id']!r}: its {key} is not a mapping; the store was edited.")
            values[key] = parsed if parsed is not None or key == "metrics" else {}
        return cls(**values)

    @property
    def is_subset(self) -> bool:
        """A drill-down on selected rows (labels -1 outside them)."""
        return bool(self.info.get("subset_rows"))

    def to_json(self) -> dict:
        """The record as JSON-ready values."""
        return asdict(self)

    def to_result(self, labels, confidence, fingerprint: str) -> ClusterResult:
        """The run as a ClusterResult value (its labels and confidence read from the store)."""
        return ClusterResult(
            labels=labels,
            method=self.method,
            params=self.params,
            seed=self.seed,
            preprocess=self.preprocess,
            dataset_fingerprint=fingerprint,
            seconds=self.seconds,
            probabilities=confidence,
            metrics=self.metrics,
            device=self.device,
            info=self.info,
            versions=self.versions,
            name=self.name,
        )
