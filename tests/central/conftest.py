"""A real, throwaway PostgreSQL for the central-store tests (no mock database).

Started once per test session from the installed server programs (``.ci/run`` installs
Debian's ``postgresql``); as root it runs as the ``postgres`` user. Tests that need it are
skipped, with the reason, on a machine without PostgreSQL. Every test gets a fresh database.
"""

from __future__ import annotations

import itertools
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.runtime.central.pg_server import LocalServer, ServerError, find_bindir, local_server

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[LocalServer]:
    """The session's server: password login over TCP (scram-sha-256), like a real one."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL server programs not installed (apt-get install postgresql)")
    # Not under pytest's tmp_path: that folder is private to root, the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
    server = local_server(folder, password="pw-" + secrets.token_hex(8))
    try:
        server.init()
        server.start()
    except ServerError as exc:
        server.remove()
        pytest.fail(f"the test PostgreSQL did not start: {exc}")
    yield server
    server.remove()


@pytest.fixture
def central_url(pg_server: LocalServer) -> str:
    """A new empty database on the session's server, with the current schema."""
    from kiosk.runtime.central import schema
    from kiosk.runtime.central.connection import connect

    if not pg_server.running():  # a test that killed it and failed before restarting it
        pg_server.start()
    url = pg_server.create_database(f"kiosk_test_{next(_numbers)}")
    conn = connect(url)
    try:
        schema.migrate(conn, url)
    finally:
        conn.close()
    return url


@pytest.fixture
def empty_url(pg_server: LocalServer) -> str:
    """A new database without any tables."""
    if not pg_server.running():
        pg_server.start()
    return pg_server.create_database(f"kiosk_empty_{next(_numbers)}")
