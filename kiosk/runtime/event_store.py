"""The interaction log on disk: SQLite (WAL) under the data dir, written by one thread.

Layout: ``<data_dir>/events.sqlite3``, one append-only table ``events`` whose schema is
versioned with ``PRAGMA user_version`` and brought up to date by :data:`MIGRATIONS` when
the file is opened. Rows are never updated (a trigger refuses it); the only deletes are
the retention purge.

Writing: :meth:`EventStore.accept` turns the event into its row and appends it to an
in-memory queue (a lock held for a list append, never for disk I/O), so the GUI thread
never waits on the disk. The writer thread takes the whole queue every
:data:`FLUSH_INTERVAL` seconds (at once for ``session_end``, ``app_stop`` and ``crash``,
and on :meth:`~EventStore.close`) and inserts it in one transaction per batch of up to
:data:`MAX_BATCH` events. Rows are built by the caller and a batch reaches SQLite as one
JSON parameter (:data:`INSERT_SQL`), so the writer spends its time inside SQLite with the
GIL released and barely competes with the GUI thread (``kiosk log bench`` measures the
loop stall beside it, and the same loop without a writer for comparison).

Durability point: an event is safe once its batch has committed, i.e. at most
:data:`FLUSH_INTERVAL` (200 ms) plus the write time after it was accepted, and immediately
after every visitor's session end. With ``synchronous=FULL`` (the default; the batches make
its fsync cheap, see ``kiosk log bench``) a committed batch survives a process kill *and* a
power cut; with ``NORMAL`` it survives a kill and keeps the file consistent after a power
cut, but the last commits before the cut may be lost. Events still in the queue when the
process is killed (the last ≤ 200 ms) are lost — that is the price of never blocking the
GUI. :attr:`StoreHealth.written` counts exactly what has committed; a test kills a writer
process with SIGKILL mid-stream and finds every event it reported as written, in an intact
file. FULL costs little over NORMAL (within the noise of ``kiosk log bench``) because one
fsync covers a whole batch.

Bad disks: when the database is locked, read-only, corrupt, from a newer kiosk or the disk
is full, events stay in memory (bounded by ``max_buffer``) and the writer retries every
``retry_interval`` seconds. The problem is logged once and shown by :meth:`problems` (staff
panel, ``kiosk self-test``) until it goes away. When the bound is hit, new events are
refused and counted in :attr:`StoreHealth.dropped` — never dropped silently. Events still
unwritten at :meth:`close` are saved to ``events-unsaved-*.jsonl`` next to the database;
the next start merges them in (or ``kiosk log import`` does, elsewhere).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.core.events import (
    URGENT_TYPES,
    Event,
    EventError,
    event_value,
    iso_to_ms,
    make_event,
    ms_to_iso,
    now_ms,
    payload_json,
)
from kiosk.core.session import SessionEvent
from kiosk.runtime.disk import probe as disk_problem

log = logging.getLogger(__name__)

DB_NAME: Final = "events.sqlite3"
FLUSH_INTERVAL: Final = 0.2  # seconds; the durability point documented above
RETRY_INTERVAL: Final = 2.0  # seconds between attempts while the database is in trouble
MAX_BATCH: Final = 5000  # events per transaction: bounds the time one commit takes
MAX_BUFFER: Final = 100_000  # events kept in memory while the database cannot be written
DEFAULT_RETENTION_DAYS: Final = 365
UNSAVED_PREFIX: Final = "events-unsaved-"  # + UTC time + .jsonl: events close() could not write
DAY_S: Final = 86400.0

#: Schema migrations: entry ``i`` takes the database from version ``i`` to ``i + 1``.
#: Never edit a released entry; append a new one.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # v1: the table. uuid is the canonical text form (what exports carry, and readable in
    # the sqlite3 shell); ts is milliseconds since the epoch, UTC; payload is compact JSON.
    ("""CREATE TABLE events (
            uuid TEXT NOT NULL UNIQUE,
            ts INTEGER NOT NULL,
            kiosk_id TEXT NOT NULL,
            session_id TEXT,
            demo_id TEXT,
            type TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}'
        )""",),
    # v2: fast statistics on millions of events. `value` copies the one number a
    # statistic needs out of the JSON (see kiosk.core.events.event_value; filled in for the
    # rows already there), so with the (type, demo_id, ts, value) index every per-type and
    # per-demo figure is read from the index alone, already grouped by demo. The time index
    # serves purge and export --since. Then the append-only rule, enforced by the database.
    ("ALTER TABLE events ADD COLUMN value INTEGER",
     """UPDATE events SET value = CASE type
            WHEN 'session_end' THEN coalesce(json_extract(payload, '$.active_ms'),
                                             json_extract(payload, '$.duration_ms'))
            WHEN 'demo_close' THEN json_extract(payload, '$.dwell_ms')
            WHEN 'feedback' THEN json_extract(payload, '$.rating')
        END""",
     "CREATE INDEX events_type_demo ON events (type, demo_id, ts, value)",
     "CREATE INDEX events_ts ON events (ts)",
     """CREATE TRIGGER events_append_only BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the interaction log is append-only'); END"""),
    # v3: the outbox cursor of the central store (kiosk.runtime.central.outbox): per central
    # database, the rowid (and uuid, to notice a replaced file) of the last event it has
    # acknowledged. Events stay as they are; what is not yet acknowledged is rowid > sent.
    ("""CREATE TABLE outbox (
            central_id TEXT PRIMARY KEY,
            sent_rowid INTEGER NOT NULL,
            sent_uuid TEXT,
            updated_ms INTEGER NOT NULL
        )""",),
)
SCHEMA_VERSION: Final = len(MIGRATIONS)
# fullmatch, never match with "$": "$" also matches before a final newline, so "…uuid\n"
# would pass and be stored as a second, different identity of the same event.
UUID_RE: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# A whole batch is one JSON array of rows bound as a single parameter and unpacked by
# SQLite itself: the insert is then one sqlite3_step with the GIL released, where
# executemany would take the GIL back for every row - and a writer thread preempted while
# holding the GIL stalls the GUI thread (measured: stalls of 20-100 ms on a loaded 2-core
# machine with executemany, a few ms with this).
INSERT_SQL: Final = (
    "INSERT OR IGNORE INTO events (uuid, ts, kiosk_id, session_id, demo_id, type, payload, "
    "value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
    "json_extract(value, '$[2]'), json_extract(value, '$[3]'), json_extract(value, '$[4]'), "
    "json_extract(value, '$[5]'), json_extract(value, '$[6]'), json_extract(value, '$[7]') "
    "FROM json_each(?)")
