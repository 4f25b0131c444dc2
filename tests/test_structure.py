"""The library's shape holds (issue 37): imports at the top of each module unless deferred on purpose and said so,
and every size limit named in limits.py rather than written into the module that uses it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.joinpath("clustering").rglob("*.py"), *ROOT.joinpath("app").rglob("*.py")])
SIZE_NAME = re.compile(r"^_?[A-Z][A-Z0-9_]*(ROWS|MAX|MIN|CHARS|BYTES|SAMPLE|POINTS|LIMIT|ABOVE|KEPT|WIDTH|LAYERS)\b")
NOT_SIZES = {  # thresholds of a rule or bounds of a type, not sizes of work
    "FONT_MIN_PX", "FONT_MAX_PX", "LABEL_MAX", "MIP_PRICING_MIN_LEFT_SHARE", "CATEGORY_MAX_VALUES", "TEXT_MIN_LENGTH",
    "TEXT_MIN_WORDS", "TEXT_MIN_DISTINCT", "TEXT_MIN_FILLED", "MIN_EDGE_SHARE", "FIGURE_NAME_MIN_SHARE",
    "ZOOM_MIN_ROWS",
}  # fmt: skip


def function_imports(path: Path):
    """(line, module) of every import inside a function of `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield inner.lineno, inner.end_lineno or inner.lineno


def test_an_import_inside_a_function_says_why_it_is_deferred():
    unexplained = []
    for path in SOURCES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for start, end in function_imports(path):
            first = start  # a group of imports shares one comment, on its first line or above it
            while first > 1 and re.match(r"\s*(import\s|from\s|try:)", lines[first - 2]):
                first -= 1
            around = lines[max(first - 2, 0) : end]
            if not any("#" in line and re.search(r"deferred|see start_job|not at the top", line) for line in around):
                unexplained.append(f"{path.relative_to(ROOT)}:{start}: {lines[start - 1].strip()}")
    assert not unexplained, "\n".join(unexplained)


def test_every_size_limit_lives_in_limits_py():
    written = []
    for path in SOURCES:
        if path.name == "limits.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
            target = node.target if isinstance(node, ast.AnnAssign) else target
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            number = isinstance(value, ast.BinOp) or (
                isinstance(value, ast.Constant) and type(value.value) in (int, float)
            )
            if isinstance(target, ast.Name) and number:
                if SIZE_NAME.match(target.id) and target.id not in NOT_SIZES:
                    written.append(f"{path.relative_to(ROOT)}: {target.id}")
    assert not written, "size limits outside clustering/limits.py:\n" + "\n".join(written)
