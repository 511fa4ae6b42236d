"""``kiosk log …``: the visitor interaction log for IT — stats, export, import, purge, bench.

A CLI plugin (see ``PLUGINS`` in :mod:`kiosk.cli`): :func:`register` adds the ``log``
command group. Output is English (the IT audience); errors are one line on stderr and a
non-zero exit, never a traceback. Heavy imports happen inside the handlers so
``kiosk --help`` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.cli_common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, Common, Handler
from kiosk.cli_common import fail as _fail
from kiosk.cli_common import out as _out

if TYPE_CHECKING:
    from kiosk.core.events import LogStats


# Targets from the issue, reported next to the measured figures.
TARGET_EVENTS_PER_S = 10_000
TARGET_STALL_MS = 20.0
TARGET_STATS_S_PER_MILLION = 2.0


class CliError(Exception):
    """A failure to report as one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def register(sub: Any, common: Common) -> dict[str, Handler]:
    """Add ``kiosk log`` and its actions to the ``kiosk`` sub-command parsers."""
    p = sub.add_parser(
        "log", help="visitor interaction log: stats, export, import, purge, bench",
        description="The visitor interaction log (anonymous events in <data dir>/events.sqlite3).")
    actions = p.add_subparsers(dest="log_command", metavar="ACTION")
    actions.required = True
    since_help = "only events from then on: 2024-05-01, 2024-05-01T09:00 (local time) or 30d"

    st = actions.add_parser("stats", help="sessions, dwell times, demo popularity, feedback")
    common(st)
    st.add_argument("--since", metavar="DATE", help=since_help)
    st.add_argument("--json", action="store_true", help="one JSON object")
    st.add_argument("--central", metavar="URL",
                    help="the whole fleet's statistics from the central PostgreSQL instead")
    st.add_argument("--location", help="with --central: only the kiosks of this location")

    ex = actions.add_parser("export", help="write the events to a CSV or JSONL file")
    common(ex)
    ex.add_argument("--format", required=True, choices=("csv", "jsonl"))
    ex.add_argument("--since", metavar="DATE", help=since_help)
    ex.add_argument("--out", required=True, metavar="FILE")

    im = actions.add_parser("import", help="merge exports (of this or other kiosks); "
                            "importing a file twice changes nothing")
    common(im)
    im.add_argument("files", nargs="+", metavar="FILE", help="CSV or JSONL export")

    pu = actions.add_parser("purge", help="delete events older than the retention period")
    common(pu)
    pu.add_argument("--older-than", type=int, default=None, metavar="DAYS",
                    help="days to keep (default: the log_retention_days setting, 365)")

    be = actions.add_parser(
        "bench", help="measure the event writer, loop stall, database size and stats time")
    common(be)
    be.add_argument("--events", type=int, default=100_000, metavar="N")
    be.add_argument("--json", action="store_true", help="one line of JSON")
    be.add_argument("--loop", choices=("asyncio", "qt"), default="asyncio",
                    help="the event loop measured beside the writer (qt: qasync, offscreen)")
    be.add_argument("--rate", type=float, default=0.0, metavar="EVENTS_PER_S",
                    help="produce at this rate (default 0: as fast as the writer takes them)")
    be.add_argument("--synchronous", choices=("NORMAL", "FULL"), default="FULL",
                    help="SQLite durability setting to measure (the kiosk uses FULL)")
    be.add_argument("--keep", action="store_true",
                    help="keep the benchmark database (<data dir>/bench/) afterwards")
    return {"log": run}


def run(args: argparse.Namespace) -> int:
    """Dispatch ``kiosk log ACTION``."""
    handlers: dict[str, Handler] = {
        "stats": _stats, "export": _export, "import": _import, "purge": _purge, "bench": _bench,
    }
    try:
        return handlers[args.log_command](args)
    except CliError as exc:
        return _fail(str(exc), exc.code)
    except sqlite3.Error as exc:
        return _fail(f"the interaction log cannot be used: {exc}")
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


def _db(args: argparse.Namespace) -> Path:
    from kiosk.core.paths import data_dir
    from kiosk.runtime.event_store import db_path

    return db_path(data_dir(args.data_dir))


def _since(args: argparse.Namespace) -> int | None:
    from kiosk.core.events import EventError, parse_since

    if not args.since:
        return None
    try:
        return parse_since(args.since)
    except EventError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _existing(db: Path) -> Path:
    if not db.exists():
        raise CliError(f"no interaction log at {db} (nothing recorded yet, or wrong --data-dir)")
    return db


