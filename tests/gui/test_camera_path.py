"""What a visitor sees when the live camera misbehaves, in the real window: a camera that
starts slowly, drops out and comes back, never comes back, or is an 8K video file."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.app import source_chooser
from kiosk.core.session import Screen
from kiosk.runtime.pipeline import Patience
from kiosk.runtime.sources import CameraSource, FrameSource, open_sample_source
from kiosk.ui.controller import SourceChoice
from tests.conftest import write_video
from tests.fake_camera import FakeCamera, StepClock

DEMO = "image-classification"
BADGE = "Demo-Modus: keine Kamera"


def camera_choice(cam: FakeCamera):  # type: ignore[no-untyped-def]
    def reopen() -> FrameSource:
        return CameraSource(0, open_capture=cam.capture)

    def choose() -> SourceChoice:
        return SourceChoice(reopen(), reopen, no_camera=False, mirror=True,
                            fallback=open_sample_source)

    return choose


def patience(clock: StepClock) -> Patience:
    return Patience(start_s=10.0, glitch_s=1.0, retry_s=0.01, fallback_after_s=15.0,
                    clock=clock, empty_read_pause_s=0.001)


def live_camera_demo(make_kiosk, qtbot, cam: FakeCamera, clock: StepClock):  # type: ignore[no-untyped-def]
    """The demo open on the fake camera, its first result on screen."""
    k = make_kiosk(source=camera_choice(cam), patience=patience(clock))
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    return k


def unplug_until_the_photos(k, qtbot, cam: FakeCamera, clock: StepClock) -> None:  # type: ignore[no-untyped-def]
    """Pull the camera, wait for "lost", and let the fallback time pass: photos and badge."""
    cam.unplug()
    qtbot.waitUntil(lambda: k.window.demo.status == "lost", timeout=30_000)
    clock.advance(15.0)
    qtbot.waitUntil(lambda: k.window.demo.badge.isVisible(), timeout=30_000)


@pytest.fixture
def coffee(photos: dict[str, np.ndarray]) -> np.ndarray:
    return photos["coffee"]


def test_a_slow_camera_shows_loading_then_the_live_picture(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                          coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock, warmup_s=2.0)
    k = make_kiosk(source=camera_choice(cam), patience=patience(clock))
    k.controller.activity()
    k.controller.open_demo(DEMO)
    assert k.window.demo.status == "loading"
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    assert k.window.demo.status is None and not k.window.demo.badge.isVisible()
    assert cam.opens == 1 and cam.empty_reads >= 55
    assert k.window.demo.panel.top_labels()[0] == "Espresso"  # type: ignore[attr-defined]
    assert k.controller.camera_state == "live"


def test_a_camera_that_drops_out_and_comes_back(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                               coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    k = live_camera_demo(make_kiosk, qtbot, cam, clock)
    cam.unplug()
    qtbot.waitUntil(lambda: k.window.demo.status == "lost", timeout=30_000)
    assert k.window.demo.overlay.isVisible()
    assert k.window.demo.overlay.title.text() == "Die Kamera macht gerade Pause"
    opens = cam.opens
    qtbot.waitUntil(lambda: cam.opens >= opens + 3, timeout=30_000)  # still away: retried
    assert k.window.demo.status == "lost"
    shown = k.window.demo.frames_shown
    cam.plug()
    qtbot.waitUntil(lambda: k.window.demo.frames_shown > shown + 2, timeout=30_000)
    assert k.window.demo.status is None and not k.window.demo.overlay.isVisible()
    assert not k.window.demo.badge.isVisible()
    assert k.window.current_screen() is Screen.DEMO


def test_a_camera_that_never_comes_back_gives_way_to_the_sample_photos(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    k = live_camera_demo(make_kiosk, qtbot, cam, clock)
    # the demo goes on with the sample photos under the badge, not a frozen picture
    unplug_until_the_photos(k, qtbot, cam, clock)
    assert k.window.demo.badge.text() == BADGE
    results = k.window.demo.results_shown
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= results + 3, timeout=30_000)
    assert k.window.demo.status is None and not k.window.demo.overlay.isVisible()
    assert k.controller.camera_state == "fallback"
    # the camera returns: live again, badge gone
    cam.plug()
    clock.advance(1.0)
    qtbot.waitUntil(lambda: not k.window.demo.badge.isVisible(), timeout=30_000)
    assert k.controller.camera_state == "live"
    # the panel smooths over a few results, so the camera's picture wins within a few
    qtbot.waitUntil(lambda: k.window.demo.panel.top_labels()[0] == "Espresso",  # type: ignore[attr-defined]
                    timeout=30_000)
    assert k.window.demo.frames_shown > 0 and k.window.demo.status is None


def test_an_8k_video_as_camera_gives_the_demo_mode_not_a_failure(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, tmp_path: Path, coffee: np.ndarray,
        caplog: pytest.LogCaptureFixture) -> None:
    video = write_video(tmp_path / "8k.avi", coffee, (7680, 4320), frames=1)
    k = make_kiosk(source=source_chooser(str(video), mirror=True))
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    assert k.window.demo.badge.isVisible() and k.window.demo.badge.text() == BADGE
    assert k.window.demo.status is None
    assert k.controller.camera_state == "fallback"
    assert "8k.avi is 7680x4320 pixels" in caplog.text  # staff read why in the log


def test_a_camera_hanging_in_reopening_leaves_the_sample_photos_playing(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    k = live_camera_demo(make_kiosk, qtbot, cam, clock)
    unplug_until_the_photos(k, qtbot, cam, clock)
    gate = cam.hang_opens()
    try:
        clock.advance(1.0)
        qtbot.waitUntil(lambda: cam.opening == 1, timeout=30_000)  # the driver hangs …
        results = k.window.demo.results_shown
        # … and the visitor still plays with the sample photos
        qtbot.waitUntil(lambda: k.window.demo.results_shown >= results + 3, timeout=30_000)
        assert cam.opening == 1 and k.window.demo.badge.isVisible()
        cam.plug()
        gate.set()  # the driver answers at last: the camera takes over
        qtbot.waitUntil(lambda: not k.window.demo.badge.isVisible(), timeout=30_000)
    finally:
        gate.set()
    assert k.controller.camera_state == "live"
    assert cam.most_opening == 1


def hanging_camera_chooser(cam: FakeCamera):  # type: ignore[no-untyped-def]
    return source_chooser("0", mirror=True, open_limit_s=0.05,
                          open_fn=lambda spec: CameraSource(int(spec), open_capture=cam.capture))


def test_a_camera_hanging_in_opening_starts_the_demo_on_the_photos(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    gate = cam.hang_opens()
    try:
        k = make_kiosk(source=hanging_camera_chooser(cam), patience=patience(clock))
        k.controller.activity()
        k.controller.open_demo(DEMO)
        assert k.window.demo.status == "loading"
        qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
        assert k.window.demo.badge.isVisible() and k.window.demo.badge.text() == BADGE
        assert k.window.demo.status is None and k.controller.camera_state == "fallback"
        assert cam.opening == 1
        gate.set()  # the camera opens after all: live, mirrored, badge gone
        qtbot.waitUntil(lambda: not k.window.demo.badge.isVisible(), timeout=30_000)
        assert k.controller.camera_state == "live"
        qtbot.waitUntil(lambda: k.window.demo.panel.top_labels()[0] == "Espresso",  # type: ignore[attr-defined]
                        timeout=30_000)
    finally:
        gate.set()
    assert cam.opens == 1


def test_quitting_does_not_wait_for_a_camera_that_never_opens(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    gate = cam.hang_opens()
    try:
        k = make_kiosk(source=hanging_camera_chooser(cam), patience=patience(clock))
        k.controller.activity()
        k.controller.open_demo(DEMO)
        qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
        for _ in range(2):  # closing the demo and opening it again: one more opening tries
            k.controller.back_home()
            k.controller.open_demo(DEMO)
            qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
        k.controller.shutdown()  # quitting: nothing waits for the hung driver
        assert not [t for t in threading.enumerate() if t.name == "kiosk-capture"]
        assert cam.opening == 2 and cam.most_opening == 2  # … then none while both hang
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not any(c.opened for c in cam.captures), timeout=30_000)
