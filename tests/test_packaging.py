"""The wheel: the library with the app inside it (clustering.app) and its assets, no top-level `app` (issue 37)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    library = {".".join(p.parent.relative_to(ROOT).parts) for p in ROOT.glob("clustering/**/__init__.py")}
    app = {"clustering." + ".".join(p.parent.relative_to(ROOT).parts) for p in ROOT.glob("app/**/__init__.py")}
    assert listed == library | app
    assert config["package-dir"] == {"clustering.app": "app"}


def test_the_wheel_holds_the_app_and_its_assets_and_no_top_level_app(tmp_path):
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "-w", str(tmp_path)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("clusterlab-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("clusterlab-")}
    assert tops == {"clustering"}
    for needed in (
        "clustering/app/Home.py",
        "clustering/app/views/explore.py",
        "clustering/visual/scatter/scatter.js",
        "clustering/visual/scatter/index.html",
        "clustering/evidence/calibration.json",
        "clustering/app/streamlit.toml",
        "clustering/reports/templates/report.html.j2",
    ):
        assert needed in names, needed


def test_the_library_never_imports_the_app_or_streamlit():
    import ast

    for path in (ROOT / "clustering").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(("streamlit", "clustering.app")), f"{path}: imports {name}"
