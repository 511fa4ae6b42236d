"""Hands pipeline callbacks (worker threads) to the GUI thread, newest value only.

A signal is emitted only when the GUI has taken the previous value, so a slow paint
never builds a queue of stale frames in the event loop.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from kiosk.runtime.pipeline import Frame, Result

T = TypeVar("T")


class _Latest(Generic[T]):
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: T | None = None
        self.pending = False


class PipelineBridge(QObject):
    """Thread-safe entry points for the pipeline; Qt signals for the GUI."""

    frame_ready = Signal()
    result_ready = Signal()
    status_changed = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frame: _Latest[Frame] = _Latest()
        self._result: _Latest[Result] = _Latest()
        self.frames_in = 0
        self.results_in = 0

    def push_frame(self, frame: Frame) -> None:
        """Called on the capture thread."""
        self.frames_in += 1
        if self._put(self._frame, frame):
            self.frame_ready.emit()

    def push_result(self, result: Result) -> None:
        """Called on the inference thread."""
        self.results_in += 1
        if self._put(self._result, result):
            self.result_ready.emit()

    def push_status(self, status: str) -> None:
        """Called on the capture thread."""
        self.status_changed.emit(status)

    def push_error(self, exc: BaseException) -> None:
        """Called on the inference thread when a frame's processing raised."""
        self.failed.emit(type(exc).__name__)

    def take_frame(self) -> Frame | None:
        """The newest frame (GUI thread)."""
        return self._take(self._frame)

    def take_result(self) -> Result | None:
        """The newest result (GUI thread)."""
        return self._take(self._result)

    @staticmethod
    def _put(slot: _Latest[T], value: T) -> bool:
        with slot.lock:
            slot.value = value
            if slot.pending:
                return False
            slot.pending = True
            return True

    @staticmethod
    def _take(slot: _Latest[T]) -> T | None:
        with slot.lock:
            value, slot.value = slot.value, None
            slot.pending = False
            return value