# -- stats --------------------------------------------------------------------------------------
def _stats(args: argparse.Namespace) -> int:
    from kiosk.runtime.event_stats import stats_of
    from kiosk.runtime.event_store import EventStoreError

    if args.central:
        from kiosk.cli_central import central_stats_command

        return central_stats_command(args, _since(args), human_stats)
    db = _db(args)
    since = _since(args)
    try:
        stats = stats_of(db, since)
    except EventStoreError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        _out(json.dumps({"database": str(db), **stats.to_json()}, ensure_ascii=False))
    else:
        for line in human_stats(stats, db, exists=db.exists()):
            _out(line)
    return EXIT_OK


def _duration(ms: int | None) -> str:
    from kiosk.core.events import format_duration

    return format_duration(ms, "en", unknown="-")


def _local(ts: str | None) -> str:
    from kiosk.core.events import iso_to_ms

    if ts is None:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(iso_to_ms(ts) / 1000))


def human_stats(stats: LogStats, db: Path, exists: bool = True) -> Iterator[str]:
    """``kiosk log stats`` as readable lines."""
    from kiosk.core.events import DWELL_LABELS

    yield f"Interaction log  {db}" + ("" if exists else "  (not created yet)")
    period = f"since {_local(stats.since)}" if stats.since else "all time"
    yield (f"Period           {period}; {stats.events:,} events "
           f"from {_local(stats.first_ts)} to {_local(stats.last_ts)} (local time)")
    ended = ", ".join(f"{k} {v:,}" for k, v in stats.end_reasons.items())
    yield f"Visitor sessions {stats.sessions:,}" + (f" (ended: {ended})" if ended else "")
    yield f"Median session   {_duration(stats.median_session_ms)}"
    if stats.feedback_count:
        stars = "  ".join(f"{i + 1}★ {n:,}" for i, n in enumerate(stats.feedback_histogram))
        yield (f"Feedback         {stats.feedback_avg:.2f} of 5 from {stats.feedback_count:,} "
               f"ratings   ({stars})")
    else:
        yield "Feedback         no ratings"
    if stats.demos:
        yield ""
        width = max(12, *(len(d.demo_id) for d in stats.demos))
        yield (f"{'Demo':<{width}}  {'opens':>8}  {'median dwell':>13}  {'interactions':>12}  "
               f"{'feedback':>12}")
        for d in stats.demos:
            rating = (f"{d.feedback_avg:.2f} ({d.feedback_count})" if d.feedback_avg is not None
                      else "-")
            yield (f"{d.demo_id:<{width}}  {d.opens:>8,}  {_duration(d.median_dwell_ms):>13}  "
                   f"{d.interactions:>12,}  {rating:>12}")
        yield ""
        yield "Dwell time       " + "   ".join(
            f"{label}: {n:,}" for label, n in zip(DWELL_LABELS, stats.dwell_histogram,
                                                  strict=True))
    if stats.sessions:
        yield ""
        yield "Sessions per hour of day (local time)"
        peak = max(stats.sessions_by_hour)
        for hour, n in enumerate(stats.sessions_by_hour):
            if n:
                bar = "█" * max(1, round(30 * n / peak))
                yield f"  {hour:02d}:00  {bar} {n:,}"
    if len(stats.kiosks) > 1:
        yield ""
        yield "Sessions per kiosk  " + ", ".join(f"{k} {n:,}" for k, n in stats.kiosks.items())
    yield ""
    errors = ", ".join(f"{code} {n:,}" for code, n in stats.errors.items())
    yield f"Errors           {errors or 'none'}"
    yield f"App starts       {stats.app_starts:,}; crashes {stats.crashes:,}"


