"""Installable kiosk: the PyInstaller bundle, and upgrades that keep the data dir.

The bundle tests build the bundle and smoke-test it (minutes): they run only with
``KIOSK_TEST_BUNDLE=1``. The upgrade test of the source tree runs always: a data dir left by
an older kiosk (settings, an imported pack, an interaction log of an older schema, logs)
survives a newer kiosk starting on it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from kiosk.runtime.event_store import DB_NAME, MIGRATIONS, SCHEMA_VERSION
from tests.conftest import ROOT
from tests.unit.test_packs import classifier_pack, tree_digest

BUNDLE_FLAG = "KIOSK_TEST_BUNDLE"
NAME = "showroom-kiosk"
BUNDLE = ROOT / "build" / "dist" / NAME
EXE = ("kiosk-cli.exe" if sys.platform == "win32" else NAME)
needs_bundle = pytest.mark.skipif(
    os.environ.get(BUNDLE_FLAG) != "1",
    reason=f"builds the PyInstaller bundle (minutes): set {BUNDLE_FLAG}=1, or run "
           "`.venv/bin/python build/build.py`")

OLD_EVENTS = 3
PACK_ID = "usb-classifier"


def source_kiosk(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    """The kiosk of this source tree as a subprocess."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "kiosk", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=180, env=env, check=False,
                          cwd=ROOT)


def old_data_dir(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    """Fill ``data_dir`` as an older kiosk left it; returns fingerprints of what must stay."""
    (data_dir / "settings.toml").write_text(
        'schema_version = 1\nlang = "en"\nkiosk_id = "fairground-2"\nidle_timeout = 120.0\n',
        encoding="utf-8")
    out = source_kiosk("packs", "import", str(classifier_pack(tmp_path / "stick", PACK_ID)),
                       data_dir=data_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    # The interaction log at schema version 1, as the first release wrote it.
    conn = sqlite3.connect(data_dir / DB_NAME)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany(
        "INSERT INTO events (uuid, ts, kiosk_id, session_id, demo_id, type, payload) "
        "VALUES (?, ?, 'fairground-2', 's1', ?, ?, ?)",
        # recent events: older ones would be purged by the 365-day retention, rightly
        [(uuid.uuid4().bytes, int(time.time() * 1000) - 86_400_000 + i, demo, kind, payload)
         for i, (demo, kind, payload) in enumerate([
             (None, "session_start", "{}"),
             ("image-classification", "demo_close", '{"dwell_ms": 4200}'),
             (None, "session_end", '{"duration_ms": 9000}')])])
    conn.commit()
    conn.close()
    (data_dir / "logs").mkdir(exist_ok=True)
    (data_dir / "logs" / "kiosk.log").write_text("old log line\n", encoding="utf-8")
    return {"settings": (data_dir / "settings.toml").read_text(encoding="utf-8"),
            "packs": tree_digest(data_dir / "packs")}


def assert_kept(data_dir: Path, before: dict[str, str]) -> None:
    """Everything the older kiosk left is still there."""
    assert (data_dir / "settings.toml").read_text(encoding="utf-8") == before["settings"]
    assert tree_digest(data_dir / "packs") == before["packs"]
    assert (data_dir / "logs" / "kiosk.log").read_text(encoding="utf-8").startswith(
        "old log line\n")
    conn = sqlite3.connect(f"{(data_dir / DB_NAME).as_uri()}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        kinds = [r[0] for r in conn.execute("SELECT type FROM events ORDER BY ts")]
    finally:
        conn.close()
    assert version == SCHEMA_VERSION  # migrated on the first start of the newer kiosk
    assert kinds[:3] == ["session_start", "demo_close", "session_end"]
    assert set(kinds[3:]) <= {"app_start", "app_stop"}


def test_newer_kiosk_keeps_an_older_data_dir(tmp_path: Path, data_dir: Path) -> None:
    before = old_data_dir(tmp_path, data_dir)
    out = source_kiosk("run", "--windowed", "--exit-when-ready", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "KIOSK_READY" in out.stdout
    listed = source_kiosk("packs", "list", "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert PACK_ID in {p["id"] for p in json.loads(listed.stdout)}
    assert_kept(data_dir, before)


@pytest.mark.slow
@needs_bundle
def test_build_and_smoke_test_the_bundle(tmp_path: Path) -> None:
    summary_file = tmp_path / "smoke.json"
    build = subprocess.run([sys.executable, str(ROOT / "build" / "build.py"), "--no-smoke"],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    smoke = subprocess.run(
        [sys.executable, str(ROOT / "build" / "smoke_bundle.py"), str(BUNDLE),
         "--json", str(summary_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert smoke.returncode == 0, smoke.stdout[-4000:] + smoke.stderr[-2000:]
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["ok"], summary["failures"]  # start-up time is reported, not asserted


@pytest.mark.slow
@needs_bundle
def test_bundle_over_an_older_install_keeps_the_data_dir(tmp_path: Path, data_dir: Path) -> None:
    if not (BUNDLE / EXE).is_file():
        pytest.skip("no bundle: test_build_and_smoke_test_the_bundle builds it first")
    before = old_data_dir(tmp_path, data_dir)
    install = tmp_path / "opt" / NAME
    env = {"PATH": os.defpath, "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           **{k: os.environ[k] for k in ("SYSTEMROOT", "WINDIR") if k in os.environ}}
    for _ in ("older", "newer"):  # the update: the program folder replaced, nothing else
        shutil.rmtree(install, ignore_errors=True)
        shutil.copytree(BUNDLE, install, symlinks=True)
        out = subprocess.run(
            [str(install / EXE), "run", "--windowed", "--exit-when-ready",
             "--data-dir", str(data_dir)],
            capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False)
        assert out.returncode == 0, out.stderr
        assert "KIOSK_READY" in out.stdout
    listed = subprocess.run([str(install / EXE), "packs", "list", "--json", "--data-dir",
                             str(data_dir)], capture_output=True, text=True, timeout=120,
                            env=env, cwd=tmp_path, check=False)
    assert PACK_ID in {p["id"] for p in json.loads(listed.stdout)}, listed.stderr
    assert_kept(data_dir, before)
