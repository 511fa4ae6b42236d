"""Forwarding the kiosk's events to the central database, in the background.

:class:`Syncer` does the work of one round — open what it needs, send every waiting batch,
report this kiosk's status — and is what ``kiosk sync`` runs. :class:`Forwarder` runs it
on its own thread (never the GUI thread) every :data:`INTERVAL_S` seconds; when the server
cannot be reached it backs off (doubling up to :data:`MAX_BACKOFF_S`, with jitter so a
fleet coming back does not knock all at once) and keeps every event in the SQLite log,
for weeks if need be: nothing is dropped, the outbox cursor just stays where it is.

The state staff see (:class:`SyncState`) is a snapshot the thread updates; reading it
never waits for the network. Times the staff panel shows ("synced 2 min ago") are measured
with the monotonic clock, so a kiosk clock that jumps does not make them nonsense.
"""

from __future__ import annotations

import contextlib
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

from kiosk.runtime.central import fleet, ingest, outbox, schema
from kiosk.runtime.central.connection import CentralError, connect, describe, masked
from kiosk.runtime.event_store import connect as connect_log

log = logging.getLogger(__name__)

INTERVAL_S: Final = 10.0  # between rounds while all is well
FIRST_BACKOFF_S: Final = 2.0
MAX_BACKOFF_S: Final = 300.0
STATUS_INTERVAL_S: Final = 60.0  # fleet status row at most this often (and after catching up)

StatusSource = Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class SyncState:
    """What staff are told about forwarding (the Health page, ``kiosk sync``)."""

    target: str  # the central URL, password masked; "" when none is configured
    waiting: int | None = None  # events not yet acknowledged (None: not counted yet)
    sent: int = 0  # events acknowledged since start
    new: int = 0  # of those, events the server did not have yet
    last_ok: float | None = None  # monotonic time of the last round that reached the server
    last_ok_wall: float | None = None  # the same in wall-clock time (for the log)
    offline_since_wall: float | None = None  # wall clock: first failure of this episode
    problem: str | None = None  # one line, masked
    code: str | None = None  # CentralError.code of the problem

    @property
    def configured(self) -> bool:
        """Whether a central database is set."""
        return bool(self.target)

    @property
    def synced(self) -> bool:
        """The last round reached the server and nothing is waiting."""
        return self.problem is None and self.waiting == 0 and self.last_ok is not None


class Syncer:
    """One kiosk's forwarding work, reusable round after round (not thread-safe)."""

    def __init__(self, db: Path, url: str, *, kiosk_id: str, batch: int = outbox.BATCH,
                 status: StatusSource | None = None) -> None:
        self.db = db
        self.url = url
        self.where = masked(url)
        self.kiosk_id = kiosk_id
        self.batch = batch
        self.status = status
        self._pg: Any = None
        self._central_id: str | None = None
        self._log: sqlite3.Connection | None = None
        self.last_backlog: outbox.Backlog | None = None
        self._last_status: float | None = None

    def close(self) -> None:
        """Drop both connections."""
        self._drop_pg()
        if self._log is not None:
            with contextlib.suppress(sqlite3.Error):
                self._log.close()
            self._log = None

    def _drop_pg(self) -> None:
        if self._pg is not None:
            with contextlib.suppress(Exception):
                self._pg.close()
        self._pg = None  # the database id stays: the backlog is still counted against it

    def _connect_log(self) -> sqlite3.Connection:
        # NORMAL: a cursor update lost to a power cut only means that batch is sent again,
        # which the server ignores; FULL would add an fsync to every batch.
        return connect_log(self.db, synchronous="NORMAL")

    def _open(self) -> tuple[Any, sqlite3.Connection, str]:
        if self._log is None:
            self._log = self._connect_log()
        if self._pg is None or self._pg.closed:
            self._drop_pg()
            conn = connect(self.url)
            try:
                schema.check_version(conn, self.where)
                central_id = schema.database_id(conn)
                ingest.prepare(conn)
            except BaseException:
                conn.close()
                raise
            self._pg, self._central_id = conn, central_id
        assert self._central_id is not None
        return self._pg, self._log, self._central_id

    def waiting(self) -> outbox.Backlog:
        """What waits for the configured database (without contacting it when unknown)."""
        if self._log is None:
            self._log = self._connect_log()
        after = outbox.cursor(self._log, self._central_id) if self._central_id else 0
        self.last_backlog = outbox.backlog(self._log, after)
        return self.last_backlog

    def round(self, *, stop: threading.Event | None = None,
              max_batches: int | None = None) -> tuple[int, int]:
        """Send batches until none wait (or ``stop`` is set); returns (sent, new).

        Raises :class:`CentralError` (one masked line) when the server cannot take them;
        what was acknowledged before stays acknowledged.
        """
        import psycopg

        sent = new = batches = 0
        try:
            pg, conn, central_id = self._open()
            while not (stop is not None and stop.is_set()):
                if max_batches is not None and batches >= max_batches:
                    break
                batch = outbox.read_batch(conn, outbox.cursor(conn, central_id), self.batch)
                if not batch.count:
                    break
                new += ingest.send(pg, batch.copy_text)
                outbox.acknowledge(conn, central_id, batch)
                sent += batch.count
                batches += 1
            self.last_backlog = outbox.backlog(conn, outbox.cursor(conn, central_id))
            due = self._last_status is None or sent \
                or time.monotonic() - self._last_status >= STATUS_INTERVAL_S
            if self.status is not None and due:
                fleet.report(pg, self.kiosk_id, self.last_backlog, self.status())
                self._last_status = time.monotonic()
        except psycopg.Error as exc:
            self._drop_pg()
            raise describe(exc, self.url) from None
        except CentralError:
            self._drop_pg()
            raise
        return sent, new


