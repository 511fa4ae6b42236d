"""The attract loop: an animated, inviting screen that asks passers-by to touch it."""

from __future__ import annotations

import math
import random

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHideEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from kiosk.core.i18n import STRINGS
from kiosk.ui import theme


class AttractScreen(QWidget):
    """Drifting network of glowing nodes behind a bilingual "touch to start"."""

    touched = Signal()
    NODES = 46

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttractScreen")
        rng = random.Random(7)
        # Nodes live in unit coordinates so the picture scales to any screen.
        self._nodes = [
            (rng.random(), rng.random(), rng.uniform(0, math.tau), rng.uniform(0.02, 0.06))
            for _ in range(self.NODES)
        ]
        self._t = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._advance)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        # No animation while hidden: the CPU belongs to the demos then.
        self._timer.stop()
        super().hideEvent(event)

    def _advance(self) -> None:
        self._t += 0.033
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.touched.emit()
        event.accept()

    def _node_pos(self, i: int) -> QPointF:
        x, y, phase, amp = self._nodes[i]
        px = x + amp * math.sin(self._t * 0.35 + phase)
        py = y + amp * math.cos(self._t * 0.28 + phase * 1.3)
        return QPointF(px * self.width(), py * self.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        bg = QLinearGradient(0, 0, w, h)
        bg.setColorAt(0, QColor("#0B1020"))
        bg.setColorAt(1, QColor("#1A1240"))
        p.fillRect(self.rect(), bg)
        self._paint_network(p, w, h)
        self._paint_texts(p, w, h)
        p.end()

    def _paint_network(self, p: QPainter, w: int, h: int) -> None:
        pts = [self._node_pos(i) for i in range(self.NODES)]
        reach = 0.18 * max(w, h)
        for i, a in enumerate(pts):
            for b in pts[i + 1 :]:
                d = math.hypot(a.x() - b.x(), a.y() - b.y())
                if d < reach:
                    alpha = int(90 * (1 - d / reach))
                    p.setPen(QPen(QColor(94, 234, 212, alpha), 1.5))
                    p.drawLine(a, b)
        p.setPen(Qt.PenStyle.NoPen)
        for i, pt in enumerate(pts):
            pulse = 0.5 + 0.5 * math.sin(self._t * 1.7 + i)
            r = 5 + 5 * pulse
            colour = theme.TEAL_LIGHT if i % 3 else QColor("#A78BFA")
            # Soft glow from stacked translucent discs (QRadialGradient brushes tripped a
            # refcount bug in PySide6 6.12 at interpreter exit).
            for radius, alpha in ((r * 3.2, 22), (r * 2.0, 45), (r * 1.2, 90)):
                halo = QColor(colour)
                halo.setAlpha(alpha)
                p.setBrush(halo)
                p.drawEllipse(pt, radius, radius)
            p.setBrush(colour)
            p.drawEllipse(pt, r * 0.6, r * 0.6)

    def _paint_texts(self, p: QPainter, w: int, h: int) -> None:
        title, sub, touch = STRINGS["attract.title"], STRINGS["attract.subtitle"], STRINGS[
            "attract.touch"]
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        scale = min(w / 1920, h / 1080)
        p.setPen(theme.TEXT)
        p.setFont(theme.display_font(max(28, int(104 * scale))))
        p.drawText(QRectF(0, h * 0.22, w, h * 0.14), centre, title.de)
        p.setPen(theme.TEAL_LIGHT)
        p.setFont(theme.display_font(max(20, int(56 * scale)), QFont.Weight.Bold))
        p.drawText(QRectF(0, h * 0.35, w, h * 0.08), centre, title.en)
        p.setPen(theme.MUTED)
        p.setFont(theme.body_font(max(14, int(30 * scale))))
        p.drawText(QRectF(w * 0.1, h * 0.46, w * 0.8, h * 0.05), centre, sub.de)
        p.drawText(QRectF(w * 0.1, h * 0.505, w * 0.8, h * 0.05), centre, sub.en)
        # A breathing "touch" pill invites without words being needed.
        breath = 0.5 + 0.5 * math.sin(self._t * 2.4)
        pill = QRectF(w * 0.5 - 560 * scale, h * 0.66, 1120 * scale, 170 * scale)
        grad = QLinearGradient(pill.topLeft(), pill.topRight())
        grad.setColorAt(0, theme.TEAL)
        grad.setColorAt(1, theme.VIOLET)
        p.setPen(Qt.PenStyle.NoPen)
        halo = QColor(theme.TEAL_LIGHT)
        halo.setAlpha(int(40 + 50 * breath))
        p.setBrush(halo)
        grow = 10 + 14 * breath
        p.drawRoundedRect(pill.adjusted(-grow, -grow, grow, grow), pill.height() / 2 + grow,
                          pill.height() / 2 + grow)
        p.setBrush(grad)
        p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        p.setPen(theme.TEXT)
        p.setFont(theme.body_font(max(16, int(44 * scale)), QFont.Weight.Bold))
        p.drawText(QRectF(pill.x(), pill.y() + pill.height() * 0.08, pill.width(),
                          pill.height() * 0.5), centre, touch.de)
        p.setFont(theme.body_font(max(12, int(32 * scale)), QFont.Weight.Medium))
        p.drawText(QRectF(pill.x(), pill.y() + pill.height() * 0.5, pill.width(),
                          pill.height() * 0.4), centre, touch.en)
