"""Which Python modules the bundle must hold: shared by ``build/kiosk.spec`` and ``build/build.py``.

PyInstaller follows ``import`` statements. Some packages choose or load parts of themselves
by name at run time, which it cannot follow; ``DYNAMIC_PACKAGES`` names them. When the
kiosk's code imports one and it is installed, the spec collects it and its companions whole,
and the build checks that the parts that package needs at run time made it in.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Imported top-level package → (packages collected whole when installed,
#                                alternatives of which one must be complete in the bundle).
# psycopg picks its libpq wrapper at import time (psycopg_c, psycopg_binary, or ctypes and a
# system libpq a kiosk does not have); those wrappers refuse to be imported on their own, so
# their modules are named. PyNaCl's libsodium binding is a cffi extension module (with cffi's
# own backend) that its Python modules import by name.
DYNAMIC_PACKAGES: dict[str, tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "psycopg": (("psycopg", "psycopg_pool"),
                (("psycopg_binary.pq", "psycopg_binary._psycopg"),
                 ("psycopg_c.pq", "psycopg_c._psycopg"))),
    "nacl": (("nacl",),
             (("nacl._sodium", "_cffi_backend"),)),
}

# Third-party packages the kiosk's code imports that the bundle leaves out on purpose, with
# what does not work in the bundle because of it. Adding one is a decision, not a fix.
LEFT_OUT: dict[str, str] = {
    "skimage": "`kiosk bench-faces` (kiosk/face_bench.py measures on scikit-image's LFW "
               "faces) works from a checkout only",
}


def kiosk_imports(root: Path = ROOT) -> tuple[set[str], set[str]]:
    """(the kiosk's own modules, the third-party modules its code imports)."""
    own: set[str] = set()
    imported: set[str] = set()
    for path in (root / "kiosk").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        if "__pycache__" in parts or parts[-1] == "__main__":
            continue
        own.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module)
    third = {m for m in imported
             if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "kiosk"}
    return own, third


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def to_collect(imported: Iterable[str], installed: Callable[[str], bool] = _installed
               ) -> tuple[list[str], list[str]]:
    """(installed packages to collect whole, installed run-time modules to add by name) for
    the dynamic packages among the modules the kiosk imports."""
    tops = {m.split(".")[0] for m in imported}
    whole: list[str] = []
    named: list[str] = []
    for top, (packages, alternatives) in sorted(DYNAMIC_PACKAGES.items()):
        if top in tops:
            whole += [name for name in packages if installed(name)]
            named += [m for group in alternatives for m in group
                      if installed(m.split(".")[0])]
    return whole, named


def left_out(imported: Iterable[str]) -> dict[str, str]:
    """Module → reason, for the imported modules the bundle leaves out on purpose."""
    return {m: LEFT_OUT[m.split(".")[0]] for m in sorted(imported)
            if m.split(".")[0] in LEFT_OUT}


def missing_run_time_parts(modules: set[str]) -> list[str]:
    """Problems: a bundled dynamic package without the parts it loads at run time."""
    problems = []
    for top, (_, alternatives) in sorted(DYNAMIC_PACKAGES.items()):
        if top in modules and not any(set(group) <= modules for group in alternatives):
            wanted = " or ".join(" + ".join(group) for group in alternatives)
            problems.append(f"{top} is bundled without {wanted}")
    return problems