class Forwarder:
    """The background thread that keeps the central database up to date."""

    def __init__(self, db: Path, url: str, *, kiosk_id: str,
                 status: StatusSource | None = None, interval: float = INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self.syncer = Syncer(db, url, kiosk_id=kiosk_id, status=status)
        self.interval = interval
        self.clock = clock
        self.wall = wall
        self._state = SyncState(target=masked(url))
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._backoff = 0.0
        self._rng = random.Random()

    def state(self) -> SyncState:
        """The latest snapshot (cheap; safe from any thread)."""
        with self._lock:
            return self._state

    def start(self) -> Forwarder:
        """Start the thread (a daemon: it must never keep the kiosk from exiting)."""
        self._thread = threading.Thread(target=self._run, name="central-forwarder",
                                        daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Try now instead of at the next interval (e.g. after staff fixed the network)."""
        self._backoff = 0.0
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current batch; what is not sent stays in the outbox."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.syncer.close()

    def _set(self, **changes: Any) -> None:
        with self._changed:
            self._state = replace(self._state, **changes)
            self._changed.notify_all()

    def wait(self, until: Callable[[SyncState], bool], timeout: float = 30.0) -> bool:
        """Block until ``until(state())`` holds after a round; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not until(self._state):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self.run_round()
            self._wake.wait(delay)
            self._wake.clear()

    def run_round(self) -> float:
        """One round; returns the seconds to wait before the next."""
        try:
            sent, new = self.syncer.round(stop=self._stop)
        except CentralError as exc:
            return self._failed(exc)
        except (sqlite3.Error, OSError) as exc:  # the local log is in trouble: its own report
            return self._failed(CentralError(f"the interaction log cannot be read for "
                                             f"forwarding ({exc})", "local"))
        except Exception as exc:  # a bug must not end forwarding; events stay in the outbox
            log.exception("central forwarding failed")
            return self._failed(CentralError(f"forwarding failed: {type(exc).__name__}: {exc}"))
        was = self.state()
        backlog = self.syncer.last_backlog
        if was.problem is not None:
            log.warning("central database %s reachable again", self.syncer.where)
        self._backoff = 0.0
        self._set(waiting=backlog.waiting if backlog else 0, sent=was.sent + sent,
                  new=was.new + new, last_ok=self.clock(), last_ok_wall=self.wall(),
                  offline_since_wall=None, problem=None, code=None)
        return self.interval

    def _failed(self, exc: CentralError) -> float:
        was = self.state()
        if was.problem != str(exc):  # once per episode, not on every retry
            log.warning("%s; retrying with back-off", exc)
        waiting = was.waiting
        with contextlib.suppress(sqlite3.Error, OSError):
            waiting = self.syncer.waiting().waiting
        self._backoff = min(MAX_BACKOFF_S, max(FIRST_BACKOFF_S, self._backoff * 2))
        self._set(problem=str(exc), code=exc.code, waiting=waiting,
                  offline_since_wall=was.offline_since_wall or self.wall())
        return self._backoff * self._rng.uniform(0.8, 1.2)
