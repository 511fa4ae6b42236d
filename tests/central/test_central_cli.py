"""``kiosk central init``, ``kiosk sync``, ``kiosk fleet status``, ``kiosk log stats --central``
as IT runs them: real subprocesses against the real throwaway PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kiosk.runtime.central.pg_server import LocalServer
from kiosk.runtime.event_stats import synthetic_events
from kiosk.runtime.event_store import connect, db_path, insert_events
from tests.e2e.test_log_cli import kiosk, one_line_error


def seeded(folder: Path, kiosk_id: str, events: int, seed: int) -> Path:
    conn = connect(db_path(folder))
    insert_events(conn, synthetic_events(events, kiosk_id=kiosk_id, seed=seed))
    conn.close()
    return folder


def test_init_sync_fleet_and_stats(tmp_path: Path, empty_url: str,
                                   pg_server: LocalServer) -> None:
    assert pg_server.password
    out = kiosk("central", "init", "--central", empty_url, data_dir=tmp_path / "it")
    assert out.returncode == 0, out.stderr
    assert "from schema version 0 to 4" in out.stdout and pg_server.password not in out.stdout
    again = kiosk("central", "init", "--central", empty_url, data_dir=tmp_path / "it")
    assert "up to date (schema version 4)" in again.stdout

    # One kiosk has the URL in its settings; the other gets the password from PGPASSWORD.
    a = seeded(tmp_path / "a", "hall-a", 2000, 1)
    b = seeded(tmp_path / "b", "hall-b", 1500, 2)
    no_password = empty_url.replace(f":{pg_server.password}@", "@")
    assert kiosk("settings", "set", f"central_url={empty_url}", "kiosk_id=hall-a",
                 "location=Showroom", data_dir=a).returncode == 0
    shown = kiosk("settings", "show", data_dir=a).stdout
    assert pg_server.password not in shown and ":***@" in shown
    sync_a = kiosk("sync", "--once", "--json", data_dir=a)
    assert sync_a.returncode == 0, sync_a.stderr
    assert json.loads(sync_a.stdout)["sent"] == 2000
    assert kiosk("settings", "set", "kiosk_id=hall-b", "location=Fair",
                 data_dir=b).returncode == 0
    os.environ["PGPASSWORD"] = pg_server.password
    try:
        sync_b = kiosk("sync", "--once", "--central", no_password, data_dir=b)
    finally:
        del os.environ["PGPASSWORD"]
    assert sync_b.returncode == 0, sync_b.stderr
    assert "sent 1,500 events" in sync_b.stdout and "0 waiting" in sync_b.stdout

    fleet = kiosk("fleet", "status", "--central", empty_url, "--json", data_dir=a)
    rows = {r["kiosk_id"]: r for r in json.loads(fleet.stdout)["kiosks"]}
    assert set(rows) == {"hall-a", "hall-b"}
    assert rows["hall-a"]["location"] == "Showroom" and rows["hall-a"]["waiting_events"] == 0
    assert rows["hall-b"]["demos"] and all("state" in d for d in rows["hall-b"]["demos"])
    human = kiosk("fleet", "status", data_dir=a)  # the URL from the settings
    assert "hall-a" in human.stdout and "Fair" in human.stdout

    local = json.loads(kiosk("log", "stats", "--json", data_dir=a).stdout)
    central = json.loads(kiosk("log", "stats", "--central", empty_url, "--json",
                               data_dir=a).stdout)
    assert central["database"].count("***") == 1
    assert set(central) == set(local)  # one shape, local or central
    assert central["events"] == 3500 and set(central["kiosks"]) == {"hall-a", "hall-b"}
    fair = json.loads(kiosk("log", "stats", "--central", empty_url, "--location", "Fair",
                            "--json", data_dir=a).stdout)
    assert fair["events"] == 1500 and set(fair["kiosks"]) == {"hall-b"}


def test_sync_once_fails_with_one_line_when_the_server_is_away(
        tmp_path: Path, central_url: str, pg_server: LocalServer) -> None:
    a = seeded(tmp_path / "a", "k", 300, 3)
    down = central_url.replace(f":{pg_server.port}/", ":1/")
    out = kiosk("sync", "--once", "--central", down, data_dir=a)
    assert out.returncode == 1
    line = one_line_error(out)
    assert "cannot be reached" in line and "300 events waiting" in line
    assert pg_server.password not in line  # type: ignore[operator]
    out = kiosk("sync", "--once", data_dir=a)
    assert out.returncode == 2 and "no central database" in one_line_error(out)
    out = kiosk("sync", "--once", "--central", "http://example.org/x", data_dir=a)
    assert "not a postgresql:// URL" in one_line_error(out)
