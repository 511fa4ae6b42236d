"""The supervisor: runs the kiosk as a child process and restarts it when it dies or hangs.

``kiosk supervise -- <kiosk args>`` (see :mod:`kiosk.cli_supervise`) runs :class:`Supervisor`.
It starts the child, then watches two things:

- the exit status: 0 means staff pressed "exit kiosk" — the supervisor stops too;
  :data:`RESTART_EXIT_CODE` means staff pressed "restart" — restarted at once; anything
  else (an error status, a signal such as SIGKILL or SIGSEGV) is a crash;
- the heartbeats (:mod:`kiosk.runtime.heartbeat`), through a pipe — never through the
  data dir, which may be read-only or full while the kiosk is perfectly healthy: when none
  came for ``hang_timeout`` seconds (``startup_grace`` before the first beat), the child
  hangs. It gets SIGUSR1 first, so faulthandler dumps every thread's stack into the crash
  log (:mod:`kiosk.runtime.crashlog`), then SIGKILL.

Crashes are restarted after a back-off that doubles up to ``backoff_max`` and returns to
``backoff_initial`` once a child ran ``healthy_after`` seconds, so a kiosk that crashes
once a week restarts within a second, and one that crashes on start does not spin the
CPU. A hang is restarted at once: detecting it already took ``hang_timeout``. Every
start, first heartbeat ("ready") and end is appended to ``<data dir>/logs/restarts.jsonl``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from kiosk.runtime.heartbeat import ENV_HEARTBEAT, HEARTBEAT_NAME, PipeReader, read_heartbeat

log = logging.getLogger(__name__)

RESTART_EXIT_CODE = 75  # EX_TEMPFAIL: "run me again", used by the staff panel's restart
ENV_SUPERVISED = "KIOSK_SUPERVISED"
RESTART_LOG = "restarts.jsonl"


def is_supervised() -> bool:
    """True inside a child of :class:`Supervisor` (exit with :data:`RESTART_EXIT_CODE`)."""
    return os.environ.get(ENV_SUPERVISED) == "1"


def kiosk_command(args: Sequence[str]) -> list[str]:
    """The command line that runs ``kiosk <args>`` with this interpreter or bundle."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the executable is the kiosk
        return [sys.executable, *args]
    # -P: "python -m" would otherwise import a kiosk/ folder from the current directory first
    return [sys.executable, "-P", "-m", "kiosk", *args]


@dataclass(frozen=True)
class SupervisorConfig:
    """What to run and how patiently to watch it (seconds)."""

    command: Sequence[str]
    data_dir: Path
    # None: a pipe (POSIX), else a file in a private runtime folder outside the data dir
    heartbeat_file: Path | None = None
    hang_timeout: float = 5.0  # five missed beats: visitors would see a frozen screen
    startup_grace: float = 60.0  # before the first beat (a cold start on a slow PC)
    poll_interval: float = 0.25  # how often the child is looked at (a wait, not a busy loop)
    backoff_initial: float = 1.0
    backoff_max: float = 300.0
    healthy_after: float = 600.0
    kill_grace: float = 5.0  # after SIGTERM when stopping, before SIGKILL
    dump_grace: float = 0.5  # after SIGUSR1 on a hang, before SIGKILL (a dump takes ms)
    max_starts: int | None = None  # None: forever (tests bound it)
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment for the child

    @property
    def restart_log(self) -> Path:
        """Where starts, crashes and restarts are recorded."""
        return self.data_dir / "logs" / RESTART_LOG


@dataclass(frozen=True)
class Outcome:
    """How one child run ended."""

    kind: str  # "exit" | "crash" | "hang" | "restart" | "stopped" | "start_failed"
    returncode: int | None
    uptime: float
    detail: str = ""


