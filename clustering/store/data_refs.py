"""Data references of projects: how a project's data is read again (checked against its fingerprint), how a kept
upload is named, and the reference that reloads a dataset."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from clustering.data import Dataset
from clustering.io.samples import load_input
from clustering.store.database import ConfigError
from clustering.store.records import DatasetRef

__all__ = ["kept_upload_source", "load_data", "reference"]


def load_data(ref: DatasetRef) -> Dataset:
    """The dataset a reference names, refused when its content changed since the project was made."""

    options: dict = {"drop_nonfinite": True} if ref.drop_nonfinite else {}
    if ref.key:
        options["key"] = ref.key
    if ref.columns:
        options["columns"] = list(ref.columns)
    if ref.text_column is not None:
        options["text_column"] = ref.text_column
    if ref.embed:
        options["embed"] = ref.embed
    if ref.drop_empty_text:
        options["drop_empty_text"] = True
    if ref.name and not ref.source.startswith("sample:"):
        options["name"] = ref.name  # the name the project was made under (a kept sample says what of)
    dataset = load_input(ref.source, **options)
    shown = kept_upload_source(ref)
    if shown:  # a project's copy of an upload reads as the file the person uploaded, not as its hashed copy
        dataset = replace(dataset, name=Path(ref.name).stem or dataset.name, source=shown)
    if ref.fingerprint and dataset.fingerprint != ref.fingerprint:
        raise ConfigError(
            f"{ref.source}: the data changed since this project was made (fingerprint "
            f"{dataset.fingerprint[:12]}, expected {ref.fingerprint[:12]}); its labels would not match."
        )
    return dataset


def kept_upload_source(ref: DatasetRef) -> str | None:
    """How to name a project's kept copy of an upload (`uploads/<32 hex>.ext` in the store): the uploaded file's
    name; None for any other source."""
    path = Path(ref.source)
    if ref.name and path.parent.name == "uploads" and re.fullmatch(r"[0-9a-f]{32}", path.stem):
        return f"{ref.name} (uploaded; the project keeps a copy)"
    return None


def reference(
    dataset: Dataset,
    source: str,
    preprocess: str = "none",
    key: str | None = None,
    columns: list[str] | None = None,
    drop_nonfinite: bool = False,
    text_column: str | None = None,
) -> DatasetRef:
    """A reference that reloads `dataset` from `source` with these options (its fingerprint kept); a dataset
    embedded from text keeps its model and whether empty texts were left out."""
    embedding = dataset.embedding or {}
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
        text_column=text_column,
        embed=embedding.get("model"),
        drop_empty_text=bool(embedding.get("dropped")),
    )
