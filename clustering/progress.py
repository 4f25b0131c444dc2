"""Progress and cancellation of long work, one way everywhere: `progress(stage, share)` and a cancel event."""

from __future__ import annotations

import threading
from collections.abc import Callable

Progress = Callable[[str, float], None]
"""``progress(stage, share)``: what is being done, and the share of the whole done so far (0 to 1)."""


class Cancelled(RuntimeError):
    """The user cancelled a long run; nothing was changed."""


def check_cancel(cancel: threading.Event | None, where: str) -> None:
    """Raise Cancelled (naming where the work stopped) when `cancel` is set."""
    if cancel is not None and cancel.is_set():
        raise Cancelled(f"cancelled before {where}")


def report(progress: Progress | None, stage: str, share: float, cancel: threading.Event | None = None) -> None:
    """Check for cancellation, then tell `progress` (when given) that `stage` starts at `share`."""
    check_cancel(cancel, stage)
    if progress is not None:
        progress(stage, share)


def span(progress: Progress | None, low: float, high: float, prefix: str = "") -> Progress | None:
    """A progress callback for a part of the work: its shares 0..1 mapped onto low..high of the whole."""
    if progress is None:
        return None
    return lambda stage, share: progress(prefix + stage, low + (high - low) * share)
