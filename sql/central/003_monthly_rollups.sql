-- Showroom Kiosk central store, schema version 3: monthly rollups.
--
-- A year of a 100-kiosk fleet is still about a million rows in the daily rollups (every
-- kiosk has a few dozen kinds of rows every day). Statistics over whole months read these
-- instead (a few thousand rows a month), and the daily rows only for the days before the
-- first and after the last whole month of a period. Filled by the same ingest statement.

-- Months since January 1970 (UTC) of a UTC day number.
CREATE FUNCTION kiosk_month(day integer) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (extract(year FROM date '1970-01-01' + day) * 12
                  + extract(month FROM date '1970-01-01' + day) - 1)::integer $$;

CREATE TABLE rollup_counts_month (
    month integer NOT NULL,
    kiosk_id text NOT NULL,
    type text NOT NULL,
    demo_id text NOT NULL,
    key text NOT NULL,
    n bigint NOT NULL,
    first_ts bigint NOT NULL,
    last_ts bigint NOT NULL,
    PRIMARY KEY (month, kiosk_id, type, demo_id, key)
);

CREATE TABLE rollup_values_month (
    month integer NOT NULL,
    type text NOT NULL,
    demo_id text NOT NULL,
    value integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (month, type, demo_id, value)
);

INSERT INTO rollup_counts_month (month, kiosk_id, type, demo_id, key, n, first_ts, last_ts)
    SELECT kiosk_month(day), kiosk_id, type, demo_id, key, sum(n), min(first_ts), max(last_ts)
    FROM rollup_counts GROUP BY 1, 2, 3, 4, 5;
INSERT INTO rollup_values_month (month, type, demo_id, value, n)
    SELECT kiosk_month(day), type, demo_id, value, sum(n)
    FROM rollup_values GROUP BY 1, 2, 3, 4;
