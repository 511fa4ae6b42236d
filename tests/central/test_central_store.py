"""The central store against a real PostgreSQL: forwarding, exactly-once, crashes, migrations."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kiosk.core.events import LogStats
from kiosk.runtime.central import schema
from kiosk.runtime.central.connection import CentralError, connect
from kiosk.runtime.central.forwarder import Forwarder, Syncer
from kiosk.runtime.central.outbox import cursor
from kiosk.runtime.central.pg_server import LocalServer
from kiosk.runtime.central.stats import central_stats
from kiosk.runtime.event_stats import query_stats, synthetic_events
from kiosk.runtime.event_store import connect as connect_log
from kiosk.runtime.event_store import insert_events, iter_events

END = date(2026, 6, 30)


def kiosk_log(folder: Path, kiosk_id: str, events: int, seed: int) -> Path:
    """A kiosk's SQLite log holding ``events`` realistic events."""
    db = folder / kiosk_id / "events.sqlite3"
    conn = connect_log(db)
    insert_events(conn, synthetic_events(events, kiosk_id=kiosk_id, seed=seed, end=END,
                                         tz=UTC))
    conn.close()
    return db


def central_rows(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def event_count(url: str) -> int:
    return int(central_rows(url, "SELECT count(*) FROM events")[0][0])


def rollup_total(url: str) -> int:
    return int(central_rows(url, "SELECT coalesce(sum(n), 0) FROM rollup_counts")[0][0])


def local_stats(*dbs: Path) -> LogStats:
    """The statistics of several kiosks' logs merged, computed the kiosk's own way."""
    merged = dbs[0].parent.parent / "merged.sqlite3"
    conn = connect_log(merged)
    for db in dbs:
        src = connect_log(db)
        insert_events(conn, iter_events(src))
        src.close()
    stats = query_stats(conn, tz=UTC)
    conn.close()
    return stats


def assert_same_stats(central: LogStats, local: LogStats) -> None:
    """Equal in everything; medians to the second (the rollups keep whole seconds)."""
    a, b = central.to_json(), local.to_json()
    for key in a:
        if key in ("median_session_ms", "demos"):
            continue
        assert a[key] == b[key], key
    assert abs((a["median_session_ms"] or 0) - (b["median_session_ms"] or 0)) <= 1000
    assert [d["demo_id"] for d in a["demos"]] == [d["demo_id"] for d in b["demos"]]
    for da, db in zip(a["demos"], b["demos"], strict=True):
        assert abs((da["median_dwell_ms"] or 0) - (db["median_dwell_ms"] or 0)) <= 1000
        assert {k: v for k, v in da.items() if k != "median_dwell_ms"} == \
            {k: v for k, v in db.items() if k != "median_dwell_ms"}


def test_three_kiosks_sync_into_one_database_at_once(tmp_path: Path, central_url: str) -> None:
    dbs = [kiosk_log(tmp_path, f"kiosk-{i}", 6000 + 1000 * i, seed=i) for i in range(3)]
    results: dict[str, tuple[int, int]] = {}
    errors: list[BaseException] = []

    def sync(db: Path) -> None:
        syncer = Syncer(db, central_url, kiosk_id=db.parent.name, batch=700)
        try:
            results[db.parent.name] = syncer.round()
        except BaseException as exc:
            errors.append(exc)
        finally:
            syncer.close()

    threads = [threading.Thread(target=sync, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert results == {"kiosk-0": (6000, 6000), "kiosk-1": (7000, 7000),
                       "kiosk-2": (8000, 8000)}
    assert event_count(central_url) == rollup_total(central_url) == 21000
    with connect(central_url) as conn:
        fleet_stats = central_stats(conn, tz=UTC)
        one = central_stats(conn, kiosks=["kiosk-1"], tz=UTC)
    assert_same_stats(fleet_stats, local_stats(*dbs))
    assert set(fleet_stats.kiosks) == {"kiosk-0", "kiosk-1", "kiosk-2"}
    assert one.events == 7000 and set(one.kiosks) == {"kiosk-1"}
    # A period that is not whole months: the days around the months come from daily rows.
    since = int(datetime(2026, 2, 17, tzinfo=UTC).timestamp() * 1000)
    until = int(datetime(2026, 6, 3, tzinfo=UTC).timestamp() * 1000)
    with connect(central_url) as conn:
        part = central_stats(conn, since, until, tz=UTC)
        also = central_stats(conn, since, until, kiosks=["kiosk-0", "kiosk-1", "kiosk-2"],
                             tz=UTC)
    merged = connect_log(tmp_path / "merged.sqlite3")
    local = query_stats(merged, since, tz=UTC, until_ms=until)
    merged.close()
    assert 0 < part.events < fleet_stats.events
    assert_same_stats(part, local)
    assert_same_stats(also, local)


def test_a_second_delivery_changes_nothing(tmp_path: Path, central_url: str) -> None:
    db = kiosk_log(tmp_path, "kiosk-a", 5000, seed=3)
    syncer = Syncer(db, central_url, kiosk_id="kiosk-a", batch=1000)
    assert syncer.round() == (5000, 5000)
    with connect(central_url) as conn:
        before = central_stats(conn, tz=UTC)
    # The kiosk forgets what was acknowledged (e.g. a crash before the cursor moved): all of
    # it goes again, and another kiosk that imported this one's export sends it too.
    conn = connect_log(db)
    conn.execute("DELETE FROM outbox")
    conn.close()
    assert syncer.round() == (5000, 0)
    syncer.close()
    other = tmp_path / "kiosk-b" / "events.sqlite3"
    src, dst = connect_log(db), connect_log(other)
    insert_events(dst, iter_events(src))
    src.close()
    dst.close()
    second = Syncer(other, central_url, kiosk_id="kiosk-b")
    assert second.round() == (5000, 0)
    second.close()
    assert event_count(central_url) == rollup_total(central_url) == 5000
    with connect(central_url) as conn:
        assert central_stats(conn, tz=UTC) == before


def test_the_server_killed_mid_sync_loses_and_doubles_nothing(
        tmp_path: Path, pg_server: LocalServer, central_url: str) -> None:
    db = kiosk_log(tmp_path, "kiosk-k", 40_000, seed=4)
    syncer = Syncer(db, central_url, kiosk_id="kiosk-k", batch=500)
    outcome: list[BaseException | tuple[int, int]] = []

    def run() -> None:
        try:
            outcome.append(syncer.round())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    # Kill the server (immediate shutdown: no checkpoint, crash recovery on start) as soon as
    # some batches are in, while the forwarder is sending the next ones.
    watch = connect_log(db)
    while thread.is_alive() and not any(cursor(watch, c) for c, in watch.execute(
            "SELECT central_id FROM outbox")):
        thread.join(0.01)
    pg_server.stop("immediate")
    thread.join(60)
    assert len(outcome) == 1 and isinstance(outcome[0], CentralError)
    assert outcome[0].code == "offline"
    assert pg_server.password not in str(outcome[0])
    acknowledged = next(cursor(watch, c) for c, in watch.execute("SELECT central_id FROM outbox"))
    assert 0 < acknowledged < 40_000
    pg_server.start()
    assert event_count(central_url) >= acknowledged  # acknowledged means committed
    sent, _ = syncer.round()
    syncer.close()
    watch.close()
    assert sent == 40_000 - acknowledged
    assert event_count(central_url) == rollup_total(central_url) == 40_000
    (distinct,), = central_rows(central_url, "SELECT count(DISTINCT uuid) FROM events")
    assert distinct == 40_000


def test_a_kiosk_offline_for_weeks_catches_up(tmp_path: Path, central_url: str) -> None:
    db = kiosk_log(tmp_path, "popup-lab", 12_000, seed=5)
    unreachable = central_url.replace("127.0.0.1:", "127.0.0.1:1")  # nobody listens there
    if unreachable == central_url:
        pytest.skip("unexpected URL form")
    offline = Forwarder(db, unreachable.split("/kiosk")[0] + "/x", kiosk_id="popup-lab")
    delay = offline.run_round()
    state = offline.state()
    assert state.code == "offline" and state.waiting == 12_000 and delay > 0
    assert "cannot be reached" in (state.problem or "")
    offline.stop()
    # Thousands of small batches (as a pop-up lab's weeks of visitors, batch by batch).
    syncer = Syncer(db, central_url, kiosk_id="popup-lab", batch=10)
    assert syncer.round() == (12_000, 12_000)
    assert syncer.last_backlog is not None and syncer.last_backlog.waiting == 0
    syncer.close()
    assert event_count(central_url) == rollup_total(central_url) == 12_000


def test_an_older_central_schema_is_migrated_with_its_events(
        tmp_path: Path, empty_url: str) -> None:
    conn = connect(empty_url)
    schema.migrate(conn, empty_url, target=1)
    db = kiosk_log(tmp_path, "old-kiosk", 3000, seed=6)
    syncer = Syncer(db, empty_url, kiosk_id="old-kiosk")
    with pytest.raises(CentralError, match="schema version 1, this kiosk needs 4") as info:
        syncer.round()
    assert info.value.code == "old_schema"
    # What a version-1 kiosk would have stored: events only, no rollups yet.
    log = connect_log(db)
    rows = log.execute("SELECT uuid, ts, kiosk_id, session_id, demo_id, type, payload, value "
                       "FROM events").fetchall()
    log.close()
    with conn.transaction(), conn.cursor() as cur:
        cur.executemany("INSERT INTO events (uuid, ts, kiosk_id, session_id, demo_id, type, "
                        "payload, value) VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s)",
                        rows[:2000])
    assert schema.migrate(conn, empty_url) == (1, 4)
    assert rollup_total(empty_url) == 2000  # the rollups were filled from the old events
    conn.close()
    assert syncer.round() == (3000, 1000)
    syncer.close()
    assert rollup_total(empty_url) == event_count(empty_url) == 3000
    with connect(empty_url) as c:
        assert_same_stats(central_stats(c, tz=UTC), local_stats(db))


def test_a_newer_central_schema_is_refused_and_events_stay(
        tmp_path: Path, central_url: str) -> None:
    with psycopg.connect(central_url) as conn:
        conn.execute("INSERT INTO kiosk_schema (version, description) VALUES (99, 'future')")
    db = kiosk_log(tmp_path, "k", 100, seed=7)
    syncer = Syncer(db, central_url, kiosk_id="k")
    with pytest.raises(CentralError, match="newer than this kiosk knows") as info:
        syncer.round()
    assert info.value.code == "newer_schema"
    assert syncer.waiting().waiting == 100
    conn = connect(central_url)
    with pytest.raises(CentralError, match="newer"):
        schema.migrate(conn, central_url)
    conn.close()
    assert event_count(central_url) == 0


def test_a_table_altered_by_hand_is_one_clear_line(tmp_path: Path, central_url: str) -> None:
    with psycopg.connect(central_url) as conn:
        conn.execute("ALTER TABLE rollup_counts RENAME COLUMN n TO how_many")
    db = kiosk_log(tmp_path, "k", 100, seed=8)
    syncer = Syncer(db, central_url, kiosk_id="k")
    with pytest.raises(CentralError, match="changed by hand") as info:
        syncer.round()
    assert info.value.code == "schema" and "\n" not in str(info.value)
    assert syncer.waiting().waiting == 100


def test_a_wrong_password_is_refused_without_showing_it(
        tmp_path: Path, pg_server: LocalServer, central_url: str) -> None:
    assert pg_server.password
    wrong = central_url.replace(pg_server.password, "not-the-password-42")
    db = kiosk_log(tmp_path, "k", 10, seed=9)
    syncer = Syncer(db, wrong, kiosk_id="k")
    with pytest.raises(CentralError) as info:
        syncer.round()
    assert info.value.code == "login"
    assert "not-the-password-42" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(CentralError, match="not a postgresql:// URL"):
        Syncer(db, "mysql://x@y/z", kiosk_id="k").round()


def test_the_forwarder_thread_follows_a_running_kiosk(
        tmp_path: Path, pg_server: LocalServer, central_url: str) -> None:
    from kiosk.runtime.event_store import EventStore

    db = tmp_path / "live" / "events.sqlite3"
    store = EventStore(db, kiosk_id="live", retention_days=None).start()
    forwarder = Forwarder(db, central_url, kiosk_id="live", interval=0.05,
                          status=lambda: {"location": "Hall 2", "version": "t"}).start()
    try:
        for event in synthetic_events(500, kiosk_id="live", seed=10):
            store.accept(event)
        assert store.flush(10)
        assert forwarder.wait(lambda s: s.synced and s.sent == 500)
        (location, waiting), = central_rows(
            central_url, "SELECT location, waiting_events FROM kiosks WHERE kiosk_id = 'live'")
        assert (location, waiting) == ("Hall 2", 0)
        pg_server.stop("immediate")
        for event in synthetic_events(200, kiosk_id="live", seed=11):
            store.accept(event)
        assert store.flush(10)  # the kiosk keeps logging while the server is away
        assert forwarder.wait(lambda s: s.code == "offline" and s.waiting == 200)
        state = forwarder.state()
        assert state.offline_since_wall is not None and not state.synced
        pg_server.start()
        forwarder.wake()
        assert forwarder.wait(lambda s: s.synced and s.sent == 700, timeout=60)
    finally:
        forwarder.stop()
        store.close()
        if not pg_server.running():
            pg_server.start()
    assert event_count(central_url) == 700


def test_the_cursor_survives_a_replaced_log(tmp_path: Path, central_url: str) -> None:
    db = kiosk_log(tmp_path, "k", 1000, seed=12)
    syncer = Syncer(db, central_url, kiosk_id="k")
    syncer.round()
    syncer.close()
    db.unlink()
    for extra in ("-wal", "-shm"):
        Path(f"{db}{extra}").unlink(missing_ok=True)
    kiosk_log(tmp_path, "k", 300, seed=13)  # a fresh log: rowids start at 1 again
    syncer = Syncer(db, central_url, kiosk_id="k")
    assert syncer.round() == (300, 300)
    syncer.close()
    assert event_count(central_url) == 1300


def test_nothing_is_sent_without_the_outbox_table_being_migrated(tmp_path: Path) -> None:
    db = kiosk_log(tmp_path, "k", 10, seed=14)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    conn.close()


def test_the_fleet_benchmark_counts_nothing_lost_after_forced_restarts(tmp_path: Path) -> None:
    from kiosk.runtime.central.bench import run_bench
    from kiosk.runtime.central.pg_server import find_bindir

    if find_bindir() is None:
        pytest.skip("PostgreSQL server programs not installed")
    report = run_bench(tmp_path / "bench", 6000, kiosks=3, days=30, restarts=1, senders=2,
                       batch=200, stall_events=2000)
    assert report["restarts"] == 1 and report["stored"] == 6000
    assert report["lost"] == 0 and report["duplicated_in_statistics"] == 0
    assert report["stats_events"] == 6000 and report["meets_targets"]["lost_or_duplicated"]
