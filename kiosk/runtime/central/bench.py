"""``kiosk central bench``: a simulated fleet syncing into PostgreSQL, with forced crashes.

Phases, each timed on its own:

1. *generate* — ``kiosks`` SQLite logs with realistic visitor traffic (the generator of
   ``kiosk log bench``) spread over ``days`` days; not part of any figure.
2. *sync* — the real forwarding code (:class:`~kiosk.runtime.central.forwarder.Syncer`) on a
   few sender threads, as kiosks sending at the same time; with our own server, it is killed
   (``pg_ctl stop -m immediate``: no shutdown checkpoint, crash recovery on start)
   ``restarts`` times along the way, and senders retry as a kiosk does.
3. *verify* — every event is on the server exactly once (lost and doubled counted) and the
   statistics rollups add up to the events.
4. *stats* — the dashboard's statistics over the whole period and fleet.
5. *stall* — one kiosk's forwarder thread catching up while an event loop beside it measures
   how late its timer wakes (the GUI stall), and the same loop without forwarding.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date
from pathlib import Path
from typing import Any, Final

from kiosk.runtime.central import schema
from kiosk.runtime.central.connection import CentralError, connect, masked
from kiosk.runtime.central.forwarder import Forwarder, Syncer
from kiosk.runtime.central.outbox import BATCH
from kiosk.runtime.central.pg_server import LocalServer, local_server
from kiosk.runtime.central.stats import central_stats
from kiosk.runtime.event_stats import synthetic_events
from kiosk.runtime.event_store import connect as connect_log
from kiosk.runtime.event_store import insert_events

TARGET_EVENTS_PER_S: Final = 50_000
TARGET_STATS_S: Final = 2.0
TARGET_STALL_MS: Final = 20.0
SENDERS: Final = 4
END: Final = date(2026, 6, 30)

Progress = Callable[[str], None] | None


def run_bench(folder: Path, events: int, *, kiosks: int = 100, days: int = 365,
              restarts: int = 2, url: str | None = None, senders: int = SENDERS,
              stall_events: int = 100_000, batch: int = BATCH, reuse: bool = False,
              progress: Progress = None) -> dict[str, Any]:
    """Run every phase; returns the figures (JSON-ready).

    ``reuse``: keep the kiosk logs a previous run generated in ``folder`` (generating 20
    million events takes longer than syncing them); only the server starts afresh.
    """
    say = progress or (lambda _: None)
    if reuse:
        for stale in ("pg", "stall-kiosk"):
            shutil.rmtree(folder / stale, ignore_errors=True)
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    server: LocalServer | None = None
    if url is None:
        # In a folder of its own under the temp dir: as root the server runs as `postgres`,
        # which may not enter the data dir (e.g. under /root).
        server = local_server(Path(tempfile.mkdtemp(prefix="kiosk-central-bench-")))
        server.init()
        server.start()
        url = server.create_database("bench")
    elif restarts:
        raise CentralError("--restarts needs the benchmark's own server (leave out --central)",
                           "config")
    try:
        conn = connect(url)
        schema.migrate(conn, masked(url))
        conn.close()
        report = _phases(folder, url, server, events, kiosks, days, restarts, senders,
                         stall_events, batch, reuse, say)
    finally:
        if server is not None:
            server.remove()
    return report


def _phases(folder: Path, url: str, server: LocalServer | None, events: int, kiosks: int,
            days: int, restarts: int, senders: int, stall_events: int, batch: int,
            reuse: bool, say: Callable[[str], None]) -> dict[str, Any]:
    started = time.perf_counter()
    jobs = [(folder / f"kiosk-{i:03d}" / "events.sqlite3", f"kiosk-{i:03d}",
             events // kiosks + (1 if i < events % kiosks else 0), i, days)
            for i in range(kiosks)]
    dbs = [job[0] for job in jobs]
    if reuse and all(_count(db) == job[2] for db, job in zip(dbs, jobs, strict=True)):
        say(f"reusing the {kiosks} kiosk logs of an earlier run")
        for db in dbs:  # forget what that run's (other) server acknowledged
            log = connect_log(db, synchronous="NORMAL")
            log.execute("DELETE FROM outbox")
            log.close()
    else:
        for db in dbs:
            shutil.rmtree(db.parent, ignore_errors=True)
        with ProcessPoolExecutor(max(1, min(4, os.cpu_count() or 1))) as pool:
            for i, _ in enumerate(pool.map(_generate, jobs), start=1):
                if i % 10 == 0:
                    say(f"generated {i}/{kiosks} kiosk logs")
    generate_s = time.perf_counter() - started
    say(f"generated {events:,} events in {generate_s:.0f} s; syncing")

    sync = _sync_all(dbs, url, server, events, restarts, senders, batch, say)
    say(f"synced in {sync['seconds']:.1f} s; verifying")

    conn = connect(url)
    try:
        stored = _one(conn, "SELECT count(*) FROM events")
        counted = _one(conn, "SELECT coalesce(sum(n), 0) FROM rollup_counts")
        db_bytes = _one(conn, "SELECT pg_database_size(current_database())")
        timings = []
        for _ in range(3):
            t = time.perf_counter()
            stats = central_stats(conn, tz=UTC)
            timings.append(time.perf_counter() - t)
    finally:
        conn.close()
    lost = events - stored
    say(f"stats in {timings[0]:.2f} s; measuring the GUI stall")
    if server is not None:
        # Now at low priority: a kiosk's central server is another machine, so its work
        # must not show up as the kiosk's GUI stall (the kiosk side's own cost is measured).
        server.stop()
        server.nice = 10
        server.start()
    stall = _stall(folder, url, stall_events)
    figures = {
        "kiosks": kiosks, "events": events, "days": days, "senders": senders, "batch": batch,
        "generate_s": round(generate_s, 1), **sync,
        "stored": stored, "lost": lost, "duplicated_in_statistics": counted - stored,
        "stats_events": stats.events,
        "stats_s_first": round(timings[0], 3), "stats_s_best": round(min(timings), 3),
        "db_mb": round(db_bytes / 1e6, 1), **stall,
    }
    figures["meets_targets"] = {
        "events_per_s": sync["events_per_s_up"] >= TARGET_EVENTS_PER_S,
        "stats_s": timings[0] <= TARGET_STATS_S,
        "lost_or_duplicated": lost == 0 and counted == stored and stats.events == events,
        "gui_stall_max_ms": stall["gui_stall_max_ms"] <= TARGET_STALL_MS,
    }
    return figures


def _count(db: Path) -> int:
    """Events in a kiosk log (-1 when there is none)."""
    if not db.exists():
        return -1
    log = connect_log(db, synchronous="NORMAL")
    try:
        return int(log.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        log.close()


def _one(conn: Any, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _generate(job: tuple[Path, str, int, int, int]) -> None:
    """One kiosk's log (in a worker process: the generator is plain Python)."""
    db, kiosk_id, n, seed, days = job
    log = connect_log(db, synchronous="NORMAL")
    try:
        insert_events(log, synthetic_events(n, kiosk_id=kiosk_id, seed=seed, days=days,
                                            end=END, tz=UTC))
    finally:
        log.close()


