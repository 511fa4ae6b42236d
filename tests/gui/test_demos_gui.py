"""The interactive demos in the real window: faces, teach the AI."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from kiosk.ui.controller import SourceChoice


class SwitchableSource:
    """A 'camera' whose picture the test can change, like an object held up to the lens."""

    live = False
    fps = 30.0
    description = "switchable"

    def __init__(self, image: np.ndarray) -> None:
        self.image = image

    def read(self) -> np.ndarray:
        return self.image

    def close(self) -> None:
        pass


def test_face_privacy_pixelates_and_shows_landmarks(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                    photos: dict[str, np.ndarray]) -> None:
    src = SwitchableSource(photos["astronaut"])
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, False))  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    panel = k.window.demo.panel
    assert len(panel.shown_faces()) == 1  # type: ignore[attr-defined]
    assert panel.count.text() == "1 Gesicht erkannt"  # type: ignore[attr-defined]
    assert panel.pixelate  # type: ignore[attr-defined]
    shot = k.window.demo.video.grab().toImage()
    assert not shot.isNull()
    qtbot.mouseClick(panel.switch, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert not panel.pixelate and panel.switch.text() == "Verpixeln: AUS"  # type: ignore[attr-defined]
    src.image = photos["coffee"]
    qtbot.waitUntil(lambda: panel.count.text() == "Kein Gesicht im Bild",  # type: ignore[attr-defined]
                    timeout=30_000)


def test_teach_two_things_then_predict_then_forget(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                   photos: dict[str, np.ndarray]) -> None:
    src = SwitchableSource(photos["coffee"])
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, False), lang="en")  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("teach-ai")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    panel = k.window.demo.panel
    rows = panel.rows  # type: ignore[attr-defined]
    assert "at least two" in panel.hint.text()  # type: ignore[attr-defined]

    def record(row: int) -> None:
        before = panel.bank.count(row)  # type: ignore[attr-defined]
        rows[row].record.pressed.emit()
        rows[row].record.released.emit()
        qtbot.waitUntil(lambda: panel.recording is None, timeout=30_000)  # type: ignore[attr-defined]
        assert panel.bank.count(row) - before >= 10  # type: ignore[attr-defined]

    record(0)  # "Cup": the espresso photo
    src.image = photos["chelsea"]
    qtbot.mouseClick(rows[1].name, Qt.MouseButton.LeftButton)  # rename "Hand" → "Phone"…
    record(1)
    assert panel.runner.learned is not None  # type: ignore[attr-defined]
    assert "Learned in" in panel.hint.text()  # type: ignore[attr-defined]

    def top() -> str:
        values = panel.bars.values()  # type: ignore[attr-defined]
        return str(values[0][0]) if values else ""

    qtbot.waitUntil(lambda: top() == rows[1].label.en, timeout=30_000)
    src.image = photos["coffee"]
    qtbot.waitUntil(lambda: top() == "Cup", timeout=30_000)
    kinds = [e.payload.get("kind") for e in k.events if e.type == "interaction"]
    assert kinds == ["teach_sample", "teach_sample"]
    # the next visitor finds nothing of this one's examples
    k.controller.finish()
    assert panel.runner.learned is None or k.window.demo.panel is not panel  # type: ignore[attr-defined]
    assert panel.bank.count(0) == 0  # type: ignore[attr-defined]


def draw(qtbot, canvas, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    """Draw one stroke with the 'finger' (points are fractions of the board)."""
    from PySide6.QtCore import QPoint

    b = canvas.board()

    def at(fx: float, fy: float) -> QPoint:
        return QPoint(int(b.x() + fx * b.width()), int(b.y() + fy * b.height()))

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(*points[0]))
    for fx, fy in points[1:]:
        qtbot.mouseMove(canvas, at(fx, fy))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(*points[-1]))


def test_draw_a_digit_without_any_camera(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    def no_camera() -> SourceChoice:
        raise AssertionError("the draw demo must not open a camera")

    k = make_kiosk(source=no_camera, lang="en")
    k.controller.activity()
    k.controller.open_demo("draw-digit")
    panel = k.window.demo.panel
    qtbot.waitUntil(lambda: panel.runner is not None, timeout=30_000)  # type: ignore[attr-defined]
    assert k.window.demo.stage is panel.canvas  # type: ignore[attr-defined]
    assert not k.window.demo.video.isVisible()
    canvas = panel.canvas  # type: ignore[attr-defined]
    line = [(0.5, 0.12 + i * 0.76 / 12) for i in range(13)]  # a "1": one vertical stroke
    draw(qtbot, canvas, line)
    qtbot.waitUntil(lambda: panel.digit.text() == "1", timeout=30_000)  # type: ignore[attr-defined]
    probs = panel.bars.probabilities  # type: ignore[attr-defined]
    assert len(probs) == 10 and max(probs) == probs[1]
    assert [e.payload for e in k.events if e.type == "interaction"][-1] == {
        "kind": "draw_submit", "label": "1"}
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: panel.digit.text() == "?", timeout=30_000)  # type: ignore[attr-defined]
    assert canvas.strokes == []


def test_ai_reads_live_on_the_mirrored_camera_and_the_next_visitor_starts_afresh(
        make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    from tests.unit.test_ocr import render_centred

    src = SwitchableSource(render_centred("Showroom 2026"))
    # a live camera shown mirrored: the reader still gets the picture as taken
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True))  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("ai-reads")
    panel = k.window.demo.panel
    qtbot.waitUntil(lambda: [line.text for line in panel.lines] == ["Showroom 2026"],  # type: ignore[attr-defined]
                    timeout=60_000)
    runner = panel.runner  # type: ignore[attr-defined]
    k.controller.finish()  # the visitor leaves
    stopping = k.controller._stopping
    qtbot.waitUntil(lambda: stopping is None or stopping.done(), timeout=30_000)
    assert runner.tracker.lines()  # the live reader still remembers the card ...
    from kiosk.ui.panel_ocr import OcrPanel

    OcrPanel("en").attach(runner, k.controller.services)  # ... until a demo opens again
    assert runner.tracker.lines() == []


def test_demo_mode_opens_each_demo_at_its_own_sample(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    # No camera: the sample slideshow. Faces must be found and text read from the first
    # result on, not after the coffee photo has gone by.
    k = make_kiosk(lang="en")
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    assert k.window.demo.no_camera
    assert len(k.window.demo.panel.shown_faces()) >= 1  # type: ignore[attr-defined]
    k.controller.back_home()
    k.controller.open_demo("ai-reads")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=60_000)
    lines = k.window.demo.panel.lines  # type: ignore[attr-defined]
    assert any("Welcome" in line.text for line in lines), lines
