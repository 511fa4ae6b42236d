"""A one-tap smiley rating offered when a visitor leaves a demo."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QFrame, QHBoxLayout, QLabel, QWidget

from kiosk.core.i18n import Lang, Text, tr

FACE_COLOURS = ("#F87171", "#FB923C", "#FCD34D", "#A3E635", "#5EEAD4")
SHOW_MS = 12_000  # the question goes away by itself: nobody has to answer


class SmileyButton(QAbstractButton):
    """A face from 1 (sad) to 5 (delighted)."""

    def __init__(self, rating: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rating = rating
        self.setFixedSize(QSize(84, 84))
        self.setAccessibleName(f"{rating} / 5")

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        if self.isDown():
            r.adjust(4, 4, -4, -4)
        colour = QColor(FACE_COLOURS[self.rating - 1])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(r)
        ink = QColor("#0B1020")
        p.setBrush(ink)
        eye = r.width() * 0.07
        for dx in (-0.17, 0.17):
            p.drawEllipse(QPointF(r.center().x() + dx * r.width(), r.y() + r.height() * 0.38),
                          eye, eye)
        # the mouth bends from a frown (1) through flat (3) to a big smile (5)
        bend = (self.rating - 3) * 0.09 * r.height()
        y = r.y() + r.height() * 0.66
        left, right = r.x() + r.width() * 0.28, r.x() + r.width() * 0.72
        mouth = QPainterPath(QPointF(left, y))
        mouth.quadTo(QPointF(r.center().x(), y + 2 * bend), QPointF(right, y))
        pen = QPen(ink, r.width() * 0.07)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(mouth)
        p.end()


class FeedbackBar(QFrame):
    """"How did you like …?" with five faces; answers once, thanks, and disappears."""

    rated = Signal(str, int)  # demo id, rating 1–5

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.lang = lang
        self.demo_id: str | None = None
        self.demo_title = Text("", "")
        self.thanked = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(32, 14, 32, 14)
        layout.setSpacing(14)
        self.question = QLabel(self)
        self.question.setObjectName("BodyText")
        self.question.setStyleSheet("font-size: 28px; font-weight: 700;")
        self.question.setWordWrap(True)
        layout.addWidget(self.question, 1)
        self.faces = [SmileyButton(n, self) for n in range(1, 6)]
        for face in self.faces:
            face.clicked.connect(lambda _=False, n=face.rating: self._rate(n))
            layout.addWidget(face)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def ask(self, demo_id: str, title: Text) -> None:
        """Offer the rating for the demo just left."""
        self.demo_id = demo_id
        self.demo_title = title
        self.thanked = False
        for face in self.faces:
            face.show()
        self._texts()
        self.show()
        self._timer.start(SHOW_MS)

    def dismiss(self) -> None:
        """Take the question away (timeout, another demo, session end)."""
        self._timer.stop()
        self.demo_id = None
        self.hide()

    def _rate(self, rating: int) -> None:
        if self.demo_id is None:
            return
        self.rated.emit(self.demo_id, rating)
        self.thanked = True
        for face in self.faces:
            face.hide()
        self._texts()
        self._timer.start(1500)

    def _texts(self) -> None:
        if self.thanked:
            self.question.setText(tr("feedback.thanks", self.lang))
        else:
            self.question.setText(tr("feedback.question", self.lang).format(
                demo=self.demo_title.get(self.lang)))

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        self._texts()
