"""Teach-the-AI panel: three things to teach, hold-to-record buttons, live prediction."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, Text, tr
from kiosk.core.tasks.explain import Explanation
from kiosk.core.tasks.few_shot import ExampleBank, TeachResult
from kiosk.ui.explain_view import ExplainToggle, UnsureBanner, paint_heat_map
from kiosk.ui.panels import DemoServices, ResultPanel
from kiosk.ui.widgets import ConfidenceBars

PRESET_NAMES = (
    Text("Tasse", "Cup"), Text("Hand", "Hand"), Text("Handy", "Phone"), Text("Buch", "Book"),
    Text("Schlüssel", "Key"), Text("Flasche", "Bottle"), Text("Stift", "Pen"),
    Text("Spielzeug", "Toy"), Text("Nichts", "Nothing"),
)
SHAPES = ("star", "heart", "diamond")
COLOURS = (QColor("#14B8A6"), QColor("#A78BFA"), QColor("#FCD34D"))
MIN_GAP = 0.09  # seconds between recorded examples: ~1 s of camera per burst of 10
MAX_PER_PRESS = 30


def shape_path(shape: str, rect: QRectF) -> QPainterPath:
    """A simple icon outline (star, heart or diamond) filling ``rect``."""
    import math

    path = QPainterPath()
    c = rect.center()
    r = min(rect.width(), rect.height()) / 2
    if shape == "star":
        for i in range(10):
            radius = r if i % 2 == 0 else r * 0.45
            a = -math.pi / 2 + i * math.pi / 5
            p = QPointF(c.x() + radius * math.cos(a), c.y() + radius * math.sin(a))
            if i == 0:
                path.moveTo(p)
            else:
                path.lineTo(p)
        path.closeSubpath()
    elif shape == "heart":
        top = c.y() - r * 0.45
        path.moveTo(c.x(), c.y() + r * 0.85)
        path.cubicTo(c.x() - r * 1.3, c.y() + r * 0.1, c.x() - r * 0.8, top - r * 0.8, c.x(), top)
        path.cubicTo(c.x() + r * 0.8, top - r * 0.8, c.x() + r * 1.3, c.y() + r * 0.1,
                     c.x(), c.y() + r * 0.85)
    else:
        path.moveTo(c.x(), c.y() - r)
        path.lineTo(c.x() + r * 0.8, c.y())
        path.lineTo(c.x(), c.y() + r)
        path.lineTo(c.x() - r * 0.8, c.y())
        path.closeSubpath()
    return path


class ShapeIcon(QWidget):
    """A coloured shape that identifies one class."""

    def __init__(self, index: int, size: int = 52, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setFixedSize(QSize(size, size))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(COLOURS[self.index])
        p.drawPath(shape_path(SHAPES[self.index], QRectF(self.rect()).adjusted(4, 4, -4, -4)))
        p.end()


class ClassRow(QFrame):
    """Icon, tappable name, example count and the hold-to-record button of one class."""

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.name_index = index
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(ShapeIcon(index, parent=self))
        self.name = QPushButton(self)
        self.name.setStyleSheet("text-align: left; padding: 0 18px;")
        layout.addWidget(self.name, 1)
        self.count = QLabel(self)
        self.count.setObjectName("SmallNote")
        self.count.setMinimumWidth(118)
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.count)
        self.record = QPushButton(self)
        self.record.setObjectName("PrimaryButton")
        self.record.setMinimumWidth(240)
        layout.addWidget(self.record)
        self.name.clicked.connect(self._next_name)

    def set_record_texts(self, text: str, texts: tuple[str, ...]) -> None:
        """Show ``text``; the button stays as wide as the longest of ``texts`` (a fixed
        240 px let a narrow screen cut "Halten = aufnehmen" at both ends)."""
        self.record.setText(text)
        self.record.ensurePolished()  # the theme's font and padding, before measuring
        words = max(self.record.fontMetrics().horizontalAdvance(t) for t in texts)
        self.record.setMinimumWidth(max(240, words + 60))  # the theme's 30 px padding

    @property
    def label(self) -> Text:
        """The class's current name in both languages."""
        return PRESET_NAMES[self.name_index % len(PRESET_NAMES)]

    def _next_name(self) -> None:
        self.name_index += 1
        panel = self.parent()
        while panel is not None and not isinstance(panel, TeachPanel):
            panel = panel.parent()
        if isinstance(panel, TeachPanel):
            panel.names_changed()


