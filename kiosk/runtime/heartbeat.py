"""Heartbeats: the app proves it is alive by rewriting a tiny file; the supervisor reads it.

The app calls :meth:`HeartbeatWriter.beat` from a timer on the GUI thread, so a GUI that
hangs (a deadlock, an endless loop in a slot) stops beating even though the process is
still there. The supervisor never compares the time written in the file with its own
clock — a wall clock that jumps (NTP at boot) would look like a hang — it only watches
the sequence number change, measured with its own monotonic clock.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ENV_HEARTBEAT = "KIOSK_HEARTBEAT_FILE"  # set by the supervisor for its child
HEARTBEAT_NAME = "heartbeat.json"
BEAT_INTERVAL_MS = 2000  # how often the app should beat


def heartbeat_path(data_dir: Path) -> Path:
    """Where the app beats: the supervisor's choice if it set one, else in the data dir."""
    chosen = os.environ.get(ENV_HEARTBEAT)
    return Path(chosen) if chosen else data_dir / "run" / HEARTBEAT_NAME


@dataclass(frozen=True)
class Heartbeat:
    """One beat as read back."""

    pid: int
    seq: int
    time: float  # wall clock of the writer; for people, not for hang detection


class HeartbeatWriter:
    """Writes ``{"pid", "seq", "time"}`` to ``path`` atomically on every :meth:`beat`."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self.seq = 0
        self._warned = False
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")

    def beat(self) -> bool:
        """Write one beat; False (logged once) when the file cannot be written."""
        self.seq += 1
        text = json.dumps({"pid": os.getpid(), "seq": self.seq, "time": self.clock()})
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._tmp.write_text(text, encoding="utf-8")
            # No fsync: a beat is worthless after a power cut, and fsync every two seconds
            # would wear an SD card or eMMC.
            self._tmp.replace(self.path)
        except OSError as exc:
            if not self._warned:
                log.warning("heartbeat %s cannot be written (%s); a supervisor will think "
                            "the app hangs", self.path, exc.strerror or exc)
                self._warned = True
            return False
        self._warned = False
        return True


def read_heartbeat(path: Path) -> Heartbeat | None:
    """The last beat in ``path``, or None when there is none (yet) or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Heartbeat(int(data["pid"]), int(data["seq"]), float(data["time"]))
    except (OSError, ValueError, KeyError, TypeError):
        # Missing, half-replaced on Windows, or garbage: all mean "no news" this time.
        return None
