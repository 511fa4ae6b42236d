"""The attract loop: an animated, inviting screen that asks passers-by to touch it."""

from __future__ import annotations

import math
import random
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QHideEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import QWidget

from kiosk.core.i18n import STRINGS
from kiosk.ui import theme


class AttractScreen(QWidget):
    """Drifting network of glowing nodes behind a bilingual "touch to start".

    It runs all day on a fanless PC, so it is drawn cheaply (``kiosk bench-idle``): the
    background and the texts are one cached picture, each glowing node is a ready-made
    sprite, the links are thin lines drawn in a few batches, and it repaints at
    :attr:`FPS`: the breathing "touch" pill every frame (only its own region is
    repainted), the slowly drifting network every :attr:`NETWORK_EVERY` frames. It stops
    while hidden.
    """

    touched = Signal()
    NODES = 40
    FPS = 8
    NETWORK_EVERY = 2  # the network drifts slowly: half the pill's frame rate is enough
    PULSE_STEPS = 8  # sprite sizes a node's pulse steps through
    LINK_SHADES = 6  # line alphas, one batched draw each
    BREATH_STEPS = 10  # ready-made pictures of the breathing pill

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AttractScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        rng = random.Random(7)
        # Nodes live in unit coordinates so the picture scales to any screen.
        self._nodes = [
            (rng.random(), rng.random(), rng.uniform(0, math.tau), rng.uniform(0.02, 0.06))
            for _ in range(self.NODES)
        ]
        self._t = 0.0
        self._net_t = 0.0  # the network's time, advanced on full frames only
        self._ticks = 0
        self.frames_painted = 0
        self._static: QPixmap | None = None  # the background at the current size
        self._texts: list[tuple[QPointF, QPixmap]] | None = None
        self._sprites: dict[tuple[bool, int], QPixmap] = {}
        self._pills: dict[int, tuple[QPointF, QPixmap]] = {}
        self._net_cache: tuple[Any, list[list[QLineF]], list[tuple[QPointF, QPixmap]]] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(round(1000 / self.FPS))
        self._timer.timeout.connect(self._advance)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        # No animation while hidden: the CPU belongs to the demos then.
        self._timer.stop()
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._static = None
        self._texts = None
        self._sprites = {}
        self._pills = {}
        self._net_cache = None
        super().resizeEvent(event)

    def _advance(self) -> None:
        self._t += 1.0 / self.FPS
        self._ticks += 1
        if self._ticks % self.NETWORK_EVERY == 0:
            self._net_t = self._t
            self.update()
        else:
            grow = 26 * self._scale() + 26  # the halo's largest reach, with room to spare
            self.update(self._pill_rect(self.width(), self.height()).adjusted(
                -grow, -grow, grow, grow).toAlignedRect())

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.touched.emit()
        event.accept()

    def _node_xy(self, i: int, w: int, h: int) -> tuple[float, float]:
        x, y, phase, amp = self._nodes[i]
        t = self._net_t
        px = x + amp * math.sin(t * 0.3 + phase)
        py = y + amp * math.cos(t * 0.24 + phase * 1.3)
        return px * w, py * h

    def paintEvent(self, event: QPaintEvent) -> None:
        self.frames_painted += 1
        w, h = self.width(), self.height()
        if self._static is None:
            self._static = self._render_static(w, h)
        if self._texts is None:
            self._texts = self._render_texts(w, h)
        p = QPainter(self)
        p.drawPixmap(0, 0, self._static)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_network(p, w, h)
        for at, text in self._texts:
            p.drawPixmap(at, text)
        self._paint_pill(p, w, h)
        p.end()

    def _scale(self) -> float:
        return min(self.width() / 1920, self.height() / 1080)

    def _render_static(self, w: int, h: int) -> QPixmap:
        pm = QPixmap(max(1, w), max(1, h))
        p = QPainter(pm)
        bg = QLinearGradient(0, 0, w, h)
        bg.setColorAt(0, QColor("#0B1020"))
        bg.setColorAt(1, QColor("#1A1240"))
        p.fillRect(QRectF(0, 0, w, h), bg)
        p.end()
        return pm

    def _render_texts(self, w: int, h: int) -> list[tuple[QPointF, QPixmap]]:
        """Each text line as a small transparent picture: drawn above the network, cheaply."""
        title, sub = STRINGS["attract.title"], STRINGS["attract.subtitle"]
        scale = self._scale()
        lines = [
            (QRectF(0, h * 0.22, w, h * 0.14), title.de, theme.TEXT,
             theme.display_font(max(28, int(104 * scale)))),
            (QRectF(0, h * 0.35, w, h * 0.08), title.en, theme.TEAL_LIGHT,
             theme.display_font(max(20, int(56 * scale)), QFont.Weight.Bold)),
            (QRectF(w * 0.1, h * 0.46, w * 0.8, h * 0.05), sub.de, theme.MUTED,
             theme.body_font(max(14, int(30 * scale)))),
            (QRectF(w * 0.1, h * 0.505, w * 0.8, h * 0.05), sub.en, theme.MUTED,
             theme.body_font(max(14, int(30 * scale)))),
        ]
        out = []
        ratio = self.devicePixelRatioF()
        for rect, text, colour, font in lines:
            bounds = QFontMetricsF(font).boundingRect(
                rect, Qt.AlignmentFlag.AlignCenter, text).adjusted(-4, -4, 4, 4)
            pm = QPixmap(max(1, math.ceil(bounds.width() * ratio)),
                         max(1, math.ceil(bounds.height() * ratio)))
            pm.setDevicePixelRatio(ratio)
            pm.fill(Qt.GlobalColor.transparent)
            p = QPainter(pm)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            p.setPen(colour)
            p.setFont(font)
            p.drawText(QRectF(0, 0, bounds.width(), bounds.height()),
                       Qt.AlignmentFlag.AlignCenter, text)
            p.end()
            out.append((QPointF(round(bounds.x()), round(bounds.y())), pm))
        return out

    def _sprite(self, violet: bool, step: int) -> QPixmap:
        """A node's glow at pulse ``step`` (soft halo from stacked translucent discs)."""
        key = (violet, step)
        sprite = self._sprites.get(key)
        if sprite is None:
            r = 5 + 5 * step / (self.PULSE_STEPS - 1)
            side = math.ceil(r * 3.2 * 2) + 4
            ratio = self.devicePixelRatioF()
            sprite = QPixmap(round(side * ratio), round(side * ratio))
            sprite.setDevicePixelRatio(ratio)
            sprite.fill(Qt.GlobalColor.transparent)
            p = QPainter(sprite)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            colour = QColor("#A78BFA") if violet else QColor(theme.TEAL_LIGHT)
            c = QPointF(side / 2, side / 2)
            # (QRadialGradient brushes tripped a refcount bug in PySide6 6.12 at exit.)
            for radius, alpha in ((r * 3.2, 22), (r * 2.0, 45), (r * 1.2, 90)):
                halo = QColor(colour)
                halo.setAlpha(alpha)
                p.setBrush(halo)
                p.drawEllipse(c, radius, radius)
            p.setBrush(colour)
            p.drawEllipse(c, r * 0.6, r * 0.6)
            p.end()
            self._sprites[key] = sprite
        return sprite

    def _network(self, w: int, h: int) -> tuple[list[list[QLineF]], list[tuple[QPointF, QPixmap]]]:
        """The links (by shade) and node sprites at the network's time; computed once per
        network frame and reused by the pill-only frames in between."""
        key = (self._net_t, w, h)
        if self._net_cache is not None and self._net_cache[0] == key:
            return self._net_cache[1], self._net_cache[2]
        pts = [self._node_xy(i, w, h) for i in range(self.NODES)]
        reach = 0.15 * max(w, h)  # shorter links: fewer, and they cost per pixel
        shades: list[list[QLineF]] = [[] for _ in range(self.LINK_SHADES)]
        for i, (ax, ay) in enumerate(pts):
            for bx, by in pts[i + 1 :]:
                d = math.hypot(ax - bx, ay - by)
                if d < reach:
                    shade = min(self.LINK_SHADES - 1, int(self.LINK_SHADES * (1 - d / reach)))
                    shades[shade].append(QLineF(ax, ay, bx, by))
        sprites = []
        for i, (x, y) in enumerate(pts):
            pulse = 0.5 + 0.5 * math.sin(self._net_t * 1.7 + i)
            step = min(self.PULSE_STEPS - 1, int(pulse * self.PULSE_STEPS))
            sprite = self._sprite(i % 3 == 0, step)
            half = sprite.width() / sprite.devicePixelRatio() / 2
            sprites.append((QPointF(round(x - half), round(y - half)), sprite))
        self._net_cache = (key, shades, sprites)
        return shades, sprites

    def _paint_network(self, p: QPainter, w: int, h: int) -> None:
        shades, sprites = self._network(w, h)
        for shade, lines in enumerate(shades):
            if lines:
                alpha = int(90 * (shade + 0.5) / self.LINK_SHADES)
                p.setPen(QPen(QColor(94, 234, 212, alpha), 1.0))
                p.drawLines(lines)
        for at, sprite in sprites:
            p.drawPixmap(at, sprite)

    def _pill_rect(self, w: int, h: int) -> QRectF:
        scale = self._scale()
        return QRectF(w * 0.5 - 560 * scale, h * 0.66, 1120 * scale, 170 * scale)

    def _pill_sprite(self, step: int) -> tuple[QPointF, QPixmap]:
        """The pill with its halo at breath ``step``, drawn once per size and step."""
        cached = self._pills.get(step)
        if cached is not None:
            return cached
        breath = step / (self.BREATH_STEPS - 1)
        pill = self._pill_rect(self.width(), self.height())
        grow = 10 + 14 * breath
        outer = pill.adjusted(-grow, -grow, grow, grow)
        ratio = self.devicePixelRatioF()
        pm = QPixmap(max(1, math.ceil(outer.width() * ratio)),
                     max(1, math.ceil(outer.height() * ratio)))
        pm.setDevicePixelRatio(ratio)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.translate(-outer.x(), -outer.y())
        p.setPen(Qt.PenStyle.NoPen)
        halo = QColor(theme.TEAL_LIGHT)
        halo.setAlpha(int(40 + 50 * breath))
        p.setBrush(halo)
        p.drawRoundedRect(outer, pill.height() / 2 + grow, pill.height() / 2 + grow)
        grad = QLinearGradient(pill.topLeft(), pill.topRight())
        grad.setColorAt(0, theme.TEAL)
        grad.setColorAt(1, theme.VIOLET)
        p.setBrush(grad)
        p.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        touch = STRINGS["attract.touch"]
        centre = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        scale = self._scale()
        p.setPen(theme.TEXT)
        p.setFont(theme.body_font(max(16, int(44 * scale)), QFont.Weight.Bold))
        p.drawText(QRectF(pill.x(), pill.y() + pill.height() * 0.08, pill.width(),
                          pill.height() * 0.5), centre, touch.de)
        p.setFont(theme.body_font(max(12, int(32 * scale)), QFont.Weight.Medium))
        p.drawText(QRectF(pill.x(), pill.y() + pill.height() * 0.5, pill.width(),
                          pill.height() * 0.4), centre, touch.en)
        p.end()
        cached = (QPointF(round(outer.x()), round(outer.y())), pm)
        self._pills[step] = cached
        return cached

    def _paint_pill(self, p: QPainter, w: int, h: int) -> None:
        # A breathing "touch" pill invites without words being needed.
        breath = 0.5 + 0.5 * math.sin(self._t * 2.4)
        at, sprite = self._pill_sprite(round(breath * (self.BREATH_STEPS - 1)))
        p.drawPixmap(at, sprite)
