"""The SQLite interaction log: schema and migrations, the batching writer thread, statistics,
retention, export / import, bad disks, and a writer killed with SIGKILL mid-stream."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.core.events import Event, compute_stats, make_event, ms_to_iso
from kiosk.core.session import VisitorSession
from kiosk.runtime.event_stats import (
    CSV_COLUMNS,
    export_events,
    import_events,
    query_stats,
    stats_of,
    synthetic_events,
)
from kiosk.runtime.event_store import (
    SCHEMA_VERSION,
    EventStore,
    NewerSchemaError,
    check_event_log,
    connect,
    db_path,
    event_row,
    insert_events,
    integrity_problems,
    iter_events,
)
from tests.conftest import ROOT
from tests.unit.test_events import EXPECTED, SINCE_MAY_7, TZ, hand_made_events

# The schema of version 1 as it shipped, written out here on purpose: a migration test must
# start from the old file, not from whatever the code calls version 1 today.
V1_SCHEMA = """CREATE TABLE events (
    uuid TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, kiosk_id TEXT NOT NULL, session_id TEXT,
    demo_id TEXT, type TEXT NOT NULL, payload TEXT NOT NULL DEFAULT '{}')"""


@pytest.fixture
def db(data_dir: Path) -> Path:
    return db_path(data_dir)


@pytest.fixture
def store(db: Path) -> Iterator[EventStore]:
    s = EventStore(db, retention_days=None).start()
    yield s
    s.close()


def index_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")}


def stored(path: Path) -> list[Event]:
    conn = connect(path, create=False)
    try:
        return list(iter_events(conn))
    finally:
        conn.close()


# -- schema and migrations ------------------------------------------------------------------------
def test_a_new_database_has_the_current_schema_in_wal_mode(db: Path) -> None:
    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert index_names(conn) == {"events_type_demo", "events_ts"}
    insert_events(conn, hand_made_events()[:2])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE events SET type = 'crash'")
    conn.close()


def test_a_version_1_file_is_migrated_and_keeps_its_events(db: Path) -> None:
    events = hand_made_events()
    old = sqlite3.connect(db)
    old.execute(V1_SCHEMA)
    old.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",  # v1 had no `value`
                    [json.loads(event_row(e))[:7] for e in events])
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()

    conn = connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert index_names(conn) == {"events_type_demo", "events_ts"}
    assert list(iter_events(conn)) == sorted(events, key=lambda e: (e.ts, e.uuid))
    # the migration filled the new column from the JSON payloads already there
    values = dict(conn.execute("SELECT type, value FROM events WHERE type IN "
                               "('feedback', 'demo_close') ORDER BY ts LIMIT 2").fetchall())
    assert values == {"demo_close": 40_000, "feedback": 5}
    assert query_stats(conn, tz=TZ) == EXPECTED
    assert integrity_problems(conn) == []
    conn.close()
    again = connect(db)  # a second open finds nothing to do
    assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again.close()


def test_an_empty_version_0_file_gets_the_whole_schema(db: Path) -> None:
    sqlite3.connect(db).close()  # a zero-byte file, as a crash right after creation leaves
    with EventStore(db, retention_days=None) as s:
        assert s.record("app_start")
        assert s.flush()
    assert [e.type for e in stored(db)] == ["app_start"]


def test_a_file_from_a_newer_kiosk_is_not_touched(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(NewerSchemaError):
        connect(db)
    s = EventStore(db, retention_days=None, retry_interval=0.05).start()
    assert s.record("app_start")
    assert s.wait(lambda h: h.problem_code == "newer_schema")
    assert "newer kiosk version" in s.problems()[0]
    s.close()
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == 99


# -- the writer -----------------------------------------------------------------------------------
def test_events_are_batched_and_session_end_is_written_at_once(db: Path) -> None:
    s = EventStore(db, retention_days=None, flush_interval=30.0).start()
    s.purge(0)  # returns once the writer has opened the file and gone to sleep
    vs = VisitorSession(make_id=lambda: "00000000000000a1")
    sink = s.session_sink()
    for se in vs.touch(0.0) + vs.open_demo("image-classification", 1.0) + vs.close_demo(9.0):
        sink(se)
    assert s.health().written == 0  # waiting for the next batch, 30 s away
    for se in vs.end(12.0, "done"):
        sink(se)
    assert s.wait(lambda h: h.written == 4, timeout=10)  # no flush(): session_end woke it
    assert s.health().commits == 1  # all four in one transaction
    s.close()
    assert [e.type for e in stored(db)] == ["session_start", "demo_open", "demo_close",
                                            "session_end"]


def test_the_timer_writes_within_the_flush_interval(db: Path) -> None:
    with EventStore(db, retention_days=None, flush_interval=0.02) as s:
        assert s.record("error", payload={"code": "camera_lost"})
        assert s.wait(lambda h: h.written == 1, timeout=10)


def test_close_writes_everything(db: Path) -> None:
    s = EventStore(db, retention_days=None, flush_interval=30.0).start()
    events = hand_made_events()
    for e in events:
        assert s.accept(e)
    assert s.close()
    assert stored(db) == sorted(events, key=lambda e: (e.ts, e.uuid))
    assert not s.accept(events[0])  # after close: refused and counted
    assert s.health().dropped == 1


def test_accept_never_touches_the_disk(db: Path) -> None:
    s = EventStore(db, retention_days=None)  # not started: nothing could write
    for e in hand_made_events():
        assert s.accept(e)
    assert not db.exists()
    assert s.health().buffered == 25
    assert not s.close()  # never started: nothing written, but nothing silently lost either
    assert s.unsaved_file is not None
    assert len(s.unsaved_file.read_text(encoding="utf-8").splitlines()) == 25


def test_a_malformed_event_is_skipped_not_fatal(store: EventStore, db: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    bad = Event("nonsense", "2024-05-01T09:30:00.250Z", "kiosk-1", None, None, "app_start", {})
    assert not store.accept(bad)
    assert not store.record("feedback", session_id="00000000000000a1", payload={"rating": 9})
    assert store.record("app_stop", payload={"reason": "quit"})
    assert store.flush()
    h = store.health()
    assert (h.invalid, h.accepted, h.written, h.dropped) == (2, 1, 1, 0)
    assert [e.type for e in stored(db)] == ["app_stop"]
    assert "malformed" in store.problems()[0]


def test_stats_on_the_hand_made_events_match_the_hand_computed_figures(db: Path) -> None:
    conn = connect(db)
    assert insert_events(conn, hand_made_events()) == 25
    assert query_stats(conn, tz=TZ) == EXPECTED
    assert query_stats(conn, SINCE_MAY_7, tz=TZ) == compute_stats(
        hand_made_events(), since_ms=SINCE_MAY_7, tz=TZ)
    conn.close()


def test_sql_stats_equal_the_reference_on_synthetic_visitors(db: Path) -> None:
    events = list(synthetic_events(3000, kiosk_id="kiosk-7", seed=3, days=20, tz=TZ))
    conn = connect(db)
    insert_events(conn, events)
    since = events[len(events) // 2].ts_ms
    for window in (None, since):
        assert query_stats(conn, window, tz=TZ) == compute_stats(events, since_ms=window, tz=TZ)
    assert query_stats(conn).events == 3000
    conn.close()


def test_stats_queries_only_use_indexes(db: Path) -> None:
    conn = connect(db)
    insert_events(conn, synthetic_events(200, seed=5))
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    query_stats(conn, since_ms=1)
    conn.set_trace_callback(None)
    plans = [row[3] for sql in statements if sql.lstrip().upper().startswith("SELECT")
             for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    assert plans and all("USING" in p and "INDEX" in p for p in plans if "events" in p), plans
    conn.close()


def test_stats_of_a_missing_database_are_zero(tmp_path: Path) -> None:
    got = stats_of(tmp_path / "nothing.sqlite3")
    assert got.events == 0 and got.sessions == 0
    assert not (tmp_path / "nothing.sqlite3").exists()


# -- retention ------------------------------------------------------------------------------------
class FakeClock:
    def __init__(self, when: datetime) -> None:
        self.now = when.timestamp()

    def __call__(self) -> float:
        return self.now


def at(year: int, month: int, day: int, hour: int = 12) -> Event:
    ms = int(datetime(year, month, day, hour, tzinfo=UTC).timestamp() * 1000)
    return Event(str(uuid.uuid4()), ms_to_iso(ms), "kiosk-1", None, None, "app_start", {})


def test_retention_purge_at_start_and_daily(db: Path) -> None:
    old, edge, recent = at(2024, 3, 1), at(2024, 5, 2), at(2024, 5, 30)
    conn = connect(db)
    insert_events(conn, [old, edge, recent])
    conn.close()
    clock = FakeClock(datetime(2024, 6, 1, tzinfo=UTC))
    s = EventStore(db, retention_days=30, clock=clock, flush_interval=30.0).start()
    assert s.wait(lambda h: h.purged == 1, timeout=10)  # at start: only March
    clock.now += 86400 + 1  # a day later: May 2 is now older than 30 days
    assert s.record("app_stop")  # urgent: the writer wakes, sees the day is over
    assert s.wait(lambda h: h.purged == 2 and h.written == 1, timeout=10)
    assert s.purge(older_than_days=1) == 1  # the explicit purge: May 30 goes too
    s.close()
    assert [e.type for e in stored(db)] == ["app_stop"]


# -- export and import ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_export_import_round_trip_is_idempotent(tmp_path: Path, fmt: str) -> None:
    a = connect(tmp_path / "a.sqlite3")
    insert_events(a, hand_made_events())
    out = tmp_path / f"export.{fmt}"
    assert export_events(a, out, fmt) == 25
    b = connect(tmp_path / "b.sqlite3")
    first = import_events(b, out)
    assert (first.read, first.added, first.duplicates, first.invalid) == (25, 25, 0, 0)
    again = import_events(b, out)
    assert (again.added, again.duplicates) == (0, 25)
    assert list(iter_events(b)) == list(iter_events(a))
    a.close()
    b.close()


def test_csv_export_is_utf8_with_a_header_and_since(tmp_path: Path) -> None:
    conn = connect(tmp_path / "a.sqlite3")
    insert_events(conn, hand_made_events())
    out = tmp_path / "x.csv"
    assert export_events(conn, out, "csv", since_ms=SINCE_MAY_7) == 8
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + ",".join(CSV_COLUMNS).encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert len(lines) == 9
    assert lines[-1].split(",")[:6] == [lines[-1].split(",")[0], "2024-05-07T23:00:00.000Z",
                                        "kiosk-1", "", "", "crash"]
    conn.close()


def test_merging_kiosks_in_any_order_gives_the_same_log(tmp_path: Path) -> None:
    files = []
    for kiosk, seed in (("hall-a", 1), ("hall-b", 2)):
        conn = connect(tmp_path / f"{kiosk}.sqlite3")
        insert_events(conn, synthetic_events(400, kiosk_id=kiosk, seed=seed))
        files.append(tmp_path / f"{kiosk}.jsonl")
        export_events(conn, files[-1], "jsonl")
        conn.close()
    one, two = connect(tmp_path / "one.sqlite3"), connect(tmp_path / "two.sqlite3")
    for f in files:
        import_events(one, f)
    for f in [*reversed(files), files[0]]:
        import_events(two, f)
    assert list(iter_events(one)) == list(iter_events(two))
    assert query_stats(one).events == 800
    assert set(query_stats(one).kiosks) == {"hall-a", "hall-b"}
    one.close()
    two.close()


def test_import_skips_and_reports_bad_lines(tmp_path: Path) -> None:
    good = make_event("app_start", "kiosk-1").to_json()
    face = dict(make_event("error", "kiosk-1", payload={"code": "x"}).to_json(),
                payload={"code": "x", "face": [10, 20, 30, 40]})
    src = tmp_path / "mixed.jsonl"
    src.write_text("\n".join([json.dumps(good), "{not json", json.dumps(face)]) + "\n",
                   encoding="utf-8")
    conn = connect(tmp_path / "db.sqlite3")
    result = import_events(conn, src)
    assert (result.read, result.added, result.invalid) == (3, 1, 2)
    assert result.problems[0].startswith("line 2:")
    assert "face" in result.problems[1]
    conn.close()


# -- bad disks: the kiosk keeps accepting, reports once, loses nothing silently --------------------
def test_a_locked_database_buffers_and_recovers(db: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    connect(db).close()
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    s = EventStore(db, retention_days=None, busy_timeout_ms=20, retry_interval=0.02).start()
    with caplog.at_level(logging.WARNING, logger="kiosk.runtime.event_store"):
        for i in range(5):
            assert s.record("error", payload={"code": f"e{i}"})
        assert s.record("app_stop")
        assert s.wait(lambda h: h.failures >= 3, timeout=10)  # it keeps retrying …
        problems = s.problems()
        assert len(problems) == 1 and "locked" in problems[0]
        assert "6 visitor events are waiting" in problems[0]
        locked_warnings = [r for r in caplog.records if "locked" in r.getMessage()]
        assert len(locked_warnings) == 1  # … but says so once
        other.execute("ROLLBACK")
        other.close()
        assert s.flush(timeout=10)
    assert s.problems() == []
    assert s.close()
    assert len(stored(db)) == 6


class ReadOnlyStore(EventStore):
    """The file as a read-only mount or a write-protected USB stick presents it."""

    def _connect(self) -> sqlite3.Connection:
        return connect(self.path, readonly=True)


def test_a_read_only_database_is_bounded_counted_and_saved_at_close(
        db: Path, data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    connect(db).close()
    s = ReadOnlyStore(db, retention_days=None, max_buffer=5, retry_interval=0.02).start()
    with caplog.at_level(logging.WARNING, logger="kiosk.runtime.event_store"):
        results = [s.record("error", payload={"code": f"e{i}"}) for i in range(7)]
        assert results == [True] * 5 + [False] * 2
        assert s.wait(lambda h: h.failures >= 2, timeout=10)
    h = s.health()
    assert (h.accepted, h.buffered, h.dropped, h.problem_code) == (5, 5, 2, "read_only")
    assert len(s.problems()) == 2 and "2 visitor events were lost" in s.problems()[1]
    assert len([r for r in caplog.records if "read-only" in r.getMessage()]) == 1
    assert len([r for r in caplog.records if "memory buffer full" in r.getMessage()]) == 1
    assert not s.close()
    assert s.unsaved_file is not None and s.unsaved_file.parent == data_dir
    conn = connect(data_dir / "elsewhere.sqlite3")
    assert import_events(conn, s.unsaved_file).added == 5  # by hand, on another machine …
    conn.close()
    with EventStore(db, retention_days=None) as again:  # … or by the next start, itself
        assert again.record("app_start") and again.flush()
    assert not s.unsaved_file.exists()
    assert [e.type for e in stored(db)] == ["error"] * 5 + ["app_start"]


def test_a_corrupt_database_keeps_the_kiosk_running(db: Path) -> None:
    db.write_bytes(b"this is not a database, it was overwritten by accident " * 200)
    s = EventStore(db, retention_days=None, retry_interval=0.02).start()
    assert s.record("app_start")
    assert s.wait(lambda h: h.problem_code == "corrupt", timeout=10)
    assert "damaged" in s.problems()[0]
    assert check_event_log(db) and "damaged" in check_event_log(db)[0]
    assert not s.close()
    assert s.unsaved_file is not None
    assert db.read_bytes().startswith(b"this is not a database")  # never "repaired" silently


class FullDiskStore(EventStore):
    """A disk with no room left for another page."""

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn


def test_a_full_disk_is_reported(db: Path) -> None:
    s = FullDiskStore(db, retention_days=None, retry_interval=0.02).start()
    for e in synthetic_events(300, seed=2):
        assert s.accept(e)
    assert s.flush(timeout=0.5) is False
    assert s.wait(lambda h: h.problem_code == "full", timeout=10)
    assert "full" in s.problems()[0]
    s.close()


def test_check_event_log_for_self_test(db: Path) -> None:
    assert check_event_log(db) == []  # not created yet: fine
    conn = connect(db)
    insert_events(conn, hand_made_events())
    conn.close()
    assert check_event_log(db) == []


# -- crash: SIGKILL mid-stream ---------------------------------------------------------------------
CHILD = """
import sys, uuid
from pathlib import Path
from kiosk.core.events import Event, ms_to_iso
from kiosk.runtime.event_store import EventStore