def _sync_all(dbs: list[Path], url: str, server: LocalServer | None, events: int,
              restarts: int, senders: int, batch: int,
              say: Callable[[str], None]) -> dict[str, Any]:
    queue = list(dbs)
    lock = threading.Lock()
    done = threading.Event()
    acknowledged = [0]
    failures: list[str] = []
    retries = [0]

    def sender() -> None:
        while True:
            with lock:
                if not queue or failures:
                    return
                db = queue.pop()
            syncer = Syncer(db, url, kiosk_id=db.parent.name, batch=batch)
            try:
                while True:
                    try:
                        sent, _ = syncer.round(max_batches=4)
                    except CentralError as exc:
                        if exc.code != "offline":
                            failures.append(str(exc))
                            return
                        with lock:
                            retries[0] += 1
                        done.wait(0.2)  # the server is restarting: retry as a kiosk would
                        continue
                    with lock:
                        acknowledged[0] += sent
                    if syncer.last_backlog is not None and not syncer.last_backlog.waiting:
                        break
            finally:
                syncer.close()

    downtime = [0.0]
    kills = [0]

    def killer() -> None:
        assert server is not None
        for k in range(1, restarts + 1):
            while not done.is_set() and acknowledged[0] < events * k / (restarts + 1):
                done.wait(0.05)
            if done.is_set():
                return
            t = time.perf_counter()
            server.stop("immediate")
            kills[0] += 1
            server.start()
            downtime[0] += time.perf_counter() - t
            say(f"server killed and restarted ({kills[0]}/{restarts}) at "
                f"{acknowledged[0]:,} events")

    threads = [threading.Thread(target=sender, name=f"sender-{i}") for i in range(senders)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    kill_thread = None
    if server is not None and restarts:
        kill_thread = threading.Thread(target=killer, name="killer")
        kill_thread.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    done.set()
    if kill_thread is not None:
        kill_thread.join()
    if failures:
        raise CentralError(failures[0])
    up = max(1e-9, seconds - downtime[0])
    return {"seconds": round(seconds, 2), "restarts": kills[0],
            "restart_downtime_s": round(downtime[0], 2), "sender_retries": retries[0],
            "events_per_s": round(events / seconds),
            "events_per_s_up": round(events / up)}


def _stall(folder: Path, url: str, n: int) -> dict[str, Any]:
    db = folder / "stall-kiosk" / "events.sqlite3"
    log = connect_log(db, synchronous="NORMAL")
    insert_events(log, synthetic_events(n, kiosk_id="stall-kiosk", seed=99, end=END, tz=UTC))
    log.close()
    forwarder = Forwarder(db, url, kiosk_id="stall-kiosk", interval=3600)

    def synced() -> bool:
        state = forwarder.state()
        return state.waiting == 0 and state.problem is None and state.last_ok is not None

    forwarder.start()
    busy, seconds = asyncio.run(_ticker(synced, 120.0))
    forwarder.stop()
    quiet, _ = asyncio.run(_ticker(lambda: False, min(5.0, seconds)))
    busy.sort()
    quiet.sort()
    return {
        "stall_events": n, "stall_sync_s": round(seconds, 2),
        "gui_stall_max_ms": round(busy[-1] * 1000, 2) if busy else 0.0,
        "gui_stall_p99_ms": round(busy[int(len(busy) * 0.99)] * 1000, 2) if busy else 0.0,
        "baseline_stall_max_ms": round(quiet[-1] * 1000, 2) if quiet else 0.0,
    }


async def _ticker(until: Callable[[], bool], limit: float) -> tuple[list[float], float]:
    """How late a 5 ms timer fires, until ``until()`` or ``limit`` seconds."""
    lates = []
    started = time.perf_counter()
    while not until() and time.perf_counter() - started < limit:
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        lates.append(max(0.0, time.perf_counter() - before - 0.005))
    return lates, time.perf_counter() - started
