"""The dashboard's statistics, computed on the central database across kiosks.

The figures are the same :class:`~kiosk.core.events.LogStats` the kiosk computes from its
own log (``kiosk log stats --json`` has one shape, local or central): the rows come out of
SQL and go through the same :class:`~kiosk.core.events.StatsBuilder`, so every rule
(medians, ordering, local hours and days) is shared.

For the whole fleet the rows come from the rollup tables (schema versions 2 and 3, kept up
to date by :mod:`kiosk.runtime.central.ingest`): whole months from the monthly rollups, the
days before and after them from the daily ones, so a year of 100 kiosks is some ten
thousand rows instead of twenty million events. Their time resolution is the UTC day (the
quarter hour for session starts), so a period starts and ends on UTC day boundaries.
Filtered to some kiosks (or a location's kiosks) the same rows are computed from the events
themselves, with exact times, through the (kiosk_id, ts) index.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, tzinfo
from typing import Any, Final

from kiosk.core.events import QUARTER_MS, LogStats, StatsBuilder

DAY_MS: Final = 86_400_000
_FAR: Final = 2**62

_EVENTS_WHERE: Final = "kiosk_id = ANY(%(kiosks)s) AND ts >= %(lo)s AND ts < %(hi)s"
_COUNTS_FROM_EVENTS: Final = f"""(
    SELECT ts / {DAY_MS} AS day, kiosk_id, type, coalesce(demo_id, '') AS demo_id,
           kiosk_rollup_key(type, payload) AS key, 1 AS n, ts AS first_ts, ts AS last_ts
    FROM events WHERE {_EVENTS_WHERE}) AS c"""
_VALUES_FROM_EVENTS: Final = f"""(
    SELECT ts / {DAY_MS} AS day, type, coalesce(demo_id, '') AS demo_id,
           kiosk_rollup_value(type, value) AS value, 1 AS n
    FROM events WHERE {_EVENTS_WHERE}
      AND type IN ('session_end', 'demo_close', 'feedback') AND value IS NOT NULL) AS v"""
_QUARTERS_FROM_EVENTS: Final = f"""(
    SELECT ts / {QUARTER_MS} AS bucket, 1 AS n
    FROM events WHERE {_EVENTS_WHERE} AND type = 'session_start') AS q"""


def kiosks_at(conn: Any, location: str) -> list[str]:
    """The kiosks of a location (from the fleet table)."""
    rows = conn.execute("SELECT kiosk_id FROM kiosks WHERE location = %s ORDER BY kiosk_id",
                        (location,)).fetchall()
    return [str(r[0]) for r in rows]


def central_stats(
    conn: Any, since_ms: int | None = None, until_ms: int | None = None, *,
    kiosks: Sequence[str] | None = None, tz: tzinfo | None = None,
) -> LogStats:
    """Statistics of events with ``since_ms`` ≤ ts < ``until_ms`` (None: unbounded), of the
    whole fleet or of ``kiosks``; hours and days in ``tz`` (None: local)."""
    lo = -_FAR if since_ms is None else since_ms
    hi = _FAR if until_ms is None else until_ms
    params: dict[str, Any] = {"lo": lo, "hi": hi, "lo_day": lo // DAY_MS,
                              "hi_day": (hi - 1) // DAY_MS, "lo_q": lo // QUARTER_MS,
                              "hi_q": (hi - 1) // QUARTER_MS, "kiosks": list(kiosks or [])}
    day_range = "day BETWEEN %(lo_day)s AND %(hi_day)s"
    if kiosks is None:
        params.update(_whole_months(since_ms, until_ms))
        # Whole months from the monthly rollups, the days around them from the daily ones.
        rest = f"{day_range} AND NOT day BETWEEN %(m_first_day)s AND %(m_last_day)s"
        counts = (f"(SELECT type, demo_id, key, kiosk_id, n, first_ts, last_ts "
                  f"FROM rollup_counts_month WHERE month BETWEEN %(m_lo)s AND %(m_hi)s "
                  f"UNION ALL SELECT type, demo_id, key, kiosk_id, n, first_ts, last_ts "
                  f"FROM rollup_counts WHERE {rest}) AS c")
        values = (f"(SELECT type, demo_id, value, n FROM rollup_values_month "
                  f"WHERE month BETWEEN %(m_lo)s AND %(m_hi)s "
                  f"UNION ALL SELECT type, demo_id, value, n FROM rollup_values "
                  f"WHERE {rest}) AS v")
        quarters = "rollup_quarters"
        day_range = "true"
    else:
        counts, values, quarters = _COUNTS_FROM_EVENTS, _VALUES_FROM_EVENTS, \
            _QUARTERS_FROM_EVENTS
    b = StatsBuilder(tz=tz, since_ms=since_ms)
    for type_, demo, key, kiosk, n, first, last in conn.execute(
            f"SELECT type, demo_id, key, kiosk_id, sum(n), min(first_ts), max(last_ts) "
            f"FROM {counts} WHERE {day_range} GROUP BY 1, 2, 3, 4", params):
        _count(b, type_, demo or None, key, kiosk, int(n))
        b.first_ms = first if b.first_ms is None else min(b.first_ms, first)
        b.last_ms = last if b.last_ms is None else max(b.last_ms, last)
    for type_, demo, value, n in conn.execute(
            f"SELECT type, demo_id, value, sum(n) FROM {values} WHERE {day_range} "
            f"GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", params):
        _value(b, type_, demo or None, int(value), int(n))
    for bucket, n in conn.execute(
            f"SELECT bucket, sum(n) FROM {quarters} "
            f"WHERE bucket BETWEEN %(lo_q)s AND %(hi_q)s GROUP BY 1", params):
        b.session_starts[int(bucket)] += int(n)
    return b.build()


def _month(d: date) -> int:
    return d.year * 12 + d.month - 1


def _whole_months(since_ms: int | None, until_ms: int | None) -> dict[str, int]:
    """The whole UTC months inside the period, and the UTC days they cover (an empty range,
    first > last, when there is none)."""
    epoch = date(1970, 1, 1)
    if since_ms is None:
        m_lo, first_day = -(2**31), -(2**31)
    else:
        start = epoch + timedelta(days=since_ms // DAY_MS)
        m_lo = _month(start) + (start.day != 1)
        y, m = divmod(m_lo, 12)
        first_day = (date(y, m + 1, 1) - epoch).days
    if until_ms is None:
        m_hi, last_day = 2**31 - 1, 2**31 - 1
    else:
        end = epoch + timedelta(days=(until_ms - 1) // DAY_MS)
        after = end + timedelta(days=1)
        m_hi = _month(end) - (after.day != 1)
        y, m = divmod(m_hi + 1, 12)
        last_day = (date(y, m + 1, 1) - epoch).days - 1
    if m_lo > m_hi:
        return {"m_lo": 1, "m_hi": 0, "m_first_day": 1, "m_last_day": 0}
    return {"m_lo": m_lo, "m_hi": m_hi, "m_first_day": first_day, "m_last_day": last_day}


def _count(b: StatsBuilder, type_: str, demo: str | None, key: str, kiosk: str,
           n: int) -> None:
    b.events += n
    if type_ == "session_start":
        b.kiosks[kiosk] += n
    elif type_ == "session_end":
        b.end_reasons[key] += n
    elif type_ == "demo_open" and demo:
        b.opens[demo] += n
    elif type_ == "interaction":
        b.kinds[key] += n
        if demo:
            b.interactions[demo] += n
    elif type_ == "error":
        b.errors[key] += n
    elif type_ == "language_change":
        b.languages[key] += n
    elif type_ == "app_start":
        b.app_starts += n
    elif type_ == "crash":
        b.crashes += n


def _value(b: StatsBuilder, type_: str, demo: str | None, value: int, n: int) -> None:
    if type_ == "session_end":
        b.session_lengths.extend([value] * n)
    elif type_ == "demo_close" and demo:
        b.dwell[demo].extend([value] * n)
    elif type_ == "feedback":
        b.ratings[demo].extend([value] * n)
