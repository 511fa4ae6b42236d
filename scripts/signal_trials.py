"""Stop the real kiosk with SIGINT / SIGTERM many times and count the clean stops.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/signal_trials.py --trials 20

Each trial starts ``kiosk --windowed`` on a fresh data dir, waits until it runs (its first
heartbeat), lets it paint for a random moment (so the signal lands in the middle of
painting, as Ctrl+C on a real kiosk does), sends the signal and checks:

- it exits by itself within 30 s with 128 + the signal number (no SIGKILL needed),
- nothing on stderr looks like a traceback, a KeyboardInterrupt or a Qt paint warning,
- no crash file and no faulthandler output is left for staff to see,
- the interaction log ends with ``app_stop`` (reason ``signal``): the log was flushed.

Prints one line per signal: ``SIGINT clean 20/20 (crash files 0)`` and, with ``--json``,
one JSON object. Exit status 0 only when every trial was clean.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAD_WORDS = ("Traceback", "KeyboardInterrupt", "endPaint", "Segmentation", "Fatal Python")


def _wait_for(path: Path, proc: subprocess.Popen[bytes], deadline: float) -> bool:
    while time.monotonic() < deadline:
        if path.exists():
            return True
        try:
            proc.wait(timeout=0.05)
            return False  # it ended before it ran
        except subprocess.TimeoutExpired:
            pass
    return False


def _last_event(db: Path) -> tuple[str, str] | None:
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT type, payload FROM events ORDER BY ts DESC, rowid DESC "
                               "LIMIT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return (str(row[0]), str(row[1])) if row else None


def trial(sig: signal.Signals, work: Path, rng: random.Random) -> dict[str, object]:
    """One start and one signal; what happened."""
    data = work / "data"
    beat = work / "beat.json"
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               KIOSK_HEARTBEAT_FILE=str(beat), HOME=str(work / "home"))
    env.pop("KIOSK_HEARTBEAT_FD", None)
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--windowed", "--camera", "sample",
                             "--data-dir", str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    result: dict[str, object] = {"signal": sig.name}
    try:
        if not _wait_for(beat, proc, time.monotonic() + 90):
            result.update(clean=False, why="did not start")
            return result
        # Let it paint a while; the moment the signal lands varies from trial to trial.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=rng.uniform(0.2, 1.5))
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            result.update(clean=False, why="did not stop within 30 s")
            return result
    finally:
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
    crashes = data / "logs" / "crashes"
    crash_files = sorted(p.name for p in crashes.glob("crash-*.log")) if crashes.is_dir() else []
    fault = crashes / "faulthandler.log"
    if fault.exists() and fault.stat().st_size:
        crash_files.append(fault.name)
    bad = [w for w in BAD_WORDS if w in stderr]
    last = _last_event(data / "events.sqlite3")
    flushed = last is not None and last[0] == "app_stop" and "signal" in last[1]
    clean = code == 128 + sig.value and not crash_files and not bad and flushed
    result.update(clean=clean, returncode=code, crash_files=crash_files, stderr_bad=bad,
                  log_flushed=flushed)
    if not clean:
        result["stderr_tail"] = stderr[-600:]
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the trials; exit 0 when all were clean."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--signals", default="SIGINT,SIGTERM")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    summary: dict[str, dict[str, object]] = {}
    all_clean = True
    for name in args.signals.split(","):
        sig = signal.Signals[name.strip()]
        results = []
        for _ in range(args.trials):
            with tempfile.TemporaryDirectory(prefix="kiosk-sig-") as tmp:
                results.append(trial(sig, Path(tmp), rng))
        clean = sum(1 for r in results if r["clean"])
        crash = sum(1 for r in results if r.get("crash_files"))
        summary[sig.name] = {"clean": clean, "trials": len(results), "with_crash_file": crash,
                             "failures": [r for r in results if not r["clean"]][:3]}
        all_clean &= clean == len(results)
        sys.stdout.write(f"{sig.name} clean {clean}/{len(results)} (crash files {crash})\n")
        sys.stdout.flush()
    if args.json:
        sys.stdout.write(json.dumps(summary) + "\n")
    return 0 if all_clean else 1


if __name__ == "__main__":
    sys.exit(main())
