"""One call wires staff mode into the kiosk window: :func:`install_staff_mode`.

It adds the hidden gesture, the PIN pad, the staff panel and (in kiosk mode) the lock-down
to an existing window, and returns the :class:`StaffMode` that ties them together:

gesture → PIN pad → (right PIN, or a new PIN on first start) → panel → back to visitors,
with a timeout that closes the pad and the panel after inactivity, and "restart" / "exit"
lifting the lock-down before the app's own callbacks run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.core.i18n import Lang, Text
from kiosk.core.pin import PinState, PinStore
from kiosk.core.settings import Settings
from kiosk.ui.staff.gesture import StaffGesture
from kiosk.ui.staff.lockdown import KioskLockdown
from kiosk.ui.staff.pin_pad import PinPad
from kiosk.ui.staff.services import StaffServices
from kiosk.ui.staff.staff_panel import StaffPanel

log = logging.getLogger(__name__)

PAD_TIMEOUT = 60.0  # an abandoned PIN pad goes away sooner than the panel
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.TouchBegin,
             QEvent.Type.TouchUpdate, QEvent.Type.KeyPress, QEvent.Type.Wheel}


class StaffMode(QObject):
    """The staff-mode state machine: closed → PIN pad → panel → closed."""

    opened = Signal()  # the panel opened
    closed = Signal(str)  # the panel (or pad) closed; the reason: staff, timeout, …

    def __init__(
        self, window: QWidget, services: StaffServices, pins: PinStore, *,
        lockdown: KioskLockdown | None = None, clock: Callable[[], float] = time.monotonic,
        tick_ms: int = 1000,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.pins = pins
        self.lockdown = lockdown
        self.clock = clock
        settings = self._settings()
        lang = settings.lang if settings else "de"
        self.gesture = StaffGesture(window, clock=clock)
        self.pad = PinPad(pins, lang, window, log_event=self._log)
        self.panel = StaffPanel(services, lang, window, clock=clock)
        self.notices: list[str | Text] = []
        self._pad_lang: Lang | None = None  # the pad's language when it was not the staff's
        self._last_activity = clock()
        self.gesture.triggered.connect(self.open_pad)
        self.pad.accepted.connect(self._pad_accepted)
        self.pad.cancelled.connect(self._pad_cancelled)
        self.panel.close_requested.connect(lambda: self.close("staff"))
        self.panel.restart_requested.connect(self.restart)
        self.panel.exit_requested.connect(self.exit_kiosk)
        self.panel.change_pin_requested.connect(lambda: self.pad.open(change=True))
        self.panel.settings_changed.connect(self._settings_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        window.installEventFilter(self)  # resizes; touches are watched only while active
        self._watching = False

    # -- state ---------------------------------------------------------------------------------
    @property
    def pad_open(self) -> bool:
        """The PIN pad is showing."""
        return self.pad.isVisible()

    @property
    def panel_open(self) -> bool:
        """The staff panel is showing."""
        return self.panel.isVisible()

    @property
    def active(self) -> bool:
        """Anything of staff mode is showing."""
        return self.pad_open or self.panel_open

    def _watch_activity(self, on: bool) -> None:
        # Application-wide, because touches go to whichever widget is under the finger;
        # only while staff mode shows, so visitors' events never pass through here.
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._watching = on

    def _settings(self) -> Settings | None:
        try:
            return self.services.get_settings()
        except Exception:
            log.exception("settings unavailable")
            return None

    def _log(self, kind: str, payload: dict[str, Any]) -> None:
        try:
            self.services.log_event(kind, payload)
        except Exception:
            log.exception("staff event %s not recorded", kind)

    # -- transitions ---------------------------------------------------------------------------
    def open_pad(self, *, first_start: bool = False, lang: Lang | None = None) -> None:
        """The gesture was made: ask for the PIN (or for a new one on first start).

        The pad speaks ``lang`` if given (the first-start pad: the language the kiosk was
        started in), else the staff's language from the settings.
        """
        if self.active:
            return
        settings = self._settings()
        self.gesture.set_enabled(False)
        self._watch_activity(True)
        self._last_activity = self.clock()
        self.pad.open(first_start=first_start)
        if lang is not None:
            self.pad.set_lang(lang)
        elif settings is not None:
            self.pad.set_lang(settings.lang)
        self._pad_lang = lang
        log.info("staff PIN pad opened")

    def _pad_accepted(self) -> None:
        self._last_activity = self.clock()
        if self.panel_open:  # a PIN change from the panel
            return
        # straight on from the first-start pad: the panel keeps the pad's language
        self.open_panel(self._pad_lang)

    def _pad_cancelled(self) -> None:
        if not self.panel_open:  # cancelling a PIN change keeps the panel
            self.close("cancelled")

    def open_panel(self, lang: Lang | None = None) -> None:
        """Show the staff panel (after the right PIN), in ``lang`` or the staff's language."""
        settings = self._settings()
        self.gesture.set_enabled(False)
        self._watch_activity(True)
        self._last_activity = self.clock()
        try:
            self.services.on_staff_mode(True)
        except Exception:
            log.exception("on_staff_mode(True) failed")
        self.panel.open(lang or (settings.lang if settings else None))
        self.panel.set_notices(self.notices)
        self._log("staff_open", {})
        log.info("staff panel opened")
        self.opened.emit()

    def close(self, reason: str = "staff") -> None:
        """Close the pad and the panel; visitors get the kiosk back."""
        was_panel = self.panel_open
        if not self.active:
            return
        self.pad.close_pad()
        if was_panel:
            self.panel.close_panel()
            try:
                self.services.on_staff_mode(False)
            except Exception:
                log.exception("on_staff_mode(False) failed")
            self._log("staff_close", {"reason": reason})
        self.gesture.set_enabled(True)
        self._watch_activity(False)
        log.info("staff mode closed (%s)", reason)
        self.closed.emit(reason)

    def restart(self) -> None:
        """Staff confirmed "restart app"."""
        self._log("staff_restart", {})
        self._leave()
        self.services.restart()

    def exit_kiosk(self) -> None:
        """Staff confirmed "exit kiosk"."""
        self._log("staff_exit", {})
        self._leave()
        self.services.exit_kiosk()

    def _leave(self) -> None:
        if self.lockdown is not None:
            self.lockdown.release()
        self.timer.stop()

    def set_notices(self, notices: Sequence[str | Text]) -> None:
        """Things staff must be told when they next open the panel (damaged settings …)."""
        self.notices = list(notices)
        if self.panel_open:
            self.panel.set_notices(self.notices)

    def _settings_changed(self, settings: Settings) -> None:
        if self.lockdown is not None:
            self.lockdown.set_cursor_hide_seconds(settings.cursor_hide_seconds)

    # -- time ----------------------------------------------------------------------------------
    def tick(self) -> None:
        """Close staff mode after inactivity (the timer calls it; tests too)."""
        if not self.active:
            return
        now = self.clock()
        if self.panel.busy:
            self._last_activity = now  # an import or self-test is no reason to leave
            return
        if self.panel_open:
            settings = self._settings()
            limit = settings.staff_timeout if settings else Settings.staff_timeout
        else:
            limit = PAD_TIMEOUT
        if now - self._last_activity >= limit:
            self.close("timeout")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self.window and kind == QEvent.Type.Resize:
            for overlay in (self.pad, self.panel):
                if overlay.isVisible():
                    overlay.setGeometry(self.window.rect())
        elif kind in _ACTIVITY and self.active:
            self._last_activity = self.clock()
        return False


