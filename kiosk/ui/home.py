"""The home screen: large demo tiles with picture and title, language switch, "done"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, Text, tr
from kiosk.ui import theme
from kiosk.ui.staff.touch import touch_scroll
from kiosk.ui.widgets import LanguageSwitch


@dataclass(frozen=True)
class TileInfo:
    """What a tile shows for one demo."""

    demo_id: str
    title: Text
    subtitle: Text
    thumbnail: Path | None
    task: str = ""  # draws the generated picture of a pack that has no thumbnail


class DemoTile(QAbstractButton):
    """A big touch target: the demo's picture, title and one line of what it does."""

    def __init__(self, info: TileInfo, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.lang = lang
        self._image = QImage(str(info.thumbnail)) if info.thumbnail else QImage()
        self.setObjectName(f"tile-{info.demo_id}")
        self.setAccessibleName(info.title.get(lang))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(QSize(250, 190))  # eight tiles still fit a 1280×720 screen
        self.setMaximumSize(QSize(620, 560))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        #: the tiles of one screen: all keep room for as many subtitle lines as the longest
        #: needs, so their pictures line up (the home screen sets this)
        self.peers: list[DemoTile] = [self]
        self.painted_subtitle = ""  # what the last paint showed (tests)

    def subtitle_lines(self, fm: QFontMetrics, width: float) -> int:
        """Lines this tile's subtitle needs at ``width`` (two to three)."""
        return max(2, min(3, len(wrap_words(fm, self.info.subtitle.get(self.lang), width))))

    def set_lang(self, lang: Lang) -> None:
        """Repaint the texts in ``lang``."""
        self.lang = lang
        self.setAccessibleName(self.info.title.get(lang))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        r = QRectF(self.rect()).adjusted(6, 6, -6, -6)
        if self.isDown():
            r.adjust(6, 6, -6, -6)
        card = QPainterPath()
        card.addRoundedRect(r, 28, 28)
        p.fillPath(card, theme.CARD)
        p.setClipPath(card)
        # Many demos on a small screen make small tiles: text and picture shrink with them.
        k = max(0.6, min(1.0, r.width() / 420, r.height() / 420))
        pad = round(28 * k)
        sub_font = theme.body_font(max(14, round(21 * k)))
        # The text block keeps room for the title and the subtitle's lines: two, or three
        # when some tile's sentence needs them (cut with "…" it no longer said what it does).
        fm = QFontMetrics(sub_font)
        lines = max(t.subtitle_lines(fm, r.width() - 2 * pad) for t in self.peers)
        text_block = 52 * k + lines * max(29 * k, fm.lineSpacing()) + 24 * k
        pic = QRectF(r.x(), r.y(), r.width(), max(r.height() * 0.4, r.height() - text_block))
        if not self._image.isNull():
            # Cover-crop: fill the picture area, keep the aspect ratio.
            iw, ih = self._image.width(), self._image.height()
            s = max(pic.width() / iw, pic.height() / ih)
            sw, sh = pic.width() / s, pic.height() / s
            src = QRectF((iw - sw) / 2, (ih - sh) / 2, sw, sh)
            p.drawImage(pic, self._image, src)
        else:
            paint_generated_thumbnail(p, pic, self.info.title.get(self.lang), self.info.task)
        shade = QLinearGradient(pic.x(), pic.bottom() - 60, pic.x(), pic.bottom())
        shade.setColorAt(0, QColor(20, 27, 51, 0))
        shade.setColorAt(1, QColor(20, 27, 51, 255))
        p.fillRect(QRectF(pic.x(), pic.bottom() - 60, pic.width(), 60), shade)
        p.setClipping(False)
        text_top = pic.bottom() + 10 * k
        p.setPen(theme.TEXT)
        p.setFont(theme.display_font(round(34 * k), QFont.Weight.Bold))
        title_rect = QRectF(r.x() + pad, text_top, r.width() - 2 * pad, 48 * k)
        p.drawText(title_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   p.fontMetrics().elidedText(self.info.title.get(self.lang),
                                              Qt.TextElideMode.ElideRight, int(title_rect.width())))
        p.setPen(theme.MUTED)
        p.setFont(sub_font)
        sub_rect = QRectF(r.x() + pad, text_top + 50 * k, r.width() - 2 * pad,
                          r.bottom() - text_top - 50 * k)
        self.painted_subtitle = elide_lines(
            p.fontMetrics(), self.info.subtitle.get(self.lang), sub_rect.width(),
            max(1, min(lines, int(sub_rect.height() // p.fontMetrics().lineSpacing()))))
        p.drawText(sub_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   self.painted_subtitle)
        p.setPen(theme.CARD_BORDER)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(card)
        p.end()


def wrap_words(fm: QFontMetrics, text: str, width: float) -> list[str]:
    """``text`` word-wrapped into lines no wider than ``width``."""
    words = text.split()
    out: list[str] = []
    while words:
        line = words.pop(0)
        while words and fm.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        out.append(line)
    return out


def elide_lines(fm: QFontMetrics, text: str, width: float, lines: int) -> str:
    """``text`` word-wrapped into at most ``lines`` lines of ``width``; the last one ends in
    "…" when the text is longer (a half-cut line is worse than a shortened one)."""
    out = wrap_words(fm, text, width)
    if len(out) > lines:
        rest = fm.elidedText(" ".join(out[lines - 1:]), Qt.TextElideMode.ElideRight, int(width))
        out = [*out[:lines - 1], rest]
    return "\n".join(out)


def paint_generated_thumbnail(p: QPainter, rect: QRectF, title: str, task: str) -> None:
    """A picture for a pack without one: a gradient, the title's initial and the task's icon."""
    grad = QLinearGradient(rect.topLeft(), rect.bottomRight())
    grad.setColorAt(0, theme.TEAL)
    grad.setColorAt(1, theme.VIOLET)
    p.fillRect(rect, grad)
    initial = next((c for c in title if c.isalnum()), "?").upper()
    side = min(rect.height() * 0.72, rect.width() * 0.5)
    p.setPen(QColor(255, 255, 255, 235))
    p.setFont(theme.display_font(max(12, int(side * 0.8)), QFont.Weight.Black))
    letter = QRectF(rect.x() + rect.width() * 0.08, rect.y(), side, rect.height())
    p.drawText(letter, Qt.AlignmentFlag.AlignCenter, initial)
    icon = QRectF(0, 0, side * 0.75, side * 0.75)
    icon.moveCenter(QPointF(rect.right() - rect.width() * 0.08 - side * 0.5, rect.center().y()))
    paint_task_icon(p, icon, task)


def paint_task_icon(p: QPainter, r: QRectF, task: str) -> None:
    """A simple line icon for a task kind, white on the tile's gradient."""
    pen = QPen(QColor(255, 255, 255, 235), max(2.0, r.width() * 0.07))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    w, c = r.width(), r.center()
    if task == "detection":  # two boxes around things
        p.drawRoundedRect(QRectF(r.x(), r.y() + w * 0.1, w * 0.6, w * 0.55), 6, 6)
        p.drawRoundedRect(QRectF(r.x() + w * 0.4, r.y() + w * 0.4, w * 0.6, w * 0.55), 6, 6)
    elif task == "faces":  # a face
        p.drawEllipse(c, w * 0.48, w * 0.48)
        p.drawPoint(QPointF(c.x() - w * 0.17, c.y() - w * 0.1))
        p.drawPoint(QPointF(c.x() + w * 0.17, c.y() - w * 0.1))
        p.drawArc(QRectF(c.x() - w * 0.22, c.y() - w * 0.1, w * 0.44, w * 0.36), 200 * 16,
                  140 * 16)
    elif task == "ocr":  # lines of text
        for k in range(4):
            y = r.y() + w * (0.15 + 0.23 * k)
            p.drawLine(QPointF(r.x(), y), QPointF(r.x() + w * (0.95 if k % 2 else 0.7), y))
    elif task == "drawing":  # a stroke
        path = QPainterPath(QPointF(r.x(), r.bottom() - w * 0.2))
        path.cubicTo(QPointF(r.x() + w * 0.3, r.y()), QPointF(r.x() + w * 0.6, r.bottom()),
                     QPointF(r.right(), r.y() + w * 0.2))
        p.drawPath(path)
    elif task == "few-shot":  # a few examples, sorted
        for k, (dx, dy) in enumerate(((0.2, 0.25), (0.5, 0.2), (0.3, 0.6), (0.75, 0.7))):
            p.drawEllipse(QPointF(r.x() + w * dx, r.y() + w * dy), w * 0.1, w * 0.1)
            if k == 3:
                p.drawLine(QPointF(r.x() + w * 0.55, r.y() + w * 0.05),
                           QPointF(r.x() + w * 0.95, r.y() + w * 0.45))
    else:  # classification and anything else: an eye
        eye = QPainterPath(QPointF(r.x(), c.y()))
        eye.quadTo(QPointF(c.x(), r.y() - w * 0.1), QPointF(r.right(), c.y()))
        eye.quadTo(QPointF(c.x(), r.bottom() + w * 0.1), QPointF(r.x(), c.y()))
        p.drawPath(eye)
        p.drawEllipse(c, w * 0.16, w * 0.16)
    p.restore()


class HomeScreen(QWidget):
    """Choose a demo."""

    demo_chosen = Signal(str)
    done = Signal()
    language_changed = Signal(str)

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HomeScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.lang = lang
        self.tiles: list[DemoTile] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(72, 56, 72, 56)
        outer.setSpacing(28)
        top = QHBoxLayout()
        heads = QVBoxLayout()
        heads.setSpacing(6)
        self.title = QLabel(self)
        self.title.setObjectName("ScreenTitle")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("ScreenSubtitle")
        self.subtitle.setWordWrap(True)  # the privacy sentence must never widen the window
        heads.addWidget(self.title)
        heads.addWidget(self.subtitle)
        top.addLayout(heads, 1)
        self.lang_switch = LanguageSwitch(lang, self)
        self.lang_switch.changed.connect(self.language_changed)
        top.addWidget(self.lang_switch, 0, Qt.AlignmentFlag.AlignTop)
        self.done_button = QPushButton(self)
        self.done_button.clicked.connect(self.done)
        top.addSpacing(16)
        top.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        # more demos than a short screen holds (nine packs on 1280×720) scroll, instead of
        # growing the window past the screen where the last row could not be reached
        self.grid_area = QScrollArea(self)
        self.grid_area.setWidgetResizable(True)
        self.grid_area.setFrameShape(QFrame.Shape.NoFrame)
        self.grid_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.grid_area.setStyleSheet(theme.SCROLL_STYLE)
        grid_box = QWidget()
        self.grid = QGridLayout(grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(28)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid_area.setWidget(grid_box)
        touch_scroll(self.grid_area)
        outer.addWidget(self.grid_area, 1)
        from kiosk.ui.feedback import FeedbackBar

        self.feedback = FeedbackBar(lang, self)
        outer.addWidget(self.feedback)
        self.empty = QLabel(self)
        self.empty.setObjectName("BodyText")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        outer.addWidget(self.empty)
        self.set_lang(lang)

    def set_demos(self, infos: list[TileInfo]) -> None:
        """Replace the tiles (e.g. after a pack import)."""
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        cols = 3 if len(infos) <= 6 else 4
        if len(infos) == 4:
            cols = 2
        for i, info in enumerate(infos):
            tile = DemoTile(info, self.lang, self)
            tile.clicked.connect(lambda _=False, d=info.demo_id: self.demo_chosen.emit(d))
            self.grid.addWidget(tile, i // cols, i % cols)
            self.tiles.append(tile)
            tile.peers = self.tiles
        self.empty.setVisible(not infos)

    def tile(self, demo_id: str) -> DemoTile:
        """The tile of ``demo_id``."""
        return next(t for t in self.tiles if t.info.demo_id == demo_id)

    def set_lang(self, lang: Lang) -> None:
        """Switch every text to ``lang``."""
        self.lang = lang
        self.lang_switch.set_lang(lang)
        self.title.setText(tr("home.title", lang))
        self.subtitle.setText(tr("home.subtitle", lang))
        self.done_button.setText(tr("home.done", lang))
        self.empty.setText(tr("home.no_demos", lang))
        self.feedback.set_lang(lang)
        for tile in self.tiles:
            tile.set_lang(lang)
