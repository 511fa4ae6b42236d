"""The detection panel: counts per class in both languages, held briefly, boxes drawn."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from kiosk.core.tasks.detection import Detection, DetectionResult
from kiosk.ui.panel_detection import DetectionPanel
from kiosk.ui.theme import apply_theme


def result() -> DetectionResult:
    return DetectionResult((
        Detection((10, 10, 200, 150), 0.91, 16, "dog", "Hund"),
        Detection((220, 5, 400, 300), 0.72, 0, "person", "Person"),
        Detection((300, 200, 620, 470), 0.55, 16, "dog", "Hund"),
    ), 640, 480)


def test_panel(qtbot, qapp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    apply_theme(qapp)
    now = [0.0]
    panel = DetectionPanel("de", clock=lambda: now[0])
    qtbot.addWidget(panel)
    panel.resize(420, 700)
    panel.show()
    panel.set_result(result())
    assert panel.counts.rows() == [(2, "Hund"), (1, "Person")]
    panel.set_lang("en")
    assert panel.counts.rows() == [(2, "dog"), (1, "person")]
    now[0] = 0.1
    panel.set_result(DetectionResult((), 640, 480))
    assert panel.counts.rows() == [(2, "dog"), (1, "person")]  # held
    now[0] = 1.0
    panel.set_result(DetectionResult((), 640, 480))
    assert panel.counts.rows() == [] and panel.hint.text().startswith("Nothing")
    panel.set_result(result())
    img = QImage(960, 720, QImage.Format.Format_RGB32)
    img.fill(QColor("#ffffff"))
    p = QPainter(img)
    panel.overlay(p, QRectF(0, 0, 960, 720), 1.5)
    p.end()
    assert img.pixelColor(15, 100).name() != "#ffffff"  # the first box's left edge
    assert panel.grab().save(str(tmp_path / "panel.png"))
    panel.reset()
    assert panel.shown() is None