class TeachPanel(ResultPanel):
    """Visitors teach up to three things and watch the AI tell them apart."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.runner: Any = None
        self.services: DemoServices | None = None
        self.bank = ExampleBank(3, 60)
        self.recording: int | None = None
        self._holding = False
        self._burst_left = 0
        self._press_count = 0
        self._last_add = 0.0
        self.learn_ms: float | None = None
        self.last: TeachResult | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.says = QLabel(self)
        self.says.setObjectName("SectionTitle")
        self.bars = ConfidenceBars(3, self, row_height=60)
        self.hint = QLabel(self)
        self.hint.setObjectName("BodyText")
        self.hint.setWordWrap(True)
        self.classes_title = QLabel(self)
        self.classes_title.setObjectName("SectionTitle")
        self.unsure_banner = UnsureBanner(self)
        self.unsure = False
        self.heat: Explanation | None = None
        self.explain = ExplainToggle(lang, self._explain_toggled, self)
        self.explain.hide()
        layout.addWidget(self.says)
        layout.addWidget(self.unsure_banner)
        layout.addWidget(self.bars)
        layout.addWidget(self.hint)
        layout.addWidget(self.explain)
        title_row = QHBoxLayout()
        title_row.addWidget(self.classes_title, 1)
        self.forget_button = QPushButton(self)
        self.forget_button.clicked.connect(self.forget)
        title_row.addWidget(self.forget_button)
        layout.addLayout(title_row)
        self.rows = [ClassRow(i, self) for i in range(3)]
        for row in self.rows:
            row.record.pressed.connect(lambda r=row: self.start_recording(r.index))
            row.record.released.connect(self.stop_recording)
            layout.addWidget(row)
        layout.addStretch(1)
        self.set_lang(lang)

    # -- teaching --------------------------------------------------------------------------
    def attach(self, runner: Any, services: DemoServices) -> None:
        self.runner = runner
        self.services = services
        if hasattr(runner, "params"):
            self.bank = ExampleBank(3, runner.params.max_examples)
            self._burst = runner.params.burst
        self.explain.setVisible(not getattr(runner, "explain_unavailable", "no heat map"))

    def _explain_toggled(self, on: bool) -> None:
        if self.runner is not None and hasattr(self.runner, "explain"):
            self.runner.explain = on
        if not on:
            self.heat = None
        if self.services is not None and self.isVisible():
            self.services.interaction("explain_on" if on else "explain_off", {})
        self.explain.set_lang(self.lang)

    def start_recording(self, index: int) -> None:
        """A record button went down."""
        self.recording = index
        self._holding = True
        self._burst_left = getattr(self, "_burst", 10)
        self._press_count = 0
        self._texts()

    def stop_recording(self) -> None:
        """The record button came up; the burst finishes (about a second) on its own."""
        self._holding = False
        if self._burst_left <= 0:
            self._finish_burst()

    def _finish_burst(self) -> None:
        index = self.recording
        self.recording = None
        self._texts()
        if index is None or self._press_count == 0:
            return
        self.learn()
        if self.services is not None:
            # the label is the preset name the visitor picked, never anything personal
            self.services.interaction("teach_sample", {"label": self.rows[index].label.en})

    def learn(self) -> None:
        """Average the examples into a model and hand it to the runner (well under 1 ms)."""
        t0 = time.perf_counter()
        model = self.bank.fit(getattr(getattr(self.runner, "params", None), "temperature", 0.05))
        self.learn_ms = (time.perf_counter() - t0) * 1000
        if self.runner is not None:
            self.runner.names = [row.label.en for row in self.rows]
            self.runner.learned = model
        self._texts()

    def forget(self) -> None:
        """Wipe every example and what was learned."""
        if self.services is not None and self.bank.fit() is not None:
            self.services.interaction("teach_reset", {})
        self.bank.clear()
        self.recording = None
        self._holding = False
        self.learn_ms = None
        self.last = None
        if self.runner is not None:
            self.runner.forget()
        self.bars.clear()
        self._texts()

    def names_changed(self) -> None:
        """A class was renamed: the prediction texts follow."""
        if self.runner is not None:
            self.runner.names = [row.label.en for row in self.rows]
        self._texts()
        self._show_prediction()

    def set_result(self, output: Any) -> None:
        if not isinstance(output, TeachResult):
            return
        now = time.monotonic()
        if self.recording is not None and now - self._last_add >= MIN_GAP:
            self.bank.add(self.recording, output.embedding)
            self._last_add = now
            self._press_count += 1
            self._burst_left -= 1
            if (self._burst_left <= 0 and not self._holding) or self._press_count >= MAX_PER_PRESS:
                self._finish_burst()
            else:
                self._texts()
        self.last = output
        self.heat = output.explanation if self.explain.isChecked() else None
        trained = output.predicted is not None
        if trained and output.unsure and not self.unsure and self.services is not None:
            self.services.interaction("unsure_shown", {})
        self.unsure = trained and output.unsure
        self._show_prediction()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        if self.heat is not None and not self.unsure:
            paint_heat_map(painter, rect, scale, self.heat)

    def _show_prediction(self) -> None:
        out = self.last
        learned = getattr(self.runner, "learned", None)
        self.unsure_banner.show_unsure(self.unsure and learned is not None, self.lang)
        if out is None or out.predicted is None or learned is None:
            self.bars.clear()
            self.bars.hide()
            return
        self.bars.show()
        items = [(self.rows[c].label.get(self.lang), s) for c, s in
                 sorted(out.scores.items(), key=lambda kv: -kv[1])]
        self.bars.set_values(items)

    # -- texts -----------------------------------------------------------------------------
    def _texts(self) -> None:
        trained = self.runner is not None and getattr(self.runner, "learned", None) is not None
        self.says.setText(tr("teach.says", self.lang))
        if trained and self.learn_ms is not None:
            self.hint.setText(tr("teach.learned", self.lang).format(ms=f"{self.learn_ms:.1f}"))
        else:
            self.hint.setText(tr("teach.need_two", self.lang))
        self.classes_title.setText(tr("teach.classes", self.lang))
        for row in self.rows:
            row.name.setText(row.label.get(self.lang))
            row.count.setText(tr("teach.examples", self.lang).format(n=self.bank.count(row.index)))
            rec = self.recording == row.index
            row.set_record_texts(tr("teach.recording" if rec else "teach.record", self.lang),
                                 (tr("teach.recording", self.lang), tr("teach.record", self.lang)))
        self.forget_button.setText(tr("teach.forget", self.lang))

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.explain.set_lang(lang)
        self._texts()
        self._show_prediction()

    def reset(self) -> None:
        # The demo has closed: wiping the examples is not the visitor pressing "forget".
        self.services = None
        self.explain.setChecked(False)
        self.unsure = False
        self.forget()
        for row in self.rows:
            row.name_index = row.index
        self._texts()

    def settle(self) -> None:
        self.bars.settle()
