"""Reports over the interaction log: statistics, CSV / JSONL export, and merging exports.

Statistics are a handful of indexed range queries (one event type each, see the v2 indexes
in :mod:`kiosk.runtime.event_store`), so they stay well under two seconds on a million
events; medians and local-time buckets are finished in Python by the same
:class:`~kiosk.core.events.StatsBuilder` that :func:`kiosk.core.events.compute_stats` uses.

Exports hold exactly what the database holds (nothing personal is in it) and merge back
idempotently: the UUID of every event is unique, so importing the same file twice, or the
exports of several kiosks in any order, gives the same database.

CSV: UTF-8 with a byte-order mark (so spreadsheet programs show umlauts right), a header
row, one column per event field and one per payload field (:data:`CSV_COLUMNS`), empty
where a field does not apply. JSONL: one :meth:`Event.to_json` object per line.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any, Final

from kiosk.core.events import (
    EVENT_TYPES,
    INT_FIELDS,
    PAYLOAD_COLUMNS,
    QUARTER_MS,
    Event,
    EventError,
    LogStats,
    StatsBuilder,
    compute_stats,
    ms_to_iso,
    uuid7,
    validate,
)
from kiosk.runtime.event_store import (
    EventStoreError,
    connect,
    insert_events,
    iter_events,
)

log = logging.getLogger(__name__)

CSV_COLUMNS: Final = ("uuid", "ts", "kiosk_id", "session_id", "demo_id", "type",
                      *PAYLOAD_COLUMNS)
FORMATS: Final = ("csv", "jsonl")
_ALL: Final = -(2**62)  # "since the beginning" as a bound SQLite compares cheaply


# -- statistics -------------------------------------------------------------------------------
def query_stats(
    conn: sqlite3.Connection, since_ms: int | None = None, tz: tzinfo | None = None,
    until_ms: int | None = None,
) -> LogStats:
    """The statistics of events with ``since_ms`` ≤ ts < ``until_ms``; hours and days in
    ``tz`` (None: local).

    Each query reads one type's range of the (type, demo_id, ts, value) index, mostly
    without touching the table, and per-demo figures come out of it already grouped.
    """
    lo = _ALL if since_ms is None else since_ms
    hi = -_ALL if until_ms is None else until_ms
    b = StatsBuilder(tz=tz, since_ms=since_ms)
    counted: dict[str, int] = {}

    def rows(columns: str, type_: str, group: bool = False) -> list[tuple[Any, ...]]:
        sql = f"SELECT {columns} FROM events WHERE type = ? AND ts >= ? AND ts < ?"
        return conn.execute(sql + (" GROUP BY 1" if group else ""), (type_, lo, hi)).fetchall()

    for bucket, n in rows(f"ts / {QUARTER_MS}, count(*)", "session_start", group=True):
        b.session_starts[int(bucket)] += n
    counted["session_start"] = sum(b.session_starts.values())
    for kiosk, n in rows("kiosk_id, count(*)", "session_start", group=True):
        b.kiosks[kiosk] += n
    b.session_lengths = [int(v) for v, in rows("value", "session_end")]
    counted["session_end"] = len(b.session_lengths)
    for reason, n in rows("json_extract(payload, '$.reason'), count(*)", "session_end",
                          group=True):
        b.end_reasons[reason] += n
    for type_, counter in (("demo_open", b.opens), ("interaction", b.interactions)):
        for demo, n in rows("demo_id, count(*)", type_, group=True):
            counted[type_] = counted.get(type_, 0) + n
            if demo:
                counter[demo] += n
    for kind, n in rows("json_extract(payload, '$.kind'), count(*)", "interaction", group=True):
        b.kinds[str(kind)] += n
    closes = rows("demo_id, value", "demo_close")
    counted["demo_close"] = len(closes)
    for demo, dwell in closes:
        if demo:
            b.dwell[demo].append(int(dwell))
    ratings = rows("demo_id, value", "feedback")
    counted["feedback"] = len(ratings)
    for demo, rating in ratings:
        b.ratings[demo].append(int(rating))
    for type_, key, counter in (("error", "code", b.errors),
                                ("language_change", "lang", b.languages)):
        for value, n in rows(f"json_extract(payload, '$.{key}'), count(*)", type_, group=True):
            counted[type_] = counted.get(type_, 0) + n
            counter[str(value)] += n
    for type_ in sorted(EVENT_TYPES - set(counted)):  # app_start, app_stop, crash, new ones
        counted[type_] = rows("count(*)", type_)[0][0]
    b.events = sum(counted.values())
    b.app_starts = counted["app_start"]
    b.crashes = counted["crash"]
    b.first_ms = conn.execute("SELECT min(ts) FROM events WHERE ts >= ? AND ts < ?",
                              (lo, hi)).fetchone()[0]
    b.last_ms = conn.execute("SELECT max(ts) FROM events WHERE ts >= ? AND ts < ?",
                             (lo, hi)).fetchone()[0]
    return b.build()


def stats_of(path: Path, since_ms: int | None = None, tz: tzinfo | None = None,
             until_ms: int | None = None) -> LogStats:
    """Statistics of the database at ``path``; all zero when it does not exist yet.

    Blocking: call it off the GUI thread (the dashboard takes it as its loader).
    """
    if not path.exists():
        return compute_stats([], since_ms=since_ms, tz=tz)
    conn = connect(path, create=False)
    try:
        return query_stats(conn, since_ms, tz, until_ms)
    finally:
        conn.close()


def since_days(days: int | None, now: float | None = None) -> int | None:
    """The start of "the last ``days`` days" in epoch ms (None: everything)."""
    if days is None:
        return None
    return int(((time.time() if now is None else now) - days * 86400) * 1000)


def stats_loader(db: Path) -> Callable[[int | None], LogStats]:
    """The dashboard's ``load_stats``: figures of the last ``days`` days (blocking)."""

    def load(days: int | None) -> LogStats:
        return stats_of(db, since_days(days))

    return load


