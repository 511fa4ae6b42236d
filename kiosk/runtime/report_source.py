"""The figures of the funders' report, from this kiosk's log or the fleet's central database.

Blocking (database queries): the command line calls it directly, the staff panel from an
executor. The PDF itself is painted by :mod:`kiosk.ui.report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from kiosk.core.events import LogStats
from kiosk.core.i18n import Text


@dataclass(frozen=True)
class ReportSource:
    """What the report shows, before it is painted."""

    stats: LogStats
    source: str  # where the figures come from (a central URL has its password masked)
    sites: Mapping[str, Sequence[str]]  # location → kiosk ids
    fleet: Sequence[Any] = field(default_factory=list)  # central.fleet.KioskStatus rows


def day_bounds(start: date | None, end: date | None) -> tuple[int | None, int | None]:
    """Epoch ms of local midnight at ``start`` and after ``end`` (inclusive days)."""
    def ms(d: date) -> int:
        return int(datetime.combine(d, time.min).astimezone().timestamp() * 1000)

    return (ms(start) if start else None, ms(end + timedelta(days=1)) if end else None)


def local_source(data_dir: Path, kiosk_id: str, location: str, start: date | None,
                 end: date | None) -> ReportSource:
    """This kiosk's own figures."""
    from kiosk.runtime.event_stats import stats_of
    from kiosk.runtime.event_store import db_path

    since, until = day_bounds(start, end)
    stats = stats_of(db_path(data_dir), since, until_ms=until)
    return ReportSource(stats, kiosk_id, {location: [kiosk_id]})


def central_source(url: str, start: date | None, end: date | None) -> ReportSource:
    """The whole fleet's figures from the central database (raises ``CentralError``)."""
    import psycopg

    from kiosk.runtime.central import fleet, schema
    from kiosk.runtime.central.connection import connect, describe, masked
    from kiosk.runtime.central.stats import central_stats

    since, until = day_bounds(start, end)
    conn = connect(url)
    try:
        schema.check_version(conn, masked(url))
        stats = central_stats(conn, since, until)
        rows = fleet.fleet(conn)
    except psycopg.Error as exc:
        raise describe(exc, url) from None
    finally:
        conn.close()
    sites: dict[str, list[str]] = {}
    for row in rows:
        sites.setdefault(row.location, []).append(row.kiosk_id)
    for kiosk in stats.kiosks:  # kiosks that sent events but never a status row
        if not any(kiosk in ids for ids in sites.values()):
            sites.setdefault("", []).append(kiosk)
    return ReportSource(stats, masked(url), sites, rows)


def demo_titles(data_dir: Path) -> dict[str, Text]:
    """Demo id → title, for the report's labels."""
    from kiosk.core.paths import demos_dir
    from kiosk.runtime.demos import discover

    return {e.id: e.manifest.title for e in discover([demos_dir(), data_dir / "packs"])
            if e.manifest is not None}
