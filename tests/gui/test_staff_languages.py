"""The staff panel speaks the staff's language everywhere, down to a broken pack's reasons.

These tests run the real app's staff services (:class:`kiosk.app.KioskApp`) on a data
folder with a real broken pack: the reason is whatever discovery found, not a fake line.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from kiosk.app import KioskApp, RunnerCache, RunSettings, demo_dirs
from kiosk.core.i18n import Text
from kiosk.core.paths import demos_dir
from kiosk.core.settings import load_settings
from kiosk.runtime.crashlog import RecentErrors
from kiosk.runtime.demos import discover
from kiosk.runtime.event_store import open_store
from kiosk.ui.staff.integration import StaffMode, install_staff_mode
from kiosk.ui.staff.texts import store_notes


def broken_pack(data: Path) -> None:
    """The built-in classifier as an imported pack, missing its German labels."""
    pack = data / "packs" / "kaputt"
    shutil.copytree(demos_dir() / "image-classification", pack)
    toml = (pack / "demo.toml").read_text(encoding="utf-8")
    (pack / "demo.toml").write_text(
        toml.replace('id = "image-classification"', 'id = "kaputt"'), encoding="utf-8")
    (pack / "labels_de.txt").unlink()


def staff_mode(make_kiosk: Any, data: Path, qapp: QApplication,
               loop: asyncio.AbstractEventLoop) -> StaffMode:
    k = make_kiosk(entries=discover(demo_dirs(data)))
    settings, problems = load_settings(data)
    store = open_store(data / "scratch", kiosk_id=settings.kiosk_id, retention_days=None)
    app = KioskApp(state=data, settings=RunSettings(settings), qt_app=qapp,
                   loop=loop,
                   controller=k.controller, runners=RunnerCache(), store=store,
                   recent_errors=RecentErrors(), problems=problems)
    return install_staff_mode(k.window, app.staff_services(), kiosk_mode=False, data_dir=data,
                              first_start_prompt=False,
                              notices=[p.both() for p in problems])  # as kiosk.app does


def test_a_broken_pack_shows_its_reason_in_german_on_the_german_staff_page(
        make_kiosk: Any, qapp: QApplication, qloop: asyncio.AbstractEventLoop,
        tmp_path: Path) -> None:
    broken_pack(tmp_path)
    mode = staff_mode(make_kiosk, tmp_path, qapp, qloop)
    mode.open_panel()
    mode.panel.set_lang("de")
    mode.panel.show_section("demos")
    row = mode.panel.page("demos").rows["kaputt"]  # type: ignore[attr-defined]
    text = row.state.text()
    assert "Defekt" in text
    assert ("kaputt/demo.toml: params.labels_de: Datei labels_de.txt nicht im Demo-Ordner "
            "gefunden (Verknüpfungen werden nicht verfolgt) — Füge die Label-Datei hinzu "
            "(ein Label pro Zeile) oder korrigiere den Namen") in text
    assert "not found" not in text and "add the labels file" not in text

    mode.panel.set_lang("en")
    mode.panel.show_section("demos")
    text = mode.panel.page("demos").rows["kaputt"].state.text()  # type: ignore[attr-defined]
    assert "file labels_de.txt not found in the demo folder" in text and "Datei" not in text


def test_health_page_tells_about_damaged_settings_in_the_staff_language(
        make_kiosk: Any, qapp: QApplication, qloop: asyncio.AbstractEventLoop,
        tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("idle_timeout = [[[\n", encoding="utf-8")
    mode = staff_mode(make_kiosk, tmp_path, qapp, qloop)
    mode.open_panel()
    mode.panel.set_lang("de")
    mode.panel.show_section("health")
    notes = mode.panel.page("health").notes_text  # type: ignore[attr-defined]
    qapp.processEvents()
    assert "settings.toml ist beschädigt" in notes.text() and "damaged" not in notes.text()
    assert notes.text().count("settings.toml ist beschädigt") == 1  # once, not per route
    mode.panel.set_lang("en")
    qapp.processEvents()
    assert "settings.toml is damaged" in notes.text()


def test_event_store_trouble_reads_german_with_the_english_cause_kept() -> None:
    english = ["database is locked (sqlite3.OperationalError); 3 visitor events are waiting",
               "2 visitor events were lost", "1 malformed events were refused"]
    note = store_notes("locked", 3, 2, 1, 500, english)
    assert note is not None
    assert note.de.split("\n• ") == [
        "Die Statistik-Datenbank ist von einem anderen Programm gesperrt. 3 Besucherereignisse "
        "warten im Arbeitsspeicher und werden geschrieben, sobald das behoben ist.",
        "2 Besucherereignisse gingen verloren, weil die Datenbank zu lange nicht geschrieben "
        "werden konnte (Grenze im Arbeitsspeicher: 500 Ereignisse).",
        "1 fehlerhafte Ereignisse wurden abgelehnt (ein Softwarefehler; siehe Protokolldatei)."]
    assert note.en.split("\n• ") == english
    assert store_notes(None, 0, 0, 0, 500, []) is None


def test_a_failed_import_lists_its_problems_in_both_languages(
        make_kiosk: Any, qapp: QApplication, qloop: asyncio.AbstractEventLoop,
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    stick = tmp_path / "stick"
    broken_pack(stick)  # stick/packs/kaputt: what staff would pick on a USB stick
    k = make_kiosk(entries=discover(demo_dirs(data)))
    settings, problems = load_settings(data)
    store = open_store(data / "scratch", kiosk_id=settings.kiosk_id, retention_days=None)
    app = KioskApp(state=data, settings=RunSettings(settings), qt_app=qapp, loop=qloop,
                   controller=k.controller, runners=RunnerCache(), store=store,
                   recent_errors=RecentErrors(), problems=problems)
    result = app.staff_services().import_pack(stick / "packs" / "kaputt")
    assert not result.ok and isinstance(result.message, Text)
    assert result.message.de.endswith("kaputt: nicht installiert, 1 Problem\n• kaputt/demo.toml: "
                                      "params.labels_de: Datei labels_de.txt nicht im "
                                      "Demo-Ordner gefunden (Verknüpfungen werden nicht "
                                      "verfolgt) — Füge die Label-Datei hinzu (ein Label pro "
                                      "Zeile) oder korrigiere den Namen")
    assert "kaputt: not installed, 1 problem\n• kaputt/demo.toml" in result.message.en