def csv_exporter(
    db: Path, kiosk_id: str, before: Callable[[], object] | None = None,
) -> Callable[[Path, int | None], Path]:
    """The dashboard's ``export_csv``: the last ``days`` days into a new file in a folder.

    ``before`` runs first, e.g. ``store.flush`` so the export holds the latest visitors.
    """

    def export(folder: Path, days: int | None) -> Path:
        if before is not None:
            before()
        out = folder / export_file_name(kiosk_id, "csv")
        export_path(db, out, "csv", since_days(days))
        return out

    return export


# -- export -------------------------------------------------------------------------------------
def csv_row(e: Event) -> list[str]:
    """An event as a CSV row in :data:`CSV_COLUMNS` order."""
    payload = e.payload
    return [e.uuid, e.ts, e.kiosk_id, e.session_id or "", e.demo_id or "", e.type,
            *("" if payload.get(k) is None else str(payload[k]) for k in PAYLOAD_COLUMNS)]


def export_events(
    conn: sqlite3.Connection, out: Path, fmt: str, since_ms: int | None = None,
) -> int:
    """Write events (ts ≥ ``since_ms``, time order) to ``out``; returns how many.

    Written to a temporary file next to ``out`` and renamed, so a reader never sees half
    an export.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use {' or '.join(FORMATS)}")
    tmp = out.with_name(f".{out.name}.part")
    count = 0
    try:
        if fmt == "csv":
            with tmp.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(CSV_COLUMNS)
                for e in iter_events(conn, since_ms):
                    writer.writerow(csv_row(e))
                    count += 1
        else:
            with tmp.open("w", encoding="utf-8", newline="\n") as f:
                for e in iter_events(conn, since_ms):
                    f.write(json.dumps(e.to_json(), ensure_ascii=False, separators=(",", ":")))
                    f.write("\n")
                    count += 1
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


def export_path(
    path: Path, out: Path, fmt: str, since_ms: int | None = None,
) -> int:
    """:func:`export_events` from the database at ``path``."""
    conn = connect(path, create=False)
    try:
        return export_events(conn, out, fmt, since_ms)
    finally:
        conn.close()


def export_file_name(kiosk_id: str, fmt: str, now: float | None = None) -> str:
    """A file name like ``visitor-log-kiosk-1-20240501-1730.csv``."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", kiosk_id).strip("-.") or "kiosk"
    stamp = time.strftime("%Y%m%d-%H%M", time.localtime(time.time() if now is None else now))
    return f"visitor-log-{safe}-{stamp}.{fmt}"


# -- import ---------------------------------------------------------------------------------------
@dataclass
class ImportResult:
    """What a merge did."""

    read: int = 0
    added: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)  # the first few bad lines, with reasons

    @property
    def duplicates(self) -> int:
        """Valid events that were already in the database."""
        return self.read - self.invalid - self.added


