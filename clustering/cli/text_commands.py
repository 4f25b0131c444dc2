"""`clusterlab embed` (texts to vectors, with their ids) and `clusterlab app` (the app on a file, from anywhere)."""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from clustering.cli.files import check_output, output_path
from clustering.cli.options import UsageError, input_arguments, load_dataset
from clustering.cli.output import terminal_text
from clustering.reports.export import write_table

APP_FILE = "CLUSTERLAB_APP_FILE"  # the file `clusterlab app FILE` opens, read by the app's first page
APP_TEXT_COLUMN = "CLUSTERLAB_APP_TEXT_COLUMN"
APP_EMBED = "CLUSTERLAB_APP_EMBED"
DEFAULT_PORT = 8501


def register(commands) -> None:
    """Add this group's subcommands to the `clusterlab` parser."""
    embed = commands.add_parser(
        "embed", help="embed a table's text column (or a .txt file, one text per line) and write ids with vectors"
    )
    input_arguments(embed)
    embed.add_argument("--out", required=True, help="the vectors file to write (.parquet): id, the columns, embedding")
    embed.set_defaults(handler=cmd_embed)

    app = commands.add_parser("app", help="open the app in the browser, with FILE loaded and clustered")
    app.add_argument("file", nargs="?", help="a file to open (vectors or texts); none: the app's Home page")
    app.add_argument("--text-column", default=None, help="the column of free text (default: found from the data)")
    app.add_argument("--embed", default=None, metavar="MODEL", help="text model: minilm (default), fast or a folder")
    app.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port to serve on (default {DEFAULT_PORT})")
    app.add_argument("--no-browser", action="store_true", help="serve without opening a browser window")
    app.set_defaults(handler=cmd_app)


def cmd_embed(args: argparse.Namespace) -> int:
    """`clusterlab embed`: vectors of the text column, one row per input row with its id, as parquet."""
    out = output_path(args)
    if out.suffix.lower() != ".parquet":
        raise UsageError(f"--out {out}: vectors are written as parquet; name the file .parquet.")
    check_output(out, args)
    dataset = load_dataset(args)
    if dataset.embedding is None:
        raise UsageError(
            f"{args.input}: holds vectors already ({dataset.d} numeric columns); give --embed MODEL to embed its "
            "text column instead."
        )
    ids = dataset.metadata[dataset.id_column] if dataset.id_column else pd.Series(np.arange(dataset.n))
    frame = dataset.metadata.drop(columns=[c for c in [dataset.id_column] if c]).copy()
    frame.insert(0, "id", ids.to_numpy())
    frame["embedding"] = list(dataset.vectors)
    write_table(frame, out)
    print(terminal_text(dataset.warnings[0]))
    print(f"wrote {out}: {dataset.n:,} rows (id, {len(frame.columns) - 2} column(s), embedding of {dataset.d})")
    return 0


def app_script() -> Path:
    """The app's entry script inside the installed package."""
    spec = importlib.util.find_spec("clustering.app")  # found, not imported: the app's package loads Streamlit
    if spec is None or spec.origin is None:
        raise UsageError("the app is not installed with this package; reinstall clusterlab.")
    return Path(spec.origin).parent / "Home.py"


APP_SETTINGS = "streamlit.toml"  # the app's Streamlit settings beside Home.py (.streamlit/config.toml links it)
SET_HERE = ("server.port", "server.headless", "browser.gatherUsageStats")  # cmd_app's own flags


def app_settings(path: Path) -> list[str]:
    """The app's Streamlit settings as `--section.option value` flags: Streamlit reads its config.toml from the
    working folder only, so outside the checkout the app ran without them (200 MB uploads, error details shown)."""
    flags = []
    for section, options in tomllib.loads(path.read_text(encoding="utf-8")).items():
        for option, value in options.items():
            if f"{section}.{option}" not in SET_HERE:
                flags += [f"--{section}.{option}", str(value).lower() if isinstance(value, bool) else str(value)]
    return flags


def cmd_app(args: argparse.Namespace) -> int:
    """`clusterlab app [FILE]`: serve the app; with FILE, it opens on that file's map."""
    env = dict(os.environ)
    # Streamlit's first run asks for an email in the terminal before serving (unless headless): the app waited on it
    env.setdefault("STREAMLIT_SERVER_SHOW_EMAIL_PROMPT", "false")
    if args.file:
        path = Path(args.file).expanduser().resolve()
        if not path.is_file():
            raise UsageError(f"{args.file}: file not found (from {Path.cwd()}). Check the path.")
        env[APP_FILE] = str(path)
        if args.text_column is not None:
            env[APP_TEXT_COLUMN] = args.text_column
        if args.embed:
            env[APP_EMBED] = args.embed
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port}: give a port between 1 and 65535.")
    script = app_script()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        *app_settings(script.with_name(APP_SETTINGS)),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true" if args.no_browser else "false",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(
        f"Clusterlab on http://localhost:{args.port}" + (f" with {args.file}" if args.file else "") + " (Ctrl-C stops)",
        flush=True,
    )
    if os.name == "posix":  # this process becomes the server: a SIGTERM or Ctrl-C sent to it stops the server itself
        os.execve(sys.executable, command, env)  # (as a child it outlived a terminated `clusterlab app`, port held)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
