"""Projects: a dataset reference and every run made on it, kept in DuckDB with labels as parquet files.

Labels are written to a parquet file (atomically, by rename) before the run's row is committed, so a
process killed mid-write loses at most that run; each file's SHA-256 is kept and checked on reading.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np

from clustering.cache import atomic_write
from clustering.result import ClusterResult, json_safe
from clustering.store.database import DATABASE_NAME, ProjectMissing, StoreError, connect, home
from clustering.store.records import DatasetRef, RunRecord, check_name

__all__ = ["DatasetRef", "RunRecord", "Store", "check_name"]

# Every path the store builds from its database must have one of these forms and stay inside the store folder:
# a crafted or damaged database must never make a command read, write or delete a file elsewhere.
PROJECT_ID = re.compile(r"[0-9a-f]{32}")
RUN_FILE = re.compile(r"[0-9a-f]{12}\.parquet")
LAYOUT_FILE = re.compile(r"layout-[0-9a-f]{12}\.parquet")
ORPHAN_AGE_SECONDS = 600.0  # a file no row names is an orphan only after this long (a writer may be mid-commit)


def _json(value) -> str:
    return json.dumps(json_safe(value), sort_keys=True)


class Store:
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
        now = time.time()
        with connect(self.path) as db:
            if db.execute("SELECT 1 FROM projects WHERE name = ?", [name]).fetchone():
                raise StoreError(f"project {name!r} exists already; pick another name or open it.")
            db.execute(
                "INSERT INTO projects VALUES (?, ?, ?, '', ?, ?)",
                [uuid.uuid4().hex, name, _json(dataset.to_json()), now, now],
            )
        return name

    def open_or_create(self, name: str, dataset: DatasetRef) -> tuple[DatasetRef, bool]:
        """The project of this name, created on `dataset` when absent, in one step (two writers racing both get
        it); returns its dataset reference and whether this call created it."""
        name = check_name(name)
        now = time.time()
        with connect(self.path) as db:
            found = db.execute("SELECT dataset FROM projects WHERE name = ?", [name]).fetchone()
            if found is not None:
                return DatasetRef.from_json(json.loads(found[0])), False
            db.execute(
                "INSERT INTO projects VALUES (?, ?, ?, '', ?, ?)",
                [uuid.uuid4().hex, name, _json(dataset.to_json()), now, now],
            )
        return dataset, True

    def create_unique(self, name: str, dataset: DatasetRef) -> str:
        """Create a project named `name`, or `name (2)`, `name (3)`... whichever is free, in one step; returns it."""
        base = check_name(name)
        now = time.time()
        with connect(self.path) as db:
            taken = {row[0] for row in db.execute("SELECT name FROM projects").fetchall()}
            chosen, copy = base, 1
            while chosen in taken:
                copy += 1
                chosen = check_name(f"{base[:190]} ({copy})")
            db.execute(
                "INSERT INTO projects VALUES (?, ?, ?, '', ?, ?)",
                [uuid.uuid4().hex, chosen, _json(dataset.to_json()), now, now],
            )
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
                "UPDATE projects SET dataset = ?, updated = ? WHERE name = ?", [_json(ref.to_json()), time.time(), name]
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
        import pyarrow as pa
        import pyarrow.parquet as pq

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
        digest = _sha256(path)
        try:
            self._insert_run(project, run_id, run_name, result, path, digest)
        except BaseException:
            path.unlink(missing_ok=True)  # no orphan file when the row cannot be written
            raise
        try:
            self.remove_orphans()  # files a killed writer left: each write tidies those ten minutes old or more
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
                    _json(result.params),
                    result.seed,
                    result.preprocess,
                    result.dataset_fingerprint,
                    _json(result.versions),
                    result.device,
                    _json(result.seconds),
                    _json(result.metrics) if result.metrics is not None else None,
                    _json(result.info),
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
        labels = _column(table, "cluster", path, "iu")
        if labels is None or len(labels) != n_rows or (labels < -1).any() or (labels > np.iinfo(np.int32).max).any():
            raise StoreError(f"{path}: does not hold {n_rows} integer labels from -1 up; run {run!r} again.")
        confidence = _column(table, "confidence", path, "f")
        if confidence is not None and (len(confidence) != n_rows or not np.isfinite(confidence).all()):
            raise StoreError(f"{path}: its confidence column does not hold {n_rows} finite numbers.")
        return labels.astype(np.int32), confidence

    def subset_rows(self, project: str, run: str) -> np.ndarray | None:
        """The rows a drill-down was run on (None for a run on every row), checked like its labels."""
        table, path, n_rows = self._run_table(project, run)
        member = _column(table, "member", path, "iu")
        if member is None:
            return None
        if len(member) != n_rows or not np.isin(member, (0, 1)).all():
            raise StoreError(f"{path}: its member column does not hold {n_rows} values of 0 or 1.")
        return np.flatnonzero(member)

    def _run_table(self, project: str, run: str):
        """A run's parquet table, its path and row count, after its checksum is checked."""
        import pyarrow.parquet as pq

        run_id = self.find_run(project, run).id  # the one lookup: ids first, then the newest of that name
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            file_name, digest, n_rows = db.execute(
                "SELECT labels_file, labels_sha256, n_rows FROM runs WHERE project_id = ? AND id = ?",
                [project_id, run_id],
            ).fetchone()
        path = self._array_path(project_id, file_name, RUN_FILE)
        if not path.is_file() or _sha256(path) != digest:
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

    # --- layouts and explanations ------------------------------------------------------------------------

    def save_layout(
        self, project: str, method: str, preprocess: str, seed: int, xy: np.ndarray, seconds: float | None = None
    ) -> None:
        """Keep a 2-D layout (parquet x, y), replacing one made with the same method, preprocessing and seed."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        xy = np.asarray(xy, dtype=np.float32)
        with connect(self.path) as db:
            project_id = self._id(db, project)
        folder = self._project_folder(project_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"layout-{uuid.uuid4().hex[:12]}.parquet"
        atomic_write(path, lambda temporary: pq.write_table(pa.table({"x": xy[:, 0], "y": xy[:, 1]}), temporary))
        with connect(self.path) as db:
            old = db.execute(
                "SELECT file FROM layouts WHERE project_id = ? AND method = ? AND preprocess = ? AND seed = ?",
                [project_id, method, preprocess, int(seed)],
            ).fetchone()
            db.execute(
                "DELETE FROM layouts WHERE project_id = ? AND method = ? AND preprocess = ? AND seed = ?",
                [project_id, method, preprocess, int(seed)],
            )
            db.execute(
                "INSERT INTO layouts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [project_id, method, preprocess, int(seed), len(xy), path.name, _sha256(path), seconds, time.time()],
            )
        if old and LAYOUT_FILE.fullmatch(str(old[0])):
            self._array_path(project_id, old[0], LAYOUT_FILE).unlink(missing_ok=True)

    def layout(self, project: str, method: str, preprocess: str, seed: int, n_rows: int) -> np.ndarray | None:
        """A kept layout, or None when there is none or its file is missing, changed or of another size."""
        import pyarrow.parquet as pq

        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            found = db.execute(
                "SELECT file, sha256, n_rows FROM layouts WHERE project_id = ? AND method = ? AND "
                "preprocess = ? AND seed = ?",
                [project_id, method, preprocess, int(seed)],
            ).fetchone()
        if found is None or found[2] != n_rows or not LAYOUT_FILE.fullmatch(str(found[0])):
            return None
        path = self._array_path(project_id, found[0], LAYOUT_FILE)
        if not path.is_file() or _sha256(path) != found[1]:
            return None  # recomputed by the caller, never trusted
        table = pq.read_table(path)
        x, y = _column(table, "x", path, "f"), _column(table, "y", path, "f")
        if x is None or y is None:
            return None
        xy = np.column_stack([x, y]).astype(np.float32)
        return xy if len(xy) == n_rows and np.isfinite(xy).all() else None

    def save_explanation(self, project: str, run_id: str, settings: dict, result: dict) -> str:
        """Keep an explanation's rules and measures (the JSON of `clusterlab explain --out`) with its settings."""
        explanation_id = uuid.uuid4().hex[:12]
        with connect(self.path) as db:
            project_id = self._id(db, project)
            db.execute(
                "INSERT INTO explanations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    project_id,
                    run_id,
                    explanation_id,
                    str(result.get("method", "")),
                    str(result.get("space", "")),
                    _json(settings),
                    _json(result),
                    time.time(),
                ],
            )
            db.execute("UPDATE projects SET updated = ? WHERE id = ?", [time.time(), project_id])
        return explanation_id

    def explanations(self, project: str, run_id: str | None = None) -> list[dict]:
        """Kept explanations (newest first), of one run or of every run."""
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            rows = db.execute(
                "SELECT id, run_id, settings, result, created FROM explanations WHERE project_id = ? "
                "AND (? IS NULL OR run_id = ?) ORDER BY created DESC",
                [project_id, run_id, run_id],
            ).fetchall()
        return [
            {"id": i, "run_id": r, "settings": json.loads(s), "result": json.loads(x), "created": c}
            for i, r, s, x, c in rows
        ]

    def save_comparison(self, project: str, kind: str, run_ids: list[str], settings: dict, result: dict) -> str:
        """Keep a comparison's result (stability across seeds and subsamples, say) with the runs it is about."""
        comparison_id = uuid.uuid4().hex[:12]
        with connect(self.path) as db:
            project_id = self._id(db, project)
            db.execute(
                "INSERT INTO comparisons VALUES (?, ?, ?, ?, ?, ?, ?)",
                [project_id, comparison_id, kind, _json(list(run_ids)), _json(settings), _json(result), time.time()],
            )
            db.execute("UPDATE projects SET updated = ? WHERE id = ?", [time.time(), project_id])
        return comparison_id

    def comparisons(self, project: str, kind: str | None = None) -> list[dict]:
        """Kept comparisons (newest first), of one kind or all."""
        with connect(self.path, read_only=True) as db:
            project_id = self._id(db, project)
            rows = db.execute(
                "SELECT id, kind, run_ids, settings, result, created FROM comparisons WHERE "
                "project_id = ? AND (? IS NULL OR kind = ?) ORDER BY created DESC",
                [project_id, kind, kind],
            ).fetchall()
        return [
            {
                "id": i,
                "kind": k,
                "run_ids": json.loads(r),
                "settings": json.loads(s),
                "result": json.loads(x),
                "created": c,
            }
            for i, k, r, s, x, c in rows
        ]

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

    # --- checks -------------------------------------------------------------------------------------------------

    def orphans(self, min_age_seconds: float = ORPHAN_AGE_SECONDS) -> list[Path]:
        """Files of the store that no row names (a writer killed between writing a file and committing its row, a
        project deleted while its folder was busy), older than `min_age_seconds`: a live writer may be between its
        rename and its commit, so a newer file is never taken for an orphan."""
        with connect(self.path, read_only=True) as db:
            named = {tuple(row) for row in db.execute("SELECT project_id, labels_file FROM runs").fetchall()}
            named |= {tuple(row) for row in db.execute("SELECT project_id, file FROM layouts").fetchall()}
        if not self.arrays.is_dir() or self.arrays.is_symlink():
            return []
        now, found = time.time(), []
        for folder in sorted(self.arrays.iterdir()):
            if folder.is_symlink() or not folder.is_dir() or not PROJECT_ID.fullmatch(folder.name):
                continue
            for path in sorted(folder.iterdir()):
                ours = RUN_FILE.fullmatch(path.name) or LAYOUT_FILE.fullmatch(path.name)
                if not ours or path.is_symlink() or not path.is_file() or (folder.name, path.name) in named:
                    continue
                if now - path.stat().st_mtime >= min_age_seconds:
                    found.append(path)
        return found

    def remove_orphans(self, min_age_seconds: float = ORPHAN_AGE_SECONDS) -> list[Path]:
        """Remove `orphans()` (and project folders left empty); returns the files removed."""
        removed = self.orphans(min_age_seconds)
        for path in removed:
            path.unlink(missing_ok=True)
            folder = path.parent
            if not any(folder.iterdir()):
                folder.rmdir()
        return removed

    def damaged_runs(self) -> list[tuple[str, str, str]]:
        """(project, run name, why) for every run whose labels file is missing or changed since it was saved."""
        with connect(self.path, read_only=True) as db:
            rows = db.execute(
                "SELECT p.name, p.id, r.name, r.labels_file, r.labels_sha256 FROM runs r JOIN projects p "
                "ON p.id = r.project_id ORDER BY p.name, r.created"
            ).fetchall()
        found = []
        for project, project_id, run, file_name, digest in rows:
            try:
                path = self._array_path(project_id, file_name, RUN_FILE)
            except StoreError as error:
                found.append((project, run, str(error)))
                continue
            if not path.is_file():
                found.append((project, run, f"{path}: missing"))
            elif _sha256(path) != digest:
                found.append((project, run, f"{path}: changed since it was saved"))
        return found

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


def _column(table, name: str, path: Path, kinds: str) -> np.ndarray | None:
    """A stored column as numbers of the expected kinds (`iu` integers, `f` floats), or None when absent."""
    if name not in table.column_names:
        return None
    values = table.column(name).to_numpy(zero_copy_only=False)
    if values.dtype.kind not in kinds:
        raise StoreError(f"{path}: column {name!r} holds {values.dtype}, not numbers of the expected kind.")
    return values


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()
