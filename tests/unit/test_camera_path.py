"""The live-camera path as production takes it: the kiosk's CameraSource on a fake USB
camera that starts slowly, drops out and comes back, or never comes back; mirrored."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.runtime.pipeline import Frame, Patience, Pipeline, Status
from kiosk.runtime.sources import (
    MAX_SIDE,
    CameraSource,
    FrameSource,
    SourceError,
    open_sample_source,
)
from tests.fake_camera import FakeCamera, StepClock

WAIT = 20.0  # generous upper bound for thread hand-offs; never a sleep


class Watch:
    """Records what the pipeline reports and wakes the test when a condition holds."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.statuses: list[str] = []
        self._cond = threading.Condition()
        self.on_frame_hook: Callable[[Frame], None] | None = None

    def on_frame(self, frame: Frame) -> None:
        with self._cond:
            self.frames.append(frame)
            self._cond.notify_all()
        if self.on_frame_hook is not None:
            self.on_frame_hook(frame)

    def on_status(self, status: str) -> None:
        with self._cond:
            self.statuses.append(status)
            self._cond.notify_all()

    def until(self, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        with self._cond:
            # woken by every frame and status; the short timeout also sees camera counters
            while not check():
                assert time.monotonic() < deadline, (self.statuses, len(self.frames))
                self._cond.wait(0.01)


def camera_pipeline(cam: FakeCamera, watch: Watch, *,
                    fallback: Callable[[], FrameSource] | None = None) -> Pipeline:
    def reopen() -> FrameSource:
        return CameraSource(0, open_capture=cam.capture)

    patience = Patience(start_s=10.0, glitch_s=1.0, retry_s=0.01, fallback_after_s=15.0,
                        clock=cam.clock, empty_read_pause_s=0.001)
    return Pipeline(reopen(), None, reopen=reopen, mirror=True, on_frame=watch.on_frame,
                    on_status=watch.on_status, patience=patience, fallback=fallback)


@pytest.fixture
def coffee(photos: dict[str, np.ndarray]) -> np.ndarray:
    return photos["coffee"]


def test_a_slow_camera_is_waited_for_not_closed(coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock, warmup_s=2.0)
    watch = Watch()
    opened = clock()
    pipe = camera_pipeline(cam, watch)
    pipe.start()
    try:
        watch.until(lambda: len(watch.frames) >= 3)
    finally:
        pipe.stop()
    assert cam.empty_reads >= 55  # two seconds of reads that failed …
    assert cam.opens == 1  # … and the camera was never closed and reopened meanwhile
    assert Status.LOST not in watch.statuses
    assert clock() - opened >= 2.0
    first = watch.frames[0]
    assert first.mirrored and np.array_equal(first.image, coffee)  # the model sees it as taken
    assert np.array_equal(first.display(), coffee[:, ::-1])


def test_a_camera_that_never_starts_is_lost_after_its_start_time(coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock, warmup_s=1e9)
    watch = Watch()
    opened = clock()
    pipe = camera_pipeline(cam, watch)
    pipe.start()
    try:
        watch.until(lambda: Status.LOST in watch.statuses)
    finally:
        pipe.stop()
    assert 10.0 <= clock() - opened < 10.5 and not watch.frames


def test_a_camera_that_drops_out_mid_demo_comes_back(coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    watch = Watch()

    def pull_the_cable(frame: Frame) -> None:
        if frame.seq == 5:
            cam.unplug()

    watch.on_frame_hook = pull_the_cable
    pipe = camera_pipeline(cam, watch)
    pipe.start()
    try:
        watch.until(lambda: Status.LOST in watch.statuses)
        assert len(watch.frames) == 5
        lost_opens = cam.opens
        watch.until(lambda: cam.opens >= lost_opens + 3)  # retrying, the camera still away
        assert watch.statuses == [Status.RUNNING, Status.LOST]
        cam.plug()
        watch.until(lambda: len(watch.frames) >= 8)
    finally:
        pipe.stop()
    assert watch.statuses[:3] == [Status.RUNNING, Status.LOST, Status.RUNNING]
    assert pipe.stats.reconnects == 1
    assert all(f.mirrored for f in watch.frames)


def test_a_short_hiccup_is_not_a_lost_camera(coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    watch = Watch()
    gap = {"reads": 0}
    real_capture = cam.capture

    def hiccupping(index: int):  # type: ignore[no-untyped-def]
        cap = real_capture(index)
        read = cap.read

        def flaky_read():  # type: ignore[no-untyped-def]
            if cam.good_reads == 4 and gap["reads"] < 10:  # a third of a second of nothing
                gap["reads"] += 1
                cam.clock.advance(1.0 / cam.fps)
                return False, None
            return read()

        cap.read = flaky_read  # type: ignore[method-assign]
        return cap

    cam.capture = hiccupping  # type: ignore[method-assign]
    pipe = camera_pipeline(cam, watch)
    pipe.start()
    try:
        watch.until(lambda: len(watch.frames) >= 8)
    finally:
        pipe.stop()
    assert gap["reads"] == 10 and cam.opens == 1
    assert Status.LOST not in watch.statuses


def test_a_camera_that_never_comes_back_gives_way_to_the_sample_photos(
        coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    watch = Watch()
    fallbacks: list[FrameSource] = []

    def fallback() -> FrameSource:
        src = open_sample_source()
        fallbacks.append(src)
        return src

    def pull_the_cable(frame: Frame) -> None:
        if frame.seq == 3:
            cam.unplug()

    watch.on_frame_hook = pull_the_cable
    pipe = camera_pipeline(cam, watch, fallback=fallback)
    pipe.start()
    try:
        watch.until(lambda: Status.LOST in watch.statuses)
        assert not fallbacks  # not at once: a camera usually comes back within seconds
        clock.advance(15.0)
        watch.until(lambda: Status.FALLBACK in watch.statuses and len(watch.frames) >= 6)
        shown = watch.frames[3:]
        assert not any(f.mirrored for f in shown)  # photos with text are never mirrored
        assert not any(np.array_equal(f.image, coffee) for f in shown)
        # … and the camera is still tried, every retry_s on the clock
        opens = cam.opens
        clock.advance(0.02)
        watch.until(lambda: cam.opens > opens)
        # it comes back after all: the demo goes live again, the photos are let go
        cam.plug()
        clock.advance(0.02)
        watch.until(lambda: watch.statuses[-1] == Status.RUNNING
                    and watch.frames[-1].mirrored)
    finally:
        pipe.stop()
    assert watch.statuses[:4] == [Status.RUNNING, Status.LOST, Status.FALLBACK, Status.RUNNING]
    assert fallbacks[0].paths == []  # type: ignore[attr-defined]  # closed
    assert np.array_equal(watch.frames[-1].image, coffee)


def test_a_huge_camera_picture_is_shrunk_and_an_absurd_camera_refused(
        coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock, size=(3840, 2160))
    src = CameraSource(0, open_capture=cam.capture)
    frame = src.read()
    assert frame is not None and frame.shape == (720, MAX_SIDE, 3)
    src.close()
    strip = FakeCamera(coffee, clock, size=(20000, 16))
    with pytest.raises(SourceError, match=r"Camera 0 delivers 20000x16 pixel pictures"):
        CameraSource(0, open_capture=strip.capture)


def test_a_camera_switching_to_an_absurd_size_counts_as_lost(coffee: np.ndarray,
                                                           tmp_path: Path) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    src = CameraSource(0, open_capture=cam.capture)
    assert src.read() is not None
    cam.picture = np.zeros((10, 9000, 3), np.uint8)  # a driver gone mad after opening
    assert src.read() is None


def test_when_the_fallback_fails_too_the_visitor_is_told_the_camera_is_away(
        coffee: np.ndarray, tmp_path: Path) -> None:
    from kiosk.runtime.sources import ImageFolderSource
    from tests.conftest import write_rgb

    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    watch = Watch()
    write_rgb(tmp_path / "only.png", coffee[::4, ::4])

    def fallback() -> FrameSource:
        src = ImageFolderSource.from_folder(tmp_path, fps=1000.0)
        (tmp_path / "only.png").write_bytes(b"gone")  # the stick is pulled, too
        src._cache.clear()
        return src

    def pull_the_cable(frame: Frame) -> None:
        if frame.seq == 2:
            cam.unplug()

    watch.on_frame_hook = pull_the_cable
    pipe = camera_pipeline(cam, watch, fallback=fallback)
    pipe.start()
    try:
        watch.until(lambda: Status.LOST in watch.statuses)
        clock.advance(15.0)
        watch.until(lambda: watch.statuses.count(Status.LOST) == 2)
        assert watch.statuses == [Status.RUNNING, Status.LOST, Status.FALLBACK, Status.LOST]
        cam.plug()  # still retried, and back
        watch.until(lambda: watch.statuses[-1] == Status.RUNNING and len(watch.frames) > 2)
    finally:
        pipe.stop()


def sample_fallback() -> FrameSource:
    return open_sample_source()


def in_fallback(cam: FakeCamera, watch: Watch, clock: StepClock) -> None:
    """The camera is pulled and stays away until the sample photos play."""
    watch.until(lambda: len(watch.frames) >= 2)
    cam.unplug()
    watch.until(lambda: Status.LOST in watch.statuses)
    clock.advance(15.0)
    watch.until(lambda: Status.FALLBACK in watch.statuses)


def more_frames(watch: Watch, count: int) -> None:
    shown = len(watch.frames)
    watch.until(lambda: len(watch.frames) >= shown + count)


def capture_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "kiosk-capture" and t.is_alive()]


@pytest.mark.parametrize("in_first_read", [False, True], ids=["in-open", "in-first-read"])
def test_a_reopening_that_hangs_does_not_stop_the_sample_photos(coffee: np.ndarray,
                                                                 in_first_read: bool) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    watch = Watch()
    pipe = camera_pipeline(cam, watch, fallback=sample_fallback)
    pipe.start()
    gate = threading.Event()
    try:
        in_fallback(cam, watch, clock)
        gate = cam.hang_opens(in_first_read)
        cam.plug()
        clock.advance(0.02)
        watch.until(lambda: cam.opening == 1)  # the driver hangs in opening the camera …
        shown = len(watch.frames)
        for _ in range(5):  # … for many retry periods, and the photos go on meanwhile
            clock.advance(0.02)
            more_frames(watch, 3)
        assert len(watch.frames) >= shown + 15
        assert cam.opening == 1 and cam.most_opening == 1  # one attempt, not one per retry
        assert not watch.frames[-1].mirrored
        # the driver finally answers, the camera is there: live again, photos let go
        gate.set()
        watch.until(lambda: watch.statuses[-1] == Status.RUNNING
                    and watch.frames[-1].mirrored)
    finally:
        gate.set()
        pipe.stop()
    assert watch.statuses[:4] == [Status.RUNNING, Status.LOST, Status.FALLBACK, Status.RUNNING]
    assert np.array_equal(watch.frames[-1].image, coffee)
    assert pipe.stats.reconnects == 1


def test_an_opening_that_never_returns_holds_up_nothing(coffee: np.ndarray) -> None:
    clock = StepClock()
    cam = FakeCamera(coffee, clock)
    gate = threading.Event()
    pipes: list[Pipeline] = []
    try:
        watch = Watch()
        pipe = camera_pipeline(cam, watch, fallback=sample_fallback)
        pipes.append(pipe)
        pipe.start()
        gate = cam.hang_opens()
        in_fallback(cam, watch, clock)
        cam.plug()  # plugged in again, but the driver never answers
        clock.advance(0.02)
        watch.until(lambda: cam.opening == 1)
        pipe.stop()  # the visitor leaves the demo: nothing waits for the hung opening
        assert not capture_threads()
        # the next demos: the camera is still given a chance, but threads do not pile up
        for _ in range(3):
            watch = Watch()
            pipe = Pipeline(None, None, reopen=lambda: CameraSource(0, open_capture=cam.capture),
                            mirror=True, on_frame=watch.on_frame, on_status=watch.on_status,
                            patience=Patience(retry_s=0.01, clock=clock),
                            fallback=sample_fallback)
            pipes.append(pipe)
            pipe.start()
            more_frames(watch, 5)  # the photos play at once
            clock.advance(0.02)
            more_frames(watch, 5)
            assert watch.statuses == [Status.FALLBACK]
            pipe.stop()
            assert not capture_threads()
        assert cam.opening == 2 and cam.most_opening == 2
    finally:
        gate.set()
        for pipe in pipes:
            pipe.stop()
    # the driver answers at last: the cameras nobody waits for any more are released
    # (the first capture is the one the demo started with)
    Watch().until(lambda: len(cam.captures) == 3 and not any(c.opened for c in cam.captures))