def _from_csv(row: dict[str, str | None]) -> Event:
    missing = [c for c in CSV_COLUMNS if row.get(c) is None]
    if missing:
        raise EventError(f"missing column(s) {', '.join(missing)}")
    payload: dict[str, Any] = {}
    for key in PAYLOAD_COLUMNS:
        value = row[key] or ""
        if value == "":
            continue
        if key in INT_FIELDS:
            try:
                payload[key] = int(value)
            except ValueError:
                raise EventError(f"{key} {value!r} is not a whole number") from None
        else:
            payload[key] = value
    return validate(Event(row["uuid"] or "", row["ts"] or "", row["kiosk_id"] or "",
                          row["session_id"] or None, row["demo_id"] or None, row["type"] or "",
                          payload))


MAX_LINE_CHARS = 64 * 1024  # an exported event is a few hundred characters
_TOO_LONG = EventError(f"longer than {MAX_LINE_CHARS // 1024} K characters: not an event")


def _bounded_lines(f: IO[str], overlong: list[int]) -> Iterator[str]:
    """The lines of ``f``; one longer than :data:`MAX_LINE_CHARS` (a file that is one huge
    line, or not an export at all) is skipped without being held, its number noted."""
    number = 0
    while line := f.readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            while (rest := f.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
                pass
            overlong.append(number)
            yield "\n"  # keeps the line numbers right; an empty line is no record
            continue
        yield line


def read_export(path: Path) -> Iterator[tuple[int, Event | EventError]]:
    """The events of a CSV or JSONL export as ``(line number, event or its problem)``.

    The format is taken from the file's first character (``{`` is JSONL), so a renamed
    file still reads. Lines are bounded, and a malformed line (too long, nested too deep,
    a broken CSV quote) is reported as that line's problem, never raised.
    """
    overlong: list[int] = []
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        first = f.read(1)
        f.seek(0)
        lines = _bounded_lines(f, overlong)
        if first == "{":
            for number, line in enumerate(lines, start=1):
                if overlong:
                    yield overlong.pop(), _TOO_LONG
                if not line.strip():
                    continue
                try:
                    yield number, Event.from_json(json.loads(line))
                except (ValueError, RecursionError, EventError) as exc:
                    # ValueError: bad JSON or a 5000-digit number; RecursionError: [[[[…
                    reason = "nested too deep" if isinstance(exc, RecursionError) else exc
                    yield number, EventError(str(reason))
            return
        reader = csv.DictReader(lines)
        try:
            fieldnames = reader.fieldnames
        except csv.Error:
            fieldnames = None
        if fieldnames is None or "uuid" not in fieldnames:
            raise EventError(f"{path.name} is neither a CSV export with a header row starting "
                             "'uuid,ts,…' nor a JSONL export")
        while True:
            row: dict[str, str | None] | None = None
            problem: EventError | None = None
            try:
                row = next(reader)
            except StopIteration:
                pass
            except csv.Error as exc:  # e.g. a quote never closed: a field without bound
                problem = EventError(str(exc))
            while overlong:
                yield overlong.pop(0), _TOO_LONG
            if row is None and problem is None:
                break
            try:
                if problem is not None:
                    raise problem
                assert row is not None
                yield reader.line_num, _from_csv(row)
            except EventError as exc:
                yield reader.line_num, exc


def import_events(conn: sqlite3.Connection, path: Path, batch: int = 5000) -> ImportResult:
    """Merge an export into the database (INSERT OR IGNORE by UUID: idempotent)."""
    result = ImportResult()
    chunk: list[Event] = []
    for number, item in read_export(path):
        result.read += 1
        if isinstance(item, EventError):
            result.invalid += 1
            if len(result.problems) < 5:
                result.problems.append(f"line {number}: {item}")
            continue
        chunk.append(item)
        if len(chunk) >= batch:
            result.added += insert_events(conn, chunk)
            chunk = []
    result.added += insert_events(conn, chunk)
    return result


def import_path(db: Path, source: Path) -> ImportResult:
    """:func:`import_events` into the database at ``db`` (created when missing)."""
    if not source.is_file():
        raise EventStoreError(f"{source} is not a file")
    conn = connect(db)
    try:
        return import_events(conn, source)
    finally:
        conn.close()


def file_size(db: Path) -> int:
    """Bytes the database takes on disk, with its WAL file."""
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


def describe_size(n: int) -> str:
    """``12.3 MB``."""
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.2f} GB"


