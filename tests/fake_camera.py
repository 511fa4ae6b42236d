"""A USB camera as OpenCV shows it, with the habits of real ones, for tests.

:class:`FakeCamera` is the device: plugged in or not, how long it needs after opening before
the first picture (reads fail meanwhile, as with many USB cameras), what size it delivers.
:meth:`FakeCamera.capture` is a stand-in for ``cv2.VideoCapture(index)`` that
:class:`kiosk.runtime.sources.CameraSource` takes as ``open_capture``, so the kiosk's own
camera code runs on it. Time is a :class:`StepClock`: every read takes one frame period on
it, as a real read waits for the next frame, so nothing in a test sleeps. A driver that
hangs in opening is :meth:`FakeCamera.hang_opens`: opening blocks until the test opens the
gate it returns.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np


class StepClock:
    """Seconds that move only when a read takes a frame period or a test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()  # advanced from the capture thread and the test

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class FakeCamera:
    """One camera device; tests unplug and plug it while a demo runs."""

    def __init__(self, picture_rgb: np.ndarray, clock: StepClock, *, warmup_s: float = 0.0,
                 fps: float = 30.0, size: tuple[int, int] | None = None) -> None:
        picture = np.ascontiguousarray(picture_rgb[:, :, ::-1])  # OpenCV delivers BGR
        if size is not None:
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR)
        self.picture = picture
        self.clock = clock
        self.warmup_s = warmup_s
        self.fps = fps
        self.plugged = True
        self.generation = 0  # an unplug kills every capture opened before it
        self.opens = 0
        self.good_reads = 0
        self.empty_reads = 0
        self.gate: threading.Event | None = None  # set: opening blocks until it opens
        self.hang_in_first_read = False
        self.opening = 0  # openings blocked in the driver right now
        self.most_opening = 0  # … at most, ever
        self.captures: list[FakeCapture] = []
        self._lock = threading.Lock()

    def unplug(self) -> None:
        self.plugged = False
        self.generation += 1

    def plug(self) -> None:
        self.plugged = True

    def hang_opens(self, in_first_read: bool = False) -> threading.Event:
        """From now on every opening hangs in the driver until the returned gate is set:
        in ``cv2.VideoCapture`` itself, or ``in_first_read`` of the capture it returns."""
        self.gate = threading.Event()
        self.hang_in_first_read = in_first_read
        return self.gate

    def capture(self, index: int) -> FakeCapture:
        """What ``cv2.VideoCapture(index)`` would return for this device."""
        with self._lock:
            self.opens += 1
            self.opening += 1
            self.most_opening = max(self.most_opening, self.opening)
        try:
            if self.gate is not None and not self.hang_in_first_read:
                self.gate.wait()
            cap = FakeCapture(self, self.gate if self.hang_in_first_read else None)
            self.captures.append(cap)
            return cap
        finally:
            if not self.hang_in_first_read:
                self.opened()

    def opened(self) -> None:
        """An opening is over (or hung in its first read: that read is over)."""
        with self._lock:
            self.opening -= 1


class FakeCapture:
    """The ``cv2.VideoCapture`` methods the kiosk uses, with OpenCV's return values."""

    def __init__(self, camera: FakeCamera, first_read_gate: threading.Event | None = None) -> None:
        self.camera = camera
        self._first_read_gate = first_read_gate  # the driver hangs in the first read
        self.opened = camera.plugged
        self.generation = camera.generation
        self.opened_at = camera.clock()

    def isOpened(self) -> bool:  # OpenCV's name
        return self.opened

    def set(self, prop: int, value: float) -> bool:
        return False  # this camera keeps its own size, as many do

    def get(self, prop: int) -> float:
        h, w = self.camera.picture.shape[:2]
        return {cv2.CAP_PROP_FRAME_WIDTH: float(w), cv2.CAP_PROP_FRAME_HEIGHT: float(h),
                cv2.CAP_PROP_FPS: self.camera.fps}.get(prop, 0.0)

    def read(self) -> tuple[bool, np.ndarray | None]:
        cam = self.camera
        gate, self._first_read_gate = self._first_read_gate, None
        if gate is not None:
            if self.opened:
                gate.wait()
            cam.opened()
        cam.clock.advance(1.0 / cam.fps)  # a read waits for the next frame
        alive = self.opened and cam.plugged and self.generation == cam.generation
        if not alive or cam.clock() - self.opened_at < cam.warmup_s:
            cam.empty_reads += 1
            return False, None
        cam.good_reads += 1
        return True, cam.picture.copy()

    def release(self) -> None:
        self.opened = False
        if self._first_read_gate is not None:  # never read: its opening is over now
            self._first_read_gate = None
            self.camera.opened()
