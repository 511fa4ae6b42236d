"""Face privacy panel: face count, the pixelate switch, and boxes/landmarks or mosaics."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.core.tasks.faces import Face
from kiosk.ui import theme
from kiosk.ui.panels import ResultPanel
from kiosk.ui.widgets import draw_upright_text

HOLD_SECONDS = 0.5  # keep hiding a face this long after the detector last saw it
MARGIN = 0.25  # mosaic a little beyond the box: hair, chin, a box that is slightly off
BLOCKS = 9


class FacesPanel(ResultPanel):
    """Shows how many faces the AI found and lets visitors pixelate them all."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.faces: tuple[Face, ...] = ()
        self._seen_at = 0.0
        self._shown: tuple[Face, ...] = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.count = QLabel(self)
        self.count.setObjectName("DemoTitle")
        self.count.setWordWrap(True)
        self.switch = QPushButton(self)
        self.switch.setCheckable(True)
        self.switch.setChecked(True)
        self.switch.setMinimumHeight(80)
        self.switch.toggled.connect(self._switched)
        self.hint = QLabel(self)
        self.hint.setObjectName("BodyText")
        self.hint.setWordWrap(True)
        self.note = QLabel(self)
        self.note.setObjectName("SmallNote")
        self.note.setWordWrap(True)
        for w in (self.heading, self.count, self.switch, self.hint, self.note):
            layout.addWidget(w)
        layout.addStretch(1)
        self.set_lang(lang)

    @property
    def pixelate(self) -> bool:
        """Whether faces are hidden behind a mosaic."""
        return self.switch.isChecked()

    services: Any = None

    def attach(self, runner: Any, services: Any) -> None:
        self.services = services

    def _switched(self, _on: bool) -> None:
        if self.services is not None and self.isVisible():
            self.services.interaction("toggle", {})
        self._restyle()

    def _restyle(self) -> None:
        self.switch.setObjectName("PrimaryButton" if self.pixelate else "")
        self.switch.style().unpolish(self.switch)
        self.switch.style().polish(self.switch)
        self._texts()

    def set_result(self, output: Any) -> None:
        faces = tuple(getattr(output, "faces", ()))
        now = time.monotonic()
        self.faces = faces
        if faces:
            self._seen_at = now
            self._shown = faces
        elif now - self._seen_at > HOLD_SECONDS:
            self._shown = ()
        self._texts()

    def shown_faces(self) -> tuple[Face, ...]:
        """Faces drawn on the picture (recent ones are held briefly to avoid flicker)."""
        return self._shown

    def _texts(self) -> None:
        n = len(self.faces)
        if n == 0:
            text = tr("faces.none", self.lang)
        elif n == 1:
            text = tr("faces.one", self.lang)
        else:
            text = tr("faces.many", self.lang).format(n=n)
        self.count.setText(text)
        self.switch.setText(tr("faces.pixelate.on" if self.pixelate else "faces.pixelate.off",
                               self.lang))
        self.hint.setText(tr("faces.look" if n == 0 else "faces.pixelate.hint", self.lang))

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(tr("faces.heading", lang))
        self.note.setText(tr("faces.privacy", lang))
        self._restyle()

    def new_scene(self) -> None:
        self.faces = ()
        self._shown = ()
        self._seen_at = 0.0
        self._texts()

    def reset(self) -> None:
        # The demo has closed: switching pixelation back on is not a visitor's interaction.
        self.services = None
        self.faces = ()
        self._shown = ()
        self.switch.setChecked(True)
        self._texts()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        image = self.frame_image
        for face in self._shown:
            x1, y1, x2, y2 = face.box
            if self.pixelate and image is not None:
                self._mosaic(painter, image, face, rect, scale)
                pen = QPen(theme.TEAL_LIGHT, 3)
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
                painter.drawRoundedRect(self._to_view(x1 - mx, y1 - my, x2 + mx, y2 + my,
                                                      rect, scale), 12, 12)
                continue
            painter.setPen(QPen(theme.TEAL_LIGHT, 4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self._to_view(x1, y1, x2, y2, rect, scale), 14, 14)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#A78BFA"))
            for lx, ly in face.landmarks:
                painter.drawEllipse(QPointF(rect.x() + lx * scale, rect.y() + ly * scale), 7, 7)
            label = f"{face.score:.0%}"
            painter.setFont(theme.body_font(20, QFont.Weight.Bold))
            tag = QRectF(rect.x() + x1 * scale, rect.y() + y1 * scale - 38, 86, 32)
            painter.setBrush(theme.TEAL)
            painter.drawRoundedRect(tag, 10, 10)
            painter.setPen(theme.TEXT)
            draw_upright_text(painter, tag, Qt.AlignmentFlag.AlignCenter, label)

    @staticmethod
    def _to_view(x1: float, y1: float, x2: float, y2: float, rect: QRectF,
                 scale: float) -> QRectF:
        return QRectF(rect.x() + x1 * scale, rect.y() + y1 * scale, (x2 - x1) * scale,
                      (y2 - y1) * scale)

    @staticmethod
    def _mosaic(painter: QPainter, image: QImage, face: Face, rect: QRectF, scale: float) -> None:
        x1, y1, x2, y2 = face.box
        mx, my = (x2 - x1) * MARGIN, (y2 - y1) * MARGIN
        src = QRect(int(x1 - mx), int(y1 - my), int(x2 - x1 + 2 * mx), int(y2 - y1 + 2 * my))
        src = src.intersected(image.rect())
        if src.isEmpty():
            return
        cells = max(1, max(src.width(), src.height()) // BLOCKS)
        small = image.copy(src).scaled(
            max(1, src.width() // cells), max(1, src.height() // cells),
            Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        target = QRectF(rect.x() + src.x() * scale, rect.y() + src.y() * scale,
                        src.width() * scale, src.height() * scale)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(target, small)
        painter.restore()
