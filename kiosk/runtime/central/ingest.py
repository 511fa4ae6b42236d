"""Sending one batch of events to the central database, exactly once.

A batch is COPYed into a temporary table and merged into ``events`` with
``ON CONFLICT (uuid) DO NOTHING``; the same statement adds the rows that were really new
(``RETURNING``) to the daily and monthly rollup tables (schema versions 2 and 3), so
statistics never count a duplicate delivery twice. Everything happens in one transaction:
the server has either all of a batch, rollups included, or none of it, whatever moment it
is killed at.
"""

from __future__ import annotations

from typing import Any, Final

from kiosk.runtime.central.outbox import COPY_COLUMNS

STAGING_SQL: Final = (
    "CREATE TEMP TABLE IF NOT EXISTS incoming (uuid uuid, ts bigint, kiosk_id text, "
    "session_id text, demo_id text, type text, payload jsonb, value integer) "
    "ON COMMIT DELETE ROWS")

# Rows are grouped and ordered by their key before the upserts, so concurrent kiosks take
# row locks on shared rollup rows in the same order (no deadlocks between them).
MERGE_SQL: Final = f"""
WITH new AS (
    INSERT INTO events ({COPY_COLUMNS})
    SELECT {COPY_COLUMNS} FROM incoming
    ON CONFLICT (uuid) DO NOTHING
    RETURNING ts, kiosk_id, demo_id, type, payload, value
), counts AS (
    INSERT INTO rollup_counts AS r (day, kiosk_id, type, demo_id, key, n, first_ts, last_ts)
    SELECT ts / 86400000, kiosk_id, type, coalesce(demo_id, ''),
           kiosk_rollup_key(type, payload), count(*), min(ts), max(ts)
    FROM new GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (day, kiosk_id, type, demo_id, key) DO UPDATE
    SET n = r.n + excluded.n, first_ts = least(r.first_ts, excluded.first_ts),
        last_ts = greatest(r.last_ts, excluded.last_ts)
), vals AS (
    INSERT INTO rollup_values AS r (day, type, demo_id, value, n)
    SELECT ts / 86400000, type, coalesce(demo_id, ''), kiosk_rollup_value(type, value),
           count(*)
    FROM new WHERE type IN ('session_end', 'demo_close', 'feedback') AND value IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (day, type, demo_id, value) DO UPDATE SET n = r.n + excluded.n
), counts_month AS (
    INSERT INTO rollup_counts_month AS r (month, kiosk_id, type, demo_id, key, n, first_ts,
                                          last_ts)
    SELECT kiosk_month((ts / 86400000)::integer), kiosk_id, type, coalesce(demo_id, ''),
           kiosk_rollup_key(type, payload), count(*), min(ts), max(ts)
    FROM new GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (month, kiosk_id, type, demo_id, key) DO UPDATE
    SET n = r.n + excluded.n, first_ts = least(r.first_ts, excluded.first_ts),
        last_ts = greatest(r.last_ts, excluded.last_ts)
), vals_month AS (
    INSERT INTO rollup_values_month AS r (month, type, demo_id, value, n)
    SELECT kiosk_month((ts / 86400000)::integer), type, coalesce(demo_id, ''),
           kiosk_rollup_value(type, value), count(*)
    FROM new WHERE type IN ('session_end', 'demo_close', 'feedback') AND value IS NOT NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, type, demo_id, value) DO UPDATE SET n = r.n + excluded.n
), quarters AS (
    INSERT INTO rollup_quarters AS r (bucket, n)
    SELECT ts / 900000, count(*) FROM new WHERE type = 'session_start'
    GROUP BY 1 ORDER BY 1
    ON CONFLICT (bucket) DO UPDATE SET n = r.n + excluded.n
)
SELECT count(*) FROM new
"""


def prepare(conn: Any) -> None:
    """Create the session's staging table (once per connection)."""
    with conn.transaction():
        conn.execute(STAGING_SQL)


def send(conn: Any, copy_text: str) -> int:
    """Store the events of ``copy_text`` (COPY text lines); returns how many were new.

    Commits before it returns: when it returns, the server has acknowledged the batch.
    """
    with conn.transaction():
        with conn.cursor() as cur, cur.copy(
                f"COPY incoming ({COPY_COLUMNS}) FROM STDIN") as copy:
            copy.write(copy_text)
        row = conn.execute(MERGE_SQL).fetchone()
    return int(row[0]) if row else 0
