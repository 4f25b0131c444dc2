"""Checks of a whole store: runs whose label files are missing or changed, and files no row names (orphans: a
writer killed between writing a file and committing its row). `clusterlab project check` reports them; every
write tidies its own project's orphans."""

from __future__ import annotations

import time
from pathlib import Path

from clustering.store.database import StoreError, connect
from clustering.store.files import LAYOUT_FILE, PROJECT_ID, RUN_FILE, sha256

ORPHAN_AGE_SECONDS = 600.0  # a file no row names is an orphan only after this long (a writer may be mid-commit)


def orphans(store, min_age_seconds: float = ORPHAN_AGE_SECONDS, project_id: str | None = None) -> list[Path]:
    """Files of the store (of one project's folder when `project_id` is given) that no row names, older than
    `min_age_seconds`: a live writer may be between its rename and its commit, so a newer file is never taken
    for an orphan."""
    with connect(store.path, read_only=True) as db:
        where, args = ("WHERE project_id = ?", [project_id]) if project_id else ("", [])
        named = {tuple(row) for row in db.execute(f"SELECT project_id, labels_file FROM runs {where}", args).fetchall()}
        named |= {tuple(row) for row in db.execute(f"SELECT project_id, file FROM layouts {where}", args).fetchall()}
    if not store.arrays.is_dir() or store.arrays.is_symlink():
        return []
    folders = [store.arrays / project_id] if project_id else sorted(store.arrays.iterdir())
    now, found = time.time(), []
    for folder in folders:
        if folder.is_symlink() or not folder.is_dir() or not PROJECT_ID.fullmatch(folder.name):
            continue
        for path in sorted(folder.iterdir()):
            ours = RUN_FILE.fullmatch(path.name) or LAYOUT_FILE.fullmatch(path.name)
            if not ours or path.is_symlink() or not path.is_file() or (folder.name, path.name) in named:
                continue
            if now - path.stat().st_mtime >= min_age_seconds:
                found.append(path)
    return found


def remove_orphans(store, min_age_seconds: float = ORPHAN_AGE_SECONDS, project_id: str | None = None) -> list[Path]:
    """Remove `orphans()` (and project folders left empty); returns the files removed."""
    removed = orphans(store, min_age_seconds, project_id)
    for path in removed:
        path.unlink(missing_ok=True)
        folder = path.parent
        if not any(folder.iterdir()):
            folder.rmdir()
    return removed


def damaged_runs(store) -> list[tuple[str, str, str]]:
    """(project, run name, why) for every run whose labels file is missing or changed since it was saved."""
    with connect(store.path, read_only=True) as db:
        rows = db.execute(
            "SELECT p.name, p.id, r.name, r.labels_file, r.labels_sha256 FROM runs r JOIN projects p "
            "ON p.id = r.project_id ORDER BY p.name, r.created"
        ).fetchall()
    found = []
    for project, project_id, run, file_name, digest in rows:
        try:
            path = store._array_path(project_id, file_name, RUN_FILE)
        except StoreError as error:
            found.append((project, run, str(error)))
            continue
        if not path.is_file():
            found.append((project, run, f"{path}: missing"))
        elif sha256(path) != digest:
            found.append((project, run, f"{path}: changed since it was saved"))
    return found
