"""Explanation widgets shared by the classifier-like panels: the heat map painted over the
picture, the "where is the AI looking?" toggle and the honest "I'm not sure" banner.

The heat map arrives as a small grid with the rectangle of the source picture it covers
(the model's centre crop); it is painted in the source picture's coordinates, so on a
mirrored display the painter flips it together with the picture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.core.tasks.explain import Explanation
from kiosk.ui import theme

#: transparent → violet → red → yellow: cold cells stay see-through so the picture shows
_STOPS = np.array([
    (0.0, 60, 20, 160, 0),
    (0.35, 124, 58, 237, 90),
    (0.7, 239, 68, 68, 160),
    (1.0, 250, 204, 21, 190),
], dtype=np.float32)


def heat_colours(grid: np.ndarray) -> np.ndarray:
    """``h×w`` values in 0..1 → ``h×w×4`` premultiplied-free RGBA uint8."""
    g = np.clip(np.asarray(grid, dtype=np.float32), 0.0, 1.0)
    out = np.empty((*g.shape, 4), np.float32)
    for ch in range(4):
        out[..., ch] = np.interp(g, _STOPS[:, 0], _STOPS[:, ch + 1])
    return np.ascontiguousarray(out.round().astype(np.uint8))


_last_heat: list[tuple[Explanation, QImage]] = []  # the picture repaints more often than heat


def _heat_image(heat: Explanation) -> QImage:
    if _last_heat and _last_heat[0][0] is heat:
        return _last_heat[0][1]
    rgba = heat_colours(heat.grid)
    h, w = rgba.shape[:2]
    image = QImage(rgba.data, w, h, rgba.strides[0], QImage.Format.Format_RGBA8888).scaled(
        w * 32, h * 32, Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation)
    _last_heat[:] = [(heat, image)]
    return image


def paint_heat_map(painter: QPainter, rect: QRectF, scale: float, heat: Explanation) -> None:
    """Draw ``heat`` smoothly over the part of the picture the model saw, and outline it."""
    x0, y0, x1, y1 = heat.box
    target = QRectF(rect.x() + x0 * scale, rect.y() + y0 * scale,
                    (x1 - x0) * scale, (y1 - y0) * scale)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.drawImage(target, _heat_image(heat))
    # what the model never sees is dimmed: the crop is part of the explanation
    shade = QColor(11, 16, 32, 120)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(shade)
    for part in (QRectF(rect.x(), rect.y(), target.x() - rect.x(), rect.height()),
                 QRectF(target.right(), rect.y(), rect.right() - target.right(), rect.height()),
                 QRectF(target.x(), rect.y(), target.width(), target.y() - rect.y()),
                 QRectF(target.x(), target.bottom(), target.width(),
                        rect.bottom() - target.bottom())):
        if part.width() > 0.5 and part.height() > 0.5:
            painter.drawRect(part)
    painter.setPen(QPen(theme.TEAL_LIGHT, 2, Qt.PenStyle.DashLine))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(target)
    painter.restore()


class ExplainToggle(QPushButton):
    """The "where is the AI looking?" switch; hidden with a reason when the model can't."""

    def __init__(self, lang: Lang, on_change: Callable[[bool], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setMinimumHeight(64)
        self.lang = lang
        self.freeze_mode = False  # the map needs a frozen picture (no live heat map)
        self.toggled.connect(on_change)
        self.toggled.connect(lambda _=False: self._restyle())
        self.set_lang(lang)

    def _restyle(self) -> None:
        self.setObjectName("PrimaryButton" if self.isChecked() else "")
        self.style().unpolish(self)
        self.style().polish(self)

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        key = "explain.button.freeze" if self.freeze_mode else "explain.button"
        self.setText(("✓ " if self.isChecked() else "") + tr(key, lang))


class UnsureBanner(QLabel):
    """ "I'm not sure", said plainly instead of a confident wrong answer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SectionTitle")
        self.setWordWrap(True)
        self.setStyleSheet("color: #FACC15;")
        self.hide()

    def show_unsure(self, unsure: bool, lang: Lang) -> None:
        """Show (or hide) the banner in ``lang``."""
        self.setText(tr("unsure.title", lang))
        self.setVisible(unsure)


class ModelViewOverlay(QFrame):
    """ "What the AI gets to see": the model's real input, enlarged, with a caption."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setStyleSheet("QFrame#Card { background: #141B33; }")  # opaque, as the model card
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(14)
        self.title = QLabel(self)
        self.title.setObjectName("DemoTitle")
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(self)
        self.caption.setObjectName("BodyText")
        self.caption.setWordWrap(True)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.title)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.caption)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.caption_key = "modelview.none"
        self._image: QImage | None = None
        self._pixelated = False
        self._picture_height = self.PICTURE_HEIGHT
        self.hide()

    PICTURE_HEIGHT = 420  # enlarged, as big as a screen of 1080 lines allows
    MIN_PICTURE_HEIGHT = 120

    def fit(self, width: int, height: int) -> None:
        """Make the card ``width`` wide and at most ``height`` tall: the picture shrinks
        (down to 120 px) before the caption would be cut off at the bottom of the screen."""
        self.setFixedWidth(width)
        if not self.isVisible():
            return  # fitted when shown: overlays are placed on every resize and status change
        self._picture_height = self.PICTURE_HEIGHT
        self._render()
        self.adjustSize()
        over = self.height() - height
        if over > 0 and self._image is not None:
            shown = self.picture.pixmap().height()
            self._picture_height = max(self.MIN_PICTURE_HEIGHT, shown - over)
            self._render()
            self.adjustSize()

    def show_view(self, image: np.ndarray | None, caption_key: str, pixelated: bool,
                  lang: Lang) -> None:
        """Show ``image`` (RGB) enlarged to about 420 px, or just the caption without one."""
        self.caption_key = caption_key
        self._pixelated = pixelated
        if image is None:
            self._image = None
        else:
            rgb = np.ascontiguousarray(image)
            h, w = rgb.shape[:2]
            self._image = QImage(rgb.data, w, h, rgb.strides[0],
                                 QImage.Format.Format_RGB888).copy()
        self._render()
        self.set_lang(lang)
        self.show()
        self.raise_()

    def _render(self) -> None:
        if self._image is None:
            self.picture.clear()
            self.picture.hide()
            return
        mode = (Qt.TransformationMode.FastTransformation if self._pixelated
                else Qt.TransformationMode.SmoothTransformation)
        scaled = self._image.scaled(680, self._picture_height,
                                    Qt.AspectRatioMode.KeepAspectRatio, mode)
        self.picture.setPixmap(QPixmap.fromImage(scaled))
        self.picture.show()

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.title.setText(tr("modelview.title", lang))
        self.caption.setText(tr(self.caption_key, lang))
        self.close_button.setText(tr("about.close", lang))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        event.accept()
