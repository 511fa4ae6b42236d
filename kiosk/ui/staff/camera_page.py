"""The staff panel's camera page: choose the picture source, see what visitors see, and why.

Only sources that are really there are offered: the cameras the app finds (the search
runs off the GUI thread, see :func:`kiosk.runtime.cameras.probe_cameras`), the sample
photos and the videos in the data dir's ``media`` folder. A saved camera that is not found
stays on the list, marked "not found", and the preview then shows what the demos show
instead (the sample photos) and says so in plain words: what is shown, and why.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
)

from kiosk.core.settings import Settings
from kiosk.runtime.sources import FrameSource
from kiosk.ui.staff.folders import clear_layout, scroll_list
from kiosk.ui.staff.services import CameraChoice
from kiosk.ui.staff.staff_panel import Page, Runner, _first_line
from kiosk.ui.staff.texts import error_text, tr
from kiosk.ui.staff.touch import Toggle, button, label
from kiosk.ui.widgets import VideoView

log = logging.getLogger(__name__)

SAMPLE = "sample"
# What the preview's caption says, by what is shown; the last two are problems.
PROBLEMS = ("camera.shows.missing", "camera.shows.broken", "camera.shows.nothing")


def kind_of(value: str) -> str:
    """``camera``, ``sample`` or ``media`` for a ``Settings.camera`` value."""
    if value.strip().isdigit():
        return "camera"
    return "sample" if value == SAMPLE else "media"


@dataclass
class Caption:
    """A text key and the source it names, kept so a language switch can say it again."""

    key: str
    value: str = ""  # a ``Settings.camera`` value, named in the page's language

    @property
    def problem(self) -> bool:
        """True when what is shown is not what staff chose."""
        return self.key in PROBLEMS


class CameraPage(Page):
    """Choose the picture source, see it live, mirror it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("camera", *args, **kwargs)
        body = QHBoxLayout()
        body.setSpacing(32)
        left = QVBoxLayout()
        left.setSpacing(12)
        self.source_title = label("", "SectionTitle", self)
        left.addWidget(self.source_title)
        self.found_note = label("", "RowSub", self, wrap=True)
        left.addWidget(self.found_note)
        self.choices_area, self.choices = scroll_list(self)
        left.addWidget(self.choices_area, 1)
        self.search_button = button("", "", self)
        self.search_button.clicked.connect(self.search)
        left.addWidget(self.search_button)
        mirror_row = QFrame(self)
        mirror_row.setObjectName("Row")
        h = QHBoxLayout(mirror_row)
        h.setContentsMargins(26, 12, 16, 12)
        self.mirror_label = label("", "RowTitle", mirror_row)
        h.addWidget(self.mirror_label, 1)
        self.mirror = Toggle("", "", mirror_row)
        self.mirror.clicked.connect(self.set_mirror)
        h.addWidget(self.mirror)
        left.addWidget(mirror_row)
        self.status = label("", "StatusOk", self, wrap=True)
        left.addWidget(self.status)
        body.addLayout(left, 2)
        right = QVBoxLayout()
        right.setSpacing(12)
        self.preview_title = label("", "SectionTitle", self)
        right.addWidget(self.preview_title)
        self.preview_stack = QStackedWidget(self)
        # Never an empty grey box: until a picture arrives, a sentence says what is going on.
        self.preview_note = label("", "PreviewNote", self, wrap=True)
        self.preview_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video = VideoView(self)
        self.video.setMinimumSize(560, 420)
        self.preview_stack.addWidget(self.preview_note)
        self.preview_stack.addWidget(self.video)
        # what is shown and why, right under the title where staff look first
        self.preview_status = label("", "RowSub", self, wrap=True)
        right.addWidget(self.preview_status)
        right.addWidget(self.preview_stack, 1)
        body.addLayout(right, 3)
        self.root.addLayout(body, 1)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        self.settings: Settings | None = None
        self.found: list[CameraChoice] | None = None  # None while searching
        self.caption: Caption | None = None
        self._note = Caption("camera.searching")
        self._generation = 0
        self.frames_shown = 0
        self.searches = 0
        # Its own runner: a running preview is no reason to keep staff mode open.
        self.preview_runner = Runner()

    # -- texts ---------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.source_title.setText(tr("camera.source", self.lang))
        self.preview_title.setText(tr("camera.preview", self.lang))
        self.mirror_label.setText(tr("camera.mirror", self.lang))
        self.search_button.setText(tr("camera.search", self.lang))
        self.mirror.set_texts(tr("demos.on", self.lang), tr("demos.off", self.lang))
        self._build_choices()
        self._show_caption(self.caption)
        self._show_note(self._note)

    def source_name(self, value: str) -> str:
        """How staff call ``value``: "Kamera 0", "Beispielbilder", a file name."""
        kind = kind_of(value)
        if kind == "camera":
            return tr("camera.name.camera", self.lang, index=value.strip())
        if kind == "sample":
            return tr("camera.name.sample", self.lang)
        return Path(value).name or value

    def _show_caption(self, caption: Caption | None) -> None:
        self.caption = caption
        if caption is None:
            self.preview_status.setText("")
            return
        self.preview_status.setObjectName("RowWarn" if caption.problem else "RowSub")
        self.preview_status.style().unpolish(self.preview_status)
        self.preview_status.style().polish(self.preview_status)
        self.preview_status.setText(self._text(caption))

    def _show_note(self, note: Caption) -> None:
        self._note = note
        self.preview_note.setText(self._text(note))

    def _text(self, caption: Caption) -> str:
        return tr(caption.key, self.lang, source=self.source_name(caption.value)
                  if caption.value else "")

    def _say(self, text: str, ok: bool) -> None:
        self.status.setObjectName("StatusOk" if ok else "StatusBad")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)

    # -- showing and hiding --------------------------------------------------------------------
    def on_show(self) -> None:
        self.settings = self.services.get_settings()
        self.mirror.setChecked(self.settings.mirror)
        self.search()

    def on_hide(self) -> None:
        self._generation += 1  # the preview loop sees it and closes the source

    # -- the list of sources -------------------------------------------------------------------
    def search(self) -> None:
        """Look for cameras again (off the GUI thread), then show the list and the preview."""
        self._generation += 1  # stops the preview: it would hold the camera being probed
        self.found = None
        self.video.set_frame(None)
        self.preview_stack.setCurrentWidget(self.preview_note)
        self._show_note(Caption("camera.searching"))
        self._show_caption(None)
        self._build_choices()
        self.preview_runner.start(self._search(self._generation))

    async def _search(self, generation: int) -> None:
        try:
            found = list(await Runner.blocking(self.services.camera_choices))
        except Exception as exc:
            log.exception("listing cameras failed")
            found = []
            self._say(_first_line(exc), False)
        if generation != self._generation:
            return
        self.searches += 1
        self.found = found
        self._build_choices()
        self.start_preview()

    def missing(self, value: str) -> bool:
        """Whether ``value`` is a camera the last search did not find."""
        if self.found is None or kind_of(value) != "camera":
            return False
        return value.strip() not in {c.value for c in self.found}

    def _build_choices(self) -> None:
        clear_layout(self.choices)
        for b in self.group.buttons():
            self.group.removeButton(b)
        self.buttons = {}
        if self.found is None:
            self.found_note.setObjectName("RowSub")
            self.found_note.setText(tr("camera.searching", self.lang))
            self.search_button.setEnabled(False)
            return
        self.search_button.setEnabled(True)
        cameras = sum(1 for c in self.found if kind_of(c.value) == "camera")
        self.found_note.setObjectName("RowSub" if cameras else "RowWarn")
        self.found_note.style().unpolish(self.found_note)
        self.found_note.style().polish(self.found_note)
        self.found_note.setText(tr("camera.found", self.lang, count=cameras) if cameras
                                else tr("camera.none_found", self.lang))
        current = self.settings.camera if self.settings else None
        labelled = [(c.value, c.label.get(self.lang)) for c in self.found]
        if current is not None and current not in {v for v, _ in labelled}:
            name = self.source_name(current)
            labelled.insert(0, (current, tr("camera.missing.label", self.lang, name=name)
                                if self.missing(current) else name))
        for value, text in labelled:
            b = button(text, "ChoiceButton")
            b.setCheckable(True)
            b.setChecked(value == current)
            b.setProperty("missing", self.missing(value))
            b.clicked.connect(lambda _=False, v=value: self.choose(v))
            self.group.addButton(b)
            self.choices.insertWidget(self.choices.count() - 1, b)
            self.buttons[value] = b

    # -- choosing ------------------------------------------------------------------------------
    def _apply(self, new: Settings) -> bool:
        try:
            self.services.set_settings(new)
        except Exception as exc:
            log.warning("camera setting not saved: %s", exc)
            self._say(tr("settings.failed", self.lang, error=error_text(exc)), False)
            return False
        self.settings = new
        self._say(tr("camera.saved", self.lang), True)
        return True

    def choose(self, value: str) -> None:
        """Use picture source ``value`` from now on."""
        current = self.services.get_settings()
        if value != current.camera and self._apply(replace(current, camera=value)):
            self.services.log_event("staff_camera", {"camera": value})
        self.settings = self.services.get_settings()
        self._build_choices()  # a "not found" camera left behind drops off the list
        self.start_preview()

    def set_mirror(self, on: bool) -> None:
        """Mirror live pictures or not."""
        current = self.services.get_settings()
        if not self._apply(replace(current, mirror=on)):
            self.mirror.setChecked(current.mirror)

    # -- preview -------------------------------------------------------------------------------
    def start_preview(self) -> None:
        """(Re)open the preview of the chosen source, or of what the demos show instead."""
        self._generation += 1
        self.video.set_frame(None)
        self.preview_stack.setCurrentWidget(self.preview_note)
        if self.services.open_preview is None or self.settings is None:
            self._show_note(Caption("camera.preview.none"))
            self._show_caption(None)
            return
        self.preview_runner.start(self._preview(self.settings.camera, self._generation))

    async def _open(self, value: str) -> tuple[FrameSource | None, Caption]:
        """The source to preview for setting ``value`` and the caption saying what it is."""
        assert self.services.open_preview is not None
        if self.missing(value):
            caption = Caption("camera.shows.missing", value)
        else:
            self._show_note(Caption("camera.preview.opening", value))
            try:
                source = await Runner.blocking(self.services.open_preview, value)
                return source, Caption(f"camera.shows.{kind_of(value)}", value)
            except Exception as exc:  # the demos fall back to the samples: so does the preview
                log.warning("preview of %s failed: %s", value, _first_line(exc))
                caption = Caption("camera.shows.broken", value)
                if kind_of(value) == "sample":
                    return None, Caption("camera.shows.nothing")
        self._show_note(Caption("camera.preview.opening", SAMPLE))
        try:
            return await Runner.blocking(self.services.open_preview, SAMPLE), caption
        except Exception as exc:
            log.warning("preview of the sample photos failed: %s", _first_line(exc))
            return None, Caption("camera.shows.nothing")

    async def _preview(self, value: str, generation: int) -> None:
        source, caption = await self._open(value)
        if generation != self._generation:
            if source is not None:
                await Runner.blocking(source.close)
            return
        self._show_caption(caption)
        if source is None:
            self._show_note(Caption("camera.preview.none"))
            return
        try:
            while generation == self._generation:
                frame = await Runner.blocking(source.read)
                if generation != self._generation:
                    break
                if frame is not None:
                    if self.mirror.isChecked() and getattr(source, "live", False):
                        frame = np.ascontiguousarray(frame[:, ::-1])
                    self.video.set_frame(frame)
                    self.preview_stack.setCurrentWidget(self.video)
                    self.frames_shown += 1
                await asyncio.sleep(1 / 15)  # a preview, not a demo: spare the CPU
        finally:
            await Runner.blocking(source.close)
