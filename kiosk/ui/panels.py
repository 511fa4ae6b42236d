"""Task result panels: how each task type shows its live result next to the picture."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.core.tasks.classification import ClassificationResult, ScoreSmoother
from kiosk.ui.widgets import ConfidenceBars


@dataclass
class DemoServices:
    """What an interactive panel may ask of the kiosk while its demo is open."""

    #: run ``fn(*args)`` off the GUI thread; await or add a done-callback to the future
    submit: Callable[..., asyncio.Future[Any]]
    #: the newest camera picture on screen (RGB), if any
    current_frame: Callable[[], np.ndarray | None]
    #: stop (True) or resume (False) the live picture
    freeze: Callable[[bool], None]
    #: record a visitor interaction (kind from a fixed list, optional non-personal label)
    interaction: Callable[[str, dict[str, Any]], None]


class ResultPanel(QWidget):
    """Base class: a panel shows results and may draw on the live picture."""

    #: The frame being painted, set just before :meth:`overlay` (e.g. to pixelate parts of it).
    frame_image: QImage | None = None

    def set_result(self, output: Any) -> None:
        """Show a task output (a core result object)."""

    def set_lang(self, lang: Lang) -> None:
        """Switch texts to ``lang``."""

    def reset(self) -> None:
        """Forget the previous visitor's results."""

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        """Draw on the live picture (``rect`` is where the frame lands, ``scale`` px/px)."""

    def settle(self) -> None:
        """Finish animations at once (screenshots)."""

    def attach(self, runner: Any, services: DemoServices) -> None:
        """The demo's runner is loaded; interactive panels keep both (called on the GUI thread)."""

    def stage_widget(self) -> QWidget | None:
        """A widget shown instead of the camera picture (e.g. a drawing canvas), or None."""
        return None


class ClassificationPanel(ResultPanel):
    """Top-5 guesses with animated confidence bars, in the visitor's language."""

    UNSURE = 0.15  # below this top-1 score the model is guessing; say so honestly

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self._smoother = ScoreSmoother()
        self._last: ClassificationResult | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.bars = ConfidenceBars(5, self)
        self.hint = QLabel(self)
        self.hint.setObjectName("SmallNote")
        self.hint.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(self.bars)
        layout.addWidget(self.hint)
        self.set_lang(lang)

    def set_result(self, output: Any) -> None:
        if not isinstance(output, ClassificationResult):
            return
        self._last = self._smoother.update(output)
        self._show()

    def _show(self) -> None:
        if self._last is None:
            self.bars.clear()
            self.hint.setText("")
            return
        items = [(g.label_de if self.lang == "de" else g.label_en, g.score) for g in self._last.top]
        self.bars.set_values(items)
        unsure = not self._last.top or self._last.top[0].score < self.UNSURE
        self.hint.setText(tr("classification.unsure", self.lang) if unsure else "")

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(tr("classification.top", lang))
        self._show()

    def reset(self) -> None:
        self._smoother.reset()
        self._last = None
        self._show()

    def settle(self) -> None:
        self.bars.settle()

    def top_labels(self) -> list[str]:
        """Labels currently shown, best first (tests)."""
        return [label for label, _ in self.bars.values()]


PANELS: dict[str, Callable[[Lang], ResultPanel]] = {
    "classification": ClassificationPanel,
}
# Panels in modules of their own ("module:Class"), imported when first needed.
PANEL_MODULES: dict[str, str] = {
    "detection": "kiosk.ui.panel_detection:DetectionPanel",
    "drawing": "kiosk.ui.panel_drawing:DrawingPanel",
    "faces": "kiosk.ui.panel_faces:FacesPanel",
    "few-shot": "kiosk.ui.panel_teach:TeachPanel",
    "ocr": "kiosk.ui.panel_ocr:OcrPanel",
    "hands": "kiosk.ui.panel_hands:HandsPanel",
    "pose": "kiosk.ui.panel_pose:PosePanel",
    "segmentation": "kiosk.ui.panel_background:BackgroundPanel",
}


def make_panel(task: str, lang: Lang) -> ResultPanel:
    """The panel for ``task`` (an empty one for tasks without a panel yet)."""
    factory = PANELS.get(task)
    if factory is None and task in PANEL_MODULES:
        module, _, cls = PANEL_MODULES[task].partition(":")
        factory = getattr(importlib.import_module(module), cls)
        PANELS[task] = factory
    return factory(lang) if factory else ResultPanel()
