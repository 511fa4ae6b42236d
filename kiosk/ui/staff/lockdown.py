"""Kiosk mode: the window visitors cannot leave, and a mouse pointer that gets out of the way.

:class:`KioskLockdown` makes the window frameless, fullscreen and stay-on-top, and filters
events application-wide:

- close requests (the window manager's close, Alt+F4) are ignored;
- Escape, function keys and any key combination with Ctrl, Alt or Meta are swallowed, so
  no shortcut of Qt or of a widget fires (plain digits still reach the PIN pad);
- context menus never open;
- the mouse pointer is hidden after ``cursor_hide_seconds`` without mouse movement and
  comes back on the next movement; touches do not bring it back (on a touch screen
  it would only flash under the finger).

Only staff mode lifts it, via :meth:`KioskLockdown.release`, right before the app exits.
Shortcuts of the operating system itself (Ctrl+Alt+Del, the Windows key) never reach an
app; see docs/installing.md for locking those down in the session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCursor, QInputDevice, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

# Checked first, so the many other events cost one set lookup.
_FILTERED = {QEvent.Type.Close, QEvent.Type.KeyPress, QEvent.Type.KeyRelease,
             QEvent.Type.ShortcutOverride, QEvent.Type.ContextMenu, QEvent.Type.MouseMove}
_BLOCKED_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                      | Qt.KeyboardModifier.MetaModifier)
_ALWAYS_BLOCKED = {Qt.Key.Key_Escape, Qt.Key.Key_Menu, Qt.Key.Key_Close, Qt.Key.Key_Exit,
                   Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Meta, Qt.Key.Key_Alt,
                   Qt.Key.Key_Back, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


def blocked_key(event: QKeyEvent) -> bool:
    """True for keys a visitor could use to leave or disturb the kiosk."""
    key = Qt.Key(event.key())
    if key in _ALWAYS_BLOCKED:
        return True
    if Qt.Key.Key_F1.value <= key.value <= Qt.Key.Key_F35.value:
        return True
    return bool(event.modifiers() & _BLOCKED_MODIFIERS)


class KioskLockdown(QObject):
    """Locks ``window`` down; ``clock`` is monotonic seconds (tests pass a fake one)."""

    def __init__(
        self, window: QWidget, *, cursor_hide_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic, tick_ms: int = 500,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.clock = clock
        self.cursor_hide_seconds = cursor_hide_seconds
        self.active = False
        self.cursor_hidden = False
        self.blocked = 0  # events swallowed (tests and the health page)
        self._last_move = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)

    def apply(self) -> None:
        """Frameless, fullscreen, on top; start filtering."""
        if self.active:
            return
        self.active = True
        self.window.setWindowFlags(self.window.windowFlags()
                                   | Qt.WindowType.FramelessWindowHint
                                   | Qt.WindowType.WindowStaysOnTopHint)
        self.window.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.window.showFullScreen()
        self._last_move = self.clock()
        self.timer.start()
        log.info("kiosk mode: window locked down")

    def release(self) -> None:
        """Let the window close and the pointer show again (staff exit and restart)."""
        if not self.active:
            return
        self.active = False
        self.timer.stop()
        self.window.removeEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._show_cursor()
        log.info("kiosk mode: lock-down released by staff")

    def set_cursor_hide_seconds(self, seconds: float) -> None:
        """0 keeps the pointer visible."""
        self.cursor_hide_seconds = seconds
        if seconds <= 0:
            self._show_cursor()

    # -- pointer -------------------------------------------------------------------------------
    def tick(self) -> None:
        """Hide the pointer once the mouse has rested long enough."""
        if (self.active and not self.cursor_hidden and self.cursor_hide_seconds > 0
                and self.clock() - self._last_move >= self.cursor_hide_seconds):
            QApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self.cursor_hidden = True

    def _show_cursor(self) -> None:
        if self.cursor_hidden:
            QApplication.restoreOverrideCursor()
            self.cursor_hidden = False

    # -- events --------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in _FILTERED or not self.active:
            return False
        if kind == QEvent.Type.Close and watched is self.window:
            event.ignore()
            self.blocked += 1
            log.info("close request ignored (kiosk mode)")
            return True
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease,
                    QEvent.Type.ShortcutOverride):
            assert isinstance(event, QKeyEvent)
            if blocked_key(event):
                if kind == QEvent.Type.ShortcutOverride:
                    # Accepting the override turns the would-be shortcut into a plain key
                    # press, which the KeyPress branch then swallows.
                    event.accept()
                self.blocked += 1
                return True
            return False
        if kind == QEvent.Type.ContextMenu:
            self.blocked += 1
            return True
        if kind == QEvent.Type.MouseMove:
            assert isinstance(event, QMouseEvent)
            device = event.device()
            if device is None or device.type() != QInputDevice.DeviceType.TouchScreen:
                self._last_move = self.clock()
                self._show_cursor()
        return False
