"""The whole visitor flow in the real window writes exactly the expected events to SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from kiosk.runtime.event_store import EventStore, db_path
from kiosk.ui.controller import SourceChoice
from tests.gui.test_demos_gui import SwitchableSource


def test_visitor_flow_is_logged(make_kiosk, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                photos: dict[str, np.ndarray]) -> None:
    store = EventStore(db_path(tmp_path), kiosk_id="test-kiosk").start()
    src = SwitchableSource(photos["coffee"])
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, False))  # type: ignore[arg-type]
    k.controller._sink = store.session_sink()
    qtbot.mouseClick(k.window.attract, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(k.window.home.lang_switch.button("en"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(k.window.home.tile("face-privacy"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    k.clock.advance(12)
    qtbot.mouseClick(k.window.demo.panel.switch, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.mouseClick(k.window.demo.back_button, Qt.MouseButton.LeftButton)
    assert k.window.home.feedback.isVisible()
    qtbot.mouseClick(k.window.home.feedback.faces[4], Qt.MouseButton.LeftButton)
    k.clock.advance(3)
    qtbot.mouseClick(k.window.home.done_button, Qt.MouseButton.LeftButton)
    store.close()

    conn = sqlite3.connect(db_path(tmp_path))
    rows = conn.execute(
        "SELECT type, demo_id, session_id, kiosk_id, payload FROM events ORDER BY uuid").fetchall()
    conn.close()
    types = [r[0] for r in rows]
    assert types == ["session_start", "language_change", "demo_open", "interaction",
                     "demo_close", "feedback", "session_end"]
    payloads = {r[0]: json.loads(r[4]) for r in rows}
    assert payloads["interaction"] == {"kind": "toggle"}
    assert payloads["feedback"] == {"rating": 5}
    assert payloads["demo_close"]["dwell_ms"] == 12_000
    assert payloads["session_end"]["reason"] == "done"
    assert len({r[2] for r in rows}) == 1 and all(r[3] == "test-kiosk" for r in rows)
    assert {r[1] for r in rows if r[0] in ("demo_open", "demo_close", "feedback")} == {
        "face-privacy"}


def test_leaving_an_interactive_demo_records_no_stray_interaction(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, tmp_path: Path, photos: dict[str, np.ndarray]) -> None:
    store = EventStore(db_path(tmp_path), kiosk_id="test-kiosk").start()
    src = SwitchableSource(photos["coffee"])
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, False))  # type: ignore[arg-type]
    k.controller._sink = store.session_sink()
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    qtbot.mouseClick(k.window.demo.panel.switch, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    k.controller.back_home()  # the panel's reset turns pixelation back on: not a visitor's act
    k.controller.open_demo("teach-ai")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    panel = k.window.demo.panel
    for row in (0, 1):  # two things taught: the AI has learned something
        panel.rows[row].record.pressed.emit()  # type: ignore[attr-defined]
        panel.rows[row].record.released.emit()  # type: ignore[attr-defined]
        qtbot.waitUntil(lambda: panel.recording is None, timeout=30_000)  # type: ignore[attr-defined]
    k.controller.back_home()  # the reset wipes the examples: not a visitor's "forget"
    assert store.flush(5.0)
    health = store.health()
    assert health.invalid == 0 and store.problems() == []
    store.close()
    conn = sqlite3.connect(db_path(tmp_path))
    rows = conn.execute("SELECT demo_id, payload FROM events WHERE type = 'interaction' "
                        "ORDER BY ts, uuid").fetchall()
    conn.close()
    assert [(r[0], json.loads(r[1])["kind"]) for r in rows] == [
        ("face-privacy", "toggle"), ("teach-ai", "teach_sample"), ("teach-ai", "teach_sample")]
