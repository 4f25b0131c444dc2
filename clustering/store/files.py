"""The store's files: the forms of the names it gives them, their checksums, their columns, and JSON for rows.

Every path the store builds from its database must have one of these forms and stay inside the store folder: a
crafted or damaged database must never make a command read, write or delete a file elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from clustering.result import json_safe
from clustering.store.database import StoreError

PROJECT_ID = re.compile(r"[0-9a-f]{32}")
RUN_FILE = re.compile(r"[0-9a-f]{12}\.parquet")
LAYOUT_FILE = re.compile(r"layout-[0-9a-f]{12}\.parquet")


def sha256(path: Path) -> str:
    """A file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def json_text(value) -> str:
    """A value as the JSON text a row keeps (numpy values made plain, keys sorted)."""
    return json.dumps(json_safe(value), sort_keys=True)


def stored_column(table, name: str, path: Path, kinds: str) -> np.ndarray | None:
    """A stored column as numbers of the expected kinds (`iu` integers, `f` floats), or None when absent."""
    if name not in table.column_names:
        return None
    values = table.column(name).to_numpy(zero_copy_only=False)
    if values.dtype.kind not in kinds:
        raise StoreError(f"{path}: column {name!r} holds {values.dtype}, not numbers of the expected kind.")
    return values
