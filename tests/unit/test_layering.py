"""Import rules from DESIGN.md: core and runtime never import Qt; ui never imports
cv2, onnxruntime or sqlite3."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "kiosk"
RULES = {
    "core": {"PySide6", "qasync", "shiboken6", "kiosk.ui", "kiosk.runtime", "onnxruntime",
             "sqlite3"},
    "runtime": {"PySide6", "qasync", "shiboken6", "kiosk.ui"},
    "ui": {"cv2", "onnxruntime", "sqlite3"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports(layer: str) -> None:
    bad = []
    for path in sorted((PKG / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in RULES[layer]):
                bad.append(f"{path.relative_to(PKG)} imports {name}")
    assert bad == []


def test_no_print_in_the_app() -> None:
    allowed = {"cli.py"}
    offenders = []
    for path in PKG.rglob("*.py"):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "print"):
                offenders.append(f"{path.relative_to(PKG)}:{node.lineno}")
    # app.py prints one machine-read readiness line for the benchmark, nothing else
    assert [o for o in offenders if not o.startswith("app.py")] == []