store = EventStore(Path(sys.argv[1]), flush_interval=0.01, retention_days=None,
                   max_buffer=10**8).start()
i, last = 0, -1
while True:
    for _ in range(50):
        i += 1
        store.accept(Event(str(uuid.UUID(int=i)), ms_to_iso(1714555800000 + i), "crash-test",
                           "0123456789abcdef", "crash-demo", "interaction", {"kind": "predict"}))
    written = store.health().written
    if written != last:
        print(written, flush=True)
        last = written
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_every_event_reported_as_written_survives_sigkill(db: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    reported = 0
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            reported = max(reported, int(line))
            if reported >= 20_000:  # several batches in: kill it while it writes the next
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, err
    assert reported >= 20_000, err
    conn = sqlite3.connect(db)  # plain sqlite: recovers the WAL like any later reader
    assert integrity_problems(conn) == []
    present = {uuid.UUID(r[0]).int for r in conn.execute("SELECT uuid FROM events")}
    conn.close()
    missing = set(range(1, reported + 1)) - present
    assert not missing, f"{len(missing)} reported events lost, e.g. {sorted(missing)[:5]}"


@pytest.mark.parametrize("bad", ["{u}\n", "{u}\r\n", " {u}", "{u} ", "{U}"])
def test_a_uuid_with_anything_around_it_is_refused(bad: str) -> None:
    # "$" also matches before a final newline: "uuid\n" would be a second identity of an
    # event whose canonical UUID is already stored, and merging would count it twice.
    u = str(uuid.uuid4())
    event = make_event("app_start", "kiosk-1")
    row = event_row(Event(u, event.ts, event.kiosk_id, None, None, event.type, {}))
    assert json.loads(row)[0] == u
    with pytest.raises(ValueError, match="not a canonical UUID"):
        event_row(Event(bad.format(u=u, U=u.upper()), event.ts, event.kiosk_id, None, None,
                        event.type, {}))


def test_import_survives_hostile_lines(tmp_path: Path) -> None:
    good = json.dumps(make_event("app_start", "kiosk-1").to_json())
    src = tmp_path / "hostile.jsonl"
    src.write_text("\n".join([
        good,
        '{"a":"' + "x" * 3_000_000 + '"}',  # one huge line: skipped, never held whole
        '{"a":' + "[" * 30_000 + "]" * 30_000 + "}",  # nests deeper than Python recurses
        '{"a":' + "1" * 5000 + "}",  # an integer Python refuses to parse
        json.dumps(make_event("app_stop", "kiosk-1").to_json()),
    ]), encoding="utf-8")
    conn = connect(tmp_path / "db.sqlite3")
    result = import_events(conn, src)
    assert (result.read, result.added, result.invalid) == (5, 2, 3)
    assert result.problems[0] == "line 2: longer than 64 K characters: not an event"
    assert result.problems[1] == "line 3: nested too deep"
    assert result.problems[2].startswith("line 4: Exceeds the limit")
    conn.close()


def test_csv_import_survives_hostile_lines(tmp_path: Path) -> None:
    export = tmp_path / "good.csv"
    conn = connect(tmp_path / "a.sqlite3")
    insert_events(conn, [make_event("app_start", "kiosk-1"), make_event("app_stop", "kiosk-1")])
    export_events(conn, export, "csv")
    conn.close()
    header, first, second = export.read_text(encoding="utf-8").splitlines()
    src = tmp_path / "hostile.csv"
    # a huge line, then a quote never closed whose field grows past csv's own limit
    src.write_text("\n".join([header, first, "y" * 200_000 + ",1,2", second,
                              '"never closed,' + ("z" * 20_000 + "\n") * 8]) + "\n",
                   encoding="utf-8")
    conn = connect(tmp_path / "b.sqlite3")
    result = import_events(conn, src)  # nothing raised
    conn.close()
    assert result.added == 2 and result.invalid >= 2
    assert result.problems[0] == "line 3: longer than 64 K characters: not an event"
    assert "field larger than field limit" in result.problems[1]
