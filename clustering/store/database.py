"""The store's DuckDB file: where it lives, its schema and migrations, and brief shared connections.

DuckDB lets one process hold a database file at a time, so every operation opens the file, does
its work in one transaction and closes it again; a process that finds the file held by another
(the app and a CLI run at once) waits and retries for up to LOCK_WAIT_SECONDS. Within a process,
one lock serialises the store's operations (many browser sessions share one server process).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from clustering.cache import ensure_folder
from clustering.data import DataError

HOME_SETTING = "CLUSTERLAB_HOME"
DATABASE_NAME = "clusterlab.duckdb"
SCHEMA_VERSION = 2
LOCK_WAIT_SECONDS = 30.0
_PROCESS_LOCK = threading.RLock()

SCHEMA = [
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE projects (
        id VARCHAR PRIMARY KEY, name VARCHAR UNIQUE NOT NULL, dataset JSON NOT NULL, note VARCHAR DEFAULT '',
        created DOUBLE NOT NULL, updated DOUBLE NOT NULL)""",
    """CREATE TABLE runs (
        project_id VARCHAR NOT NULL, id VARCHAR NOT NULL, name VARCHAR NOT NULL, method VARCHAR NOT NULL,
        params JSON NOT NULL, seed INTEGER, preprocess VARCHAR NOT NULL, dataset_fingerprint VARCHAR NOT NULL,
        versions JSON NOT NULL, device VARCHAR, seconds JSON NOT NULL, metrics JSON, info JSON NOT NULL,
        n_rows INTEGER NOT NULL, n_clusters INTEGER NOT NULL, n_noise INTEGER NOT NULL,
        labels_file VARCHAR NOT NULL, labels_sha256 VARCHAR NOT NULL, created DOUBLE NOT NULL,
        PRIMARY KEY (project_id, id))""",
    """CREATE TABLE cluster_names (
        project_id VARCHAR NOT NULL, run_id VARCHAR NOT NULL, cluster INTEGER NOT NULL, name VARCHAR NOT NULL,
        note VARCHAR DEFAULT '', PRIMARY KEY (project_id, run_id, cluster))""",
]
V2_TABLES = [
    """CREATE TABLE layouts (
        project_id VARCHAR NOT NULL, method VARCHAR NOT NULL, preprocess VARCHAR NOT NULL, seed INTEGER NOT NULL,
        n_rows INTEGER NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, seconds DOUBLE,
        created DOUBLE NOT NULL, PRIMARY KEY (project_id, method, preprocess, seed))""",
    """CREATE TABLE explanations (
        project_id VARCHAR NOT NULL, run_id VARCHAR NOT NULL, id VARCHAR NOT NULL, method VARCHAR NOT NULL,
        space VARCHAR NOT NULL, settings JSON NOT NULL, result JSON NOT NULL, created DOUBLE NOT NULL,
        PRIMARY KEY (project_id, id))""",
    """CREATE TABLE comparisons (
        project_id VARCHAR NOT NULL, id VARCHAR NOT NULL, kind VARCHAR NOT NULL, run_ids JSON NOT NULL,
        settings JSON NOT NULL, result JSON NOT NULL, created DOUBLE NOT NULL, PRIMARY KEY (project_id, id))""",
]
SCHEMA += V2_TABLES
# MIGRATIONS[v] takes a store at version v to v + 1; each runs in the transaction that opens the file.
MIGRATIONS: dict[int, list[str]] = {1: V2_TABLES}


class StoreError(DataError):
    """The store cannot be used as asked; the message names the file or project and what to do."""


class ProjectMissing(StoreError):
    """No project of that name (never made, or renamed or deleted by another writer)."""


class ConfigError(StoreError):
    """A config a person must fix; the message names the file and the place in it."""


def home_path() -> Path:
    """Where the store's folder is (CLUSTERLAB_HOME, default ~/.local/share/clusterlab), without making it."""
    return Path(os.environ.get(HOME_SETTING) or Path.home() / ".local" / "share" / "clusterlab")


