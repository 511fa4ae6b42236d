"""The staff camera page: only sources that exist, and plain words on what is shown and why."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shiboken6
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from kiosk.core.i18n import Text
from kiosk.core.settings import Settings
from kiosk.runtime.cameras import probe_cameras
from kiosk.runtime.sources import FrameSource, SourceError, open_sample_source, open_source
from kiosk.ui.staff.camera_page import CameraPage
from kiosk.ui.staff.services import ActionResult, CameraChoice, HealthSnapshot, StaffServices
from kiosk.ui.staff.staff_panel import Runner
from kiosk.ui.theme import apply_theme


class FakeCamera:
    """A working live camera: small grey frames."""

    live = True
    fps = 30.0
    description = "fake camera"

    def read(self) -> np.ndarray:
        return np.full((48, 64, 3), 128, np.uint8)

    def close(self) -> None:
        pass


@dataclass
class Machine:
    """What is plugged in: camera indices with a device node, and which of them work."""

    media: Path
    nodes: list[int] = field(default_factory=list)
    working: set[int] = field(default_factory=set)
    busy: set[int] = field(default_factory=set)  # found, but cannot be opened right now
    settings: Settings = field(default_factory=Settings)
    opened: list[str] = field(default_factory=list)
    probe_threads: list[str] = field(default_factory=list)

    def choices(self) -> list[CameraChoice]:
        self.probe_threads.append(threading.current_thread().name)
        cams = probe_cameras(self.nodes, try_open=lambda i: i in self.working, name=lambda i: "")
        return [*(CameraChoice(str(c.index), Text(f"Kamera {c.index}", f"Camera {c.index}"))
                  for c in cams),
                CameraChoice("sample", Text("Beispielbilder", "Sample photos")),
                *(CameraChoice(str(p), Text(p.name, p.name)) for p in sorted(self.media.iterdir()))]

    def open(self, value: str) -> FrameSource:
        self.opened.append(value)
        if value == "sample":
            return open_sample_source()
        if value.isdigit():
            if int(value) in self.working and int(value) not in self.busy:
                return FakeCamera()
            # the very sentence the real CameraSource raises: it must not reach the page
            raise SourceError(f"Camera {value} is not available: check the cable, or choose "
                              "another camera with --camera (0, 1, …), a video file or an "
                              "image folder.")
        return open_source(value)

    def save(self, new: Settings) -> None:
        self.settings = new

    def services(self) -> StaffServices:
        return StaffServices(
            list_demos=list, set_demo_enabled=lambda *_: None, set_demo_order=lambda _: None,
            self_test=lambda _: ActionResult(True, ""),
            import_pack=lambda _: ActionResult(True, ""),
            camera_choices=self.choices, get_settings=lambda: self.settings,
            set_settings=self.save, health=lambda: HealthSnapshot(uptime_s=0),
            restart=lambda: None, exit_kiosk=lambda: None, open_preview=self.open)


@pytest.fixture
def make_page(qapp: QApplication, qloop: asyncio.AbstractEventLoop, qtbot: Any,
              tmp_path: Path) -> Iterator[Callable[..., tuple[CameraPage, Machine]]]:
    if not qapp.styleSheet():
        apply_theme(qapp)
    media = tmp_path / "media"
    media.mkdir()
    made: list[CameraPage] = []

    def make(lang: str = "de", **machine: Any) -> tuple[CameraPage, Machine]:
        m = Machine(media, **machine)
        page = CameraPage(m.services(), Runner(), lang)
        page.set_lang(lang)  # type: ignore[arg-type]
        page.resize(1600, 900)
        page.show()
        page.on_show()
        made.append(page)
        qtbot.waitUntil(lambda: page.found is not None, timeout=10_000)
        return page, m

    yield make
    for page in made:
        page.on_hide()
        for task in page.preview_runner.tasks:
            task.cancel()
        shiboken6.delete(page)


def texts(page: CameraPage) -> str:
    shown = [w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(page)]
    shown += [b.text() for b in page.findChildren(QPushButton) if b.isVisibleTo(page)]
    return "\n".join(shown)


def test_only_cameras_that_exist_are_listed(make_page: Any, qtbot: Any) -> None:
    # /dev/video0..2: 0 and 1 are one webcam (1 is its metadata node), 2 is unplugged
    page, m = make_page(nodes=[0, 1, 2], working={0}, settings=Settings(camera="0"))
    assert list(page.buttons) == ["0", "sample"]
    assert page.buttons["0"].isChecked()
    assert "1 Kamera(s) gefunden." in page.found_note.text()
    assert all(name != "MainThread" for name in m.probe_threads)  # searched off the GUI
    qtbot.waitUntil(lambda: page.frames_shown >= 2, timeout=10_000)
    assert page.preview_status.text().startswith("Live-Bild von Kamera 0.")


@pytest.mark.parametrize("lang, missing_label, caption, english_only", [
    ("de", "Kamera 0 – nicht gefunden", "Kamera 0 ist nicht angeschlossen. Die Demos zeigen "
     "deshalb die Beispielbilder", "Camera"),
    ("en", "Camera 0 – not found", "Camera 0 is not connected, so the demos show the sample "
     "photos", "Kamera"),
])
def test_a_missing_camera_says_what_is_shown_instead(
        make_page: Any, qtbot: Any, lang: str, missing_label: str, caption: str,
        english_only: str) -> None:
    page, m = make_page(lang, settings=Settings(camera="0"))  # no camera on this machine
    button = page.buttons["0"]
    assert button.text() == missing_label
    assert button.isChecked() and button.property("missing") is True
    assert not page.buttons["sample"].isChecked()
    qtbot.waitUntil(lambda: page.frames_shown >= 1, timeout=10_000)
    assert m.opened == ["sample"]  # the demos' fallback, not another try of a missing camera
    assert caption in page.preview_status.text()
    assert page.preview_status.objectName() == "RowWarn"
    shown = texts(page)
    assert "--camera" not in shown and "check the cable" not in shown
    assert english_only not in shown  # one language per page
    assert ("Keine Kamera gefunden" if lang == "de" else "No camera found") in shown


def test_a_camera_that_cannot_open_falls_back_like_the_demos(make_page: Any, qtbot: Any) -> None:
    page, m = make_page(nodes=[0], working={0}, busy={0}, settings=Settings(camera="0"))
    assert page.buttons["0"].text() == "Kamera 0"  # found, so not "not found"
    qtbot.waitUntil(lambda: page.frames_shown >= 1, timeout=10_000)
    assert m.opened == ["0", "sample"]
    assert page.preview_status.text().startswith("Kamera 0 lässt sich gerade nicht öffnen")
    assert "not available" not in texts(page)


def test_a_video_file_from_the_media_folder(make_page: Any, qtbot: Any,
                                            sample_video: Path) -> None:
    page, m = make_page("en", settings=Settings(camera="sample"))
    qtbot.waitUntil(lambda: page.frames_shown >= 1, timeout=10_000)
    assert page.preview_status.text().startswith("The demos show the sample photos")
    video = m.media / "fair-loop.mp4"
    video.write_bytes(sample_video.read_bytes())
    qtbot.mouseClick(page.search_button, qtbot_left())
    qtbot.waitUntil(lambda: str(video) in page.buttons, timeout=10_000)
    qtbot.mouseClick(page.buttons[str(video)], qtbot_left())
    assert m.settings.camera == str(video)
    shown_before = page.frames_shown
    qtbot.waitUntil(lambda: page.frames_shown >= shown_before + 2, timeout=10_000)
    assert page.preview_status.text() == \
        "The demos show “fair-loop.mp4” in a loop instead of a camera."
    assert page.video.frame_size == (640, 480)


def test_the_preview_is_never_an_empty_box(make_page: Any, qtbot: Any) -> None:
    gate = threading.Event()
    page, m = make_page(nodes=[0], working={0}, settings=Settings(camera="0"))
    opened: Callable[[str], FrameSource] = m.open

    def slow_open(value: str) -> FrameSource:
        assert gate.wait(10)
        return opened(value)

    page.services.open_preview = slow_open
    page.start_preview()
    qtbot.waitUntil(lambda: page.preview_note.text() == "Öffne Kamera 0 …", timeout=10_000)
    assert page.preview_stack.currentWidget() is page.preview_note
    gate.set()
    qtbot.waitUntil(lambda: page.preview_stack.currentWidget() is page.video, timeout=10_000)
    page.set_lang("en")
    assert page.preview_status.text().startswith("Live picture from Camera 0.")


def qtbot_left() -> Any:
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


class FakeWatcher:
    """The wake-on-approach watcher's part that matters here: it holds the camera."""

    def __init__(self) -> None:
        self.started = False
        self.stopped = False

    def start(self) -> None:
        self.started = True

    def stop(self, timeout: float = 5.0) -> None:
        self.stopped = True


def test_staff_mode_takes_the_camera_from_the_wake_watcher(make_kiosk: Any, qtbot: Any) -> None:
    from types import SimpleNamespace

    from kiosk.app import StaffBackend

    watchers: list[FakeWatcher] = []

    def presence(on_change: Any, on_preview: Any) -> FakeWatcher:
        watchers.append(FakeWatcher())
        return watchers[-1]

    k = make_kiosk(presence=presence)
    k.controller.start()
    qtbot.waitUntil(lambda: bool(watchers) and watchers[0].started, timeout=10_000)
    backend = StaffBackend(SimpleNamespace(controller=k.controller))  # type: ignore[arg-type]
    backend.on_staff_mode(True)  # the camera page may now probe and preview the camera
    qtbot.waitUntil(lambda: watchers[0].stopped, timeout=10_000)
    assert len(watchers) == 1  # staff mode's end of the visit did not start a new one
    backend.on_staff_mode(False)
    qtbot.waitUntil(lambda: len(watchers) == 2 and watchers[1].started, timeout=10_000)