SELECT_SQL: Final = "SELECT uuid, ts, kiosk_id, session_id, demo_id, type, payload FROM events"

Row = str  # one event as the JSON array [uuid, ts, kiosk_id, session_id, demo_id, type,
#           payload (JSON text), value]: see event_row


class EventStoreError(Exception):
    """The database cannot be used (beyond what SQLite itself reports)."""


class NewerSchemaError(EventStoreError):
    """The file was written by a newer kiosk version; this one must not touch it."""


def db_path(data_dir: Path) -> Path:
    """Where the interaction log of a data dir lives."""
    return data_dir / DB_NAME


# -- low level: connection, schema, rows -----------------------------------------------------
def connect(
    path: Path, *, synchronous: str = "FULL", busy_timeout_ms: int = 2000,
    create: bool = True, readonly: bool = False,
) -> sqlite3.Connection:
    """Open (and create / migrate) the database; raises ``sqlite3.Error`` or
    :class:`EventStoreError`."""
    if synchronous.upper() not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError("synchronous must be NORMAL, FULL or EXTRA")
    if not create and not path.exists():
        raise EventStoreError(f"no interaction log at {path}")
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               isolation_level=None, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise EventStoreError(f"cannot switch {path.name} to WAL mode (got {mode})")
            conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            # Keep the -wal file from staying at its high-water mark after a burst.
            conn.execute("PRAGMA journal_size_limit = 8388608")
            migrate(conn)
        else:
            check_version(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    """The file's ``user_version``."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def check_version(conn: sqlite3.Connection) -> int:
    """The version, or :class:`NewerSchemaError` when this kiosk is too old for the file."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"the interaction log has schema version {version}; this kiosk knows only up to "
            f"{SCHEMA_VERSION} - update the kiosk software")
    return version


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`, one transaction per step; returns the
    version found."""
    found = check_version(conn)
    for version in range(found, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if schema_version(conn) != version:
                conn.execute("ROLLBACK")
                continue
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("interaction log migrated to schema version %d", version + 1)
    return found


def event_row(e: Event) -> Row:
    """An event as a row for :data:`INSERT_SQL`; ``ValueError`` when it cannot be one."""
    if not isinstance(e.uuid, str) or not UUID_RE.fullmatch(e.uuid):
        raise ValueError(f"uuid {e.uuid!r} is not a canonical UUID")
    return json.dumps([e.uuid, iso_to_ms(e.ts), e.kiosk_id, e.session_id, e.demo_id, e.type,
                       payload_json(e.payload), event_value(e.type, e.payload)],
                      ensure_ascii=False, separators=(",", ":"))


def row_event(row: Sequence[Any] | str) -> Event:
    """A database row (or an :func:`event_row`) as an event."""
    fields = json.loads(row) if isinstance(row, str) else row
    return Event(fields[0], ms_to_iso(int(fields[1])), fields[2], fields[3], fields[4],
                 fields[5], json.loads(fields[6]))


def insert_events(conn: sqlite3.Connection, events: Iterable[Event]) -> int:
    """Insert in one transaction, skipping UUIDs already stored; returns how many were new."""
    return insert_rows(conn, [event_row(e) for e in events])


def insert_rows(conn: sqlite3.Connection, rows: Sequence[Row]) -> int:
    """:func:`insert_events` for rows already converted."""
    if not rows:
        return 0
    batch = "[" + ",".join(rows) + "]"
    before = conn.total_changes
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(INSERT_SQL, (batch,))
        conn.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    return conn.total_changes - before


def iter_events(conn: sqlite3.Connection, since_ms: int | None = None) -> Iterator[Event]:
    """Events in time order (ts ≥ ``since_ms``)."""
    cur = conn.execute(f"{SELECT_SQL} WHERE ts >= ? ORDER BY ts, uuid",
                       (since_ms if since_ms is not None else -(2**62),))
    for row in cur:
        yield row_event(row)


def purge_older_than(conn: sqlite3.Connection, cutoff_ms: int, chunk: int = 20_000) -> int:
    """Delete events older than ``cutoff_ms``, in short transactions so a running kiosk's
    writer is never locked out for long; returns how many were deleted."""
    deleted = 0
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "DELETE FROM events WHERE rowid IN "
                "(SELECT rowid FROM events WHERE ts < ? LIMIT ?)", (cutoff_ms, chunk))
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        deleted += cur.rowcount
        if cur.rowcount < chunk:
            return deleted


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check`` findings (empty when the file is intact)."""
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


# -- problems ----------------------------------------------------------------------------------
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_CANTOPEN, _SQLITE_FULL, _SQLITE_NOTADB = 11, 14, 13, 26

PROBLEM_CODES: Final = ("locked", "read_only", "corrupt", "full", "newer_schema", "io")


def classify(exc: BaseException) -> str:
    """A short code for what went wrong: one of :data:`PROBLEM_CODES`."""
    if isinstance(exc, NewerSchemaError):
        return "newer_schema"
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in text:
        return "locked"
    if primary == _SQLITE_READONLY or "readonly" in text or "read-only" in text:
        return "read_only"
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "not a database" in text \
            or "malformed" in text:
        return "corrupt"
    if primary == _SQLITE_FULL or "full" in text:
        return "full"
    return "io"


_PROBLEM_TEXT: Final = {
    "locked": "the interaction log {path} is locked by another program",
    "read_only": "the interaction log {path} is read-only",
    "corrupt": "the interaction log {path} is damaged (corrupt); replace or remove it",
    "full": "the disk holding the interaction log {path} is full",
    "newer_schema": "the interaction log {path} was written by a newer kiosk version",
    "io": "the interaction log {path} cannot be written",
}


@dataclass(frozen=True)
class StoreHealth:
    """A snapshot of the writer's state (for the staff panel and self-test)."""

    accepted: int  # events taken by accept()
    written: int  # of those, committed to the database, in order (the first `written`)
    buffered: int  # accepted but not yet written
    dropped: int  # refused because the memory bound was reached (or after close)
    invalid: int  # malformed events refused by accept() / record() / session_sink()
    purged: int  # deleted by the retention purge since start
    commits: int  # write transactions so far (each holds a batch of events)
    failures: int  # failed attempts to open or write the database so far
    problem_code: str | None  # one of PROBLEM_CODES while the database is in trouble
    problem: str | None  # the same, as one English line with the cause

    @property
    def ok(self) -> bool:
        """No problem and nothing lost."""
        return self.problem_code is None and self.dropped == 0


# -- the writer ----------------------------------------------------------------------------------
class EventStore:
    """Accepts events from any thread and writes them to SQLite on its own thread.

    Call :meth:`start` once, :meth:`close` at the end (it flushes). ``clock`` gives the wall
    time (seconds since the epoch) for event stamps and the retention cut-off.
    """

    def __init__(
        self,
        path: Path,
        *,
        kiosk_id: str = "kiosk-1",
        retention_days: float | None = DEFAULT_RETENTION_DAYS,
        flush_interval: float = FLUSH_INTERVAL,
        retry_interval: float = RETRY_INTERVAL,
        max_buffer: int = MAX_BUFFER,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 2000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_buffer < 1 or flush_interval <= 0 or retry_interval <= 0:
            raise ValueError("max_buffer, flush_interval and retry_interval must be positive")
        self.path = path
        self.kiosk_id = kiosk_id
        self.retention_days = retention_days
        self.flush_interval = flush_interval
        self.retry_interval = retry_interval
        self.max_buffer = max_buffer
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.clock = clock
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # written / purged moved on
        self._wake = threading.Event()
        self._queue: list[Row] = []
        self._accepted = 0
        self._written = 0
        self._dropped = 0
        self._invalid = 0
        self._purged = 0
        self._commits = 0
        self._failures = 0
        self._purge_requests: list[float] = []  # retention days asked for by purge()
        self._purges_done = 0
        self._problem: tuple[str, str] | None = None
        self._closing = False
        self._thread: threading.Thread | None = None
        self.unsaved_file: Path | None = None
        self._merged_unsaved = False

    # -- any thread -------------------------------------------------------------------------
    def start(self) -> EventStore:
        """Start the writer thread (which opens, migrates and purges the database)."""
        if self._thread is not None:
            raise RuntimeError("the event store is already started")
        # Daemon, so a forgotten close() can never keep the process alive; the app closes
        # the store on quit, which flushes.
        self._thread = threading.Thread(target=self._run, name="kiosk-event-writer",
                                        daemon=True)
        self._thread.start()
        return self

    def accept(self, event: Event) -> bool:
        """Queue ``event`` for writing; O(1) (a few microseconds), never touches the disk.

        The event is turned into its database row here, on the caller's thread, so the
        writer thread spends nearly all its time inside SQLite with the GIL released and
        never competes with the GUI thread for it.

        Returns False when the event is malformed (counted in :attr:`StoreHealth.invalid`),
        or when the memory bound is reached because the database has been unwritable for a
        long time, or after :meth:`close` (both counted in :attr:`StoreHealth.dropped`).
        """
        try:
            row = event_row(event)
        except (ValueError, TypeError) as exc:
            self._refuse(f"a malformed event {event!r}: {exc}")
            return False
        with self._lock:
            buffered = self._accepted - self._written
            first = urgent = False
            if self._closing or buffered >= self.max_buffer:
                self._dropped += 1
                first = self._dropped == 1
                refused = True
            else:
                self._queue.append(row)
                self._accepted += 1
                refused = False
                # A large backlog is written without waiting for the timer.
                urgent = event.type in URGENT_TYPES or len(self._queue) >= MAX_BATCH
        if refused:
            if first:
                log.error("interaction log: memory buffer full (%d events) or store closed; "
                          "new events are refused and counted", self.max_buffer)
            return False
        if urgent:
            self._wake.set()
        return True

    def record(
        self, type: str, *, session_id: str | None = None, demo_id: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> bool:
        """Build an event of this kiosk stamped now and accept it (app_start, error …).

        An event that breaks the schema is a bug in the caller: it is logged and counted
        in :attr:`StoreHealth.invalid`, never raised into the GUI.
        """
        try:
            event = make_event(type, self.kiosk_id, session_id=session_id, demo_id=demo_id,
                               payload=payload, clock=self.clock)
        except EventError as exc:
            self._refuse(f"a {type} event: {exc}")
            return False
        return self.accept(event)

    def _refuse(self, what: str) -> None:
        with self._lock:
            self._invalid += 1
            count = self._invalid
        if count <= 10:  # a bug can repeat on every touch; the count is in health()
            log.error("interaction log: refused %s", what)

    def session_sink(self) -> Callable[[SessionEvent], None]:
        """A ``KioskController(event_sink=...)`` callable: logs each visitor-session event."""

        def sink(se: SessionEvent) -> None:
            self.record(se.type, session_id=se.session_id, demo_id=se.demo_id,
                        payload=se.payload)

        return sink

    def health(self) -> StoreHealth:
        """Counters and the current problem."""
        with self._lock:
            return self._health_locked()

    def _health_locked(self) -> StoreHealth:
        code, text = self._problem or (None, None)
        return StoreHealth(self._accepted, self._written, self._accepted - self._written,
                           self._dropped, self._invalid, self._purged, self._commits,
                           self._failures, code, text)

    def problems(self) -> list[str]:
        """What staff should be told, one line each (empty when all is well)."""
        h = self.health()
        out = []
        if h.problem:
            out.append(f"{h.problem}; {h.buffered} visitor events are waiting in memory and "
                       "will be written when it is fixed")
        if h.dropped:
            out.append(f"{h.dropped} visitor events were lost because the database could not "
                       f"be written for too long (memory limit {self.max_buffer} events)")
        if h.invalid:
            out.append(f"{h.invalid} malformed events were refused (a software bug; see the "
                       "log file)")
        return out

    def flush(self, timeout: float | None = 5.0) -> bool:
        """Write now and wait until everything accepted so far is committed; False on
        timeout (e.g. while the database is locked)."""
        with self._lock:
            target = self._accepted
        self._wake.set()
        return self.wait(lambda h: h.written >= target, timeout)

    def wait(self, until: Callable[[StoreHealth], bool], timeout: float | None = 5.0) -> bool:
        """Block until ``until(health())`` holds (checked whenever the writer's state
        changes); False on timeout or when the writer is not running. Does not wake the
        writer, so tests can watch its own timing."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while True:
                if until(self._health_locked()):
                    return True
                if self._thread is None or not self._thread.is_alive():
                    return False
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._changed.wait(left)

    def purge(self, older_than_days: float | None = None, timeout: float = 60.0) -> int:
        """Run the retention purge now on the writer thread; returns events deleted."""
        days = self.retention_days if older_than_days is None else older_than_days
        if days is None:
            return 0
        with self._lock:
            self._purge_requests.append(days)
            target = self._purges_done + 1
            before = self._purged
        self._wake.set()
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._purges_done < target:
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    raise TimeoutError("the retention purge did not finish")
                self._changed.wait(left)
            return self._purged - before

    def close(self, timeout: float = 10.0) -> bool:
        """Flush and stop the writer; True when every accepted event was written."""
        with self._lock:
            self._closing = True
        self._wake.set()
        if self._thread is None:
            self._finish(None, [])  # never started: keep what was accepted in the side file
        else:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("interaction log writer did not stop within %.0f s", timeout)
                return False
        h = self.health()
        return h.buffered == 0

    def __enter__(self) -> EventStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writer thread ------------------------------------------------------------------------
    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        pending: list[Row] = []
        next_purge = self.clock()  # the first purge runs as soon as the database opens
        while True:
            try:
                conn, next_purge, stop = self._step(conn, pending, next_purge)
            except Exception as exc:  # a bug must not end the writer: events would pile up
                log.exception("interaction log writer failed")
                self._trouble(exc)
                stop = self._closing
            if stop:
                break
            self._wake.wait(self.retry_interval if self._problem else self.flush_interval)
            self._wake.clear()
        self._finish(conn, pending)

    def _step(self, conn: sqlite3.Connection | None, pending: list[Row], next_purge: float
              ) -> tuple[sqlite3.Connection | None, float, bool]:
        """One round of the writer: take the queue, purge when due, write; True to stop."""
        with self._lock:  # O(1) under the lock: accept() on the GUI thread may be waiting
            closing = self._closing
            taken, self._queue = self._queue, []
            requests, self._purge_requests = self._purge_requests, []
        pending.extend(taken)
        if conn is None:  # at start, and each retry after the file went bad
            conn = self._open()
        if conn is not None and self.retention_days is not None and self.clock() >= next_purge:
            requests.append(self.retention_days)
            next_purge = self.clock() + DAY_S
        if requests:
            conn = self._purge(conn, requests)
        if conn is not None and pending:
            conn = self._write(conn, pending)
        stop = closing and (not pending or conn is None or self._problem is not None)
        return conn, next_purge, stop

    def _connect(self) -> sqlite3.Connection:
        """Open the database (tests override this to simulate bad disks)."""
        return connect(self.path, synchronous=self.synchronous,
                       busy_timeout_ms=self.busy_timeout_ms)

    def _open(self) -> sqlite3.Connection | None:
        try:
            conn = self._connect()
        except (sqlite3.Error, OSError, EventStoreError) as exc:
            self._trouble(exc)
            return None
        if not self._merged_unsaved:
            self._merged_unsaved = True
            self._merge_unsaved(conn)
        return conn

    def _merge_unsaved(self, conn: sqlite3.Connection) -> None:
        """Take in the events an earlier run could not write (``events-unsaved-*.jsonl``).

        Merging is by UUID, so a file that was already merged in part changes nothing. A
        file with lines that are not events is kept (renamed ``*.partial``) for IT to look at.
        """
        for file in sorted(self.path.parent.glob(f"{UNSAVED_PREFIX}*.jsonl")):
            events, bad = [], 0
            try:
                for line in file.read_text(encoding="utf-8").splitlines():
                    if not line.strip():
                        continue
                    try:
                        events.append(Event.from_json(json.loads(line)))
                    except (ValueError, EventError):
                        bad += 1
                added = insert_events(conn, events)
                if bad:
                    file.replace(file.with_suffix(".partial"))
                else:
                    file.unlink()
            except (OSError, sqlite3.Error, UnicodeDecodeError) as exc:
                log.warning("interaction log: could not merge %s: %s", file, exc)
                continue
            log.warning("interaction log: merged %d events saved by an earlier run from %s%s",
                        added, file.name, f" ({bad} bad lines kept)" if bad else "")

    def _write(self, conn: sqlite3.Connection, pending: list[Row]) -> sqlite3.Connection | None:
        while pending:
            batch = pending[:MAX_BATCH]
            try:
                insert_rows(conn, batch)
            except (sqlite3.Error, OSError) as exc:
                return self._fail(conn, exc)
            del pending[:len(batch)]
            with self._changed:
                self._written += len(batch)
                self._commits += 1
                self._changed.notify_all()
        self._recovered()
        return conn

    def _purge(self, conn: sqlite3.Connection | None, requests: list[float]
               ) -> sqlite3.Connection | None:
        deleted = 0
        try:
            if conn is not None:
                for days in requests:
                    cutoff = now_ms(self.clock) - int(days * DAY_S * 1000)
                    deleted += purge_older_than(conn, cutoff)
        except (sqlite3.Error, OSError) as exc:
            conn = self._fail(conn, exc) if conn is not None else None
        finally:
            with self._changed:
                self._purged += deleted
                self._purges_done += len(requests)
                self._changed.notify_all()
        if deleted:
            log.info("interaction log: retention purge deleted %d events", deleted)
        return conn

    def _fail(self, conn: sqlite3.Connection, exc: BaseException) -> sqlite3.Connection | None:
        code = self._trouble(exc)
        if code == "locked":
            return conn  # the same connection works again once the other program lets go
        # A read-only, damaged or replaced file: reopen from scratch on the next attempt.
        with contextlib.suppress(sqlite3.Error):
            conn.close()
        return None

    def _trouble(self, exc: BaseException) -> str:
        code = classify(exc)
        if code == "io":  # e.g. "unable to open database file": SQLite does not say why
            code = disk_problem(self.path.parent) or code
        text = f"{_PROBLEM_TEXT[code].format(path=self.path)} ({exc})"
        with self._changed:
            new = self._problem is None or self._problem[0] != code
            self._problem = (code, text)
            self._failures += 1
            self._changed.notify_all()
        if new:  # reported once per episode, not on every retry
            log.warning("%s; events are kept in memory (up to %d) and retried every %.0f s",
                        text, self.max_buffer, self.retry_interval)
        return code

    def _recovered(self) -> None:
        with self._changed:
            was, self._problem = self._problem, None
            self._changed.notify_all()
        if was is not None:
            log.warning("interaction log %s is writable again; buffered events were saved",
                        self.path)

    def _finish(self, conn: sqlite3.Connection | None, pending: list[Row]) -> None:
        with self._lock:
            pending.extend(self._queue)
            self._queue = []
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        if pending:
            self._save_unwritten(pending)

    def _save_unwritten(self, pending: list[Row]) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.clock()))
        out = self.path.with_name(f"{UNSAVED_PREFIX}{stamp}.jsonl")
        try:
            with out.open("a", encoding="utf-8") as f:
                for row in pending:
                    f.write(json.dumps(row_event(row).to_json(), ensure_ascii=False) + "\n")
                f.flush()
        except OSError as exc:
            log.error("interaction log: %d events could not be written to the database nor "
                      "to %s (%s); they are lost", len(pending), out, exc)
            return
        self.unsaved_file = out
        log.error("interaction log: %d events could not be written to the database; saved "
                  "them to %s - merge them with `kiosk log import`", len(pending), out)


def open_store(data_dir: Path, **options: Any) -> EventStore:
    """The started event store of a data dir (see :class:`EventStore` for options)."""
    return EventStore(db_path(data_dir), **options).start()


def check_event_log(path: Path) -> list[str]:
    """Problems of the database at ``path`` for ``kiosk self-test`` (empty when fine).

    A missing file is fine (it is created on first use). Opens read-only: never migrates or
    writes, so it is safe while the kiosk runs.
    """
    if not path.exists():
        return []
    try:
        conn = connect(path, readonly=True, busy_timeout_ms=2000)
    except (sqlite3.Error, OSError, EventStoreError) as exc:
        return [f"{_PROBLEM_TEXT[classify(exc)].format(path=path)} ({exc})"]
    try:
        problems = [f"interaction log {path}: {p}"
                    for p in conn.execute("PRAGMA quick_check").fetchall()
                    if p[0] != "ok"]
    except sqlite3.Error as exc:
        problems = [f"{_PROBLEM_TEXT[classify(exc)].format(path=path)} ({exc})"]
    finally:
        conn.close()
    return problems
