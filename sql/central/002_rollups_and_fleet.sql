-- Showroom Kiosk central store, schema version 2: statistics rollups and the fleet table.
--
-- Rollups keep the dashboard's statistics fast at fleet scale (100 kiosks x a year is about
-- 20 million events, but about 2 million rollup rows). They are filled in the same statement
-- that inserts new events (kiosk/runtime/central/ingest.py), from the rows that were really
-- new, so a duplicate delivery never counts twice. Days are UTC days (ts / 86 400 000).

-- The key a statistic groups by, per event type (end reason, error code, language).
CREATE FUNCTION kiosk_rollup_key(type text, payload jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(CASE type
        WHEN 'session_end' THEN payload ->> 'reason'
        WHEN 'error' THEN payload ->> 'code'
        WHEN 'language_change' THEN payload ->> 'lang'
    END, '') $$;

-- Durations are kept to the whole second (floored: the dwell-time histogram's edges are
-- whole seconds, so it stays exact; medians are within a second); ratings as they are.
CREATE FUNCTION kiosk_rollup_value(type text, value integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN type = 'feedback' THEN value ELSE value / 1000 * 1000 END $$;

-- Events per UTC day, kiosk, type, demo and key; first and last event time of the group.
CREATE TABLE rollup_counts (
    day integer NOT NULL,
    kiosk_id text NOT NULL,
    type text NOT NULL,
    demo_id text NOT NULL,
    key text NOT NULL,
    n bigint NOT NULL,
    first_ts bigint NOT NULL,
    last_ts bigint NOT NULL,
    PRIMARY KEY (day, kiosk_id, type, demo_id, key)
);

-- Distributions of session lengths, dwell times and ratings per UTC day (whole fleet).
CREATE TABLE rollup_values (
    day integer NOT NULL,
    type text NOT NULL,
    demo_id text NOT NULL,
    value integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (day, type, demo_id, value)
);

-- Visitor sessions started per quarter hour (whole fleet): hours and days in local time.
CREATE TABLE rollup_quarters (
    bucket bigint PRIMARY KEY,
    n bigint NOT NULL
);

INSERT INTO rollup_counts (day, kiosk_id, type, demo_id, key, n, first_ts, last_ts)
    SELECT ts / 86400000, kiosk_id, type, coalesce(demo_id, ''),
           kiosk_rollup_key(type, payload), count(*), min(ts), max(ts)
    FROM events GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_values (day, type, demo_id, value, n)
    SELECT ts / 86400000, type, coalesce(demo_id, ''), kiosk_rollup_value(type, value), count(*)
    FROM events WHERE type IN ('session_end', 'demo_close', 'feedback') AND value IS NOT NULL
    GROUP BY 1, 2, 3, 4;
INSERT INTO rollup_quarters (bucket, n)
    SELECT ts / 900000, count(*) FROM events WHERE type = 'session_start' GROUP BY 1;

-- The fleet: one row per kiosk, upserted by the kiosk itself. reported_at is the server's
-- clock (a kiosk's clock may be wrong); the rest is what the kiosk says about itself.
CREATE TABLE kiosks (
    kiosk_id text PRIMARY KEY,
    location text NOT NULL DEFAULT '',
    version text NOT NULL DEFAULT '',
    demos jsonb NOT NULL DEFAULT '[]',
    last_event_ts bigint,
    self_test text,
    disk_free_bytes bigint,
    crashes_24h integer,
    waiting_events bigint NOT NULL DEFAULT 0,
    oldest_waiting_ts bigint,
    kiosk_clock_ts bigint,
    reported_at timestamptz NOT NULL DEFAULT now()
);
