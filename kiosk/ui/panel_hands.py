"""Hand-signs panel: the hand skeleton, the sign the AI reads, and two signs a visitor teaches."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, Text
from kiosk.core.tasks.hands import BONES, SIGNS, Hand, HandsResult
from kiosk.ui import theme
from kiosk.ui.panels import ResultPanel
from kiosk.ui.widgets import draw_upright_text

TEXTS: dict[str, Text] = {
    "heading": Text("Die KI liest", "The AI reads"),
    "open_hand": Text("Offene Hand", "Open hand"),
    "fist": Text("Faust", "Fist"),
    "thumbs_up": Text("Daumen hoch", "Thumbs up"),
    "peace": Text("Peace", "Peace"),
    "pointing": Text("Zeigefinger", "Pointing"),
    "taught:A": Text("Dein Zeichen A", "Your sign A"),
    "taught:B": Text("Dein Zeichen B", "Your sign B"),
    "unknown": Text("Dieses Zeichen kenne ich nicht.", "I don't know this sign."),
    "nohand": Text("Zeig der Kamera deine Hand.", "Show your hand to the camera."),
    "signs": Text("Probier: Offene Hand · Faust · Daumen hoch · Peace · Zeigefinger",
                  "Try: open hand · fist · thumbs up · peace · pointing"),
    "teach": Text("Eigenes Zeichen", "Your own sign"),
    "teach_a": Text("Zeichen A lernen", "Learn sign A"),
    "teach_b": Text("Zeichen B lernen", "Learn sign B"),
    "forget": Text("Vergessen", "Forget"),
    "hold": Text("Halte dein Zeichen still …", "Hold your sign still …"),
    "learned": Text("Gelernt! Zeig es noch einmal.", "Learned! Show it again."),
    "need_hand": Text("Ich sehe keine Hand – zeig sie der Kamera und tippe noch einmal.",
                      "I can't see a hand – show it to the camera and tap again."),
    "explain": Text(
        "Die KI findet 21 Punkte an deiner Hand. Ein Zeichen lernt sie nur aus diesen Punkten – "
        "Hintergrund, Licht und Ärmel sind ihr egal. Das Bild-Lernen in „Bring der KI etwas "
        "bei“ schaut dagegen aufs ganze Bild.",
        "The AI finds 21 points on your hand. It learns a sign from these points only – "
        "background, light and sleeves don't matter. Picture-based teaching in “Teach the AI” "
        "looks at the whole picture instead."),
}
SAMPLES_PER_SIGN = 12
RECORD_SECONDS = 2.5


class HandsPanel(ResultPanel):
    """What sign the AI reads, with buttons to teach two signs of one's own."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.hands: tuple[Hand, ...] = ()
        self.runner: Any = None
        self.services: Any = None
        self.recording: str | None = None
        self._record_until = 0.0
        self._recorded = 0
        self._message: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.sign = QLabel(self)
        self.sign.setObjectName("DemoTitle")
        self.sign.setWordWrap(True)
        self.signs = QLabel(self)
        self.signs.setObjectName("BodyText")
        self.signs.setWordWrap(True)
        self.teach_title = QLabel(self)
        self.teach_title.setObjectName("SectionTitle")
        grid_box = QWidget(self)
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        self.teach_a = QPushButton(grid_box)
        self.teach_b = QPushButton(grid_box)
        self.forget_button = QPushButton(grid_box)
        for i, b in enumerate((self.teach_a, self.teach_b, self.forget_button)):
            b.setMinimumHeight(72)
            grid.addWidget(b, i // 2, i % 2)
        self.teach_a.clicked.connect(lambda: self.start_teaching("A"))
        self.teach_b.clicked.connect(lambda: self.start_teaching("B"))
        self.forget_button.clicked.connect(self.forget)
        self.status = QLabel(self)
        self.status.setObjectName("BodyText")
        self.status.setWordWrap(True)
        self.explain = QLabel(self)
        self.explain.setObjectName("SmallNote")
        self.explain.setWordWrap(True)
        for w in (self.heading, self.sign, self.signs, self.teach_title, grid_box, self.status,
                  self.explain):
            layout.addWidget(w)
        layout.addStretch(1)
        self.set_lang(lang)

    def attach(self, runner: Any, services: Any) -> None:
        self.runner = runner
        self.services = services

    def start_teaching(self, name: str) -> None:
        """Collect examples of sign ``name`` from the next couple of seconds."""
        self.recording = name
        self._record_until = time.monotonic() + RECORD_SECONDS
        self._recorded = 0
        self._message = "hold"
        self._texts()

    def forget(self) -> None:
        """Forget the visitor's signs."""
        if self.runner is not None and self.services is not None:
            self.services.submit(self.runner.forget)
            self.services.interaction("teach_reset", {})
        self.recording = None
        self._message = None
        self._texts()

    def set_result(self, output: Any) -> None:
        if not isinstance(output, HandsResult):
            return
        self.hands = output.hands
        if self.recording is not None:
            self._record(time.monotonic())
        self._texts()

    def _record(self, now: float) -> None:
        name = self.recording
        if name is None:
            return
        if self.hands and self._recorded < SAMPLES_PER_SIGN and self.runner is not None:
            hand = self.hands[0]
            self._recorded += 1
            if self.services is not None:
                self.services.submit(self.runner.teach, name, list(hand.points), hand.right)
        if self._recorded >= SAMPLES_PER_SIGN or now >= self._record_until:
            self.recording = None
            self._message = "learned" if self._recorded else "need_hand"
            if self._recorded and self.services is not None:
                self.services.interaction("teach_sample", {"label": f"sign {name}"})

    def _texts(self) -> None:
        if not self.hands:
            self.sign.setText(TEXTS["nohand"].get(self.lang))
        else:
            sign = self.hands[0].sign
            key = sign if sign in TEXTS else "unknown"
            self.sign.setText(TEXTS[key].get(self.lang))
        self.status.setText(TEXTS[self._message].get(self.lang) if self._message else "")

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(TEXTS["heading"].get(lang))
        self.signs.setText(TEXTS["signs"].get(lang))
        self.teach_title.setText(TEXTS["teach"].get(lang))
        self.teach_a.setText(TEXTS["teach_a"].get(lang))
        self.teach_b.setText(TEXTS["teach_b"].get(lang))
        self.forget_button.setText(TEXTS["forget"].get(lang))
        self.explain.setText(TEXTS["explain"].get(lang))
        self._texts()

    def new_scene(self) -> None:
        self.hands = ()
        self._texts()

    def reset(self) -> None:
        self.hands = ()
        self.recording = None
        self._message = None
        self._texts()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for hand in self.hands:
            pts = [QPointF(rect.x() + x * scale, rect.y() + y * scale) for x, y in hand.points]
            painter.setPen(QPen(theme.TEAL_LIGHT, 5, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            for a, b in BONES:
                painter.drawLine(pts[a], pts[b])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.VIOLET)
            for p in pts:
                painter.drawEllipse(p, 6, 6)
            if hand.sign in TEXTS:
                label = TEXTS[hand.sign].get(self.lang)
                painter.setFont(theme.body_font(22, QFont.Weight.Bold))
                width = painter.fontMetrics().horizontalAdvance(label) + 28
                tag = QRectF(pts[0].x() - width / 2, pts[0].y() + 16, width, 40)
                painter.setBrush(theme.TEAL)
                painter.drawRoundedRect(tag, 12, 12)
                painter.setPen(theme.TEXT)
                draw_upright_text(painter, tag, Qt.AlignmentFlag.AlignCenter, label)


__all__ = ["SIGNS", "HandsPanel"]
