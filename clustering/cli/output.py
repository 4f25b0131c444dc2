"""What the command line prints: JSON, terminal-safe text, progress bars and lines."""

from __future__ import annotations

import json
import sys
import unicodedata

from clustering.result import json_safe


def terminal_text(text: object) -> str:
    """Text safe to print: control, format (bidi) and surrogate characters shown as escapes, never acted on."""

    out = []
    for char in str(text):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def print_json(payload: dict) -> None:
    """One line of JSON (numpy values made plain)."""
    print(json.dumps(json_safe(payload), indent=None))


def line_progress():
    """Progress for long runs: a bar on a terminal, else one line per tenth on stderr (logs of batch jobs)."""
    if sys.stderr.isatty():
        return tqdm_progress()
    last = [-1]

    def update(stage: str, share: float) -> None:
        tenth = int(share * 10)
        if tenth > last[0]:
            last[0] = tenth
            print(f"{100 * share:3.0f}% {stage}", file=sys.stderr, flush=True)

    return update


def tqdm_progress():
    """A progress callback drawing a bar on stderr."""
    from tqdm import tqdm  # deferred: the CLI starts without the engine

    bars: list = []  # drawn on the first update: work that reports nothing draws no bar

    def update(stage: str, share: float) -> None:
        if not bars:
            bars.append(tqdm(total=100, file=sys.stderr, leave=False, bar_format="{desc} {bar} {percentage:3.0f}%"))
        bar = bars[0]
        bar.set_description_str(stage)
        bar.n = int(share * 100)
        bar.refresh()
        if share >= 1.0:
            bar.close()

    return update
