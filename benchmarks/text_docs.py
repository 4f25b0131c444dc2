"""Real text with known groups, built offline: the docstrings of the Python standard library's classes and
functions, labelled by their module (about 30 modules). Used by `benchmarks/text.py` and the text tests."""

from __future__ import annotations

import importlib
import inspect
import re

import pandas as pd

MODULES = (
    "argparse", "asyncio", "collections", "csv", "datetime", "decimal", "email", "fractions", "ftplib",
    "http.client", "imaplib", "inspect", "ipaddress", "json", "logging", "mailbox", "multiprocessing", "pathlib",
    "pickle", "poplib", "random", "re", "sqlite3", "statistics", "string", "tarfile", "threading", "tkinter",
    "unittest", "urllib.request", "xml.dom.minidom", "zipfile",
)  # fmt: skip
MIN_WORDS = 8


def docstrings(modules: tuple[str, ...] = MODULES) -> pd.DataFrame:
    """One row per documented public class, function or method: `text` (its docstring) and `module`."""
    rows, seen = [], set()
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError:  # tkinter may be missing from a build
            continue
        for _, member in inspect.getmembers(module):
            owner = getattr(member, "__module__", "") or ""
            if not (inspect.isclass(member) or inspect.isfunction(member)) or not owner.startswith(name):
                continue
            found = [member]
            if inspect.isclass(member):
                found += [m for k, m in vars(member).items() if inspect.isfunction(m) and not k.startswith("_")]
            for item in found:
                text = re.sub(r"\s+", " ", inspect.getdoc(item) or "").strip()
                if len(text.split()) >= MIN_WORDS and text not in seen:
                    seen.add(text)
                    rows.append({"text": text, "module": name})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    frame = docstrings()
    print(len(frame), frame["module"].nunique())
    print(frame["module"].value_counts().to_string())
