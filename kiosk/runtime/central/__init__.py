"""The central store: each kiosk's events forwarded to one PostgreSQL for the whole fleet.

``connection`` opens psycopg connections and turns every failure into one line for staff
(passwords masked); ``schema`` applies the SQL files of ``sql/central``; ``outbox`` is the
kiosk's side (the SQLite cursor of what the server has acknowledged); ``ingest`` sends one
batch; ``forwarder`` is the background thread; ``stats`` and ``fleet`` read the server;
``pg_server`` runs a throwaway PostgreSQL for tests, benchmarks and trials.
"""
