"""Projects: a dataset reference and every run made on it, kept in DuckDB with labels as parquet files.

Labels are written to a parquet file (atomically, by rename) before the run's row is committed, so a
process killed mid-write loses at most that run; each file's SHA-256 is kept and checked on reading.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from clustering.cache import atomic_write
from clustering.result import ClusterResult
from clustering.store.checks import remove_orphans
from clustering.store.database import DATABASE_NAME, ProjectMissing, StoreError, connect, home
from clustering.store.files import PROJECT_ID, RUN_FILE, json_text, sha256, stored_column
from clustering.store.kept import KeptResults
from clustering.store.records import DatasetRef, RunRecord, check_name

__all__ = ["DatasetRef", "RunRecord", "Store", "check_name"]


def _insert_project(db, name: str, dataset: DatasetRef) -> None:
    """A new project's row (inside the caller's transaction, which has checked the name)."""
    now = time.time()
    db.execute(
        "INSERT INTO projects VALUES (?, ?, ?, '', ?, ?)",
        [uuid.uuid4().hex, name, json_text(dataset.to_json()), now, now],
    )


class Store(KeptResults):
    """All projects under one folder (CLUSTERLAB_HOME by default)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else home()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / DATABASE_NAME
        self.arrays = self.folder / "arrays"

    # --- projects -------------------------------------------------------------------------------------------

    def projects(self) -> list[dict]:
        """Every project: name, dataset source, number of runs, last change (newest first)."""
        with connect(self.path, read_only=True) as db:
            rows = db.execute("""
                SELECT p.name, p.dataset, p.created, p.updated, count(r.id)
                FROM projects p LEFT JOIN runs r ON r.project_id = p.id
                GROUP BY p.name, p.dataset, p.created, p.updated ORDER BY p.updated DESC""").fetchall()
        return [
            {
                "name": name,
                "dataset": DatasetRef.from_json(json.loads(dataset)).to_json(),
                "created": created,
                "updated": updated,
                "runs": int(count),
            }
            for name, dataset, created, updated, count in rows
        ]

    def create(self, name: str, dataset: DatasetRef) -> str:
        """Create a project on a dataset reference; a name in use is refused."""
        name = check_name(name)
        with connect(self.path) as db:
            if db.execute("SELECT 1 FROM projects WHERE name = ?", [name]).fetchone():
                raise StoreError(f"project {name!r} exists already; pick another name or open it.")
            _insert_project(db, name, dataset)
        return name

    def open_or_create(self, name: str, dataset: DatasetRef) -> tuple[DatasetRef, bool]:
        """The project of this name, created on `dataset` when absent, in one step (two writers racing both get
        it); returns its dataset reference and whether this call created it."""
        name = check_name(name)
        with connect(self.path) as db:
            found = db.execute("SELECT dataset FROM projects WHERE name = ?", [name]).fetchone()
            if found is not None:
                return DatasetRef.from_json(json.loads(found[0])), False
            _insert_project(db, name, dataset)
        return dataset, True

    def create_unique(self, name: str, dataset: DatasetRef) -> str:
        """Create a project named `name`, or `name (2)`, `name (3)`... whichever is free, in one step; returns it."""
        base = check_name(name)
        with connect(self.path) as db:
            taken = {row[0] for row in db.execute("SELECT name FROM projects").fetchall()}
            chosen, copy = base, 1
            while chosen in taken:
                copy += 1
                chosen = check_name(f"{base[:190]} ({copy})")
            _insert_project(db, chosen, dataset)
        return chosen

    def delete_if_empty(self, name: str) -> bool:
        """Delete a project only when nothing was written to it (no run, name, layout, explanation or comparison),
        checked and deleted in one step; a command that created it undoes its work so, and never another's."""
        tables = ("runs", "cluster_names", "layouts", "explanations", "comparisons")
        with connect(self.path) as db:
            found = db.execute("SELECT id FROM projects WHERE name = ?", [name]).fetchone()
            if found is None:
                return False
            project_id = found[0]
            folder = self._project_folder(project_id)
            written = sum(
                db.execute(f"SELECT count(*) FROM {table} WHERE project_id = ?", [project_id]).fetchone()[0]
                for table in tables
            )
            if written:
                return False
            db.execute("DELETE FROM projects WHERE id = ?", [project_id])
        if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
            folder.rmdir()
        return True

    def exists(self, name: str) -> bool:
        """Whether a project of this name exists."""
        with connect(self.path, read_only=True) as db:
            return db.execute("SELECT 1 FROM projects WHERE name = ?", [name]).fetchone() is not None

    def project(self, name: str) -> dict:
        """One project: name, dataset reference, note, times, and its runs (RunRecords, oldest first)."""
        with connect(self.path, read_only=True) as db:
            found = db.execute(
                "SELECT id, dataset, note, created, updated FROM projects WHERE name = ?", [name]
            ).fetchone()
            if found is None:
                raise ProjectMissing(f"no project named {name!r}; `clusterlab project list` shows them.")
            project_id, dataset, note, created, updated = found
            rows = db.execute(
                f"SELECT {RunRecord.COLUMNS} FROM runs WHERE project_id = ? ORDER BY created", [project_id]
            ).fetchall()
        return {
            "name": name,
            "dataset": DatasetRef.from_json(json.loads(dataset)),
            "note": note,
            "created": created,
            "updated": updated,
            "runs": [RunRecord.from_row(row) for row in rows],
        }

    def set_text_column(self, name: str, text_column: str | None) -> None:
        """Keep the project's choice of text column (None: found from the data; "": none)."""
        ref = replace(self.project(name)["dataset"], text_column=text_column)
        with connect(self.path) as db:
            self._id(db, name)
            db.execute(
                "UPDATE projects SET dataset = ?, updated = ? WHERE name = ?",
                [json_text(ref.to_json()), time.time(), name],
            )

    def rename(self, name: str, new_name: str) -> str:
        """Rename a project; a name in use is refused."""
        new_name = check_name(new_name)
        with connect(self.path) as db:
            if db.execute("SELECT 1 FROM projects WHERE name = ?", [new_name]).fetchone():
                raise StoreError(f"project {new_name!r} exists already.")
            self._id(db, name)
            db.execute("UPDATE projects SET name = ?, updated = ? WHERE name = ?", [new_name, time.time(), name])
        return new_name

    def delete(self, name: str) -> None:
        """Delete a project's rows and its folder of arrays (refused, touching nothing, if the id is not one)."""
        with connect(self.path) as db:
            project_id = self._id(db, name)
            folder = self._project_folder(project_id)
            for table in ("cluster_names", "runs", "layouts", "explanations", "comparisons"):
                db.execute(f"DELETE FROM {table} WHERE project_id = ?", [project_id])
            db.execute("DELETE FROM projects WHERE id = ?", [project_id])
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)

    # --- runs -----------------------------------------------------------------------------------------------

    def add_run(self, project: str, result: ClusterResult, name: str | None = None) -> str:
        """Save a run (labels as parquet first, then its row); returns the run id."""

        run_name = check_name(name or result.name or result.method, "run")  # checked before any file is written
        if result.seed is not None and not 0 <= int(result.seed) <= 2**31 - 1:
            raise StoreError(f"run {run_name!r}: seed {result.seed} is outside 0 .. 2**31 - 1.")
        with connect(self.path) as db:
            project_id = self._id(db, project)
        run_id = uuid.uuid4().hex[:12]
        folder = self._project_folder(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        columns = {"cluster": pa.array(np.asarray(result.labels, dtype=np.int32))}
        confidence = result.confidence()
        if confidence is not None:
            columns["confidence"] = pa.array(np.asarray(confidence, dtype=np.float32))
        subset = result.artifacts.get("rows")
        if subset is not None:  # a drill-down: which rows it was run on (its -1 outside them is not noise)
            member = np.zeros(len(result.labels), dtype=np.uint8)
            member[np.asarray(subset, dtype=np.int64)] = 1
            columns["member"] = pa.array(member)
        path = folder / f"{run_id}.parquet"
        atomic_write(path, lambda temporary: pq.write_table(pa.table(columns), temporary))
        digest = sha256(path)
        try:
            self._insert_run(project, run_id, run_name, result, path, digest)
        except BaseException:
            path.unlink(missing_ok=True)  # no orphan file when the row cannot be written
            raise
        try:  # files a killed writer left in this project's folder: each write tidies those ten minutes old or more
            remove_orphans(self, project_id=project_id)
        except (OSError, StoreError):
            pass
        return run_id

    def _insert_run(
        self, project: str, run_id: str, run_name: str, result: ClusterResult, path: Path, digest: str
    ) -> None:
        with connect(self.path) as db:
            project_id = self._id(db, project)  # deleted meanwhile: refused, the file is removed below
            db.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    project_id,
                    run_id,
                    run_name,
                    result.method,
                    json_text(result.params),
                    result.seed,
                    result.preprocess,
                    result.dataset_fingerprint,
                    json_text(result.versions),
                    result.device,
                    json_text(result.seconds),
                    json_text(result.metrics) if result.metrics is not None else None,
                    json_text(result.info),
                    int(len(result.labels)),
                    result.n_clusters,
                    result.n_noise,
                    path.name,
                    digest,
                    time.time(),
                ],
            )
            db.execute("UPDATE projects SET updated = ? WHERE id = ?", [time.time(), project_id])

    def labels(self, project: str, run: str) -> tuple[np.ndarray, np.ndarray | None]:
        """A run's labels (and confidence where the method has one), checked against the saved checksum,
        dtype, length and range."""
        table, path, n_rows = self._run_table(project, run)
        labels = stored_column(table, "cluster", path, "iu")
        if labels is None or len(labels) != n_rows or (labels < -1).any() or (labels > np.iinfo(np.int32).max).any():
            raise StoreError(f"{path}: does not hold {n_rows} integer labels from -1 up; run {run!r} again.")
        confidence = stored_column(table, "confidence", path, "f")
        if confidence is not None and (len(confidence) != n_rows or not np.isfinite(confidence).all()):
            raise StoreError(f"{path}: its confidence column does not hold {n_rows} finite numbers.")
        return labels.astype(np.int32), confidence

    def subset_rows(self, project: str, run: str) -> np.ndarray | None:
        """The rows a drill-down was run on (None for a run on every row), checked like its labels."""
        table, path, n_rows = self._run_table(project, run)
        member = stored_column(table, "member", path, "iu")
        if member is None:
            return None
        if len(member) != n_rows or not np.isin(member, (0, 1)).all():
            raise StoreError(f"{path}: its member column does not hold {n_rows} values of 0 or 1.")
        return np.flatnonzero(member)

    def _run_table(self, project: str, run: str):
        """A run's parquet table, its path and row count, after its checksum is checked."""

        run_id = self.find_run(project, run).id  # the one lookup: ids first, then the newest of that name
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            file_name, digest, n_rows = db.execute(
                "SELECT labels_file, labels_sha256, n_rows FROM runs WHERE project_id = ? AND id = ?",
                [project_id, run_id],
            ).fetchone()
        path = self._array_path(project_id, file_name, RUN_FILE)
        if not path.is_file() or sha256(path) != digest:
            raise StoreError(
                f"{path}: the labels of run {run!r} are missing or changed since they were saved. "
                "Run it again (`clusterlab project export` keeps its exact settings)."
            )
        return pq.read_table(path), path, int(n_rows)

    def find_run(self, project: str, run: str) -> RunRecord:
        """A run's record, by id first, then by name (the newest run of that name): the one lookup of a run."""
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            found = db.execute(
                f"SELECT {RunRecord.COLUMNS} FROM runs WHERE project_id = ? AND (id = ? OR name = ?) "
                "ORDER BY id = ? DESC, created DESC LIMIT 1",
                [project_id, run, run, run],
            ).fetchone()
        if found is None:
            raise StoreError(f"project {project!r} has no run {run!r}; `clusterlab project show {project}` lists them.")
        return RunRecord.from_row(found)

    def rename_run(self, project: str, run_id: str, new_name: str) -> None:
        """Rename a run (names are checked; a run id's form is refused)."""
        with connect(self.path) as db:
            project_id = self._id(db, project)
            name = check_name(new_name, "run")
            db.execute("UPDATE runs SET name = ? WHERE project_id = ? AND id = ?", [name, project_id, run_id])

    def delete_run(self, project: str, run_id: str) -> None:
        """Delete a run, its names, explanations, comparisons and labels file."""
        with connect(self.path) as db:
            project_id = self._id(db, project)
            self._project_folder(project_id)
            found = db.execute(
                "SELECT labels_file FROM runs WHERE project_id = ? AND id = ?", [project_id, run_id]
            ).fetchone()
            for table in ("cluster_names", "explanations"):
                db.execute(f"DELETE FROM {table} WHERE project_id = ? AND run_id = ?", [project_id, run_id])
            db.execute("DELETE FROM runs WHERE project_id = ? AND id = ?", [project_id, run_id])
            db.execute(
                "DELETE FROM comparisons WHERE project_id = ? AND list_contains(CAST(run_ids AS VARCHAR[]), ?)",
                [project_id, run_id],
            )
        if found:
            self._array_path(project_id, found[0], RUN_FILE).unlink(missing_ok=True)

    # --- cluster names and notes ----------------------------------------------------------------------------

    def name_cluster(self, project: str, run_id: str, cluster: int, name: str, note: str = "") -> None:
        """Give a run's cluster a name and a note (an empty name and note remove them)."""
        name, note = str(name).strip()[:120], str(note).strip()[:2000]
        with connect(self.path) as db:
            project_id = self._id(db, project)
            db.execute(
                "DELETE FROM cluster_names WHERE project_id = ? AND run_id = ? AND cluster = ?",
                [project_id, run_id, int(cluster)],
            )
            if name or note:
                db.execute(
                    "INSERT INTO cluster_names VALUES (?, ?, ?, ?, ?)", [project_id, run_id, int(cluster), name, note]
                )
            db.execute("UPDATE projects SET updated = ? WHERE id = ?", [time.time(), project_id])

    def cluster_names(self, project: str, run_id: str) -> dict[int, tuple[str, str]]:
        """A run's cluster names and notes by cluster."""
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            rows = db.execute(
                "SELECT cluster, name, note FROM cluster_names WHERE project_id = ? AND run_id = ?",
                [project_id, run_id],
            ).fetchall()
        return {int(cluster): (name, note) for cluster, name, note in rows}

    @staticmethod
    def _id(db, name: str) -> str:
        found = db.execute("SELECT id FROM projects WHERE name = ?", [name]).fetchone()
        if found is None:
            raise ProjectMissing(f"no project named {name!r}; `clusterlab project list` shows them.")
        return found[0]

    def _project_folder(self, project_id: str) -> Path:
        """The folder of a project's arrays; an id of another form (a path, `..`) is refused before any use."""
        if not PROJECT_ID.fullmatch(str(project_id)):
            raise StoreError(
                f"{self.path}: a project's id {str(project_id)[:80]!r} is not of the store's form; the store is "
                "damaged or was edited by hand. Nothing was read, written or deleted."
            )
        return self._inside(self.arrays / project_id)

    def _array_path(self, project_id: str, file_name: str, form: re.Pattern) -> Path:
        """A file of the project's folder named by the database, refused unless of the expected form and inside."""
        if not form.fullmatch(str(file_name)):
            raise StoreError(
                f"{self.path}: a stored file name {str(file_name)[:80]!r} is not of the store's form; the store is "
                "damaged or was edited by hand. Nothing was read, written or deleted."
            )
        return self._inside(self._project_folder(project_id) / file_name)

    def _inside(self, path: Path) -> Path:
        root = self.folder.resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise StoreError(
                f"{path}: leads outside the store folder {root} (a link?); nothing was read, written or deleted."
            )
        return path