def _describe(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    if returncode - 128 in (signal.SIGINT, signal.SIGTERM):  # it stopped cleanly when told
        return f"stopped by {signal.Signals(returncode - 128).name}"
    return f"exit status {returncode}"


class Supervisor:
    """Runs the child until it exits with 0 or :meth:`stop` is called.

    ``clock`` is monotonic (uptime, hang detection); ``sleep`` waits between restarts and is
    given small slices so :meth:`stop` is honoured quickly. Tests inject both.
    """

    def __init__(
        self, config: SupervisorConfig, *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self.wall = wall
        self.records: list[dict[str, Any]] = []
        self.child: subprocess.Popen[bytes] | None = None
        # A plain flag, not a threading.Event: it is set from a signal handler, which
        # must never take a lock the interrupted code may hold.
        self._stop = False

    def stop(self) -> None:
        """Ask :meth:`run` to stop the child and return (safe from a signal handler)."""
        self._stop = True

    # -- records -------------------------------------------------------------------------------
    def _record(self, event: str, **data: Any) -> None:
        record = {"time": datetime.fromtimestamp(self.wall(), UTC).isoformat(
            timespec="seconds"), "event": event, **data}
        self.records.append(record)
        path = self.config.restart_log
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")
        except OSError as exc:
            log.warning("cannot record to %s (%s)", path, exc.strerror or exc)

    # -- main loop -----------------------------------------------------------------------------
    def run(self) -> int:
        """Supervise until a clean exit (0), :meth:`stop` (0) or ``max_starts`` (1)."""
        cfg = self.config
        backoff = cfg.backoff_initial
        starts = 0
        while not self._stop:
            starts += 1
            outcome = self._run_once(starts)
            if outcome.kind in ("stopped", "exit"):
                self._record(outcome.kind, returncode=outcome.returncode,
                             uptime_s=round(outcome.uptime, 1))
                log.info("kiosk %s; supervisor stops", "exited normally"
                         if outcome.kind == "exit" else "stopped")
                return 0
            if outcome.kind == "restart":
                delay, backoff = 0.0, cfg.backoff_initial
            else:
                if outcome.uptime >= cfg.healthy_after:
                    backoff = cfg.backoff_initial
                if outcome.kind == "hang":
                    # Detecting it took hang_timeout (or startup_grace) already: hangs cannot
                    # spin the CPU, so visitors get the kiosk back without a further wait.
                    delay = 0.0
                else:
                    delay, backoff = backoff, min(backoff * 2.0, cfg.backoff_max)
            self._record(outcome.kind, returncode=outcome.returncode,
                         uptime_s=round(outcome.uptime, 1), detail=outcome.detail,
                         restart_in_s=delay, starts=starts)
            if outcome.kind == "restart":
                log.info("restart requested by staff")
            else:
                log.error("kiosk %s after %.0f s (%s); restarting in %.0f s", outcome.kind,
                          outcome.uptime, outcome.detail, delay)
            if cfg.max_starts is not None and starts >= cfg.max_starts:
                log.error("gave up after %d starts", starts)
                return 1
            if self._wait(delay):
                break
        self._record("stopped", returncode=None)
        return 0

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` in slices; True when :meth:`stop` was called meanwhile."""
        end = self.clock() + seconds
        while not self._stop:
            left = end - self.clock()
            if left <= 0:
                return False
            self.sleep(min(left, self.config.poll_interval))
        return True

    def _run_once(self, starts: int) -> Outcome:
        cfg = self.config
        channel = _channel(cfg.heartbeat_file)
        env = {**os.environ, **cfg.env, **channel.env(), ENV_SUPERVISED: "1"}
        started = self.clock()
        try:
            try:
                child = subprocess.Popen(list(cfg.command), env=env,
                                         pass_fds=channel.pass_fds())
            except OSError as exc:
                return Outcome("start_failed", None, 0.0,
                               f"cannot start: {exc.strerror or exc}")
            channel.started()
            self.child = child
            self._record("start", pid=child.pid, starts=starts)
            log.info("kiosk started (pid %d)", child.pid)
            return self._watch(child, started, channel)
        finally:
            self.child = None
            channel.close()

    def _watch(self, child: subprocess.Popen[bytes], started: float,
               channel: _Channel) -> Outcome:
        cfg = self.config
        last_change: float | None = None
        while True:
            try:
                rc = child.wait(timeout=cfg.poll_interval)
            except subprocess.TimeoutExpired:
                pass
            else:
                uptime = self.clock() - started
                if rc == 0:
                    return Outcome("exit", 0, uptime, "exit status 0")
                if rc == RESTART_EXIT_CODE:
                    return Outcome("restart", rc, uptime, "restart requested")
                return Outcome("crash", rc, uptime, _describe(rc))
            now = self.clock()
            if self._stop:
                self._terminate(child)
                return Outcome("stopped", child.returncode, now - started)
            if channel.beaten():
                if last_change is None:  # IT sees how long a start takes
                    self._record("ready", pid=child.pid, after_s=round(now - started, 1))
                last_change = now
            if last_change is None:
                silent, limit = now - started, cfg.startup_grace
            else:
                silent, limit = now - last_change, cfg.hang_timeout
            if silent > limit:
                detail = (f"no heartbeat for {silent:.0f} s" if last_change is not None
                          else f"no first heartbeat within {silent:.0f} s")
                self._kill_hung(child)
                return Outcome("hang", child.returncode, self.clock() - started, detail)

    def _kill_hung(self, child: subprocess.Popen[bytes]) -> None:
        usr1 = getattr(signal, "SIGUSR1", None)
        if usr1 is not None:
            # faulthandler in the child dumps every thread's stack: the crash log then
            # shows where it hung.
            try:
                child.send_signal(usr1)
                child.wait(timeout=self.config.dump_grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if child.poll() is None:
            child.kill()
        child.wait()

    def _terminate(self, child: subprocess.Popen[bytes]) -> None:
        if child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=self.config.kill_grace)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


class _Channel(Protocol):
    def env(self) -> dict[str, str]: ...
    def pass_fds(self) -> tuple[int, ...]: ...
    def started(self) -> None: ...
    def beaten(self) -> bool: ...
    def close(self) -> None: ...


class _PipeChannel:
    """Beats as bytes in a pipe (POSIX): no file at all."""

    def __init__(self) -> None:
        self.reader = PipeReader()

    def env(self) -> dict[str, str]:
        return self.reader.child_env()

    def pass_fds(self) -> tuple[int, ...]:
        return (self.reader.write_fd,)

    def started(self) -> None:
        self.reader.started()

    def beaten(self) -> bool:
        return self.reader.beats() > 0

    def close(self) -> None:
        self.reader.close()


class _FileChannel:
    """Beats in a file; by default in a private folder under the runtime dir or temp dir."""

    def __init__(self, path: Path | None) -> None:
        self.folder: Path | None = None
        if path is None:
            runtime = os.environ.get("XDG_RUNTIME_DIR")
            self.folder = Path(tempfile.mkdtemp(
                prefix="kiosk-heartbeat-", dir=runtime if runtime and Path(runtime).is_dir()
                else None))
            path = self.folder / HEARTBEAT_NAME
        self.path = path
        self.path.unlink(missing_ok=True)  # a stale beat must not count for the new child
        self.last_seq: int | None = None

    def env(self) -> dict[str, str]:
        return {ENV_HEARTBEAT: str(self.path)}

    def pass_fds(self) -> tuple[int, ...]:
        return ()

    def started(self) -> None:
        pass

    def beaten(self) -> bool:
        beat = read_heartbeat(self.path)
        if beat is None or beat.seq == self.last_seq:
            return False
        self.last_seq = beat.seq
        return True

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def _channel(path: Path | None) -> _Channel:
    if path is None and os.name == "posix":
        return _PipeChannel()
    return _FileChannel(path)
