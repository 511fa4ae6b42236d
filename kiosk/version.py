"""The kiosk's version string: the release number and the git commit it was built from.

A frozen bundle reads ``build_info.json``, written by ``build/build.py`` before PyInstaller
runs and shipped at the bundle's root. A source checkout asks git. Neither may fail:
anything missing gives ``unknown``, so ``kiosk --version`` always answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from kiosk import __version__

BUILD_INFO_NAME = "build_info.json"
UNKNOWN = "unknown"


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=_repo_root(), capture_output=True, text=True, timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def git_commit() -> str:
    """Short hash of the checked-out commit, ``-dirty`` if tracked files changed; or unknown."""
    commit = _git("rev-parse", "--short", "HEAD")
    if not commit:
        return UNKNOWN
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}-dirty" if changed else commit


def build_info() -> dict[str, Any] | None:
    """The stamped build information of a frozen bundle (None when running from source)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or not bundle:
        return None
    try:
        data = json.loads((Path(bundle) / BUILD_INFO_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def version_string() -> str:
    """``"<version> (<git commit>)"``, e.g. ``0.1.0 (61afb7d)``."""
    info = build_info()
    if info is None:
        return f"{__version__} ({git_commit()})"
    version = str(info.get("version") or __version__)
    commit = str(info.get("commit") or UNKNOWN)
    return f"{version} ({commit})"
