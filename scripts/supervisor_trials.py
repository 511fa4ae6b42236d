"""How fast ``kiosk supervise`` brings back a dead or hung kiosk, and that it leaves a healthy one.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/supervisor_trials.py --trials 5

Each trial starts ``kiosk supervise`` with its default timings and a real windowed kiosk
(offscreen, sample photos) on a fresh data dir, waits for the kiosk's first heartbeat (the
``ready`` record in ``logs/restarts.jsonl``), then

- ``dead``: SIGKILL to the kiosk;
- ``hung``: SIGSTOP to the kiosk (it stops beating, as a deadlocked GUI thread does);

and measures the seconds until the supervisor has started a new kiosk process, and until
that kiosk's first heartbeat (its event loop runs: visitors can use it again). ``--healthy S`` also
watches one undisturbed kiosk (and one on a read-only data dir when run as root, which can
mount a tmpfs) for S seconds and counts restarts, which must be 0.

One line per kind and, with ``--json``, one JSON object. Exit status 0 when every new
process came within 10 s and no healthy kiosk was restarted. The machine's load shows in
the figures: report them with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _records(data: Path) -> list[dict[str, object]]:
    try:
        lines = (data / "logs" / "restarts.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines]


def _child(sup: subprocess.Popen[bytes]) -> int | None:
    try:
        text = Path(f"/proc/{sup.pid}/task/{sup.pid}/children").read_text()
    except OSError:
        return None
    return int(text.split()[0]) if text.split() else None


def _wait(cond: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.02)  # a measuring script, not a test: polling at 50 Hz
    return False


def _start(data: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "supervise", "--data-dir", str(data), "--",
         "--windowed", "--camera", "sample"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(sup: subprocess.Popen[bytes]) -> None:
    sup.send_signal(signal.SIGTERM)
    try:
        sup.wait(timeout=60)
    except subprocess.TimeoutExpired:
        sup.kill()
        sup.wait()


def restart_time(kind: str) -> tuple[float, float] | None:
    """Seconds from the fault to the new kiosk process, and to its first heartbeat
    (None: not within 60 s)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-sup-") as tmp:
        data = Path(tmp)
        sup = _start(data)
        try:
            def ready() -> int:
                return sum(1 for r in _records(data) if r["event"] == "ready")

            if not _wait(lambda: ready() == 1, 120):
                return None
            pid = _child(sup)
            assert pid is not None
            t0 = time.monotonic()
            os.kill(pid, signal.SIGKILL if kind == "dead" else signal.SIGSTOP)
            if not _wait(lambda: _child(sup) not in (None, pid), 60):
                return None
            spawned = time.monotonic() - t0
            if not _wait(lambda: ready() == 2, 60):
                return None
            return spawned, time.monotonic() - t0
        finally:
            _stop(sup)


def healthy_restarts(seconds: float, data: Path) -> int:
    """Restarts of an undisturbed supervised kiosk over ``seconds`` (by child pid changes)."""
    sup = _start(data)
    try:
        _wait(lambda: _child(sup) is not None, 60)
        first = _child(sup)
        changes = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            now = _child(sup)
            if now is not None and now != first:
                changes += 1
                first = now
            time.sleep(0.2)
        return changes
    finally:
        _stop(sup)


def _read_only_healthy(seconds: float) -> int | None:
    if os.geteuid() != 0:
        return None
    with tempfile.TemporaryDirectory(prefix="kiosk-ro-") as tmp:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", tmp],
                          check=False).returncode:
            return None
        try:
            subprocess.run(["mount", "-o", "remount,ro", tmp], check=True)
            return healthy_restarts(seconds, Path(tmp))
        finally:
            subprocess.run(["umount", "-l", tmp], check=False)


def main(argv: list[str] | None = None) -> int:
    """Measure; exit 0 when every restart took ≤ 10 s and no healthy kiosk was restarted."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--healthy", type=float, default=0.0, metavar="S")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out: dict[str, object] = {}
    ok = True
    for kind in ("dead", "hung"):
        times = [restart_time(kind) for _ in range(args.trials)]
        got = [t for t in times if t is not None]
        spawn, ready = [t[0] for t in got], [t[1] for t in got]
        out[kind] = {"new_process_s": [round(t, 2) for t in spawn],
                     "first_heartbeat_s": [round(t, 2) for t in ready],
                     "missed": len(times) - len(got)}
        ok &= len(got) == len(times) and max(spawn, default=0) <= 10.0
        if got:
            sys.stdout.write(
                f"{kind}: new kiosk process after max {max(spawn):.1f} s (median "
                f"{statistics.median(spawn):.1f}), its first heartbeat after max "
                f"{max(ready):.1f} s (median {statistics.median(ready):.1f}) over {len(got)} "
                f"(missed {len(times) - len(got)})\n")
    if args.healthy:
        with tempfile.TemporaryDirectory(prefix="kiosk-ok-") as tmp:
            out["healthy_restarts"] = healthy_restarts(args.healthy, Path(tmp))
        out["read_only_healthy_restarts"] = _read_only_healthy(args.healthy)
        sys.stdout.write(f"healthy kiosk restarted {out['healthy_restarts']} times, on a "
                         f"read-only data dir {out['read_only_healthy_restarts']} times, in "
                         f"{args.healthy:g} s each\n")
        ok &= out["healthy_restarts"] == 0 and out["read_only_healthy_restarts"] in (0, None)
    if args.json:
        sys.stdout.write(json.dumps(out) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
