"""The demo screen: live picture with overlay, the task's result panel, "how it works"."""

from __future__ import annotations

import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, Text, tr
from kiosk.core.manifest import About
from kiosk.core.tasks.perturb import Perturbation
from kiosk.runtime.model_view import has_model_view, model_view
from kiosk.runtime.pipeline import Result
from kiosk.ui import theme
from kiosk.ui.explain_view import ModelViewOverlay
from kiosk.ui.fool_it import FoolItOverlay
from kiosk.ui.panels import DemoServices, ResultPanel
from kiosk.ui.staff.touch import touch_scroll
from kiosk.ui.widgets import LanguageSwitch, VideoView

log = logging.getLogger(__name__)

#: below this height (1280×800, 1366×768, 1280×720 screens) the demo screen tightens its
#: margins, drops the "how it works" lead sentence and puts "learn more" into the top bar
COMPACT_BELOW = 940


@dataclass(frozen=True)
class DemoInfo:
    """The texts of the open demo."""

    demo_id: str
    title: Text
    how_it_works: Text
    about: About | None = None
    needs_camera: bool = True
    #: for packs without a card: makes one from the model file (blocking; run off the GUI)
    make_about: Callable[[], About] | None = None


def lead_sentence(text: str, limit: int = 150) -> str:
    """The first sentence of ``text``; a long one ends at its colon ("… work in turn.")."""
    match = re.search(r"[.!?](?=\s+[A-ZÄÖÜ\"„(])", text)
    first = text[:match.end()] if match else text
    if len(first) > limit and ":" in first[:limit]:
        first = first[:first.index(":")].rstrip() + "."
    return first.strip()


