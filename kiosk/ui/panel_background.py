"""Magic-background panel: the person mask swaps the room for a scene, blurs it, or shows itself.

The mask arrives small (256×144) with each result; it is scaled to the picture here and used as
an alpha channel, so the swap costs two image draws per frame and no camera picture is kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, Text
from kiosk.core.tasks.segmentation import SegmentationResult
from kiosk.ui.panels import ResultPanel
from kiosk.ui.widgets import rgb_to_qimage

TEXTS: dict[str, Text] = {
    "heading": Text("Wähle deinen Hintergrund", "Choose your background"),
    "scene": Text("Bild {n}", "Scene {n}"),
    "blur": Text("Weichzeichnen", "Blur"),
    "mask": Text("Was die KI sieht", "What the AI sees"),
    "off": Text("Aus", "Off"),
    "nobody": Text("Stell dich vor die Kamera – die KI trennt dich vom Raum.",
                   "Step in front of the camera – the AI separates you from the room."),
    "person": Text("Die KI hat dich vom Hintergrund getrennt.",
                   "The AI has separated you from the background."),
    "explain": Text(
        "Ein kleines Netz entscheidet für jeden Bildpunkt: Mensch oder Raum? Weiß heißt "
        "„Mensch“. So tauschen Videokonferenzen den Hintergrund aus. Gespeichert wird nichts.",
        "A small network decides for every pixel: person or room? White means “person”. "
        "This is how video calls swap your background. Nothing is stored."),
}
MASK_TINT = QColor(94, 234, 212)


def mask_to_alpha(mask: np.ndarray, invert: bool) -> QImage:
    """An 8-bit alpha image of the mask (inverted: the room opaque, the person clear)."""
    data = np.ascontiguousarray(255 - mask if invert else mask, dtype=np.uint8)
    h, w = data.shape
    image = QImage(data.data, w, h, w, QImage.Format.Format_Alpha8)
    return image.copy()  # own the pixels: ``data`` goes away


class BackgroundPanel(ResultPanel):
    """Mode buttons (scenes, blur, mask, off) and the composited picture."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.result: SegmentationResult | None = None
        self.scenes: list[QImage] = []
        self.mode = "scene:0"
        self._scaled: dict[tuple[int, QSize], QImage] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.status = QLabel(self)
        self.status.setObjectName("BodyText")
        self.status.setWordWrap(True)
        self.buttons_box = QWidget(self)
        self.grid = QGridLayout(self.buttons_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(12)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.explain = QLabel(self)
        self.explain.setObjectName("SmallNote")
        self.explain.setWordWrap(True)
        for w in (self.heading, self.status, self.buttons_box, self.explain):
            layout.addWidget(w)
        layout.addStretch(1)
        self._make_buttons()
        self.set_lang(lang)

    services: Any = None

    def attach(self, runner: Any, services: Any) -> None:
        self.services = services
        self.scenes = [rgb_to_qimage(np.ascontiguousarray(s)).copy()
                       for s in getattr(runner, "scenes", [])]
        self._scaled.clear()
        if not self.scenes and self.mode.startswith("scene"):
            self.mode = "blur"
        self._make_buttons()
        self._texts()

    def modes(self) -> list[str]:
        """The choices offered, in order."""
        return [f"scene:{i}" for i in range(len(self.scenes))] + ["blur", "mask", "off"]

    def _make_buttons(self) -> None:
        for b in self.group.buttons():
            self.group.removeButton(b)
            b.deleteLater()
        for i, mode in enumerate(self.modes()):
            b = QPushButton(self.buttons_box)
            b.setCheckable(True)
            b.setMinimumHeight(72)
            b.setProperty("mode", mode)
            b.setChecked(mode == self.mode)
            b.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            self.group.addButton(b)
            self.grid.addWidget(b, i // 2, i % 2)
        self._mark()

    def set_mode(self, mode: str) -> None:
        """Switch what replaces the room."""
        if mode not in self.modes():
            return
        self.mode = mode
        self._mark()
        if self.services is not None and self.isVisible():
            self.services.interaction("toggle", {})

    def _mark(self) -> None:
        for b in self.group.buttons():
            on = b.property("mode") == self.mode
            b.setChecked(on)
            b.setObjectName("PrimaryButton" if on else "")
            b.style().unpolish(b)
            b.style().polish(b)

    def set_result(self, output: Any) -> None:
        if isinstance(output, SegmentationResult):
            self.result = output
            self._status()

    def _status(self) -> None:
        person = self.result is not None and self.result.person_fraction > 0.01
        self.status.setText(TEXTS["person" if person else "nobody"].get(self.lang))

    def _texts(self) -> None:
        for b in self.group.buttons():
            mode = str(b.property("mode"))
            if mode.startswith("scene:"):
                b.setText(TEXTS["scene"].format(n=int(mode[6:]) + 1).get(self.lang))
            else:
                b.setText(TEXTS[mode].get(self.lang))
        self._status()

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(TEXTS["heading"].get(lang))
        self.explain.setText(TEXTS["explain"].get(lang))
        self._texts()

    def new_scene(self) -> None:
        self.result = None  # the old mask would cut the new picture out wrongly
        self._status()

    def reset(self) -> None:
        self.result = None
        self.mode = "scene:0" if self.scenes else "blur"
        self._mark()
        self._status()

    def _scene(self, index: int, size: QSize) -> QImage:
        key = (index, size)
        if key not in self._scaled:
            if len(self._scaled) > 8:
                self._scaled.clear()
            self._scaled[key] = self.scenes[index].scaled(
                size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation).convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied)
        return self._scaled[key]

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        result = self.result
        if result is None or self.mode == "off":
            return
        size = QSize(max(1, round(rect.width())), max(1, round(rect.height())))
        if self.mode == "mask":
            layer = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            layer.fill(QColor(0, 0, 0))
            p = QPainter(layer)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            tint = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            tint.fill(MASK_TINT)
            tp = QPainter(tint)
            tp.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
            tp.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            tp.drawImage(QRectF(0, 0, size.width(), size.height()),
                         mask_to_alpha(result.mask, invert=False))
            tp.end()
            p.drawImage(0, 0, tint)
            p.end()
            painter.drawImage(rect, layer)
            return
        if self.mode == "blur":
            frame = self.frame_image
            if frame is None:
                return
            small = frame.scaled(max(1, frame.width() // 24), max(1, frame.height() // 24),
                                 Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
            back = small.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                Qt.TransformationMode.SmoothTransformation).convertToFormat(
                QImage.Format.Format_ARGB32_Premultiplied)
        else:
            index = int(self.mode.split(":")[1])
            if index >= len(self.scenes):
                return
            full = self._scene(index, size)
            back = full.copy((full.width() - size.width()) // 2,
                             (full.height() - size.height()) // 2, size.width(), size.height())
        p = QPainter(back)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_DestinationIn)
        p.drawImage(QRectF(0, 0, size.width(), size.height()),
                    mask_to_alpha(result.mask, invert=True))
        p.end()
        painter.drawImage(rect, back)

    def mode_button(self, mode: str) -> QAbstractButton | None:
        """The button for ``mode`` (tests)."""
        return next((b for b in self.group.buttons() if b.property("mode") == mode), None)
