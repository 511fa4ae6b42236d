"""Heartbeats: the app proves it is alive; the supervisor watches.

The app beats from a timer on the GUI thread, so a GUI that hangs (a deadlock, an endless
loop in a slot) stops beating even though the process is still there.

The channel is a pipe the supervisor hands to its child (:data:`ENV_HEARTBEAT_FD`): each
beat is one byte written into it. Not a file in the data dir: a read-only or full data dir
must not make a healthy kiosk look hung (it used to be killed every two minutes), and a
pipe wears no SD card. Where pipes cannot be passed on (Windows), the supervisor names a
file in a runtime folder outside the data dir instead (:data:`ENV_HEARTBEAT`); there the
supervisor watches the sequence number change. Either way it never compares the time
written with its own clock — a wall clock that jumps (NTP at boot) would look like a hang —
it measures silence with its own monotonic clock.

A kiosk started without a supervisor does not beat at all: nobody would listen.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

ENV_HEARTBEAT = "KIOSK_HEARTBEAT_FILE"  # a file to beat into (set by the supervisor)
ENV_HEARTBEAT_FD = "KIOSK_HEARTBEAT_FD"  # a pipe to beat into (set by the supervisor)
HEARTBEAT_NAME = "heartbeat.json"
BEAT_INTERVAL_MS = 1000  # how often the app beats; the supervisor's hang_timeout is 5 beats


class Beater(Protocol):
    """Something the app calls on every beat; False when the beat could not be sent."""

    def beat(self) -> bool: ...


def open_heartbeat(environ: MutableMapping[str, str] | None = None) -> Beater | None:
    """The channel the supervisor gave this process, or None when unsupervised.

    The variables are removed from the environment: a program the kiosk starts (a model
    smoke run) must not beat for it.
    """
    env = os.environ if environ is None else environ
    fd_text = env.pop(ENV_HEARTBEAT_FD, None)
    file_text = env.pop(ENV_HEARTBEAT, None)
    if fd_text:
        try:
            return PipeHeartbeat(int(fd_text))
        except (ValueError, OSError) as exc:
            log.warning("heartbeat pipe %r unusable (%s)", fd_text, exc)
    if file_text:
        return HeartbeatWriter(Path(file_text))
    return None


class PipeHeartbeat:
    """Writes one byte per beat into the pipe the supervisor reads."""

    def __init__(self, fd: int) -> None:
        os.fstat(fd)  # OSError when the supervisor did not really pass it on
        os.set_blocking(fd, False)  # a supervisor that stops reading must not stall the GUI
        os.set_inheritable(fd, False)
        self.fd = fd
        self.seq = 0
        self._warned = False

    def beat(self) -> bool:
        """Send one beat; False (logged once) when the supervisor is gone."""
        self.seq += 1
        try:
            os.write(self.fd, b".")
        except BlockingIOError:
            return True  # 64 KiB of unread beats: the supervisor knows we are alive
        except OSError as exc:
            if not self._warned:
                log.warning("heartbeat pipe closed (%s): the supervisor has gone",
                            exc.strerror or exc)
                self._warned = True
            return False
        return True


class PipeReader:
    """The supervisor's end of the pipe: how many beats came since the last look."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)

    def child_env(self) -> dict[str, str]:
        """What the child needs to find its end (pass ``write_fd`` in ``pass_fds``)."""
        return {ENV_HEARTBEAT_FD: str(self.write_fd)}

    def started(self) -> None:
        """The child has its copy: drop ours, so the pipe ends when the child does."""
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def beats(self) -> int:
        """Beats received since the last call (0 when none or the child is gone)."""
        count = 0
        while True:
            try:
                data = os.read(self.read_fd, 4096)
            except (BlockingIOError, InterruptedError):
                return count
            if not data:
                return count  # end of file: the child has exited
            count += len(data)

    def close(self) -> None:
        """Close both ends."""
        self.started()
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1


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
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        # Missing, half-replaced on Windows, or garbage: all mean "no news" this time.
        return None
