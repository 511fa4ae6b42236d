"""'The AI reads' panel: recognised lines, boxes on the picture, freeze-and-read."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.ui import theme
from kiosk.ui.panels import DemoServices, ResultPanel

MAX_SHOWN = 7


class OcrPanel(ResultPanel):
    """Shows what the AI reads; the freeze button reads a still picture thoroughly."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.runner: Any = None
        self.services: DemoServices | None = None
        self.frozen = False
        self.reading = False
        self.lines: tuple[Any, ...] = ()
        self.full_quality = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.text = QLabel(self)
        self.text.setObjectName("BodyText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setStyleSheet("font-size: 30px; font-weight: 700;")
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint = QLabel(self)
        self.hint.setObjectName("SmallNote")
        self.hint.setWordWrap(True)
        self.freeze_button = QPushButton(self)
        self.freeze_button.setObjectName("PrimaryButton")
        self.freeze_button.clicked.connect(self.toggle_freeze)
        self.note = QLabel(self)
        self.note.setObjectName("SmallNote")
        self.note.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.freeze_button)
        layout.addWidget(self.note)
        self.set_lang(lang)

    def attach(self, runner: Any, services: DemoServices) -> None:
        self.runner = runner
        self.services = services
        # the live reader remembers lines between frames: a new visitor starts with none
        # (attached before the pipeline starts, so no frame is being read meanwhile)
        reset = getattr(runner, "reset", None)
        if callable(reset):
            reset()

    def set_result(self, output: Any) -> None:
        if self.frozen:
            return  # the thorough reading of the still picture stays on screen
        self.lines = tuple(getattr(output, "lines", ()))
        self.full_quality = False
        self._texts()

    def toggle_freeze(self) -> None:
        """Freeze and read thoroughly, or go back to live reading."""
        if self.services is None or self.runner is None:
            return
        if self.frozen:
            self.frozen = False
            self.reading = False
            self.services.freeze(False)
            self._texts()
            return
        frame = self.services.current_frame()
        if frame is None:
            return
        self.frozen = True
        self.reading = True
        self.services.freeze(True)
        self.services.interaction("capture", {})
        self._texts()
        future = self.services.submit(self.runner.read_full, frame)
        future.add_done_callback(self._read_done)

    def _read_done(self, future: Any) -> None:
        if not self.frozen:
            return  # the visitor went live again meanwhile
        self.reading = False
        try:
            result = future.result()
        except Exception:  # a failed read is shown as "no text", never as an error dialog
            result = None
        self.lines = tuple(getattr(result, "lines", ()))
        self.full_quality = True
        self._texts()
        self.update()

    def _texts(self) -> None:
        if self.reading:
            self.text.setText(tr("ocr.reading", self.lang))
        elif self.lines:
            self.text.setText("\n".join(line.text for line in self.lines[:MAX_SHOWN]))
        elif self.frozen:
            self.text.setText(tr("ocr.frozen_none", self.lang))
        else:
            self.text.setText("…")
        self.hint.setText("" if self.lines else tr("ocr.hint", self.lang))
        self.freeze_button.setText(tr("ocr.live" if self.frozen else "ocr.freeze", self.lang))

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(tr("ocr.heading", lang))
        self.note.setText(tr("ocr.note", lang))
        self._texts()

    def new_scene(self) -> None:
        if not self.frozen:
            self.lines = ()
            self._texts()

    def reset(self) -> None:
        self.frozen = False
        self.reading = False
        self.lines = ()
        self._texts()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        fill = QColor(theme.TEAL)
        fill.setAlpha(50)
        for line in self.lines:
            poly = QPolygonF([QPointF(rect.x() + x * scale, rect.y() + y * scale)
                              for x, y in line.box])
            painter.setPen(QPen(theme.VIOLET if self.full_quality else theme.TEAL_LIGHT, 3))
            painter.setBrush(fill)
            painter.drawPolygon(poly)
