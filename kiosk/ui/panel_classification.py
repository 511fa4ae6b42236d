"""Image classification panel: top-5 guesses, honest "not sure", "where is the AI looking?"."""

from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kiosk.core.i18n import Lang, tr
from kiosk.core.tasks.classification import ClassificationResult, ScoreSmoother
from kiosk.core.tasks.explain import Explanation
from kiosk.ui.explain_view import ExplainToggle, UnsureBanner, paint_heat_map
from kiosk.ui.panels import DemoServices, ResultPanel
from kiosk.ui.widgets import ConfidenceBars

log = logging.getLogger(__name__)

OCCLUSION_SECONDS = 15.0  # a freeze-time map that takes longer is given up, with a message


class ClassificationPanel(ResultPanel):
    """Top-5 guesses with animated confidence bars, in the visitor's language; says
    "I'm not sure" when the model's calibrated rule says so; on request a heat map of
    where the model found its evidence."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self._smoother = ScoreSmoother()
        self._last: ClassificationResult | None = None
        self.heat: Explanation | None = None
        self.unsure = False
        self.runner: Any = None
        self.services: DemoServices | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        self.heading = QLabel(self)
        self.heading.setObjectName("SectionTitle")
        self.unsure_banner = UnsureBanner(self)
        self.bars = ConfidenceBars(5, self, row_height=62)  # room for the explain toggle
        self.hint = QLabel(self)
        self.hint.setObjectName("SmallNote")
        self.hint.setWordWrap(True)
        self.explain = ExplainToggle(lang, self._explain_toggled, self)
        self.explain.hide()  # shown once a runner that can explain is attached
        self.frozen = False
        self.progress: float | None = None
        self._job = 0
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(100)
        self._progress_timer.timeout.connect(self._tick_progress)
        layout.addWidget(self.heading)
        layout.addWidget(self.unsure_banner)
        layout.addWidget(self.bars)
        layout.addWidget(self.hint)
        layout.addWidget(self.explain)
        self.set_lang(lang)

    def attach(self, runner: Any, services: DemoServices) -> None:
        self.runner = runner
        self.services = services
        reason = getattr(runner, "explain_unavailable", "no heat map for this task")
        # without a feature map: the slow, model-agnostic map on a frozen picture instead
        self.explain.freeze_mode = bool(reason) and hasattr(runner, "occlusion")
        if reason:
            log.info("no live heat map in this demo (%s)%s", reason,
                     "; occlusion map on a frozen picture instead"
                     if self.explain.freeze_mode else "")
        self.explain.setVisible(not reason or self.explain.freeze_mode)
        self.explain.set_lang(self.lang)
        if not reason:
            runner.explain = self.explain.isChecked()

    def _explain_toggled(self, on: bool) -> None:
        if self.runner is not None and hasattr(self.runner, "explain"):
            self.runner.explain = on and not self.explain.freeze_mode
        if not on:
            self.heat = None
        if self.services is not None and self.isVisible():
            self.services.interaction("explain_on" if on else "explain_off", {})
        if self.explain.freeze_mode:
            self._occlusion(on)
        self.explain.set_lang(self.lang)
        self._show()

    def _occlusion(self, on: bool) -> None:
        """Freeze the picture and compute the occlusion map in the background, with progress."""
        self._job += 1
        if self.services is None or self.runner is None:
            return
        if not on:
            self.frozen = False
            self.progress = None
            self.services.freeze(False)
            return
        frame = self.services.current_frame()
        if frame is None:
            return
        self.frozen = True
        self.services.freeze(True)
        job, started = self._job, time.monotonic()
        self.progress = 0.0

        def report(done: float) -> bool:  # worker thread: only stores a float
            if job != self._job or time.monotonic() - started > OCCLUSION_SECONDS:
                return False
            self.progress = done
            return True

        future = self.services.submit(self.runner.occlusion, frame, report)
        future.add_done_callback(lambda f: self._occlusion_done(f, job))
        self._progress_timer.start()

    def _occlusion_done(self, future: Any, job: int) -> None:
        if job != self._job:
            return  # cancelled: the visitor went live again
        self._progress_timer.stop()
        self.progress = None
        try:
            result = future.result()
        except Exception:  # a failed map shows as "took too long", never as an error dialog
            log.exception("occlusion map failed")
            result = None
        if isinstance(result, ClassificationResult) and result.explanation is not None:
            self._last = result
            self.heat = result.explanation
            self.unsure = result.unsure
        else:
            self._set_hint(tr("explain.too_slow", self.lang))
            return
        self._show()
        self.update()

    def _tick_progress(self) -> None:
        if self.progress is None:
            self._progress_timer.stop()
            return
        self._set_hint(tr("explain.working", self.lang).format(
            pct=f"{round(self.progress * 100)}"))

    def _set_hint(self, text: str) -> None:
        # an empty line would still take its height, and a short screen needs every pixel
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def set_result(self, output: Any) -> None:
        if not isinstance(output, ClassificationResult) or self.frozen:
            return
        self._last = self._smoother.update(output)
        self.heat = output.explanation if self.explain.isChecked() else None
        if output.unsure and not self.unsure and self.services is not None:
            self.services.interaction("unsure_shown", {})
        self.unsure = output.unsure
        self._show()

    def _show(self) -> None:
        self.unsure_banner.show_unsure(self._last is not None and self.unsure, self.lang)
        if self._last is None:
            self.bars.clear()
            self._set_hint("")
            return
        items = [(g.label_de if self.lang == "de" else display_label(g.label_en), g.score)
                 for g in self._last.top]
        self.bars.set_values(items)
        if self.unsure:
            self._set_hint(tr("classification.unsure", self.lang))
        elif self.heat is not None and self._last.top:
            best = self._last.top[0]
            self._set_hint(tr("explain.on", self.lang).format(
                label=best.label_de if self.lang == "de" else best.label_en))
        else:
            self._set_hint("")

    def set_lang(self, lang: Lang) -> None:
        self.lang = lang
        self.heading.setText(tr("classification.top", lang))
        self.explain.set_lang(lang)
        self._show()

    def new_scene(self) -> None:
        if self.frozen:
            return
        # The bars stay until the new picture's first guess replaces them whole (clearing
        # them would flash an empty card at every slide); the heat map lay on the old one.
        self._smoother.reset()
        self.heat = None
        self._show()

    def reset(self) -> None:
        self._smoother.reset()
        self._last = None
        self.heat = None
        self.unsure = False
        self.explain.setChecked(False)
        self._show()

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        if self.heat is not None:
            paint_heat_map(painter, rect, scale, self.heat)

    def settle(self) -> None:
        self.bars.settle()

    def top_labels(self) -> list[str]:
        """Labels currently shown, best first (tests)."""
        return [label for label, _ in self.bars.values()]


def display_label(label: str) -> str:
    """A class name as shown: first letter capitalised like the German names ("tabby cat" →
    "Tabby cat"); names with capitals of their own ("iPod", "Egyptian Mau") stay as they
    are. The label data is not changed."""
    first = label.split(" ", 1)[0]
    return label[:1].upper() + label[1:] if first.islower() else label
