"""Every size limit in one place: a named setting (environment variable), its default and what it bounds.

A limit is read when it is used, so a changed setting takes effect without a restart. The README's table of
settings lists each of these (a test checks it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """One bound: the setting that changes it, its default and what it bounds."""

    setting: str
    default: float
    bounds: str

    def value(self) -> float:
        """The setting's value, or the default when unset; a setting that is not a positive number is refused."""
        text = os.environ.get(self.setting, "").strip()
        if not text:
            return self.default
        try:
            number = float(text)
        except ValueError:
            number = float("nan")
        if not 0 < number < float("inf"):
            raise ValueError(f"setting {self.setting}={text!r}: give a positive number (default {self.default:g}).")
        return number

    def whole(self) -> int:
        """The value as a whole number."""
        return int(self.value())


MAX_MB = Limit("CLUSTERLAB_MAX_MB", 4096, "MB of one input file, or of the matrix it expands to (every format)")
MAX_COLUMNS = Limit("CLUSTERLAB_MAX_COLUMNS", 100_000, "columns of one input table")
BROWSER_POINTS = Limit("CLUSTERLAB_BROWSER_POINTS", 1_000_000, "points the app's scatter draws (a sample above)")
OUT_OF_CORE_MAX_MB = Limit(
    "CLUSTERLAB_OUT_OF_CORE_MAX_MB", 1_048_576, "MB of the float32 matrix an out-of-core input declares (1 TB)"
)
CONFIG_MAX_KB = Limit("CLUSTERLAB_CONFIG_MAX_KB", 1024, "KB of one YAML config file")
CONFIG_MAX_RUNS = Limit("CLUSTERLAB_CONFIG_MAX_RUNS", 500, "runs in one YAML config")
CONFIG_MAX_DEPTH = Limit("CLUSTERLAB_CONFIG_MAX_DEPTH", 16, "nesting depth of a YAML config")
SWEEP_MAX_RUNS = Limit("CLUSTERLAB_SWEEP_MAX_RUNS", 1000, "fits in one sweep (values x seeds)")
FIGURE_MAX_PIXELS = Limit("CLUSTERLAB_FIGURE_MAX_PIXELS", 100_000_000, "pixels of one figure (width x height x dpi^2)")

REPORT_POINTS = Limit("CLUSTERLAB_REPORT_POINTS", 100_000, "points a report's scatter carries (a sample above)")
HOVER_TEXT_ROWS = Limit(
    "CLUSTERLAB_HOVER_TEXT_ROWS", 200_000, "rows whose hover text a scatter carries (above, fetched on hover)"
)
CONFIDENCE_MAX_ROWS = Limit(
    "CLUSTERLAB_CONFIDENCE_MAX_ROWS", 50_000, "rows whose confidence is drawn from resampled runs (above: neighbours)"
)
NAME_MAX_CHARS = Limit("CLUSTERLAB_NAME_MAX_CHARS", 1000, "characters of one cluster or class name read from a file")
EXPLAIN_MAX_CLUSTERS = Limit("CLUSTERLAB_EXPLAIN_MAX_CLUSTERS", 500, "clusters one explanation writes rules for")

ALL_LIMITS = (
    MAX_MB,
    MAX_COLUMNS,
    BROWSER_POINTS,
    OUT_OF_CORE_MAX_MB,
    CONFIG_MAX_KB,
    CONFIG_MAX_RUNS,
    CONFIG_MAX_DEPTH,
    SWEEP_MAX_RUNS,
    FIGURE_MAX_PIXELS,
    EXPLAIN_MAX_CLUSTERS,
    NAME_MAX_CHARS,
    REPORT_POINTS,
    HOVER_TEXT_ROWS,
    CONFIDENCE_MAX_ROWS,
)
