"""Task result panels: how each task type shows its live result next to the picture."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget

from kiosk.core.i18n import Lang
from kiosk.core.tasks.spec import TASK_SPECS, split_ref

log = logging.getLogger(__name__)

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

    def new_scene(self) -> None:
        """The picture cut to another scene (the next sample photo): forget what was
        smoothed or held over the frames before, so nothing of the old picture lingers."""

    def overlay(self, painter: QPainter, rect: QRectF, scale: float) -> None:
        """Draw on the live picture (``rect`` is where the frame lands, ``scale`` px/px)."""

    def settle(self) -> None:
        """Finish animations at once (screenshots)."""

    def attach(self, runner: Any, services: DemoServices) -> None:
        """The demo's runner is loaded; interactive panels keep both (called on the GUI thread)."""

    def stage_widget(self) -> QWidget | None:
        """A widget shown instead of the camera picture (e.g. a drawing canvas), or None."""
        return None


def make_panel(task: str, lang: Lang) -> ResultPanel:
    """The panel of task kind ``task`` (see :mod:`kiosk.core.tasks.spec`).

    Every registered kind has one (a test checks); an unknown kind, which a valid manifest
    cannot name, gets an empty panel and a log line rather than a crash.
    """
    factory = _PANELS.get(task)
    spec = TASK_SPECS.get(task)
    if factory is None and spec is not None:
        module, name = split_ref(spec.panel)
        factory = getattr(importlib.import_module(module), name)
        _PANELS[task] = factory
    if factory is None:
        log.error("no panel for task kind %r", task)
        return ResultPanel()
    return factory(lang)


_PANELS: dict[str, Callable[[Lang], ResultPanel]] = {}
