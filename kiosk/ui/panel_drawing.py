"""Draw-a-digit panel: a big finger canvas, the digit the AI reads, all ten probabilities."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.ui import theme
from kiosk.ui.explain_view import UnsureBanner
from kiosk.ui.panels import DemoServices, ResultPanel

Stroke = list[tuple[float, float]]


class DrawCanvas(QWidget):
    """Collects finger strokes; white ink on a dark board, like the model's training data."""

    changed = Signal()
    stroke_done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[Stroke] = []
        self.pen_share = 0.075
        self.placeholder = ""
        self.setMinimumSize(400, 400)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)

    def board(self) -> QRectF:
        """The square drawing area, centred."""
        side = min(self.width(), self.height()) - 8
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def clear(self) -> None:
        """Wipe the drawing."""
        self.strokes = []
        self.update()
        self.changed.emit()

    def _point(self, event: QMouseEvent) -> tuple[float, float]:
        b = self.board()
        p = event.position()
        return (min(max(p.x() - b.x(), 0.0), b.width()), min(max(p.y() - b.y(), 0.0), b.height()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.strokes.append([self._point(event)])
        self.update()
        self.changed.emit()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.strokes and event.buttons() & Qt.MouseButton.LeftButton:
            self.strokes[-1].append(self._point(event))
            self.update()
            self.changed.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.stroke_done.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        b = self.board()
        frame = QPainterPath()
        frame.addRoundedRect(b, 28, 28)
        p.fillPath(frame, QColor("#05070F"))
        p.setPen(QPen(theme.CARD_BORDER, 3))
        p.drawPath(frame)
        if not self.strokes and self.placeholder:
            p.setPen(theme.MUTED)
            p.setFont(theme.body_font(30, QFont.Weight.Medium))
            p.drawText(b, Qt.AlignmentFlag.AlignCenter, self.placeholder)
        pen = QPen(QColor("#F4F6FB"), max(2.0, self.pen_share * b.height()))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        for stroke in self.strokes:
            path = QPainterPath()
            path.moveTo(QPointF(b.x() + stroke[0][0], b.y() + stroke[0][1]))
            for x, y in stroke[1:]:
                path.lineTo(QPointF(b.x() + x, b.y() + y))
            if len(stroke) == 1:
                path.lineTo(QPointF(b.x() + stroke[0][0] + 0.1, b.y() + stroke[0][1]))
            p.drawPath(path)
        p.end()


class DigitBars(QWidget):
    """Ten columns, one per digit; the most likely one glows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probabilities: tuple[float, ...] = ()
        self.setFixedHeight(200)

    def set_probabilities(self, probabilities: tuple[float, ...]) -> None:
        """Ten probabilities, or empty for none."""
        self.probabilities = probabilities
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        col = w / 10
        label_h = 40
        best = max(range(len(self.probabilities)), key=self.probabilities.__getitem__,
                   default=-1)
        for d in range(10):
            x = d * col + col * 0.18
            bw = col * 0.64
            track = QRectF(x, 8, bw, h - label_h - 16)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.CARD_BORDER)
            p.drawRoundedRect(track, 8, 8)
            prob = self.probabilities[d] if d < len(self.probabilities) else 0.0
            fill_h = max(0.0, track.height() * prob)
            if fill_h > 1:
                fill = QRectF(x, track.bottom() - fill_h, bw, fill_h)
                grad = QLinearGradient(fill.bottomLeft(), fill.topLeft())
                grad.setColorAt(0, theme.TEAL if d == best else QColor("#3B4A7A"))
                grad.setColorAt(1, theme.VIOLET if d == best else QColor("#56629A"))
                p.setBrush(grad)
                p.drawRoundedRect(fill, 8, 8)
            p.setPen(theme.TEXT if d == best else theme.MUTED)
            p.setFont(theme.body_font(26, QFont.Weight.Bold if d == best else QFont.Weight.Medium))
            p.drawText(QRectF(d * col, h - label_h, col, label_h), Qt.AlignmentFlag.AlignCenter,
                       str(d))
        p.end()


class DrawingPanel(ResultPanel):
    """Reads the drawing live while the visitor draws; works without any camera."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.runner: Any = None
        self.services: DemoServices | None = None
        self.result: Any = None
        self.predictions = 0
        self.last_ms: float | None = None
        self._busy = False
        self._dirty = False
        self._submit_pending = False
        self.canvas = DrawCanvas()
        self.canvas.changed.connect(self._request)
        self.canvas.stroke_done.connect(self._stroke_done)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.digit = QLabel(self)
        self.digit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.digit.setStyleSheet("font-family: 'Inter Display'; font-size: 120px; "
                                 "font-weight: 900; color: #5EEAD4;")
        self.digit.setFixedHeight(140)
        self.all_title = QLabel(self)
        self.all_title.setObjectName("SmallNote")
        self.bars = DigitBars(self)
        self.hint = QLabel(self)
        self.hint.setObjectName("BodyText")
        self.hint.setWordWrap(True)
        self.clear_button = QPushButton(self)
        self.clear_button.setObjectName("PrimaryButton")
        self.clear_button.clicked.connect(self.clear)
        self.unsure_banner = UnsureBanner(self)
        self.unsure = False
        for w in (self.heading, self.digit, self.unsure_banner, self.all_title, self.bars,
                  self.hint, self.clear_button):
            layout.addWidget(w)
        layout.addStretch(1)
        self.set_lang(lang)

    def stage_widget(self) -> QWidget:
        return self.canvas

    def attach(self, runner: Any, services: DemoServices) -> None:
        self.runner = runner
        self.services = services
        self.canvas.pen_share = getattr(getattr(runner, "params", None), "pen", 0.075)
        self._request()

    def clear(self) -> None:
        """Wipe the canvas and the answer."""
        if self.services is not None and self.canvas.strokes:
            self.services.interaction("draw_clear", {})
        self.canvas.clear()

    def _request(self) -> None:
        # Newest drawing wins: while a prediction runs, only remember that there is a newer one.
        if self.runner is None or self.services is None:
            return
        if self._busy:
            self._dirty = True
            return
        self._busy = True
        self._dirty = False
        b = self.canvas.board()
        strokes = [list(s) for s in self.canvas.strokes]
        future = self.services.submit(self.runner.read_strokes, strokes, int(b.width()),
                                      int(b.height()))
        future.add_done_callback(self._done)

    def _done(self, future: Any) -> None:
        self._busy = False
        try:
            self.result, self.last_ms = future.result()
        except Exception:  # a failed read shows as "nothing read yet", never as an error dialog
            self.result = None
        self.predictions += 1
        self._show()
        if self._dirty:
            self._request()
        elif self._submit_pending:
            self._log_submit()

    def _stroke_done(self) -> None:
        # log what the AI read for the finished stroke, once its reading is in
        self._submit_pending = True
        if not self._busy and not self._dirty:
            self._log_submit()

    def _log_submit(self) -> None:
        self._submit_pending = False
        prediction = getattr(self.result, "prediction", None)
        if self.services is not None and prediction is not None:
            self.services.interaction("draw_submit", {"label": str(prediction.digit)})

    def _show(self) -> None:
        prediction = getattr(self.result, "prediction", None)
        self.hint.setVisible(not self.canvas.strokes)
        unsure = bool(getattr(self.result, "unsure", False)) and bool(self.canvas.strokes)
        if unsure and not self.unsure and self.services is not None:
            self.services.interaction("unsure_shown", {})
        self.unsure = unsure
        self.unsure_banner.show_unsure(unsure, self.lang)
        if prediction is None or not self.canvas.strokes:
            self.digit.setText("?")
            self.bars.set_probabilities(())
        else:
            # unsure: no digit named, but the bars still show what the model would say
            self.digit.setText("?" if unsure else str(prediction.digit))
            self.bars.set_probabilities(prediction.probabilities)

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(tr("draw.heading", lang))
        self.all_title.setText(tr("draw.all", lang))
        self.hint.setText(tr("draw.hint", lang))
        self.clear_button.setText(tr("draw.clear", lang))
        self.canvas.placeholder = tr("draw.canvas", lang)
        self.canvas.update()
        self._show()

    def reset(self) -> None:
        self.canvas.strokes = []
        self.canvas.update()
        self.result = None
        self._show()
