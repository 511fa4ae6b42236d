"""Body-pose panel: a skeleton over the picture and the "strike the pose" game."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, Text
from kiosk.core.tasks.pose import SKELETON, Person, PoseResult
from kiosk.core.tasks.pose_game import GameState, PoseGame
from kiosk.ui import theme
from kiosk.ui.panels import ResultPanel

TEXTS: dict[str, Text] = {
    "heading": Text("Mach nach!", "Copy the pose!"),
    "arms_up": Text("Beide Arme hoch!", "Both arms up!"),
    "t_pose": Text("Arme zur Seite – wie ein Flugzeug!", "Arms out wide – like a plane!"),
    "one_arm_up": Text("Nur einen Arm hoch!", "Just one arm up!"),
    "hands_on_head": Text("Hände auf den Kopf!", "Hands on your head!"),
    "cheer": Text("Super!", "Great!"),
    "score": Text("Geschafft: {n}", "Done: {n}"),
    "nobody": Text("Stell dich so vor die Kamera, dass man dich bis zur Hüfte sieht.",
                   "Stand in front of the camera so it sees you down to your hips."),
    "explain": Text(
        "Die KI findet 33 Punkte an deinem Körper – Schultern, Ellbogen, Handgelenke, Hüften, "
        "Knie – und verbindet sie zu einem Strichmännchen. Ein zweites Netz folgt dir von Bild "
        "zu Bild.",
        "The AI finds 33 points on your body – shoulders, elbows, wrists, hips, knees – and "
        "joins them into a stick figure. A second network follows you from frame to frame."),
}
MIN_SCORE = 0.5


class HoldBar(QWidget):
    """A rounded bar that fills while a pose is held."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = 0.0
        self.setFixedHeight(28)

    def set_value(self, value: float) -> None:
        """Fill to ``value`` (0…1)."""
        self.value = max(0.0, min(1.0, value))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.CARD_BORDER)
        painter.drawRoundedRect(r, 14, 14)
        if self.value > 0:
            painter.setBrush(theme.TEAL)
            painter.drawRoundedRect(QRectF(r.x(), r.y(), r.width() * self.value, r.height()),
                                    14, 14)


class PosePanel(ResultPanel):
    """Shows the pose to strike, how long it has been held, and the score."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.game = PoseGame()
        self.person: Person | None = None
        self.state: GameState | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.challenge = QLabel(self)
        self.challenge.setObjectName("DemoTitle")
        self.challenge.setWordWrap(True)
        self.bar = HoldBar(self)
        self.score = QLabel(self)
        self.score.setObjectName("BodyText")
        self.explain = QLabel(self)
        self.explain.setObjectName("SmallNote")
        self.explain.setWordWrap(True)
        for w in (self.heading, self.challenge, self.bar, self.score, self.explain):
            layout.addWidget(w)
        layout.addStretch(1)
        self.set_lang(lang)

    services: Any = None

    def attach(self, runner: Any, services: Any) -> None:
        self.services = services

    def set_result(self, output: Any) -> None:
        if not isinstance(output, PoseResult):
            return
        self.person = output.people[0] if output.people else None
        before = self.game.score
        self.state = self.game.update(self.person, time.monotonic())
        if self.game.score > before and self.services is not None:
            self.services.interaction("game_point", {})
        self._texts()

    def _texts(self) -> None:
        s = self.state
        if s is None or not s.person:
            self.challenge.setText(TEXTS["nobody"].get(self.lang))
            self.bar.set_value(0.0)
        elif s.cheering:
            self.challenge.setText(TEXTS["cheer"].get(self.lang))
            self.bar.set_value(1.0)
        else:
            self.challenge.setText(TEXTS[s.challenge].get(self.lang))
            self.bar.set_value(s.progress)
        self.score.setText(TEXTS["score"].format(n=self.game.score).get(self.lang))

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(TEXTS["heading"].get(lang))
        self.explain.setText(TEXTS["explain"].get(lang))
        self._texts()

    def new_scene(self) -> None:
        self.person = None

    def reset(self) -> None:
        self.game.reset()
        self.person = None
        self.state = None
        self._texts()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        person = self.person
        if person is None:
            return  # nobody: no stale skeleton

        def at(name: str) -> QPointF | None:
            p = person.point(name, MIN_SCORE)
            return QPointF(rect.x() + p[0] * scale, rect.y() + p[1] * scale) if p else None

        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(theme.TEAL_LIGHT, 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for a, b in SKELETON:
            pa, pb = at(a), at(b)
            if pa is not None and pb is not None:
                painter.drawLine(pa, pb)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#A78BFA"))
        for kp in person.keypoints:
            if kp.score >= MIN_SCORE:
                painter.drawEllipse(QPointF(rect.x() + kp.x * scale, rect.y() + kp.y * scale),
                                    7, 7)