# -- synthetic visitors (benchmark, dashboard previews) -------------------------------------------
SYNTHETIC_DEMOS: Final = (  # (built-in demo id, popularity weight, interaction kinds)
    ("image-classification", 5.0, ("info_open",)),
    ("face-privacy", 3.0, ("toggle", "info_open")),
    ("draw-digit", 2.5, ("draw_submit", "draw_clear")),
    ("teach-ai", 2.0, ("teach_sample", "teach_reset")),
    ("ai-reads", 1.0, ("capture", "info_open")),
)
_LABELS: Final = ("espresso", "banana", "tabby", "coffee mug", "7", "3", "rock", "paper")
_LONGEST_SESSION_MS: Final = 3 * 3600 * 1000  # far above any synthetic visit
_HOUR_WEIGHTS: Final = {9: 2, 10: 5, 11: 8, 12: 6, 13: 5, 14: 7, 15: 8, 16: 6, 17: 3}


def synthetic_events(
    count: int, *, kiosk_id: str = "bench", seed: int = 1, days: int = 60,
    end: date | None = None, tz: tzinfo | None = None,
) -> Iterator[Event]:
    """``count`` plausible visitor events over ``days`` days of opening hours.

    Sessions of 1–4 demos with interactions, dwell times around a minute, some feedback,
    a few errors: what a busy showroom produces. Deterministic for a ``seed``.
    """
    rng = random.Random(seed)
    last = end or date.today()
    # No visit may lie in the future: today's opening hours count only as far as they are
    # over (less the longest plausible visit), the rest moves to the day before.
    latest_ms = int(time.time() * 1000) - _LONGEST_SESSION_MS if end is None else None
    hours = list(_HOUR_WEIGHTS)
    weights = list(_HOUR_WEIGHTS.values())
    demo_weights = [w for _, w, _ in SYNTHETIC_DEMOS]
    made = 0

    def event(ms: int, type_: str, sid: str | None, demo: str | None,
              payload: dict[str, Any] | None = None) -> Event:
        return Event(uuid7(ms, rng.getrandbits(74)), ms_to_iso(ms), kiosk_id, sid, demo, type_,
                     payload or {})

    def start_ms() -> int:
        day = last - timedelta(days=rng.randrange(days))
        start = datetime.combine(day, datetime.min.time()).replace(
            hour=rng.choices(hours, weights)[0], minute=rng.randrange(60),
            second=rng.randrange(60))
        start = start.replace(tzinfo=tz) if tz is not None else start.astimezone()
        ms = int(start.timestamp() * 1000)
        while latest_ms is not None and ms > latest_ms:
            ms -= 86_400_000
        return ms

    while made < count:
        # Sessions in time order, as a real kiosk writes them (about 19 events a session).
        for t0 in sorted(start_ms() for _ in range(count // 19 + 1)):
            session = _synthetic_session(rng, event, t0, demo_weights)
            yield from session[:count - made]
            made += min(len(session), count - made)
            if made >= count:
                return


def _synthetic_session(
    rng: random.Random, event: Callable[..., Event], t: int, demo_weights: list[float],
) -> list[Event]:
    t0 = t
    sid = f"{rng.getrandbits(64):016x}"
    session = [event(t, "session_start", sid, None)]
    if rng.random() < 0.25:
        t += rng.randrange(1000, 5000)
        session.append(event(t, "language_change", sid, None, {"lang": "en"}))
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
        demo, _, kinds = rng.choices(SYNTHETIC_DEMOS, demo_weights)[0]
        t += rng.randrange(2000, 15000)
        opened = t
        session.append(event(t, "demo_open", sid, demo))
        for _ in range(rng.randrange(0, 12)):
            t += rng.randrange(500, 9000)
            payload: dict[str, Any] = {"kind": rng.choice(kinds)}
            if payload["kind"] in ("predict", "draw_submit"):
                payload["label"] = rng.choice(_LABELS)
            session.append(event(t, "interaction", sid, demo, payload))
        if rng.random() < 0.01:
            session.append(event(t, "error", sid, demo,
                                 {"code": rng.choice(("camera_lost", "model_failed"))}))
        t = max(t, opened + int(rng.lognormvariate(10.6, 0.8)))
        session.append(event(t, "demo_close", sid, demo, {"dwell_ms": t - opened}))
        if rng.random() < 0.3:
            t += rng.randrange(1000, 4000)
            stars = rng.choices((1, 2, 3, 4, 5), (1, 1, 3, 6, 8))[0]
            session.append(event(t, "feedback", sid, demo, {"rating": stars}))
    idle = rng.random() < 0.6
    t += 90_000 if idle else rng.randrange(1000, 6000)
    session.append(event(t, "session_end", sid, None,
                         {"reason": "idle" if idle else "done", "duration_ms": t - t0}))
    return session
