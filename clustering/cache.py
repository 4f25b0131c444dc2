"""The on-disk cache folder and atomic file writes, shared by every cache, store and output.

Nothing here ever reads a pickle: caches hold npz (loaded with allow_pickle=False), parquet or JSON.
A write goes to a temporary file beside its target and is renamed over it, so a reader sees the old
file or the new one, never half of one; temporaries left by a killed process are removed the next
time the same folder is written to.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from clustering.data import DataError

CACHE_SETTING = "CLUSTERLAB_CACHE"
STALE_SECONDS = 24 * 3600  # a temporary this old is removed even if its process id was reused
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp(\.\w+)?$")


class SettingError(DataError):
    """A setting (environment variable) points somewhere unusable; the message names it."""


def cache_dir(sub: str | None = None) -> Path:
    """The cache folder (`CLUSTERLAB_CACHE`, default ~/.cache/clusterlab), created when missing."""
    root = Path(os.environ.get(CACHE_SETTING) or Path.home() / ".cache" / "clusterlab")
    path = root / sub if sub else root
    return ensure_folder(path, CACHE_SETTING)


def ensure_folder(path: Path, setting: str) -> Path:
    """Create a folder named by a setting, or say which setting to fix."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise SettingError(
            f"{setting}: {path} is a file, not a folder. Point {setting} at a folder (it is created when missing)."
        ) from None
    except OSError as error:
        raise SettingError(
            f"{setting}: cannot create the folder {path} ({error.strerror}). "
            f"Point {setting} at a folder you can write to."
        ) from None
    if not path.is_dir():
        raise SettingError(f"{setting}: {path} is not a folder. Point {setting} at a folder.")
    return path


def temporary_for(path: Path) -> Path:
    """The temporary beside `path` that this process writes before renaming (keeps the suffix for numpy)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call write(temporary) and rename the temporary over `path`; on any failure remove the temporary."""
    path = Path(path)
    remove_stale_temporaries(path.parent)
    temporary = temporary_for(path)
    try:
        write(temporary)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write text to `path` atomically (a reader never sees half a file)."""
    atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def remove_stale_temporaries(folder: Path) -> int:
    """Remove temporaries of ours whose process is gone (killed mid-write); returns how many."""
    removed = 0
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match or not entry.is_file():
            continue
        pid = int(match["pid"])
        try:
            age = time.time() - entry.stat().st_mtime
        except OSError:
            continue
        if pid == os.getpid() or (_alive(pid) and age < STALE_SECONDS):
            continue
        try:
            entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
