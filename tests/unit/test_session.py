"""The visitor-session state machine, driven by an injected clock."""

from __future__ import annotations

import pytest

from kiosk.core.session import Screen, VisitorSession


def ids() -> VisitorSession:
    counter = iter(range(100))
    return VisitorSession(idle_timeout=90, warning=15, make_id=lambda: f"s{next(counter)}")


def test_touch_starts_a_session_once() -> None:
    s = ids()
    events = s.touch(0.0)
    assert [e.type for e in events] == ["session_start"]
    assert s.screen is Screen.HOME and s.session_id == "s0"
    assert s.touch(1.0) == []


def test_demo_open_close_records_dwell() -> None:
    s = ids()
    s.touch(0.0)
    assert [e.type for e in s.open_demo("a", 2.0)] == ["demo_open"]
    events = s.open_demo("b", 5.5)  # switching demos closes the first
    assert [(e.type, e.demo_id) for e in events] == [("demo_close", "a"), ("demo_open", "b")]
    assert events[0].payload == {"dwell_ms": 3500}
    events = s.close_demo(6.0)
    assert [e.type for e in events] == ["demo_close"]
    assert s.screen is Screen.HOME


def test_idle_warning_then_reset() -> None:
    s = ids()
    s.touch(0.0)
    s.open_demo("a", 10.0)
    assert not s.warning_visible(84.0)
    assert s.warning_visible(86.0)
    assert s.seconds_left(86.0) == pytest.approx(14.0)
    assert s.tick(99.0) == []
    events = s.tick(100.0)
    assert [e.type for e in events] == ["demo_close", "session_end"]
    assert events[-1].payload == {"reason": "idle", "duration_ms": 100_000, "active_ms": 10_000}
    assert s.screen is Screen.ATTRACT and s.session_id is None


def test_touch_during_warning_keeps_the_session() -> None:
    s = ids()
    s.touch(0.0)
    assert s.warning_visible(80.0)
    s.touch(80.0)
    assert not s.warning_visible(81.0)
    assert s.tick(120.0) == []


def test_done_ends_and_next_touch_is_a_new_visitor() -> None:
    s = ids()
    s.touch(0.0)
    assert [e.type for e in s.end(30.0)] == ["session_end"]
    assert s.end(31.0) == []
    s.touch(40.0)
    assert s.session_id == "s1"


def test_attract_never_times_out() -> None:
    s = ids()
    assert s.tick(10_000.0) == []
    assert not s.warning_visible(10_000.0)


def test_bad_timeouts_are_rejected() -> None:
    with pytest.raises(ValueError):
        VisitorSession(idle_timeout=10, warning=10)
