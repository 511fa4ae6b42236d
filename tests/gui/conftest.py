"""GUI fixtures: a qasync loop on pytest-qt's QApplication, a kiosk with a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from kiosk.app import RunnerCache
from kiosk.core.paths import demos_dir
from kiosk.core.session import SessionEvent
from kiosk.runtime.demos import discover
from kiosk.runtime.sources import FrameSource, ImageFolderSource, SourceError, open_sample_source
from kiosk.ui.controller import KioskController, SourceChoice
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.theme import apply_theme


@pytest.fixture
def qloop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    """asyncio running on the Qt event loop, as in the app (pytest-qt spins it)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = qasync.QThreadExecutor(2)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    yield loop
    executor.shutdown(wait=True)
    asyncio.set_event_loop(None)
    # already_running=True marked it as this thread's running loop; later tests (e.g. unit
    # tests that run their own asyncio loop) must not find it there.
    asyncio.events._set_running_loop(None)


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Kiosk:
    """A kiosk window with its controller, clock and recorded session events."""

    window: KioskWindow
    controller: KioskController
    clock: FakeClock
    events: list[SessionEvent] = field(default_factory=list)

    def types(self) -> list[str]:
        return [e.type for e in self.events]


def photo_source(folder: Path) -> SourceChoice:
    return SourceChoice(ImageFolderSource.from_folder(folder, fps=30.0), None, False, False)


@pytest.fixture
def make_kiosk(qapp: QApplication, qloop: asyncio.AbstractEventLoop, qtbot):  # type: ignore[no-untyped-def]
    """Build kiosks; each is shut down after the test."""
    made: list[Kiosk] = []
    apply_theme(qapp)

    def make(source: object = None, lang: str = "de", entries: list | None = None,  # type: ignore[type-arg]
             presence: object = None, patience: object = None) -> Kiosk:
        clock = FakeClock()
        events: list[SessionEvent] = []
        window = KioskWindow(lang)  # type: ignore[arg-type]
        qtbot.addWidget(window)

        def choose() -> SourceChoice:
            if callable(source):
                return source()  # type: ignore[no-any-return]
            return SourceChoice(open_sample_source(), None, True, False)

        controller = KioskController(
            window, entries if entries is not None else discover([demos_dir()]),
            RunnerCache(), choose, clock=clock, lang=lang,  # type: ignore[arg-type]
            event_sink=events.append, idle_timeout=90, idle_warning=15,
            presence=presence, patience=patience)  # type: ignore[arg-type]
        window.resize(1280, 800)
        window.show()
        kiosk = Kiosk(window, controller, clock, events)
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.controller.shutdown()


class FailingSource:
    """A camera that delivers ``frames`` pictures and then goes away."""

    live = True
    fps = 30.0
    description = "flaky camera"

    def __init__(self, image: object, frames: int) -> None:
        self.image = image
        self.left = frames

    def read(self) -> object:
        if self.left <= 0:
            return None
        self.left -= 1
        return self.image

    def close(self) -> None:
        pass


def unavailable() -> FrameSource:
    raise SourceError("camera still unplugged")
