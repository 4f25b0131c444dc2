"""`clusterlab`: the entry point and its error policy; each command group registers its own subcommands.

Every failure exits with status 2 and one `error: ...` line on stderr (`--debug` shows the traceback).
"""

from __future__ import annotations

import argparse
import sys

from clustering.cli import (
    compare_commands,
    consensus_commands,
    evidence_commands,
    fit_commands,
    info_commands,
    project_commands,
    report_commands,
    text_commands,
)
from clustering.cli.options import UsageError
from clustering.cli.output import terminal_text
from clustering.data import DataError

__all__ = ["UsageError", "build_parser", "main"]
GROUPS = (
    info_commands,
    fit_commands,
    compare_commands,
    consensus_commands,
    evidence_commands,
    project_commands,
    report_commands,
    text_commands,
)


def main(argv: list[str] | None = None) -> int:
    """Run `clusterlab` with `argv`; the exit status (2 and one `error:` line on any failure)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage and its one error line
        return int(stop.code or 0) if isinstance(stop.code, int) else 2
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # one clear line, never a traceback unless asked
        if args.debug:
            raise
        known = (DataError, UsageError, ValueError, OSError)
        text = str(error).strip()
        line = text.splitlines()[0] if text else type(error).__name__
        if not isinstance(error, known):  # a defect of ours: say so, and how to report it
            line = f"an unexpected {type(error).__name__} ({line[:200]}); rerun with --debug and report the traceback"
        print(f"error: {terminal_text(line)}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The `clusterlab` parser: every command group's subcommands."""
    parser = argparse.ArgumentParser(prog="clusterlab", description="Cluster embeddings, explain and compare clusters.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command")
    for group in GROUPS:
        group.register(commands)
    return parser
