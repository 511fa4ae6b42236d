"""'Are you still there?': a countdown over everything before the kiosk resets."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QPushButton, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.ui import theme


class IdleOverlay(QWidget):
    """Dims the screen, shows a ring countdown and a big "yes, continue" button."""

    still_here = Signal()

    def __init__(self, lang: Lang, parent: QWidget) -> None:
        super().__init__(parent)
        self.lang = lang
        self.seconds_left = 0.0
        self.total = 15.0
        self.button = QPushButton(self)
        self.button.setObjectName("PrimaryButton")
        self.button.setMinimumHeight(84)
        self.button.clicked.connect(self.still_here)
        self.set_lang(lang)
        self.hide()

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        self.button.setText(tr("idle.continue", lang))
        self.button.adjustSize()
        self.update()

    def show_countdown(self, seconds_left: float, total: float) -> None:
        """Show (or update) the countdown."""
        self.seconds_left = seconds_left
        self.total = total
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self._place_button()
        if not self.isVisible():
            self.show()
        self.raise_()
        self.update()

    def _place_button(self) -> None:
        bw = max(self.button.sizeHint().width() + 80, 420)
        self.button.setFixedSize(bw, 96)
        self.button.move(int((self.width() - bw) / 2), int(self.height() * 0.5 + 230))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # Any touch on the dimmed screen means someone is there.
        self.still_here.emit()
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(5, 8, 18, 215))
        w, h = self.width(), self.height()
        cx, cy = w / 2, h * 0.5 - 60
        r = 120.0
        ring = QRectF(cx - r, cy - r, 2 * r, 2 * r)
        p.setPen(QPen(theme.CARD_BORDER, 16))
        p.drawEllipse(ring)
        frac = max(0.0, min(1.0, self.seconds_left / self.total)) if self.total else 0.0
        pen = QPen(theme.TEAL_LIGHT, 16)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawArc(ring, 90 * 16, int(frac * 360 * 16))
        p.setPen(theme.TEXT)
        p.setFont(theme.display_font(96))
        p.drawText(ring, Qt.AlignmentFlag.AlignCenter, str(math.ceil(self.seconds_left)))
        p.setFont(theme.display_font(60, QFont.Weight.Black))
        p.drawText(QRectF(0, cy - r - 150, w, 90), Qt.AlignmentFlag.AlignCenter,
                   tr("idle.title", self.lang))
        p.setPen(theme.MUTED)
        p.setFont(theme.body_font(28))
        p.drawText(QRectF(0, cy + r + 30, w, 60), Qt.AlignmentFlag.AlignCenter,
                   tr("idle.body", self.lang))
        p.end()
