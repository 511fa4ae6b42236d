"""A kiosk that dies (even by SIGKILL) takes its background `kiosk tune` child with it.

The kiosk tunes its models in a low-priority child process on a machine's first start
(kiosk.runtime.autotune). Left alone, an orphaned tuner keeps both cores busy for a minute
while the supervisor starts a new kiosk — which starts another tuner.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc; the parent-death signal is Linux's")


def children_of(pid: int) -> list[int]:
    """Live processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie nobody reaps has ended)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_tuning_child_ends_when_the_kiosk_is_killed(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"))
    kiosk = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from kiosk.runtime import autotune; autotune._tune_in_subprocess(Path(sys.argv[1]))",
         str(tmp_path / "data")], cwd=ROOT, env=env)
    tuner: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not tuner:
            assert kiosk.poll() is None, f"the tuning ended early ({kiosk.returncode})"
            assert time.monotonic() < deadline, "no tuning child started"
            tuner = children_of(kiosk.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                kiosk.wait(timeout=0.05)
        # let the child get into its tuning (it imports the kiosk first: about a second)
        with contextlib.suppress(subprocess.TimeoutExpired):
            kiosk.wait(timeout=3)
        assert alive(tuner[0]), "the tuning ended by itself before the kiosk was killed"
        ended = os.pidfd_open(tuner[0])  # readable once the process has ended
        try:
            kiosk.kill()  # a crash: no clean-up code of the kiosk runs
            kiosk.wait()
            select.select([ended], [], [], 2)  # SIGTERM ends it at once; tuning takes 10 s+
        finally:
            os.close(ended)
        assert not alive(tuner[0]), "the tuning child outlived the killed kiosk"
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
        for pid in tuner:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