def install_staff_mode(
    window: QWidget, services: StaffServices, *, kiosk_mode: bool, data_dir: Path,
    clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time,
    pins: PinStore | None = None, notices: Sequence[str | Text] = (),
    first_start_prompt: bool | None = None, lang: Lang | None = None,
) -> StaffMode:
    """Add staff mode to ``window`` and return it.

    - ``kiosk_mode``: lock the window down (frameless, fullscreen, on top, no close, no
      shortcuts, hidden pointer) — this also shows it fullscreen; otherwise the caller
      shows the window as before;
    - ``data_dir``: where ``staff_pin.json`` lives (unless ``pins`` is given);
    - ``clock``: monotonic seconds for gesture, timeouts and pointer; ``wall_clock``: for
      the PIN lockout, which must survive a restart;
    - ``notices``: problems to tell staff when they open the panel (e.g. what
      :func:`kiosk.core.settings.load_settings` reported);
    - ``first_start_prompt``: with no PIN set yet, open the "set a PIN" pad right away
      (default: in kiosk mode only);
    - ``lang``: the language the kiosk was started in (``kiosk --lang``): the first-start
      pad speaks it, since nobody has chosen a staff language yet (default: the settings').
    """
    store = pins or PinStore(data_dir, clock=wall_clock)
    lockdown: KioskLockdown | None = None
    if kiosk_mode:
        try:
            hide = services.get_settings().cursor_hide_seconds
        except Exception:
            log.exception("settings unavailable")
            hide = Settings.cursor_hide_seconds
        lockdown = KioskLockdown(window, cursor_hide_seconds=hide, clock=clock)
        lockdown.apply()
    mode = StaffMode(window, services, store, lockdown=lockdown, clock=clock)
    mode.set_notices(notices)
    state = store.state()
    prompt = kiosk_mode if first_start_prompt is None else first_start_prompt
    if prompt and state is PinState.NONE:
        mode.open_pad(first_start=True, lang=lang)
    return mode
