"""Detection panel: what the AI found (counts per kind, in German or English) and the boxes
with their labels drawn on the live picture."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, Text
from kiosk.core.tasks.detection import ClassCount, DetectionResult
from kiosk.ui import theme
from kiosk.ui.panels import ResultPanel
from kiosk.ui.widgets import draw_upright_text

# Texts of this panel (both languages side by side, like kiosk.core.i18n.STRINGS).
TEXTS: dict[str, Text] = {
    "heading": Text("Die KI findet", "The AI finds"),
    "none": Text("Noch nichts gefunden – halte etwas vor die Kamera.",
                 "Nothing found yet – hold something up to the camera."),
    "note": Text("Die Rahmen zeigen, wo die KI etwas erkennt, die Zahl, wie sicher sie ist.",
                 "The frames show where the AI sees something; the number is how sure it is."),
}
HOLD_SECONDS = 0.4  # keep the last boxes this long when a frame finds nothing: no flicker
MAX_ROWS = 6
BOX_FILL = QColor(20, 184, 166, 38)  # teal, faint: the thing stays visible under its box


class CountList(QWidget):
    """Rows of "count × thing", the most frequent first, as rounded cards."""

    ROW = 64

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[int, str]] = []
        self.setMinimumHeight(MAX_ROWS * self.ROW)

    def set_rows(self, rows: list[tuple[int, str]]) -> None:
        """(count, label) rows, best first."""
        self._rows = rows[:MAX_ROWS]
        self.update()

    def rows(self) -> list[tuple[int, str]]:
        """What is shown (tests)."""
        return list(self._rows)

    def sizeHint(self) -> QSize:
        return QSize(360, MAX_ROWS * self.ROW)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        for i, (count, label) in enumerate(self._rows):
            card = QRectF(0, i * self.ROW, w, self.ROW - 10)
            painter.setPen(QPen(theme.CARD_BORDER, 1))
            painter.setBrush(theme.CARD)
            painter.drawRoundedRect(card, 16, 16)
            bubble = QRectF(card.x() + 10, card.y() + 7, 64, card.height() - 14)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.TEAL if i == 0 else theme.VIOLET)
            painter.drawRoundedRect(bubble, bubble.height() / 2, bubble.height() / 2)
            painter.setPen(theme.TEXT)
            painter.setFont(theme.body_font(22, QFont.Weight.Bold))
            painter.drawText(bubble, Qt.AlignmentFlag.AlignCenter, f"{count}×")
            text = QRectF(bubble.right() + 16, card.y(), card.right() - bubble.right() - 28,
                          card.height())
            painter.setFont(theme.body_font(24 if i == 0 else 22, QFont.Weight.DemiBold))
            elided = painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight,
                                                      int(text.width()))
            painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             elided)
        painter.end()


class DetectionPanel(ResultPanel):
    """Counts per kind of thing, and boxes with labels on the live picture."""

    def __init__(self, lang: Lang, parent: QWidget | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.lang = lang
        self._clock = clock
        self._last: DetectionResult | None = None  # what is drawn (held briefly when empty)
        self._seen_at = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.counts = CountList(self)
        self.hint = QLabel(self)
        self.hint.setObjectName("BodyText")
        self.hint.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setObjectName("SmallNote")
        self.note.setWordWrap(True)
        for w in (self.heading, self.hint, self.counts, self.note):  # hint only when empty
            layout.addWidget(w)
        layout.addStretch(1)
        self.set_lang(lang)

    def set_result(self, output: Any) -> None:
        if not isinstance(output, DetectionResult):
            return
        now = self._clock()
        if output.detections:
            self._last, self._seen_at = output, now
        elif self._last is None or now - self._seen_at > HOLD_SECONDS:
            self._last = output
        self._show()

    def shown(self) -> DetectionResult | None:
        """The result drawn on the picture (tests)."""
        return self._last

    def _label(self, c: ClassCount) -> str:
        return c.label_de if self.lang == "de" else c.label_en

    def _show(self) -> None:
        counts = self._last.counts() if self._last else ()
        self.counts.set_rows([(c.count, self._label(c)) for c in counts])
        self.hint.setText("" if counts else TEXTS["none"].get(self.lang))
        self.hint.setVisible(not counts)

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(TEXTS["heading"].get(lang))
        self.note.setText(TEXTS["note"].get(lang))
        self._show()

    def reset(self) -> None:
        self._last = None
        self._seen_at = 0.0
        self._show()

    def new_scene(self) -> None:
        self.reset()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        result = self._last
        if result is None or not result.detections:
            return
        # boxes are in the pixels of the frame the model saw; map from its size so a
        # preview of another size still lines up
        s = rect.width() / result.width if result.width else scale
        font = theme.body_font(20, QFont.Weight.Bold)
        metrics = QFontMetricsF(font)
        painter.save()
        painter.setFont(font)
        # draw the weakest first so the most confident label ends up on top
        for d in reversed(result.detections):
            x1, y1, x2, y2 = d.box
            box = QRectF(rect.x() + x1 * s, rect.y() + y1 * s, (x2 - x1) * s, (y2 - y1) * s)
            radius = min(14.0, box.width() / 4, box.height() / 4)
            painter.setPen(QPen(QColor(11, 16, 32, 160), 6))  # dark halo: visible on white
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, radius, radius)
            painter.setPen(QPen(theme.TEAL_LIGHT, 3))
            painter.setBrush(BOX_FILL)
            painter.drawRoundedRect(box, radius, radius)
            label = d.label_de if self.lang == "de" else d.label_en
            text = f"{label}  {d.score:.0%}"
            tw = metrics.horizontalAdvance(text) + 24
            th = metrics.height() + 10
            tx = min(max(box.x(), rect.x()), rect.right() - tw)
            above = box.y() - th - 4
            ty = above if above >= rect.y() else box.y() + 4  # no room above: inside the box
            tag = QRectF(tx, ty, tw, th)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.VIOLET)
            painter.drawRoundedRect(tag, th / 2, th / 2)
            painter.setPen(theme.TEXT)
            draw_upright_text(painter, tag, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