def home() -> Path:
    """The store's folder, made when missing."""
    return ensure_folder(home_path(), HOME_SETTING)


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator:
    """A connection inside one transaction, committed on success and rolled back on any error.

    `read_only` opens an existing file without asking to write it, so reading works on a store a person may only
    read (a shared or archived folder); such a store is never created or migrated.
    """

    with _PROCESS_LOCK:
        read_only = read_only and path.exists() and not _needs_upgrade(path, duckdb)
        connection = _open(path, duckdb, read_only)
        try:
            connection.execute("BEGIN TRANSACTION")
            _ensure_schema(connection, path)  # a read-only connection only reaches it at the current version
            yield connection
            connection.execute("COMMIT")
        except BaseException as error:
            try:
                connection.execute("ROLLBACK")
            except duckdb.Error:
                pass
            if isinstance(error, duckdb.Error):
                raise _store_error(path, error) from None
            raise
        finally:
            connection.close()


_CURRENT: set[str] = set()  # store files this process has seen at SCHEMA_VERSION


def _needs_upgrade(path: Path, duckdb) -> bool:
    """Whether a store is of an older schema, so that even a read must open it writable once to migrate it."""
    if str(path) in _CURRENT:
        return False
    connection = _open(path, duckdb, read_only=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "meta" not in tables:
            return not tables  # an empty file becomes a store; anything else is refused by _ensure_schema
        found = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error as error:
        raise _store_error(path, error) from None
    finally:
        connection.close()
    version = str(found.get("schema_version", "0"))
    if version == str(SCHEMA_VERSION):
        _CURRENT.add(str(path))
    return version.isdigit() and int(version) < SCHEMA_VERSION


def _store_error(path: Path, error: Exception) -> StoreError:
    """A DuckDB failure inside the store, in words that name the file and what to do."""
    text = str(error).strip().splitlines()[0][:160] if str(error).strip() else type(error).__name__
    if "corrupt" in text.lower() or "checksum" in text.lower():
        return StoreError(
            f"{path}: the project store is damaged ({text}). It was left untouched: restore it from a backup, or "
            f"move it away and point {HOME_SETTING} at another folder."
        )
    return StoreError(
        f"{path}: the project store does not hold what Clusterlab wrote ({text}). It was left untouched: it may "
        "have been edited by hand or by another program; restore it from a backup, or move it away."
    )


def is_lock_error(text: str) -> bool:
    """DuckDB's words for a file another process holds (not merely "lock" inside "block" of a corrupt file)."""
    lowered = text.lower()
    return "could not set lock" in lowered or "conflicting lock" in lowered


def _open(path: Path, duckdb, read_only: bool = False):
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            text = str(error)
            locked = is_lock_error(text)
            if locked and time.monotonic() < deadline:
                time.sleep(0.05 + 0.1 * random.random())  # another process holds the file for a moment
                continue
            if locked:
                raise StoreError(
                    f"{path}: another program has held the project store for over "
                    f"{LOCK_WAIT_SECONDS:.0f} s. Close it and try again."
                ) from None
            if "permission denied" in text.lower() or "read-only" in text.lower():
                raise StoreError(
                    f"{path}: the project store cannot be written here ({text.splitlines()[0][:120]}). Reading it "
                    f"works; to save runs, point {HOME_SETTING} at a folder you can write."
                ) from None
            if "corrupt" in text.lower() or "checksum" in text.lower():
                raise _store_error(path, error) from None
            raise StoreError(
                f"{path}: not a Clusterlab project store ({text.splitlines()[0][:160]}). It was left "
                f"untouched: move it away, or point {HOME_SETTING} at another folder."
            ) from None


def _ensure_schema(connection, path: Path) -> None:
    tables = {row[0] for row in connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "meta" not in tables:
        if tables:
            raise StoreError(
                f"{path}: a DuckDB database with other tables ({', '.join(sorted(tables)[:5])}), not a "
                f"Clusterlab project store. It was left untouched: point {HOME_SETTING} elsewhere."
            )
        for statement in SCHEMA:
            connection.execute(statement)
        connection.execute(
            "INSERT INTO meta VALUES ('app', 'clusterlab'), ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        return
    found = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    if found.get("app") != "clusterlab":
        raise StoreError(f"{path}: not a Clusterlab project store (its meta table says {found.get('app')!r}).")
    text = str(found.get("schema_version", "0"))
    if not text.isdigit():
        raise StoreError(f"{path}: its schema version {text[:20]!r} is not a number; the store was edited.")
    version = int(text)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer Clusterlab (store schema {version}, this one reads up to "
            f"{SCHEMA_VERSION}). Upgrade Clusterlab; the store was left untouched."
        )
    while version < SCHEMA_VERSION:
        for statement in MIGRATIONS[version]:
            connection.execute(statement)
        version += 1
        connection.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
