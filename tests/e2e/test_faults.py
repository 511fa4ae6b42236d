"""The live kiosk under faults, as a subprocess: stray files, crashes, disks, signals.

Every wait is a poll with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def run_kiosk(*args: str, data_dir: Path, env: dict[str, str] | None = None,
              timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run([sys.executable, "-m", "kiosk", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=timeout, env=full,
                          check=False, cwd=ROOT)


def events_of(data_dir: Path, kind: str) -> list[str]:
    conn = sqlite3.connect(data_dir / "events.sqlite3")
    try:
        return [str(r[0]) for r in conn.execute(
            "SELECT payload FROM events WHERE type = ? ORDER BY ts", (kind,))]
    finally:
        conn.close()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_nothing_is_written_outside_the_data_dir(tmp_path: Path) -> None:
    home, tmp, data = tmp_path / "home", tmp_path / "tmp", tmp_path / "data"
    for d in (home, tmp, data):
        d.mkdir()
    env = {"HOME": str(home), "TMPDIR": str(tmp), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".local"),
           "XDG_RUNTIME_DIR": ""}
    out = run_kiosk("self-test", data_dir=data, env=env)  # loads every demo's models
    assert out.returncode == 0, out.stderr
    shot = run_kiosk("screenshot", "--screen", "demo:image-classification", "--out",
                     str(data / "shot.png"), data_dir=data, env=env)
    assert shot.returncode == 0, shot.stderr
    gui = run_kiosk("--windowed", "--exit-when-ready", data_dir=data, env=env)
    assert gui.returncode == 0, gui.stderr
    assert files_under(home) == [] and files_under(tmp) == []


def test_a_crash_is_counted_once_not_on_every_start(data_dir: Path) -> None:
    from kiosk.runtime import crashlog

    crashlog.write_crash(data_dir, "Unhandled exception:\n\nRuntimeError: boom")
    for _ in range(3):
        out = run_kiosk("--windowed", "--exit-when-ready", data_dir=data_dir)
        assert out.returncode == 0, out.stderr
    assert events_of(data_dir, "crash") == ['{"code":"previous_run"}']
