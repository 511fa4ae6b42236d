"""The visitor-session state machine: attract → home → demo → idle warning → reset.

Pure logic with an injected clock value on every call, so flows are tested without
sleeping. Every call returns the :class:`SessionEvent` values it produced; the app
forwards them to the interaction log and updates the screens from :attr:`state`.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Screen(enum.Enum):
    """Which screen a visitor sees."""

    ATTRACT = "attract"
    HOME = "home"
    DEMO = "demo"


@dataclass(frozen=True)
class SessionEvent:
    """Something that happened in a visitor session (input for the interaction log)."""

    type: str
    session_id: str | None
    demo_id: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)


def new_session_id() -> str:
    """An anonymous random id: nothing about the visitor is in it."""
    return secrets.token_hex(8)


class VisitorSession:
    """Tracks the current visitor's screen, demo and idleness.

    ``idle_timeout`` is the time without a touch after which the kiosk resets to the
    attract loop; for the last ``warning`` seconds of it, "Are you still there?" is shown.
    """

    def __init__(
        self, idle_timeout: float = 90.0, warning: float = 15.0,
        make_id: Callable[[], str] = new_session_id,
    ) -> None:
        if idle_timeout <= 0 or not 0 < warning < idle_timeout:
            raise ValueError("need idle_timeout > warning > 0")
        self.idle_timeout = idle_timeout
        self.warning = warning
        self._make_id = make_id
        self.screen = Screen.ATTRACT
        self.session_id: str | None = None
        self.demo_id: str | None = None
        self._started = 0.0
        self._last_touch = 0.0
        self._demo_opened = 0.0

    def touch(self, now: float) -> list[SessionEvent]:
        """A visitor touched the screen; starts a session from the attract loop."""
        self._last_touch = now
        if self.screen is Screen.ATTRACT:
            self.session_id = self._make_id()
            self._started = now
            self.screen = Screen.HOME
            return [SessionEvent("session_start", self.session_id)]
        return []

    def open_demo(self, demo_id: str, now: float) -> list[SessionEvent]:
        """The visitor picked a demo on the home screen."""
        events = self.touch(now)
        events += self._close_demo(now)
        assert self.session_id is not None
        self.screen = Screen.DEMO
        self.demo_id = demo_id
        self._demo_opened = now
        events.append(SessionEvent("demo_open", self.session_id, demo_id))
        return events

    def close_demo(self, now: float) -> list[SessionEvent]:
        """Back to the home screen from a demo."""
        events = self.touch(now) + self._close_demo(now)
        if self.screen is Screen.DEMO:
            self.screen = Screen.HOME
        return events

    def _close_demo(self, now: float) -> list[SessionEvent]:
        if self.screen is not Screen.DEMO or self.demo_id is None or self.session_id is None:
            return []
        dwell_ms = round((now - self._demo_opened) * 1000)
        event = SessionEvent("demo_close", self.session_id, self.demo_id, {"dwell_ms": dwell_ms})
        self.demo_id = None
        self.screen = Screen.HOME
        return [event]

    def end(self, now: float, reason: str = "done") -> list[SessionEvent]:
        """End the session (visitor pressed "done", or idle) and return to attract."""
        if self.screen is Screen.ATTRACT or self.session_id is None:
            return []
        if reason != "idle":
            self._last_touch = now  # pressing "done" is the visitor's last touch
        events = self._close_demo(now)
        duration_ms = round((now - self._started) * 1000)
        # active: first to last touch, without the idle wait before an automatic reset
        active_ms = round((max(self._last_touch, self._started) - self._started) * 1000)
        events.append(SessionEvent(
            "session_end", self.session_id, None,
            {"reason": reason, "duration_ms": duration_ms, "active_ms": active_ms}))
        self.screen = Screen.ATTRACT
        self.session_id = None
        return events

    def seconds_left(self, now: float) -> float:
        """Seconds until the idle reset (meaningless on the attract screen)."""
        return max(0.0, self.idle_timeout - (now - self._last_touch))

    def warning_visible(self, now: float) -> bool:
        """Whether "Are you still there?" should be on screen."""
        return self.screen is not Screen.ATTRACT and self.seconds_left(now) <= self.warning

    def tick(self, now: float) -> list[SessionEvent]:
        """Advance the clock; resets to attract when the idle time is up."""
        if self.screen is not Screen.ATTRACT and self.seconds_left(now) <= 0:
            return self.end(now, reason="idle")
        return []
