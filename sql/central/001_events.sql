-- Showroom Kiosk central store, schema version 1: the fleet's interaction log.
-- Applied by `kiosk central init --central URL` (kiosk/runtime/central/schema.py), which runs
-- each numbered file once, in one transaction, and records it in kiosk_schema. Never edit a
-- released file; add the next number.

CREATE TABLE kiosk_schema (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- One row: the identity of this database. Kiosks keep one outbox cursor per database id, so
-- a database that is recreated from scratch receives every event again.
CREATE TABLE central_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO central_meta (key, value) VALUES ('database_id', gen_random_uuid()::text);

-- Every event of every kiosk, exactly once: kiosks send at least once, the primary key makes
-- it exactly once. ts is milliseconds since the epoch, UTC, as the kiosk's clock had it (the
-- same as the kiosk's SQLite log); value is the one number a statistic needs (session length,
-- dwell time or rating, see kiosk.core.events.event_value).
CREATE TABLE events (
    uuid uuid PRIMARY KEY,
    ts bigint NOT NULL,
    kiosk_id text NOT NULL,
    session_id text,
    demo_id text,
    type text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    value integer,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_kiosk_ts ON events (kiosk_id, ts);

-- The same, readable in psql: local wall-clock time instead of milliseconds.
CREATE VIEW events_readable AS
    SELECT uuid, to_timestamp(ts / 1000.0) AS at, kiosk_id, session_id, demo_id, type,
           payload, value, received_at
    FROM events;
