"""The live kiosk under faults, as a subprocess: stray files, crashes, disks, signals.

Every wait is a poll with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.conftest import ROOT
from tests.fs_faults import fill, full_disk, read_only

T = TypeVar("T")
linux_only = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux /proc")


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


# --------------------------------------------------------------------------- supervised


class Supervised:
    """``kiosk supervise`` with a real windowed kiosk as its child (offscreen)."""

    def __init__(self, data_dir: Path, *opts: str) -> None:
        self.data_dir = data_dir
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        env.pop("KIOSK_HEARTBEAT_FILE", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "supervise", "--data-dir", str(data_dir),
             "--backoff-max", "1", *opts, "--", "--windowed", "--camera", "sample"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def child(self) -> int | None:
        """The kiosk's pid (None between two starts)."""
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return None
        pids = [int(p) for p in text.split()]
        return pids[0] if pids else None

    def wait_for(self, what: Callable[[], T | None], seconds: float) -> T:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got = what()
            if got:
                return got
            assert self.proc.poll() is None, "the supervisor ended"
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=0.05)
        raise AssertionError(f"not within {seconds} s")

    def stays(self, pid: int, seconds: float) -> None:
        """``pid`` is still the kiosk ``seconds`` later (nothing killed a healthy kiosk)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.child() == pid, "the kiosk was restarted"
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=0.1)

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        return err


def committed(data_dir: Path) -> dict[str, str]:
    """uuid → type of every event in the database (what the store has acknowledged)."""
    try:
        conn = sqlite3.connect(f"{(data_dir / 'events.sqlite3').as_uri()}?mode=ro", uri=True)
        try:
            return {str(u): str(t) for u, t in conn.execute("SELECT uuid, type FROM events")}
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def app_starts(data_dir: Path) -> int:
    return sum(1 for t in committed(data_dir).values() if t == "app_start")


def restarts(data_dir: Path) -> list[dict[str, object]]:
    try:
        lines = (data_dir / "logs" / "restarts.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines]


def readies(data_dir: Path) -> int:
    """How many kiosk starts reached their first heartbeat (the event loop runs)."""
    return sum(1 for r in restarts(data_dir) if r["event"] == "ready")


@linux_only
def test_supervised_kiosk_comes_back_after_every_kind_of_stop(data_dir: Path) -> None:
    sup = Supervised(data_dir, "--hang-timeout", "3")
    try:
        pid = sup.wait_for(sup.child, 30)
        sup.wait_for(lambda: readies(data_dir) == 1, 90)
        for n, sig in enumerate((signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGSTOP),
                                start=2):
            before = committed(data_dir)  # acknowledged: already in the database
            os.kill(pid, sig)  # SIGSTOP: a kiosk that hangs and never beats again
            new = sup.wait_for(lambda old=pid: (c := sup.child()) != old and c, 30)
            sup.wait_for(lambda n=n: readies(data_dir) == n, 90)
            after = committed(data_dir)
            assert before.keys() <= after.keys(), f"events lost after {sig.name}"
            pid = new
        stops = events_of(data_dir, "app_stop")
        assert stops == ['{"reason":"signal"}'] * 2  # SIGINT and SIGTERM: the log was flushed
    finally:
        err = sup.stop()
    ends = [(r["event"], r.get("returncode")) for r in restarts(data_dir)
            if r["event"] not in ("start", "ready")]
    assert ends == [("crash", 130), ("crash", 143), ("crash", -9), ("hang", -9),
                    ("stopped", 143)]
    assert not list((data_dir / "logs" / "crashes").glob("crash-*.log")) or \
        "hung" in (crashlog_text(data_dir) or "")  # only the hang leaves a stack dump
    for word in ("Traceback", "KeyboardInterrupt", "endPaint"):
        assert word not in err


def crashlog_text(data_dir: Path) -> str | None:
    from kiosk.runtime import crashlog

    return crashlog.last_crash(data_dir)


@linux_only
def test_supervised_kiosk_on_a_read_only_data_dir_is_never_killed(tmp_path: Path) -> None:
    def prepare(folder: Path) -> None:
        out = run_kiosk("--windowed", "--exit-when-ready", data_dir=folder)
        assert out.returncode == 0, out.stderr

    with read_only(tmp_path / "data", prepare=prepare) as data:
        sup = Supervised(data, "--hang-timeout", "2", "--startup-grace", "4")
        try:
            pid = sup.wait_for(sup.child, 30)
            sup.stays(pid, 8)  # past the start-up grace and several hang timeouts
        finally:
            err = sup.stop()
    assert "Traceback" not in err
    assert err.count("is read-only") <= 2  # said once by the disk watch (and once by SQLite)


@linux_only
def test_supervised_kiosk_on_a_full_disk_keeps_running_and_loses_nothing(
        tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk", size="16m") as data:
        sup = Supervised(data, "--hang-timeout", "2")
        try:
            pid = sup.wait_for(sup.child, 30)
            sup.wait_for(lambda: readies(data) == 1 and app_starts(data) == 1, 90)
            before = committed(data)
            filler = fill(data)
            sup.stays(pid, 5)
            filler.unlink()  # staff freed some space
            os.kill(pid, signal.SIGTERM)
            sup.wait_for(lambda: "app_stop" in committed(data).values(), 60)
            assert before.keys() <= committed(data).keys()
        finally:
            err = sup.stop()
    assert "Traceback" not in err
