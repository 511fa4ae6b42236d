"""Small reusable widgets: language switch, live video view, confidence bars, badge."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QTransform,
)
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QPushButton, QWidget

from kiosk.core.i18n import LANGS, Lang
from kiosk.ui import theme


class LanguageSwitch(QFrame):
    """DE | EN pill on every visitor screen."""

    changed = Signal(str)

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LangSwitch")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self._group = QButtonGroup(self)
        self._buttons: dict[str, QPushButton] = {}
        for code in LANGS:
            button = QPushButton(code.upper(), self)
            button.setObjectName("LangButton")
            button.setCheckable(True)
            button.setAccessibleName({"de": "Deutsch", "en": "English"}[code])
            button.clicked.connect(lambda _=False, c=code: self._pick(c))
            self._group.addButton(button)
            layout.addWidget(button)
            self._buttons[code] = button
        self.set_lang(lang)

    def set_lang(self, lang: Lang) -> None:
        """Show ``lang`` as selected without emitting ``changed``."""
        self._buttons[lang].setChecked(True)

    def button(self, lang: Lang) -> QPushButton:
        """The button for ``lang`` (tests click it)."""
        return self._buttons[lang]

    def _pick(self, code: str) -> None:
        self.changed.emit(code)


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """Wrap an RGB uint8 array as a QImage (the array must outlive the image)."""
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888)


def mirror_transform(rect: QRectF) -> QTransform:
    """Flips left and right around the middle of ``rect`` (a mirrored camera picture)."""
    cx = rect.center().x()
    return QTransform(-1.0, 0.0, 0.0, 1.0, 2.0 * cx, 0.0)


def draw_upright_text(painter: QPainter, rect: QRectF, flags: Qt.AlignmentFlag,
                      text: str) -> None:
    """``drawText`` that stays readable when the painter mirrors the picture.

    Overlays draw in the coordinates of the picture the model saw; on a mirrored
    display the painter flips them with the picture, which would mirror text too.
    """
    if painter.worldTransform().m11() >= 0:
        painter.drawText(rect, flags, text)
        return
    painter.save()
    painter.setWorldTransform(mirror_transform(rect), combine=True)
    painter.drawText(rect, flags, text)
    painter.restore()


class VideoView(QWidget):
    """Paints the newest camera frame (aspect-fit, rounded) and a task overlay on top.

    With :attr:`mirrored` the frame (as the camera took it) is shown flipped, and the
    overlay, drawn in the frame's own pixel coordinates, is flipped with it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self.mirrored = False
        self.overlay: Callable[[QPainter, QRectF, float], None] | None = None
        self.painted = 0
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def set_frame(self, rgb: np.ndarray | None, mirrored: bool | None = None) -> None:
        """Show ``rgb`` (or nothing) at the next paint; ``mirrored`` flips the display."""
        if mirrored is not None:
            self.mirrored = mirrored
        self._frame = rgb
        self._image = rgb_to_qimage(rgb) if rgb is not None else None
        self.update()

    @property
    def frame(self) -> np.ndarray | None:
        """The frame shown, as the RGB array it came from (never mirrored)."""
        return self._frame

    @property
    def image(self) -> QImage | None:
        """The frame shown, as a QImage (valid until the next :meth:`set_frame`)."""
        return self._image

    @property
    def frame_size(self) -> tuple[int, int] | None:
        """(width, height) of the frame shown, if any."""
        if self._frame is None:
            return None
        return self._frame.shape[1], self._frame.shape[0]

    def image_rect(self) -> QRectF:
        """Where the frame lands in widget coordinates (aspect-fit, centred)."""
        size = self.frame_size or (4, 3)
        w, h = self.width(), self.height()
        s = min(w / size[0], h / size[1])
        dw, dh = size[0] * s, size[1] * s
        return QRectF((w - dw) / 2, (h - dh) / 2, dw, dh)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.image_rect()
        path = QPainterPath()
        path.addRoundedRect(rect, 24, 24)
        painter.setClipPath(path)
        if self._image is None:
            painter.fillRect(rect, theme.CARD)
        else:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if self.mirrored:
                painter.setWorldTransform(mirror_transform(rect), combine=True)
            painter.drawImage(rect, self._image)
            if self.overlay is not None and self.frame_size is not None:
                self.overlay(painter, rect, rect.width() / self.frame_size[0])
        self.painted += 1
        painter.end()


class ConfidenceBars(QWidget):
    """Top-k labels with bars that glide to their new lengths."""

    def __init__(self, rows: int = 5, parent: QWidget | None = None, row_height: int = 72) -> None:
        super().__init__(parent)
        self.ROW = row_height
        self._rows = rows
        self._labels: list[str] = []
        self._target: list[float] = []
        self._shown: list[float] = [0.0] * rows
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._step)
        self.setMinimumHeight(rows * self.ROW)

    def set_values(self, items: Sequence[tuple[str, float]]) -> None:
        """New (label, score in 0..1) rows, best first."""
        self._labels = [label for label, _ in items][: self._rows]
        self._target = [max(0.0, min(1.0, s)) for _, s in items][: self._rows]
        if not self._timer.isActive():
            self._timer.start()
        self.update()

    def clear(self) -> None:
        """No rows."""
        self._labels, self._target = [], []
        self._shown = [0.0] * self._rows
        self.update()

    def values(self) -> list[tuple[str, float]]:
        """The rows currently set (for tests and screenshots)."""
        return list(zip(self._labels, self._target, strict=True))

    def settle(self) -> None:
        """Jump to the final lengths (screenshots)."""
        self._shown = self._target + [0.0] * (self._rows - len(self._target))
        self.update()

    def _step(self) -> None:
        done = True
        for i in range(self._rows):
            goal = self._target[i] if i < len(self._target) else 0.0
            diff = goal - self._shown[i]
            if abs(diff) > 0.002:
                self._shown[i] += diff * 0.25
                done = False
            else:
                self._shown[i] = goal
        if done:
            self._timer.stop()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        for i, label in enumerate(self._labels):
            y = i * self.ROW
            best = i == 0
            painter.setFont(theme.body_font(26 if best else 22, QFont.Weight.Bold if best
                                            else QFont.Weight.Medium))
            painter.setPen(theme.TEXT if best else theme.MUTED)
            pct = f"{round(self._target[i] * 100)} %"
            text_rect = QRectF(0, y, w - 90, 36)
            elided = painter.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight,
                                                      int(text_rect.width()))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             elided)
            painter.drawText(QRectF(w - 90, y, 90, 36),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, pct)
            track = QRectF(0, y + 42, w, 14)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.CARD_BORDER)
            painter.drawRoundedRect(track, 7, 7)
            fill = QRectF(track.x(), track.y(), max(14.0, track.width() * self._shown[i]), 14)
            grad = QLinearGradient(fill.topLeft(), fill.topRight())
            grad.setColorAt(0, theme.TEAL if best else QColor("#3B4A7A"))
            grad.setColorAt(1, theme.VIOLET if best else QColor("#56629A"))
            painter.setBrush(grad)
            painter.drawRoundedRect(fill, 7, 7)
        painter.end()
