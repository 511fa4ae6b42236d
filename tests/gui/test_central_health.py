"""The Health page tells staff how forwarding to the central database goes, in DE and EN."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from kiosk.runtime.central.forwarder import SyncState
from kiosk.ui.staff.services import HealthSnapshot
from tests.gui.test_staff import make_staff  # noqa: F401  (the staff-mode fixture)

OFFLINE = SyncState(target="postgresql://kiosk:***@fleet/kiosk", waiting=12_431,
                    problem="the central database at postgresql://kiosk:***@fleet/kiosk cannot "
                            "be reached (connection refused)", code="offline")


def show_health(make_staff: Any, sync: SyncState | None, lang: str = "de") -> Any:  # noqa: F811
    s = make_staff()
    s.mode.services.health = lambda: HealthSnapshot(uptime_s=60, sync=sync)
    s.mode.open_panel()
    s.mode.panel.set_lang(lang)
    s.mode.panel.show_section("health")
    return s.mode.panel.page("health")


def test_offline_since_and_events_waiting(make_staff: Any) -> None:  # noqa: F811
    state = replace(OFFLINE, offline_since_wall=time.time())
    page = show_health(make_staff, state)
    assert page.sync.isVisible()
    assert page.sync.caption.text() == "ZENTRALE DATENBANK"
    assert page.sync.value.text().startswith("offline seit ")
    assert page.sync.sub.text() == "12.431 Ereignisse warten · Server nicht erreichbar"
    assert "cannot be reached" in page.notes_text.text()
    assert "***" in page.notes_text.text()
    # what is wrong in German first; the driver's details stay as they are, for IT
    assert "• Zentrale Datenbank: Server nicht erreichbar – the central" in page.notes_text.text()


def test_offline_in_english(make_staff: Any) -> None:  # noqa: F811
    page = show_health(make_staff, replace(OFFLINE, offline_since_wall=time.time()), "en")
    assert page.sync.value.text().startswith("offline since ")
    assert page.sync.sub.text() == "12,431 events waiting · server unreachable"


def test_synced_minutes_ago(make_staff: Any) -> None:  # noqa: F811
    state = SyncState(target="postgresql://fleet/kiosk", waiting=0, sent=40,
                      last_ok=time.monotonic() - 120)
    page = show_health(make_staff, state)
    assert page.sync.value.text() == "synchronisiert vor 2 min"
    assert page.sync.sub.text() == "alle Ereignisse gesendet"
    page = show_health(make_staff, state, "en")
    assert page.sync.value.text() == "synced 2 min ago"


def test_a_newer_server_tells_staff_to_update(make_staff: Any) -> None:  # noqa: F811
    state = SyncState(target="postgresql://fleet/kiosk", waiting=3, problem="newer",
                      code="newer_schema", offline_since_wall=time.time())
    page = show_health(make_staff, state, "en")
    assert page.sync.sub.text() == "3 events waiting · server newer than this kiosk: " \
        "update the kiosk"


def test_without_a_central_database_nothing_is_shown(make_staff: Any) -> None:  # noqa: F811
    page = show_health(make_staff, None)
    assert not page.sync.isVisible()
