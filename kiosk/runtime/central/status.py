"""What a kiosk tells the fleet table about itself (see :mod:`kiosk.runtime.central.fleet`).

Collected on the forwarder's thread: demo states from discovery, free disk, crashes in the
last 24 hours from the interaction log, and the last self-test result, which ``kiosk
self-test`` (and the app's own checks) leave in ``<data dir>/self-test.json``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from kiosk.runtime.central.fleet import disk_free

log = logging.getLogger(__name__)

SELF_TEST_FILE: Final = "self-test.json"


def save_self_test(folder: Path, ok: bool, failed: Sequence[str], clock: Callable[[], float]
                   = time.time) -> None:
    """Remember a self-test result for the fleet table (never fails the self-test)."""
    text = "pass" if ok else "FAIL: " + ", ".join(failed)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SELF_TEST_FILE).write_text(
            json.dumps({"result": text[:300], "at": clock()}), encoding="utf-8")
    except OSError as exc:
        log.warning("self-test result not saved (%s)", exc)


def last_self_test(folder: Path) -> str | None:
    """``pass`` or ``FAIL: …`` with its local time, or None when never run."""
    try:
        data = json.loads((folder / SELF_TEST_FILE).read_text(encoding="utf-8"))
        at = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(data["at"])))
        return f"{data['result']} ({at})"
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def crashes_since(db: Path, since_ms: int) -> int | None:
    """Crash events in the log since ``since_ms`` (None when the log cannot be read)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return int(conn.execute("SELECT count(*) FROM events WHERE type = 'crash' AND "
                                    "ts >= ?", (since_ms,)).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def collect(folder: Path, *, location: str, demos: Callable[[], list[dict[str, Any]]],
            clock: Callable[[], float] = time.time) -> dict[str, Any]:
    """The status of the kiosk whose data dir is ``folder``."""
    from kiosk import __version__
    from kiosk.runtime.event_store import db_path

    try:
        demo_list = demos()
    except Exception as exc:  # a status report must not stop forwarding
        log.warning("demo list for the fleet status failed: %s", exc)
        demo_list = []
    return {
        "location": location, "version": __version__, "demos": demo_list,
        "self_test": last_self_test(folder), "disk_free_bytes": disk_free(folder),
        "crashes_24h": crashes_since(db_path(folder), int((clock() - 86400) * 1000)),
    }


def discovered_demos(folder: Path, disabled: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every demo and its state (``ready``, ``disabled`` or ``error: …``)."""
    from kiosk.core.paths import demos_dir
    from kiosk.runtime.demos import DemoState, discover

    out = []
    for entry in discover([demos_dir(), folder / "packs"]):
        if entry.state is not DemoState.READY:
            state = "error: " + "; ".join(map(str, entry.problems))[:200]
        else:
            state = "disabled" if entry.id in disabled else "ready"
        out.append({"id": entry.id, "state": state})
    return out
