"""The kiosk's side of forwarding: what the central database has not acknowledged yet.

The SQLite log is append-only, so "not yet sent" is simply every event whose rowid is above
the cursor kept in the ``outbox`` table (schema v3 of :mod:`kiosk.runtime.event_store`),
one cursor per central database id. The cursor moves only after the server has committed a
batch: a crash in between sends that batch again, and the server's primary key on the
event UUID makes the second delivery change nothing.

A batch leaves SQLite as one string in PostgreSQL's COPY text format, built by SQLite
itself in a single query, so the forwarder thread spends its time with the GIL released
and never competes with the GUI thread for long.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Final

from kiosk.core.events import now_ms

BATCH: Final = 10_000  # events per transaction on the server (about 3 MB of COPY text)


def _text(column: str) -> str:
    # COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
    escaped = (f"replace(replace(replace(replace({column}, '\\', '\\\\'), char(9), '\\t'), "
               f"char(10), '\\n'), char(13), '\\r')")
    return f"coalesce({escaped}, '\\N')"


#: One event as a COPY line: uuid, ts, kiosk_id, session_id, demo_id, type, payload, value.
COPY_LINE: Final = " || char(9) || ".join((
    "uuid", "ts", _text("kiosk_id"), _text("session_id"), _text("demo_id"), _text("type"),
    _text("payload"), "coalesce(value, '\\N')"))
COPY_COLUMNS: Final = "uuid, ts, kiosk_id, session_id, demo_id, type, payload, value"


@dataclass(frozen=True)
class Batch:
    """Events read for sending: ``count`` lines of COPY text, rowids up to ``last_rowid``."""

    count: int
    last_rowid: int
    last_uuid: str | None
    copy_text: str


def cursor(conn: sqlite3.Connection, central_id: str) -> int:
    """The rowid up to which ``central_id`` has acknowledged everything.

    Falls back to 0 (send everything again, harmless) when the row the cursor names is gone
    or holds another event: the log was replaced, restored from a backup or purged empty.
    """
    row = conn.execute("SELECT sent_rowid, sent_uuid FROM outbox WHERE central_id = ?",
                       (central_id,)).fetchone()
    if row is None:
        return 0
    rowid, uuid = int(row[0]), row[1]
    if rowid == 0:
        return 0
    found = conn.execute("SELECT uuid FROM events WHERE rowid = ?", (rowid,)).fetchone()
    return rowid if found is not None and found[0] == uuid else 0


def read_batch(conn: sqlite3.Connection, after: int, limit: int = BATCH) -> Batch:
    """The next ``limit`` events after rowid ``after`` (an empty batch when none wait)."""
    row = conn.execute(
        f"SELECT count(*), max(r), group_concat(line, char(10)) FROM "
        f"(SELECT rowid AS r, {COPY_LINE} AS line FROM events WHERE rowid > ? "
        f"ORDER BY rowid LIMIT ?)", (after, limit)).fetchone()
    count, last = int(row[0]), row[1]
    if not count:
        return Batch(0, after, None, "")
    uuid = conn.execute("SELECT uuid FROM events WHERE rowid = ?", (last,)).fetchone()
    return Batch(count, int(last), uuid[0] if uuid else None, row[2] + "\n")


def acknowledge(conn: sqlite3.Connection, central_id: str, batch: Batch) -> None:
    """Move the cursor past ``batch`` (after the server committed it)."""
    conn.execute(
        "INSERT INTO outbox (central_id, sent_rowid, sent_uuid, updated_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (central_id) DO UPDATE SET sent_rowid = excluded.sent_rowid, "
        "sent_uuid = excluded.sent_uuid, updated_ms = excluded.updated_ms",
        (central_id, batch.last_rowid, batch.last_uuid, now_ms()))


@dataclass(frozen=True)
class Backlog:
    """What waits to be sent."""

    waiting: int
    oldest_ts: int | None  # ms, of the oldest waiting event
    last_event_ts: int | None  # ms, of the newest event in the log


def backlog(conn: sqlite3.Connection, after: int) -> Backlog:
    """How many events wait after rowid ``after`` and since when."""
    waiting, oldest = conn.execute(
        "SELECT count(*), min(ts) FROM events WHERE rowid > ?", (after,)).fetchone()
    last = conn.execute("SELECT max(ts) FROM events").fetchone()[0]
    return Backlog(int(waiting), oldest, last)
