"""The hidden gesture that opens the PIN pad: hold a corner, or tap it five times quickly.

Visitors never find it by accident — a corner is no touch target, and a 3-second hold or five
taps within 3 seconds is not how anyone uses a kiosk — while staff can do it without a
keyboard in a second or three.

The filter sits on the window's native window (``QWindow``): every press reaches that
object exactly once, in window coordinates, before Qt hands it to a widget (and perhaps,
unaccepted, to its parents). Touches count
once as well: Qt synthesises mouse events from unhandled touches, and those are skipped.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QTimer, Signal
from PySide6.QtGui import QInputDevice, QMouseEvent, QTouchEvent, QWindow
from PySide6.QtWidgets import QWidget

HOLD_SECONDS = 3.0
TAPS = 5
TAP_WINDOW = 3.0
CORNER_MIN_PX = 110  # at least a fingertip and a half
CORNER_FRACTION = 0.07  # of the shorter window side, for big screens
_HANDLE_CHANGES = {QEvent.Type.Show, QEvent.Type.WinIdChange, QEvent.Type.PlatformSurface}


class StaffGesture(QObject):
    """Emits :attr:`triggered` when the top-left corner of ``window`` is held or tapped.

    ``clock`` is monotonic seconds; the hold is checked by a timer calling :meth:`tick`,
    which tests call directly after advancing a fake clock.
    """

    triggered = Signal()

    def __init__(
        self, window: QWidget, *, clock: Callable[[], float] = time.monotonic,
        hold_seconds: float = HOLD_SECONDS, taps: int = TAPS, tap_window: float = TAP_WINDOW,
        tick_ms: int = 100,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.hold_seconds = hold_seconds
        self.taps = taps
        self.tap_window = tap_window
        self.enabled = True
        self._taps: deque[float] = deque()
        self._held_since: float | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        self._handle: QWindow | None = None
        # Not an application-wide filter: that would see every event of every widget.
        # The window tells us when its native window appears or is replaced (showing it,
        # or lock-down changing its flags), and we filter that one.
        window.installEventFilter(self)
        self._attach()

    def _attach(self) -> None:
        try:
            handle = self.window.windowHandle()
        except RuntimeError:  # the window is being destroyed; we follow in a moment
            return
        if handle is self._handle:
            return
        if self._handle is not None:
            with contextlib.suppress(RuntimeError):
                self._handle.removeEventFilter(self)
        self._handle = handle
        if handle is not None:
            handle.installEventFilter(self)

    def corner(self) -> QRect:
        """The hot corner in window coordinates."""
        side = max(CORNER_MIN_PX, int(min(self.window.width(), self.window.height())
                                      * CORNER_FRACTION))
        return QRect(0, 0, side, side)

    def set_enabled(self, enabled: bool) -> None:
        """Switch the gesture off while staff mode is open (it would only get in the way)."""
        self.enabled = enabled
        self._cancel()
        self._taps.clear()

    # -- events ---------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is not self._handle:
            if kind in _HANDLE_CHANGES:
                self._attach()
            return False
        if not self.enabled:
            return False
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick,
                    QEvent.Type.MouseMove, QEvent.Type.MouseButtonRelease):
            assert isinstance(event, QMouseEvent)
            if _from_touch(event):
                return False  # Qt made this from a touch we already counted
            pos = event.position()
            if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                self._press(pos)
            elif kind == QEvent.Type.MouseMove:
                self._move(pos)
            else:
                self._cancel()
        elif kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if not points:
                return False
            pos = points[0].position()
            if kind == QEvent.Type.TouchBegin:
                self._press(pos)
            elif kind == QEvent.Type.TouchUpdate:
                self._move(pos)
            else:
                self._cancel()
        # Never consume: the press still reaches the widget in the corner (staff mode
        # sends visitors back to the start anyway), and a swallowed release would leave
        # that widget stuck in its pressed state.
        return False

    def _press(self, pos: QPointF) -> None:
        if not self.corner().contains(pos.toPoint()):
            self._taps.clear()  # a tap elsewhere breaks the series
            self._cancel()
            return
        now = self.clock()
        while self._taps and now - self._taps[0] > self.tap_window:
            self._taps.popleft()
        self._taps.append(now)
        if len(self._taps) >= self.taps:
            self._fire()
            return
        self._held_since = now
        self.timer.start()

    def _move(self, pos: QPointF) -> None:
        if self._held_since is not None and not self.corner().contains(pos.toPoint()):
            self._cancel()

    def _cancel(self) -> None:
        self._held_since = None
        self.timer.stop()

    def tick(self) -> None:
        """Fire when the corner has been held long enough."""
        if self._held_since is not None and self.clock() - self._held_since >= self.hold_seconds:
            self._fire()

    def _fire(self) -> None:
        self._taps.clear()
        self._cancel()
        self.triggered.emit()


def _from_touch(event: QMouseEvent) -> bool:
    device = event.device()
    return device is not None and device.type() == QInputDevice.DeviceType.TouchScreen
