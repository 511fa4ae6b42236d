"""The fleet table: one status row per kiosk, upserted by the kiosk, read by IT.

A kiosk reports what it knows about itself (location, version, demos and their state, last
self-test, free disk, crashes in the last 24 h) plus its outbox backlog; the server stamps
the row with its own clock (``reported_at``), so "last heard of" does not depend on a
kiosk's clock being right.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from kiosk.runtime.central.outbox import Backlog

UPSERT_SQL: Final = """
INSERT INTO kiosks AS k (kiosk_id, location, version, demos, last_event_ts, self_test,
                         disk_free_bytes, crashes_24h, waiting_events, oldest_waiting_ts,
                         kiosk_clock_ts, reported_at)
VALUES (%(kiosk_id)s, %(location)s, %(version)s, %(demos)s::jsonb, %(last_event_ts)s,
        %(self_test)s, %(disk_free_bytes)s, %(crashes_24h)s, %(waiting)s, %(oldest)s,
        %(clock)s, now())
ON CONFLICT (kiosk_id) DO UPDATE SET
    location = excluded.location, version = excluded.version, demos = excluded.demos,
    last_event_ts = excluded.last_event_ts, self_test = excluded.self_test,
    disk_free_bytes = excluded.disk_free_bytes, crashes_24h = excluded.crashes_24h,
    waiting_events = excluded.waiting_events, oldest_waiting_ts = excluded.oldest_waiting_ts,
    kiosk_clock_ts = excluded.kiosk_clock_ts, reported_at = now()
"""

SELECT_SQL: Final = """
SELECT kiosk_id, location, version, demos, last_event_ts, self_test, disk_free_bytes,
       crashes_24h, waiting_events, oldest_waiting_ts, kiosk_clock_ts, reported_at,
       extract(epoch FROM now() - reported_at)
FROM kiosks ORDER BY location, kiosk_id
"""


def report(conn: Any, kiosk_id: str, backlog: Backlog, status: Mapping[str, Any]) -> None:
    """Upsert this kiosk's row (commits)."""
    from kiosk.core.events import now_ms

    demos = status.get("demos", [])
    with conn.transaction():
        conn.execute(UPSERT_SQL, {
            "kiosk_id": kiosk_id, "location": str(status.get("location", "")),
            "version": str(status.get("version", "")), "demos": json.dumps(list(demos)),
            "last_event_ts": backlog.last_event_ts, "self_test": status.get("self_test"),
            "disk_free_bytes": status.get("disk_free_bytes"),
            "crashes_24h": status.get("crashes_24h"), "waiting": backlog.waiting,
            "oldest": backlog.oldest_ts, "clock": now_ms()})


@dataclass(frozen=True)
class KioskStatus:
    """One row of the fleet table."""

    kiosk_id: str
    location: str
    version: str
    demos: Sequence[Mapping[str, Any]]
    last_event_ts: int | None
    self_test: str | None
    disk_free_bytes: int | None
    crashes_24h: int | None
    waiting_events: int
    oldest_waiting_ts: int | None
    kiosk_clock_ts: int | None
    reported_at: datetime
    seconds_since_report: float

    @property
    def sync_lag_s(self) -> float | None:
        """How old the oldest unsent event was when the kiosk reported (None: all sent)."""
        if self.oldest_waiting_ts is None or self.kiosk_clock_ts is None:
            return None
        return max(0.0, (self.kiosk_clock_ts - self.oldest_waiting_ts) / 1000)

    def to_json(self) -> dict[str, Any]:
        """The row as JSON (``kiosk fleet status --json``)."""
        from kiosk.core.events import ms_to_iso

        def iso(ms: int | None) -> str | None:
            return ms_to_iso(ms) if ms is not None else None

        return {
            "kiosk_id": self.kiosk_id, "location": self.location, "version": self.version,
            "demos": list(self.demos), "last_event": iso(self.last_event_ts),
            "self_test": self.self_test, "disk_free_bytes": self.disk_free_bytes,
            "crashes_24h": self.crashes_24h, "waiting_events": self.waiting_events,
            "sync_lag_s": self.sync_lag_s, "reported_at": self.reported_at.isoformat(),
            "seconds_since_report": round(self.seconds_since_report, 1),
        }


def fleet(conn: Any) -> list[KioskStatus]:
    """Every kiosk's latest row, by location."""
    rows = conn.execute(SELECT_SQL).fetchall()
    return [KioskStatus(r[0], r[1], r[2], r[3] or [], r[4], r[5], r[6], r[7], int(r[8]), r[9],
                        r[10], r[11], float(r[12])) for r in rows]


def disk_free(folder: Path) -> int | None:
    """Free bytes where the data dir is (None when it cannot be told)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
