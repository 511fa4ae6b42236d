""""Try to fool it": sliders that change what the model receives, live.

The settings go to the demo's runner as one immutable :class:`Perturbation` (the runner
applies it on the capture thread, never here); the bars and the heat map follow at camera
rate. A covering patch is moved by touching the picture. One line says what to learn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, tr
from kiosk.core.tasks.perturb import (
    BLUR_MAX,
    BRIGHTNESS_MAX,
    NOISE_MAX,
    Perturbation,
    patch_box,
)
from kiosk.ui import theme

#: slider name → (i18n key, minimum, maximum) in the perturbation's own units
SLIDERS: dict[str, tuple[str, float, float]] = {
    "blur": ("fool.blur", 0.0, BLUR_MAX),
    "noise": ("fool.noise", 0.0, NOISE_MAX),
    "brightness": ("fool.brightness", -BRIGHTNESS_MAX, BRIGHTNESS_MAX),
    "rotation": ("fool.rotation", -180.0, 180.0),
}
STEPS = 100


class FoolItOverlay(QFrame):
    """The controls, laid over the bottom of the picture."""

    def __init__(self, parent: QWidget, on_change: Callable[[Perturbation], None],
                 on_used: Callable[[], None]) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setStyleSheet("QFrame#Card { background: rgba(20, 27, 51, 235); }")
        self.lang: Lang = "de"
        self._on_change = on_change
        self._on_used = on_used
        self.patch: tuple[float, float] | None = None
        outer = QHBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.setSpacing(20)
        left = QVBoxLayout()
        left.setSpacing(8)
        self.title = QLabel(self)
        self.title.setObjectName("SectionTitle")
        self.title.setWordWrap(True)  # a narrow picture cut "… WHAT THE AI GETS" to "GET"
        left.addWidget(self.title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        self.labels: dict[str, QLabel] = {}
        self.sliders: dict[str, QSlider] = {}
        for row, (name, (_, low, high)) in enumerate(SLIDERS.items()):
            label = QLabel(self)
            label.setObjectName("BodyText")
            slider = QSlider(Qt.Orientation.Horizontal, self)
            slider.setRange(round(STEPS * low / (high - low)) if low < 0 else 0,
                            round(STEPS * high / (high - low)) if low < 0 else STEPS)
            slider.setMinimumHeight(44)
            slider.setMinimumWidth(180)
            slider.valueChanged.connect(self._changed)
            slider.sliderReleased.connect(self._on_used)
            grid.addWidget(label, row, 0)
            grid.addWidget(slider, row, 1)
            self.labels[name], self.sliders[name] = label, slider
        left.addLayout(grid)
        buttons = QHBoxLayout()
        self.patch_button = QPushButton(self)
        self.patch_button.setCheckable(True)
        self.patch_button.toggled.connect(self._patch_toggled)
        self.reset_button = QPushButton(self)
        self.reset_button.clicked.connect(self.reset)
        buttons.addWidget(self.patch_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        left.addLayout(buttons)
        self.lesson = QLabel(self)
        self.lesson.setObjectName("BodyText")
        self.lesson.setWordWrap(True)
        self.lesson.setStyleSheet("color: #FACC15; font-weight: 700;")
        left.addWidget(self.lesson)
        outer.addLayout(left, 1)
        right = QVBoxLayout()
        self.preview_title = QLabel(self)
        self.preview_title.setObjectName("SmallNote")
        self.preview = QLabel(self)
        self.preview.setFixedSize(168, 168)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.preview_title)
        right.addWidget(self.preview)
        right.addStretch(1)
        outer.addLayout(right)
        self.hide()

    def value(self, name: str) -> float:
        """A slider's setting in its perturbation units."""
        _, low, high = SLIDERS[name]
        return self.sliders[name].value() * (high - low) / STEPS

    def perturbation(self) -> Perturbation:
        """Everything set, as the runner gets it."""
        return Perturbation(self.value("blur"), self.value("noise"), self.value("brightness"),
                            self.value("rotation"), self.patch).clamped()

    def _changed(self, _value: int = 0) -> None:
        p = self.perturbation()
        self._on_change(p)
        self.lesson.setText(tr(p.lesson(), self.lang))

    def _patch_toggled(self, on: bool) -> None:
        self.patch = (0.5, 0.5) if on else None
        self._on_used()
        self.set_lang(self.lang)
        self._changed()

    def move_patch(self, x: float, y: float) -> None:
        """The visitor touched the picture at (x, y), as shares of the frame as taken."""
        if self.patch is not None:
            self.patch = (min(1.0, max(0.0, x)), min(1.0, max(0.0, y)))
            self._changed()

    def reset(self) -> None:
        """Back to the plain picture."""
        for slider in self.sliders.values():
            slider.blockSignals(True)
            slider.setValue(0)
            slider.blockSignals(False)
        self.patch_button.blockSignals(True)
        self.patch_button.setChecked(False)
        self.patch_button.blockSignals(False)
        self.patch = None
        self.preview.clear()
        self.set_lang(self.lang)
        self._changed()

    def show_input(self, output: Any) -> None:
        """The picture the model got for the newest result, small."""
        picture = getattr(output, "model_input", None)
        if picture is None:
            return
        rgb = np.ascontiguousarray(picture)
        h, w = rgb.shape[:2]
        image = QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()
        self.preview.setPixmap(QPixmap.fromImage(image).scaled(
            168, 168, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def paint_patch(self, painter: QPainter, rect: QRectF, scale: float,
                    frame_size: tuple[int, int]) -> None:
        """The patch on the picture, in the frame's own pixels (flipped with a mirror)."""
        if self.patch is None or not self.isVisible():
            return
        x0, y0, x1, y1 = patch_box((frame_size[1], frame_size[0]), self.patch)
        box = QRectF(rect.x() + x0 * scale, rect.y() + y0 * scale, (x1 - x0) * scale,
                     (y1 - y0) * scale)
        painter.save()
        painter.setBrush(QColor(128, 128, 128))
        painter.setPen(QPen(theme.TEAL_LIGHT, 3, Qt.PenStyle.DashLine))
        painter.drawRect(box)
        painter.restore()

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        self.title.setText(tr("fool.title", lang))
        for name, (key, _, _) in SLIDERS.items():
            self.labels[name].setText(tr(key, lang))
        self.patch_button.setText(tr("fool.patch.on" if self.patch is not None
                                     else "fool.patch", lang))
        self.patch_button.setObjectName("PrimaryButton" if self.patch is not None else "")
        self.patch_button.style().unpolish(self.patch_button)
        self.patch_button.style().polish(self.patch_button)
        self.reset_button.setText(tr("fool.reset", lang))
        self.preview_title.setText(tr("fool.preview", lang))
        self.lesson.setText(tr(self.perturbation().lesson(), lang))