class StatusOverlay(QFrame):
    """A friendly full-picture message (loading, camera lost, demo failed)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.setStyleSheet("QFrame#Card { background: rgba(20, 27, 51, 235); }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 40, 48, 40)
        self.title = QLabel(self)
        self.title.setObjectName("DemoTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.body = QLabel(self)
        self.body.setObjectName("BodyText")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addWidget(self.body)

    def show_texts(self, title: str, body: str) -> None:
        """Show and raise with the given texts."""
        self.title.setText(title)
        self.body.setText(body)
        self.body.setVisible(bool(body))
        self.show()
        self.raise_()


class AboutOverlay(QFrame):
    """The visitor's model card: what the model is, where it comes from, what it cannot do."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        # opaque: the picture's buttons under the card showed faintly through it
        self.setStyleSheet("QFrame#Card { background: #141B33; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(44, 36, 44, 36)
        layout.setSpacing(10)
        self.title = QLabel(self)
        self.title.setObjectName("DemoTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        # The whole explanation can be longer than the picture is high: it scrolls.
        self.body_area = QScrollArea(self)
        self.body_area.setWidgetResizable(True)
        self.body_area.setFrameShape(QFrame.Shape.NoFrame)
        self.body_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body_area.setStyleSheet(theme.SCROLL_STYLE)  # a slim bar, not the desktop's
        body_box = QWidget()
        body_layout = QVBoxLayout(body_box)
        body_layout.setContentsMargins(0, 0, 12, 0)
        body_layout.setSpacing(10)
        self.sections: list[tuple[QLabel, QLabel]] = []
        for _ in range(4):
            head = QLabel(body_box)
            head.setObjectName("SectionTitle")
            body = QLabel(body_box)
            body.setObjectName("BodyText")
            body.setWordWrap(True)
            body_layout.addWidget(head)
            body_layout.addWidget(body)
            self.sections.append((head, body))
        body_layout.addStretch(1)
        self.body_area.setWidget(body_box)
        touch_scroll(self.body_area)
        layout.addWidget(self.body_area, 1)
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.hide)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.hide()

    def show_about(self, about: About | None, lang: Lang, how: str = "") -> None:
        """Fill in the whole "how it works" and ``about`` in ``lang``; show it on top."""
        self.title.setText(about.model.get(lang) if about is not None else tr("demo.how", lang))
        self.body_area.verticalScrollBar().setValue(0)
        rows = [("demo.how", how)]
        if about is not None:
            rows += [("about.source", about.source.get(lang)),
                     ("about.licence", about.licence.get(lang)),
                     ("about.limits", about.limits.get(lang))]
        for i, (head, body) in enumerate(self.sections):
            key, text = rows[i] if i < len(rows) else ("", "")
            head.setText(tr(key, lang) if key else "")
            body.setText(text)
            head.setVisible(bool(text))
            body.setVisible(bool(text))
        self.close_button.setText(tr("about.close", lang))
        self.show()
        self.raise_()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        event.accept()


class DemoScreen(QWidget):
    """One live demo."""

    back = Signal()
    language_changed = Signal(str)

    STATUS_TEXTS: ClassVar[dict[str, tuple[str, str | None]]] = {
        "loading": ("demo.loading", None),
        "lost": ("demo.camera_lost.title", "demo.camera_lost.body"),
        "failed": ("demo.failed.title", "demo.failed.body"),
    }

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DemoScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.lang = lang
        self.info: DemoInfo | None = None
        self.panel: ResultPanel = ResultPanel()
        self.status: str | None = None
        self.no_camera = False
        self.frozen = False
        self._scene = 0  # the pipeline's scene of the picture on screen
        self.stage: QWidget | None = None
        self.results_shown = 0
        self.frames_shown = 0
        self._result_times: deque[float] = deque(maxlen=30)
        self._model_ms: deque[float] = deque(maxlen=30)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 36, 48, 40)
        outer.setSpacing(24)
        top = QHBoxLayout()
        self.back_button = QPushButton(self)
        self.back_button.setObjectName("PrimaryButton")
        self.back_button.clicked.connect(self.back)
        top.addWidget(self.back_button)
        top.addSpacing(24)
        self.title = QLabel(self)
        self.title.setObjectName("DemoTitle")
        top.addWidget(self.title, 1)
        self.lang_switch = LanguageSwitch(lang, self)
        self.lang_switch.changed.connect(self.language_changed)
        top.addWidget(self.lang_switch)
        outer.addLayout(top)

        body = QHBoxLayout()
        body.setSpacing(32)
        self.video_box = QWidget(self)
        self.video_layout = video_layout = QVBoxLayout(self.video_box)
        video_layout.setContentsMargins(0, 0, 0, 0)
        self.video = VideoView(self.video_box)
        self.video.overlay = self._paint_overlay
        video_layout.addWidget(self.video, 1)
        self.stats = QLabel(self.video_box)
        self.stats.setObjectName("StatsLabel")
        self.stats.hide()  # developer figures: only with the staff's performance overlay
        video_layout.addWidget(self.stats, 0, Qt.AlignmentFlag.AlignRight)
        self.badge = QLabel(self.video_box)
        self.badge.setObjectName("Badge")
        self.badge.hide()
        self.overlay = StatusOverlay(self.video_box)
        self.overlay.hide()
        self.about = AboutOverlay(self.video_box)
        # over the picture's top-right corner, so they never squeeze the layout:
        # "what the AI gets to see" (one touch away in every demo) and "try to fool it"
        self.tools = QWidget(self.video_box)
        tools = QHBoxLayout(self.tools)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.setSpacing(10)
        self.view_button = QPushButton(self.tools)
        self.view_button.clicked.connect(self.show_model_view)
        self.fool_button = QPushButton(self.tools)
        self.fool_button.setCheckable(True)
        self.fool_button.toggled.connect(self.show_fool_it)
        self.fool_button.hide()  # shown for runners that take a perturbation
        for button in (self.view_button, self.fool_button):
            button.setObjectName("ToolButton")
            # a lighter fill and a rim: a button both on a photo and on the empty picture
            # card while a demo loads (the card's own colour made it look like bare text)
            button.setStyleSheet("QPushButton#ToolButton { background: rgba(30, 39, 71, 225); "
                                 "border: 2px solid rgba(244, 246, 251, 90); "
                                 "padding: 10px 18px; font-size: 20px; }"
                                 "QPushButton#ToolButton:checked { background: #0D9488; }")
            tools.addWidget(button)
        self.model_view = ModelViewOverlay(self.video_box)
        self.fool_it = FoolItOverlay(self.video_box, self._perturb, self._fool_used)
        self.video.installEventFilter(self)
        self.video_box.installEventFilter(self)  # a narrower picture moves its buttons
        self.runner: Any = None
        self.services: DemoServices | None = None
        self.last_output: Any = None
        self._about: About | None = None
        body.addWidget(self.video_box, 3)

        self.outer, self.top_bar = outer, top
        # The cards scroll when a short screen (1280×720, 1366×768) cannot hold them: a
        # panel squeezed below its minimum height drew its buttons over its own bars.
        self.side_scroll = QScrollArea(self)
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setStyleSheet(theme.SCROLL_STYLE)
        side_box = QWidget()
        side_box.setObjectName("SideBox")
        self.side_layout = cards = QVBoxLayout(side_box)
        cards.setContentsMargins(0, 0, 0, 0)
        cards.setSpacing(24)
        self.result_card = QFrame(side_box)
        self.result_card.setObjectName("Card")
        self.result_layout = QVBoxLayout(self.result_card)
        self.result_layout.setContentsMargins(32, 28, 32, 28)
        # Cards as tall as their content (a stretched card showed a large empty area); the
        # free height goes between the explanation and the camera notice.
        cards.addWidget(self.result_card, 0)
        self.how_card = how_card = QFrame(side_box)
        how_card.setObjectName("Card")
        how_layout = QVBoxLayout(how_card)
        how_layout.setContentsMargins(32, 28, 32, 28)
        self.how_title = QLabel(how_card)
        self.how_title.setObjectName("SectionTitle")
        self.how_text = QLabel(how_card)
        self.how_text.setObjectName("HowText")
        self.how_text.setWordWrap(True)
        self.how_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        how_layout.addWidget(self.how_title)
        how_layout.addWidget(self.how_text)
        self.about_button = QPushButton(how_card)
        self.about_button.clicked.connect(self.show_about)
        self.how_layout = how_layout
        how_layout.addWidget(self.about_button, 0, Qt.AlignmentFlag.AlignLeft)
        cards.addWidget(how_card, 0)
        cards.addStretch(1)
        self.side_scroll.setWidget(side_box)
        side = QVBoxLayout()
        side.setSpacing(24)
        self.side = side
        side.addWidget(self.side_scroll, 1)
        self.privacy = QLabel(self)
        self.privacy.setObjectName("PrivacyNote")
        self.privacy.setWordWrap(True)
        side.addWidget(self.privacy)
        body.addLayout(side, 2)
        self.body = body
        outer.addLayout(body, 1)
        self.compact = False
        self.set_lang(lang)

    # -- content ---------------------------------------------------------------------------
    def open(self, info: DemoInfo, panel: ResultPanel) -> None:
        """Show ``info`` with a fresh ``panel``; the picture stays empty until frames come."""
        self.info = info
        self.result_layout.removeWidget(self.panel)
        self.panel.deleteLater()
        self.panel = panel
        panel.setParent(self.result_card)
        self.result_layout.addWidget(panel)
        panel.set_lang(self.lang)
        self._set_stage(panel.stage_widget())
        self.about.hide()
        self.model_view.hide()
        self.runner = None
        self.services = None
        self.last_output = None
        self._about = info.about
        self.about_button.setVisible(True)  # the whole explanation, and the model card
        self.privacy.setVisible(info.needs_camera)
        self.frozen = False
        self._scene = 0  # a new pipeline counts from 0
        self.video.set_frame(None)
        self.results_shown = 0
        self._result_times.clear()
        self._model_ms.clear()
        self.stats.setText("")
        self.set_status("loading")
        self.set_lang(self.lang)

    def _set_stage(self, stage: QWidget | None) -> None:
        layout = self.video_layout
        if self.stage is not None and self.stage is not stage:
            layout.removeWidget(self.stage)
            self.stage.hide()
            self.stage.setParent(None)
        self.stage = stage
        # the picture goes before the canvas comes: both at once grew the window past a
        # 1280×720 screen for a moment, and a window does not shrink back by itself
        self.video.setVisible(stage is None)
        if stage is not None:
            layout.insertWidget(0, stage, 1)
            stage.show()

    def attach(self, runner: Any, services: DemoServices) -> None:
        """The demo's runner is loaded: the panel and the model's-eye view may use it."""
        self.runner = runner
        self.services = services
        self.panel.attach(runner, services)
        self.fool_button.setVisible(hasattr(runner, "perturb") and self.stage is None)
        self._place_overlays()

    def show_fool_it(self, on: bool) -> None:
        """Open (or close and undo) "try to fool it"."""
        if self.runner is not None and hasattr(self.runner, "show_input"):
            self.runner.show_input = on
        if on:
            self.fool_it.set_lang(self.lang)
            self.fool_it.show()
            self.fool_it.raise_()
            self._fool_used()
        else:
            self.fool_it.reset()
            self.fool_it.hide()
        self._place_overlays()

    def _perturb(self, perturbation: Perturbation) -> None:
        if self.runner is not None and hasattr(self.runner, "perturb"):
            self.runner.perturb = None if perturbation.is_identity else perturbation
        self.video.update()

    def _fool_used(self) -> None:
        if self.services is not None:
            self.services.interaction("slider", {})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.video_box and event.type() == QEvent.Type.Resize:
            self._place_overlays()
            return False
        # with "cover up" on, touching the picture moves the patch (in camera pixels)
        if watched is self.video and self.fool_it.isVisible() and self.fool_it.patch and \
                event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove):
            pos = event.position()  # type: ignore[attr-defined]
            rect = self.video.image_rect()
            if rect.width() > 0 and rect.height() > 0:
                x = (pos.x() - rect.x()) / rect.width()
                y = (pos.y() - rect.y()) / rect.height()
                self.fool_it.move_patch(1.0 - x if self.video.mirrored else x, y)
                return True
        return super().eventFilter(watched, event)

    def show_model_view(self) -> None:
        """Show the model's actual input for the picture on screen (made off the GUI thread)."""
        if self.services is None:
            return
        self.services.interaction("model_view_open", {})
        output = getattr(self.panel, "result", None) or self.last_output
        future = self.services.submit(model_view, self.runner, self.current_frame(), output)
        future.add_done_callback(self._model_view_ready)

    def _model_view_ready(self, future: Any) -> None:
        if self.info is None:
            return  # the visitor left meanwhile
        try:
            view = future.result()
        except Exception:  # an odd frame shows the plain caption, never an error
            log.exception("model's-eye view failed")
            view = None
        if view is None:
            self.model_view.show_view(None, self._no_view_caption(), False, self.lang)
        else:
            self.model_view.show_view(view.image, view.caption, view.pixelated, self.lang)
        self._place_overlays()

    def _no_view_caption(self) -> str:
        if self.stage is not None:  # a drawing demo with nothing drawn yet
            return "modelview.draw_first"
        if self.current_frame() is not None and not has_model_view(self.runner):
            return "modelview.in_picture"
        return "modelview.none"

    def close_demo(self) -> None:
        """Drop the picture and results (nothing of the visitor stays on screen)."""
        self.model_view.hide()
        self.fool_button.setChecked(False)
        self.fool_button.hide()
        self.last_output = None
        self.panel.reset()
        self._scene = 0
        self.video.set_frame(None)
        self.frozen = False
        self.info = None

    def show_about(self) -> None:
        """Open the whole explanation and the model card over the picture."""
        if self.services is not None:
            self.services.interaction("model_card_open", {})
        if self._about is None and self.info is not None and self.info.make_about is not None \
                and self.services is not None:
            future = self.services.submit(self.info.make_about)
            future.add_done_callback(self._about_ready)
            return
        self._show_about_card()

    def _about_ready(self, future: Any) -> None:
        try:
            self._about = future.result()
        except Exception:  # no card is better than an error dialog; the explanation stays
            log.exception("generating the model card failed")
        self._show_about_card()

    def _show_about_card(self) -> None:
        if self.info is not None:
            self.about.show_about(self._about, self.lang, self.info.how_it_works.get(self.lang))
            self._place_overlays()

    def current_frame(self) -> np.ndarray | None:
        """The picture on screen (RGB), e.g. to read it again at full quality."""
        return self.video.frame

    def freeze(self, frozen: bool) -> None:
        """Hold the current picture (True) or go live again (False)."""
        self.frozen = frozen

    def show_frame(self, rgb: np.ndarray, mirrored: bool = False, scene: int = 0) -> None:
        """The newest camera picture, as taken; ``mirrored`` shows it (and overlays) flipped.

        ``scene`` (see :class:`kiosk.runtime.pipeline.Frame`): when it changes, the panel
        forgets what it smoothed over the old picture, and late results for it are dropped.
        """
        if self.status == "lost":
            self.set_status(None)
        if self.frozen:
            return
        if scene != self._scene:
            self._scene = scene
            self.panel.new_scene()
        self.frames_shown += 1
        size = self.video.frame_size
        self.video.set_frame(rgb, mirrored)
        if self.video.frame_size != size:  # the picture's corners moved: so do the buttons
            self._place_overlays()

    def show_result(self, result: Result) -> None:
        """The newest task result."""
        if self.status == "loading":
            self.set_status(None)
        if result.scene < self._scene:
            return  # a picture no longer on screen
        self.panel.set_result(result.output)
        self.last_output = result.output
        if self.fool_it.isVisible():
            self.fool_it.show_input(result.output)
        self.results_shown += 1
        self._result_times.append(time.perf_counter())
        if "model" in result.timings:
            self._model_ms.append(result.timings["model"])
        self._update_stats()
        self.video.update()

    def inference_fps(self) -> float | None:
        """Results per second over the last few results (None before there are two)."""
        if len(self._result_times) < 2:
            return None
        span = self._result_times[-1] - self._result_times[0]
        return (len(self._result_times) - 1) / span if span > 0 else None

    def _update_stats(self) -> None:
        fps = self.inference_fps()
        if fps is None or not self._model_ms:
            return
        ms = sorted(self._model_ms)[len(self._model_ms) // 2]
        self.stats.setText(tr("demo.stats", self.lang).format(fps=f"{fps:.0f}", ms=f"{ms:.0f}"))

    def set_status(self, status: str | None) -> None:
        """``loading``, ``lost``, ``failed`` or ``None`` (live)."""
        self.status = status
        if status is None:
            self.overlay.hide()
            return
        title_key, body_key = self.STATUS_TEXTS[status]
        body = tr(body_key, self.lang) if body_key else ""
        self.overlay.show_texts(tr(title_key, self.lang), body)
        self._place_overlays()

    def set_performance_overlay(self, on: bool) -> None:
        """Show frames per second and ms per frame (a staff setting; off for visitors)."""
        self.stats.setVisible(on)

    def set_no_camera(self, no_camera: bool) -> None:
        """Show the "demo mode: no camera" badge."""
        self.no_camera = no_camera
        self.badge.setVisible(no_camera)
        self._place_overlays()

    def set_lang(self, lang: Lang) -> None:
        """Switch every text to ``lang``."""
        self.lang = lang
        self.lang_switch.set_lang(lang)
        self.back_button.setText("←  " + tr("demo.back", lang))
        self.how_title.setText(tr("demo.how", lang))
        self.about_button.setText(tr("about.button", lang))
        self.view_button.setText(tr("modelview.button", lang))
        self.fool_button.setText(tr("fool.button", lang))
        self.fool_it.set_lang(lang)
        if self.model_view.isVisible():
            self.model_view.set_lang(lang)
        if self.about.isVisible() and self.info is not None:
            self.about.show_about(self._about, lang, self.info.how_it_works.get(lang))
        self.privacy.setText(tr("demo.privacy", lang))
        self.badge.setText(tr("demo.no_camera_badge", lang))
        self.badge.adjustSize()
        if self.info is not None:
            self.title.setText(self.info.title.get(lang))
            # Readable from two metres: the first sentence, large; the rest behind the button.
            self.how_text.setText(lead_sentence(self.info.how_it_works.get(lang)))
        self.panel.set_lang(lang)
        if self.status is not None:
            self.set_status(self.status)
        self._update_stats()
        self.fit_side_width()
        # a panel's theme fonts apply when it is first shown: measure again after that
        QTimer.singleShot(0, self.fit_side_width)
        self._place_overlays()

    # -- layout ----------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.set_compact(self.height() < COMPACT_BELOW)
        self._place_overlays()

    def set_compact(self, compact: bool) -> None:
        """Tighter layout for short screens: the result card keeps the room it needs."""
        if compact == self.compact:
            return
        self.compact = compact
        margin, gap = (20, 16) if compact else (36, 24)
        self.outer.setContentsMargins(margin + 12, margin, margin + 12, margin + 4)
        for layout in (self.outer, self.side, self.side_layout):
            layout.setSpacing(gap)
        self.body.setSpacing(gap + 8)
        pad = (24, 20) if compact else (32, 28)
        self.result_layout.setContentsMargins(pad[0], pad[1], pad[0], pad[1])
        # "learn more" moves up next to the title; the card with the lead sentence goes
        (self.how_layout if compact else self.top_bar).removeWidget(self.about_button)
        if compact:
            self.top_bar.insertWidget(self.top_bar.indexOf(self.lang_switch),
                                      self.about_button)
            self.top_bar.insertSpacing(self.top_bar.indexOf(self.lang_switch), 16)
        else:
            self.top_bar.takeAt(self.top_bar.indexOf(self.lang_switch) - 1)  # the spacing
            self.how_layout.addWidget(self.about_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.how_card.setVisible(not compact)
        self.fit_side_width()

    def fit_side_width(self) -> None:
        """The cards' column is never narrower than its content (it scrolls only down)."""
        content = self.side_scroll.widget()
        if content is not None:
            bar = self.side_scroll.verticalScrollBar().sizeHint().width()
            self.side_scroll.setMinimumWidth(content.minimumSizeHint().width() + bar)

    def _place_overlays(self) -> None:
        if self.stage is not None:
            rect = QRectF(self.stage.geometry())
            area = getattr(self.stage, "board", None)  # a canvas: its square, not its margins
            if callable(area):
                rect = area().translated(rect.topLeft())
        else:
            rect = self.video.image_rect().translated(self.video.pos())
        self.badge.adjustSize()
        self.tools.adjustSize()
        self.tools.move(int(rect.right()) - self.tools.width() - 16, int(rect.y()) + 16)
        self.tools.raise_()
        badge_y = rect.y() + 20
        if rect.x() + 20 + self.badge.width() + 12 > self.tools.x():
            # a narrow picture: the badge goes to the bottom corner, not under the buttons
            badge_y = rect.bottom() - 20 - self.badge.height()
        self.badge.move(int(rect.x()) + 20, int(badge_y))
        self.badge.raise_()
        for card in (self.model_view, self.about, self.overlay):  # cards stay on top
            if card.isVisible():
                card.raise_()
        w = int(min(rect.width() * 0.8, 760))
        self.overlay.setFixedWidth(max(200, w))
        self.overlay.adjustSize()
        self.overlay.move(int(rect.center().x() - self.overlay.width() / 2),
                          int(rect.center().y() - self.overlay.height() / 2))
        self.about.setFixedWidth(max(240, int(min(rect.width() * 0.92, 900))))
        self.about.setFixedHeight(max(200, int(rect.height() * 0.96)))
        self.about.move(int(rect.center().x() - self.about.width() / 2),
                        int(rect.center().y() - self.about.height() / 2))
        self.fool_it.setFixedWidth(max(240, int(rect.width())))
        self.fool_it.adjustSize()
        self.fool_it.move(int(rect.x()), int(rect.bottom() - self.fool_it.height()))
        self.model_view.fit(max(240, int(min(rect.width() * 0.96, 780))),
                            max(240, self.video_box.height()))
        self.model_view.move(int(rect.center().x() - self.model_view.width() / 2),
                             int(max(0, rect.center().y() - self.model_view.height() / 2)))

    def _paint_overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        self.panel.frame_image = self.video.image
        self.panel.overlay(painter, rect, scale)
        size = self.video.frame_size
        if size is not None:
            self.fool_it.paint_patch(painter, rect, scale, size)
