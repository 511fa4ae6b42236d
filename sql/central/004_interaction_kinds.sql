-- Showroom Kiosk central store, schema version 4: what visitors did inside the demos.
--
-- The statistics now count interactions by kind (explanation opened, "not sure" shown, …):
-- the rollup key of an interaction becomes its kind, and the interaction rows already rolled
-- up are counted again from the events.

CREATE OR REPLACE FUNCTION kiosk_rollup_key(type text, payload jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(CASE type
        WHEN 'session_end' THEN payload ->> 'reason'
        WHEN 'error' THEN payload ->> 'code'
        WHEN 'language_change' THEN payload ->> 'lang'
        WHEN 'interaction' THEN payload ->> 'kind'
    END, '') $$;

DELETE FROM rollup_counts WHERE type = 'interaction';
INSERT INTO rollup_counts (day, kiosk_id, type, demo_id, key, n, first_ts, last_ts)
    SELECT ts / 86400000, kiosk_id, type, coalesce(demo_id, ''),
           kiosk_rollup_key(type, payload), count(*), min(ts), max(ts)
    FROM events WHERE type = 'interaction' GROUP BY 1, 2, 3, 4, 5;
DELETE FROM rollup_counts_month WHERE type = 'interaction';
INSERT INTO rollup_counts_month (month, kiosk_id, type, demo_id, key, n, first_ts, last_ts)
    SELECT kiosk_month(day), kiosk_id, type, demo_id, key, sum(n), min(first_ts), max(last_ts)
    FROM rollup_counts WHERE type = 'interaction' GROUP BY 1, 2, 3, 4, 5;
