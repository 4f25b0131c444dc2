"""What a project keeps besides its runs: 2-D layouts (parquet, checksummed), explanations and comparisons (JSON).

A mixin of `Store` (`clustering.store.projects`), which gives it `path`, `_id`, `_project_folder` and
`_array_path`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from clustering.cache import atomic_write
from clustering.store.database import connect
from clustering.store.files import LAYOUT_FILE, json_text, sha256, stored_column


class KeptResults:
    """Layouts, explanations and comparisons of a project."""

    path: Path  # what `Store` gives the mixin
    _id: Callable[..., str]
    _project_folder: Callable[[str], Path]
    _array_path: Callable[..., Path]

    def save_layout(
        self, project: str, method: str, preprocess: str, seed: int, xy: np.ndarray, seconds: float | None = None
    ) -> None:
        """Keep a 2-D layout (parquet x, y), replacing one made with the same method, preprocessing and seed."""

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
                [project_id, method, preprocess, int(seed), len(xy), path.name, sha256(path), seconds, time.time()],
            )
        if old and LAYOUT_FILE.fullmatch(str(old[0])):
            self._array_path(project_id, old[0], LAYOUT_FILE).unlink(missing_ok=True)

    def layout(self, project: str, method: str, preprocess: str, seed: int, n_rows: int) -> np.ndarray | None:
        """A kept layout, or None when there is none or its file is missing, changed or of another size."""

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
        if not path.is_file() or sha256(path) != found[1]:
            return None  # recomputed by the caller, never trusted
        table = pq.read_table(path)
        x, y = stored_column(table, "x", path, "f"), stored_column(table, "y", path, "f")
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
                    json_text(settings),
                    json_text(result),
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
                [
                    project_id,
                    comparison_id,
                    kind,
                    json_text(list(run_ids)),
                    json_text(settings),
                    json_text(result),
                    time.time(),
                ],
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