# -- export / import / purge ----------------------------------------------------------------------
def _export(args: argparse.Namespace) -> int:
    from kiosk.runtime.event_stats import export_path

    db = _existing(_db(args))
    since = _since(args)
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CliError(f"folder {out.parent} does not exist")
    count = export_path(db, out, args.format, since)
    _out(f"wrote {count:,} events to {out}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from kiosk.core.events import EventError
    from kiosk.runtime.event_stats import import_path
    from kiosk.runtime.event_store import EventStoreError

    db = _db(args)
    invalid = 0
    for name in args.files:
        source = Path(name)
        try:
            result = import_path(db, source)
        except (EventError, EventStoreError) as exc:
            raise CliError(f"{source}: {exc}") from None
        except UnicodeDecodeError:
            raise CliError(f"{source} is not a UTF-8 text file (CSV or JSONL export)") from None
        invalid += result.invalid
        _out(f"{source}: {result.read:,} events read, {result.added:,} new, "
             f"{result.duplicates:,} already present, {result.invalid:,} invalid")
        for problem in result.problems:
            _out(f"  {problem}")
    if invalid:
        return _fail(f"{invalid:,} invalid events were skipped (the valid ones were merged)")
    return EXIT_OK


def _purge(args: argparse.Namespace) -> int:
    from kiosk.core.events import now_ms
    from kiosk.core.paths import data_dir
    from kiosk.core.settings import load_settings
    from kiosk.runtime.event_store import connect, purge_older_than

    days = (load_settings(data_dir(args.data_dir))[0].log_retention_days
            if args.older_than is None else args.older_than)
    if days < 1:
        raise CliError("--older-than must be 1 day or more", EXIT_USAGE)
    db = _existing(_db(args))
    conn = connect(db, create=False)
    try:
        deleted = purge_older_than(conn, now_ms() - int(days * 86_400_000))
    finally:
        conn.close()
    _out(f"deleted {deleted:,} events older than {days:g} days from {db}")
    return EXIT_OK


# -- bench -------------------------------------------------------------------------------------
def _bench(args: argparse.Namespace) -> int:
    if args.events < 1:
        raise CliError("--events must be 1 or more", EXIT_USAGE)
    from kiosk.core.paths import data_dir

    folder = data_dir(args.data_dir) / "bench"
    if args.rate < 0:
        raise CliError("--rate must be 0 (as fast as possible) or more", EXIT_USAGE)
    report = run_bench(folder, args.events, loop=args.loop, synchronous=args.synchronous,
                       keep=args.keep, rate=args.rate)
    if args.json:
        _out(json.dumps(report))
    else:
        _out(f"events ingested     {report['events']:,} in {report['seconds']:.2f} s")
        _out(f"sustained rate      {report['events_per_s']:,.0f} events/s "
             f"(target ≥ {TARGET_EVENTS_PER_S:,})")
        _out(f"loop stall          max {report['loop_stall_max_ms']:.1f} ms, "
             f"p99 {report['loop_stall_p99_ms']:.1f} ms (target ≤ {TARGET_STALL_MS:.0f} ms; "
             f"{report['loop']} loop)")
        _out(f"  without a writer  max {report['baseline_loop_stall_max_ms']:.1f} ms, "
             f"p99 {report['baseline_loop_stall_p99_ms']:.1f} ms (this machine's own noise)")
        _out(f"accept() call       max {report['accept_max_ms']:.3f} ms")
        _out(f"database size       {report['db_mb_per_100k_events']:.1f} MB per 100,000 events")
        _out(f"stats query         {report['stats_s']:.2f} s over {report['events']:,} events "
             f"(target ≤ {TARGET_STATS_S_PER_MILLION:.0f} s per 1,000,000)")
        _out("meets targets       " + ("yes" if all(report["meets_targets"].values()) else
                                       "NO: " + ", ".join(k for k, ok in
                                                          report["meets_targets"].items()
                                                          if not ok)))
    return EXIT_OK


def run_bench(folder: Path, events: int, *, loop: str = "asyncio", synchronous: str = "FULL",
              keep: bool = False, rate: float = 0.0, chunk: int = 20) -> dict[str, Any]:
    """Ingest ``events`` synthetic events through the real writer into ``folder`` while an
    event loop runs beside it; returns the figures.

    The producer runs *on* the loop, accepting ``chunk`` events and then yielding, like a
    busy GUI (``rate`` events/s, 0: as fast as the writer takes them); a ticker every 5 ms
    measures how late the loop wakes it (the stall). The benchmark database is separate
    from the visitor log, so no synthetic visitor ever shows up in real statistics.
    """
    from kiosk.runtime.event_stats import file_size, stats_of, synthetic_events
    from kiosk.runtime.event_store import EventStore

    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    db = folder / "events-bench.sqlite3"
    store = EventStore(db, kiosk_id="bench", synchronous=synchronous, retention_days=None,
                       max_buffer=events + 1).start()
    source = synthetic_events(events, kiosk_id="bench", seed=7)
    # The generator plans all its sessions on the first call; do that before measuring.
    source = itertools.chain([next(source)], source)
    try:
        figures = _run_loop(loop, _ingest(store, source, chunk, rate=rate))
    finally:
        closed = store.close(timeout=120)
    measured = events / figures["seconds"]
    # The same producer at the same pace on the same loop, without a writer (up to 5 s):
    # this machine's own stall (other processes, the producer), so the writer's share can
    # be told apart from the noise of a shared machine.
    quiet_count = max(1, min(events, int(measured * 5)))
    quiet = synthetic_events(quiet_count, kiosk_id="bench", seed=8)
    quiet = itertools.chain([next(quiet)], quiet)
    baseline = _run_loop(loop, _ingest(_NoStore(), quiet, chunk, rate=measured))
    if not closed or store.health().written != events:
        raise CliError(f"the writer stored only {store.health().written:,} of {events:,} events")
    size = file_size(db)
    started = time.perf_counter()
    stats = stats_of(db)
    stats_s = time.perf_counter() - started
    if stats.events != events:
        raise CliError(f"stats counted {stats.events:,} events, expected {events:,}")
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    report = {
        "events": events, **figures, "events_per_s": round(measured),
        "loop": loop, "synchronous": synchronous, "rate_asked": rate,
        "db_bytes": size, "db_mb_per_100k_events": round(size * 100_000 / events / 1e6, 2),
        "stats_s": round(stats_s, 3),
        "baseline_loop_stall_max_ms": baseline["loop_stall_max_ms"],
        "baseline_loop_stall_p99_ms": baseline["loop_stall_p99_ms"],
    }
    report["meets_targets"] = {
        "events_per_s": measured >= TARGET_EVENTS_PER_S,
        "loop_stall_max_ms": figures["loop_stall_max_ms"] <= TARGET_STALL_MS,
        "stats_s": stats_s <= TARGET_STATS_S_PER_MILLION * max(1.0, events / 1e6),
    }
    return report


def _run_loop(kind: str, coro: Coroutine[Any, Any, dict[str, float]]) -> dict[str, float]:
    if kind == "asyncio":
        return asyncio.run(coro)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    qloop = qasync.QEventLoop(app)
    asyncio.set_event_loop(qloop)
    try:
        with qloop:
            result: dict[str, float] = qloop.run_until_complete(coro)
            return result
    finally:
        asyncio.set_event_loop(None)


class _NoStore:
    """Takes events and forgets them (the benchmark's baseline)."""

    class _Health:
        buffered = 0

    def accept(self, event: object) -> bool:
        return True

    def health(self) -> _Health:
        return self._Health()

    def flush(self, timeout: float | None = None) -> bool:
        return True


async def _ingest(store: Any, source: Iterator[Any], chunk: int, *, rate: float = 0.0,
                  backlog: int = 5_000) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    lates: list[float] = []
    done = asyncio.Event()
    interval = 0.005

    async def ticker() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(interval)
            lates.append(time.perf_counter() - before - interval)

    tick = asyncio.ensure_future(ticker())
    await asyncio.sleep(0)
    accept_max = 0.0
    accepted = 0
    started = time.perf_counter()
    exhausted = False
    while not exhausted:
        for _ in range(chunk):
            event = next(source, None)
            if event is None:
                exhausted = True
                break
            t = time.perf_counter()
            store.accept(event)
            accept_max = max(accept_max, time.perf_counter() - t)
            accepted += 1
        # Hold back while the writer is far behind, as the app would never produce this
        # much; keeps memory flat and measures the sustained, not the burst, rate.
        while store.health().buffered > backlog:
            await asyncio.sleep(0.01)
        ahead = started + accepted / rate - time.perf_counter() if rate > 0 else 0.0
        await asyncio.sleep(max(0.0, ahead))
    await loop.run_in_executor(None, store.flush, None)
    seconds = time.perf_counter() - started
    done.set()
    await tick
    lates.sort()
    p99 = lates[min(len(lates) - 1, int(len(lates) * 0.99))] if lates else 0.0
    return {
        "seconds": round(seconds, 3),
        "loop_stall_max_ms": round(max(lates, default=0.0) * 1000, 2),
        "loop_stall_p99_ms": round(p99 * 1000, 2),
        "accept_max_ms": round(accept_max * 1000, 4),
    }
