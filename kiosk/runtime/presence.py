"""The wake-on-approach watcher: a low-rate camera loop on its own thread while the kiosk idles.

While nobody is there it looks a few times a second (``idle_fps``) and lets the motion gate
decide whether the person detector runs at all; while somebody is there it sends a preview
picture at ``preview_fps`` for the greeting. A recorded file plays at its own speed (frames are
skipped to keep to the wall clock), so a recorded scene behaves like a live camera.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from kiosk.core.presence import PresenceTracker
from kiosk.runtime.sources import FrameSource

log = logging.getLogger(__name__)


class PresenceWatcher:
    """Runs :class:`PresenceTracker` over a source on a daemon thread until stopped."""

    def __init__(
        self,
        source: FrameSource,
        tracker: PresenceTracker,
        *,
        on_change: Callable[[bool], None],
        on_preview: Callable[[np.ndarray], None] | None = None,
        idle_fps: float = 4.0,
        preview_fps: float = 12.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.tracker = tracker
        self.on_change = on_change
        self.on_preview = on_preview
        self.idle_fps = idle_fps
        self.preview_fps = preview_fps
        self.clock = clock
        self.frames = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` has been asked for."""
        return self._stop.is_set()

    def start(self) -> None:
        """Start watching (returns at once)."""
        self._thread = threading.Thread(target=self._run, name="presence", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and release the source (blocks briefly: call it off the GUI thread).

        Waits up to ``timeout`` s for a model call in progress; the kiosk leaving passes a
        short one (:func:`kiosk.runtime.shutdown.leave` does not wait for a late thread).
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        self.source.close()
        if self.tracker.present:
            self.tracker.reset()

    def _read(self, started: float) -> np.ndarray | None:
        if self.source.live:
            return self.source.read()
        # A file: skip to the frame that is "now" in the recording.
        due = int((self.clock() - started) * self.source.fps) + 1
        frame = None
        while self.frames < due:
            frame = self.source.read()
            self.frames += 1
            if frame is None:
                return None
        return frame

    def _run(self) -> None:
        started = self.clock()
        try:
            while not self._stop.is_set():
                frame = self._read(started)
                if frame is None:
                    if not self.source.live:
                        break  # the recording ended
                    self._stop.wait(1.0)
                    continue
                if self.source.live:
                    self.frames += 1
                change = self.tracker.update(frame, self.clock())
                if change is not None:
                    self.on_change(change)
                if self.tracker.present and self.on_preview is not None:
                    self.on_preview(frame)
                fps = self.preview_fps if self.tracker.present else self.idle_fps
                self._stop.wait(1.0 / fps)
        except Exception:  # a camera or model failure ends the watcher, never the kiosk
            log.exception("wake-on-approach stopped")


def open_watcher(
    source: FrameSource, detector_path: Path,
    on_change: Callable[[bool], None], on_preview: Callable[[np.ndarray], None],
) -> PresenceWatcher:
    """A watcher over ``source`` with the person detector at ``detector_path`` (blocking)."""
    from kiosk.runtime.onnx_model import OnnxModel

    try:
        detector = OnnxModel(detector_path)
    except Exception:
        source.close()
        raise
    return PresenceWatcher(source, PresenceTracker(detector), on_change=on_change,
                           on_preview=on_preview)
