"""The event model: what may be logged, timestamps, conversion from visitor sessions, and the
reference statistics on a hand-made set of events with hand-computed figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.events import (
    EVENT_TYPES,
    PAYLOAD_FIELDS,
    DemoStats,
    Event,
    EventError,
    LogStats,
    compute_stats,
    dwell_bucket,
    from_session_event,
    iso_to_ms,
    make_event,
    ms_to_iso,
    parse_since,
    problems_of,
    uuid7,
    validate,
)
from kiosk.core.session import SessionEvent, VisitorSession

TZ = timezone(timedelta(hours=2))  # the showroom's summer time, fixed for the test
BASE = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # a Monday, 10:00 local
_counter = iter(range(1, 10**6))


def ev(type_: str, at: timedelta, sid: str | None = None, demo: str | None = None,
       payload: dict[str, Any] | None = None, kiosk: str = "kiosk-1") -> Event:
    """A valid event ``at`` after BASE (UTC)."""
    ms = int((BASE + at).timestamp() * 1000)
    return validate(Event(str(uuid.UUID(int=next(_counter))), ms_to_iso(ms), kiosk, sid, demo,
                          type_, payload or {}))


def s(seconds: float = 0, *, days: int = 0, hours: float = 0, minutes: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


IC, FP = "image-classification", "face-privacy"
S1, S2, S3, S4 = "a1a1a1a1", "b2b2b2b2", "c3c3c3c3", "d4d4d4d4"


def hand_made_events() -> list[Event]:
    """Four visitors on two kiosks over three local days, plus an app start and a crash."""
    s2 = s(hours=4, minutes=30)  # 12:30 UTC = 14:30 local
    s3 = s(days=1, hours=13, minutes=50)  # May 7 21:50 UTC = 23:50 local
    return [
        ev("app_start", s(-60), payload={"version": "0.1.0"}),
        # S1: two demos, rates the first one 5, presses "done" after 70 s
        ev("session_start", s(0), S1),
        ev("demo_open", s(10), S1, IC),
        ev("interaction", s(20), S1, IC, {"kind": "predict", "label": "espresso"}),
        ev("demo_close", s(50), S1, IC, {"dwell_ms": 40_000}),
        ev("feedback", s(55), S1, IC, {"rating": 5}),
        ev("demo_open", s(60), S1, FP),
        ev("demo_close", s(65), S1, FP, {"dwell_ms": 5_000}),
        ev("session_end", s(70), S1, payload={"reason": "done", "duration_ms": 70_000}),
        # S2: switches to English, one long demo, rates it 2, walks away (idle)
        ev("session_start", s2, S2),
        ev("language_change", s2 + s(2), S2, payload={"lang": "en"}),
        ev("demo_open", s2 + s(5), S2, IC),
        ev("interaction", s2 + s(10), S2, IC, {"kind": "capture"}),
        ev("interaction", s2 + s(20), S2, IC, {"kind": "predict", "label": "banana"}),
        ev("demo_close", s2 + s(105), S2, IC, {"dwell_ms": 100_000}),
        ev("feedback", s2 + s(108), S2, IC, {"rating": 2}),
        ev("session_end", s2 + s(200), S2,
           payload={"reason": "idle", "duration_ms": 200_000, "active_ms": 110_000}),
        # S3: late evening, the camera fails once, stays nearly 7 minutes
        ev("session_start", s3, S3),
        ev("demo_open", s3 + s(5), S3, FP),
        ev("error", s3 + s(30), S3, FP, {"code": "camera_lost"}),
        ev("demo_close", s3 + s(405), S3, FP, {"dwell_ms": 400_000}),
        ev("feedback", s3 + s(410), S3, FP, {"rating": 4}),
        ev("session_end", s3 + s(500), S3, payload={"reason": "idle", "duration_ms": 500_000}),
        # S4: a second kiosk, just after local midnight, never finished (still running)
        ev("session_start", s(days=1, hours=14, minutes=10), S4, kiosk="kiosk-2"),
        ev("crash", s(days=1, hours=15), payload={"code": "SIGSEGV"}),
    ]


EXPECTED = LogStats(
    since=None, events=25,
    first_ts="2024-05-06T07:59:00.000Z", last_ts="2024-05-07T23:00:00.000Z",
    sessions=4, sessions_ended=3, end_reasons={"idle": 2, "done": 1},
    median_session_ms=110_000,  # of 70 s, 110 s (active part of S2), 500 s
    demos=(
        # equal opens: ordered by id
        DemoStats(FP, opens=2, median_dwell_ms=202_500, interactions=0, feedback_count=1,
                  feedback_avg=4.0),
        DemoStats(IC, opens=2, median_dwell_ms=70_000, interactions=3, feedback_count=2,
                  feedback_avg=3.5),
    ),
    dwell_histogram=(1, 0, 1, 1, 0, 1),  # 5 s | - | 40 s | 100 s | - | 400 s
    feedback_count=3, feedback_avg=3.67, feedback_histogram=(0, 1, 0, 1, 1),
    sessions_by_hour=tuple(1 if h in (0, 10, 14, 23) else 0 for h in range(24)),
    sessions_by_day={"2024-05-06": 2, "2024-05-07": 1, "2024-05-08": 1},
    errors={"camera_lost": 1}, kiosks={"kiosk-1": 3, "kiosk-2": 1}, languages={"en": 1},
    app_starts=1, crashes=1, interaction_kinds={"predict": 2, "capture": 1},
)
SINCE_MAY_7 = int(datetime(2024, 5, 7, tzinfo=UTC).timestamp() * 1000)


def test_stats_on_the_hand_made_events() -> None:
    assert compute_stats(hand_made_events(), tz=TZ) == EXPECTED


def test_stats_since_a_date() -> None:
    got = compute_stats(hand_made_events(), since_ms=SINCE_MAY_7, tz=TZ)
    assert got.since == "2024-05-07T00:00:00.000Z"
    assert (got.events, got.sessions, got.sessions_ended) == (8, 2, 1)
    assert got.median_session_ms == 500_000
    assert got.demos == (DemoStats(FP, 1, 400_000, 0, 1, 4.0),)
    assert got.sessions_by_day == {"2024-05-07": 1, "2024-05-08": 1}
    assert got.errors == {"camera_lost": 1}
    assert (got.app_starts, got.crashes) == (0, 1)


def test_stats_of_nothing() -> None:
    got = compute_stats([], tz=TZ)
    assert got.events == got.sessions == got.feedback_count == 0
    assert got.median_session_ms is None and got.feedback_avg is None and got.top_demo is None
    assert got.sessions_by_hour == (0,) * 24
    assert got.to_json()["feedback"] == {"count": 0, "average": None,
                                         "by_rating": {str(i): 0 for i in range(1, 6)}}


def test_stats_json_is_plain() -> None:
    data = EXPECTED.to_json()
    assert data["demos"][1] == {"demo_id": IC, "opens": 2, "median_dwell_ms": 70_000,
                                "interactions": 3, "feedback_count": 2, "feedback_avg": 3.5}
    assert data["dwell_histogram"]["30–60 s"] == 1
    assert data["feedback"]["by_rating"]["5"] == 1
    assert EXPECTED.top_demo == FP


@pytest.mark.parametrize("ms, bucket", [
    (0, 0), (9_999, 0), (10_000, 1), (29_999, 1), (30_000, 2), (60_000, 3), (119_999, 3),
    (120_000, 4), (300_000, 5), (10**8, 5)])
def test_dwell_buckets(ms: int, bucket: int) -> None:
    assert dwell_bucket(ms) == bucket


# -- timestamps and ids ---------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=253402300799999))
def test_timestamps_round_trip(ms: int) -> None:
    ts = ms_to_iso(ms)
    assert len(ts) == 24 and ts.endswith("Z")
    assert iso_to_ms(ts) == ms


@pytest.mark.parametrize("bad", [
    "2024-05-01T09:30:00Z", "2024-05-01 09:30:00.000Z", "2024-05-01T09:30:00.000+02:00",
    "2024-02-30T09:30:00.000Z", "2024-05-01T24:00:00.000Z", "yesterday", ""])
def test_bad_timestamps_are_refused(bad: str) -> None:
    with pytest.raises(EventError):
        iso_to_ms(bad)


def test_make_event_stamps_utc_ms_and_a_time_ordered_uuid() -> None:
    e = make_event("app_start", "kiosk-1", clock=lambda: 1714555800.25)
    assert e.ts == "2024-05-01T09:30:00.250Z"
    u = uuid.UUID(e.uuid)
    assert u.version == 7 and u.variant == uuid.RFC_4122
    assert uuid7(1000) < uuid7(1001) < uuid7(2**40)  # string order is time order
    assert uuid7(5, rand=1) != uuid7(5, rand=2)
    assert e.session_id is None and e.payload == {}


# -- what may be logged ---------------------------------------------------------------------------
def good(type_: str = "interaction", **changes: Any) -> Event:
    base: dict[str, Any] = dict(uuid=str(uuid.uuid4()), ts="2024-05-01T09:30:00.250Z",
                                kiosk_id="Halle 2 – Eingang", session_id="0123456789abcdef",
                                demo_id="image-classification", type=type_,
                                payload={"kind": "predict", "label": "Ägyptische Katze"})
    base.update(changes)
    return Event(**base)


def test_a_well_formed_event_passes() -> None:
    event = good()
    assert problems_of(event) == []
    assert Event.from_json(event.to_json()) == event


@pytest.mark.parametrize("changes, needle", [
    ({"type": "screenshot"}, "type 'screenshot'"),
    ({"payload": {"kind": "predict", "label": "Hello\nI am Max, 12"}}, "label"),
    ({"payload": {"kind": "predict", "label": "x" * 65}}, "label"),
    ({"payload": {"kind": "predict", "image": "iVBORw0KGgo="}}, "may not contain 'image'"),
    ({"payload": {"kind": "predict", "face": [1, 2, 3, 4]}}, "may not contain 'face'"),
    ({"payload": {"kind": "say anything"}}, "kind"),
    ({"payload": {}}, "needs 'kind'"),
    ({"demo_id": None}, "needs a demo_id"),
    ({"demo_id": "../etc"}, "not a demo id"),
    ({"session_id": None}, "needs a session_id"),
    ({"session_id": "Max Mustermann"}, "session_id"),
    ({"uuid": "not-a-uuid"}, "not a UUID"),
    ({"uuid": str(uuid.uuid4()).upper()}, "canonical"),
    ({"ts": "2024-05-01T09:30:00"}, "ts"),
    ({"kiosk_id": ""}, "kiosk_id"),
    ({"kiosk_id": "a\nb"}, "kiosk_id"),
])
def test_bad_events_are_refused(changes: dict[str, Any], needle: str) -> None:
    event = good(**changes)
    problems = problems_of(event)
    assert any(needle in p for p in problems), problems
    with pytest.raises(EventError):
        validate(event)


@pytest.mark.parametrize("type_, payload, ok", [
    ("feedback", {"rating": 1}, True),
    ("feedback", {"rating": 5}, True),
    ("feedback", {"rating": 0}, False),
    ("feedback", {"rating": 6}, False),
    ("feedback", {"rating": True}, False),
    ("feedback", {"rating": "5"}, False),
    ("session_end", {"reason": "idle", "duration_ms": 1}, True),
    ("session_end", {"reason": "bored", "duration_ms": 1}, False),
    ("session_end", {"reason": "done", "duration_ms": -1}, False),
    ("session_end", {"reason": "done"}, False),
    ("demo_close", {"dwell_ms": 1500}, True),
    ("demo_close", {"dwell_ms": 1.5}, False),
    ("language_change", {"lang": "fr"}, False),
    ("error", {"code": "camera_lost"}, True),
    ("error", {"code": "Kamera kaputt!"}, False),
])
def test_payload_rules(type_: str, payload: dict[str, Any], ok: bool) -> None:
    demo = "image-classification" if type_ in ("demo_close",) else None
    event = good(type_, payload=payload, demo_id=demo)
    assert (problems_of(event) == []) is ok, problems_of(event)


def test_every_type_has_a_payload_schema() -> None:
    assert set(PAYLOAD_FIELDS) == set(EVENT_TYPES)


def test_app_events_belong_to_no_session() -> None:
    assert problems_of(good("app_stop", payload={}, demo_id=None)) == [
        "app_stop belongs to no session"]
    assert problems_of(good("app_stop", payload={"reason": "quit"}, demo_id=None,
                            session_id=None)) == []


def test_from_json_refuses_extra_keys() -> None:
    data = good().to_json() | {"photo": "x"}
    with pytest.raises(EventError, match="exactly the keys"):
        Event.from_json(data)
    with pytest.raises(EventError):
        Event.from_json([1, 2])


# -- visitor sessions become log events ------------------------------------------------------------
def test_every_session_event_converts() -> None:
    ids = iter(["00000000000000a1", "00000000000000a2"])
    vs = VisitorSession(idle_timeout=90, warning=15, make_id=lambda: next(ids))
    produced: list[SessionEvent] = []
    produced += vs.touch(0.0)
    produced += vs.open_demo(IC, 2.0)
    produced += vs.open_demo(FP, 32.5)
    produced += vs.close_demo(40.0)
    produced.append(SessionEvent("language_change", "00000000000000a1", None, {"lang": "en"}))
    produced += vs.end(50.0, "done")
    produced += vs.touch(60.0)
    produced += vs.tick(151.0)
    events = [from_session_event(se, "kiosk-1", clock=lambda: 1714555800.0) for se in produced]
    assert [e.type for e in events] == [
        "session_start", "demo_open", "demo_close", "demo_open", "demo_close",
        "language_change", "session_end", "session_start", "session_end"]
    assert events[2].payload == {"dwell_ms": 30_500} and events[2].demo_id == IC
    assert events[6].payload == {"reason": "done", "duration_ms": 50_000, "active_ms": 50_000}
    assert events[8].payload == {"reason": "idle", "duration_ms": 91_000, "active_ms": 0}
    assert len({e.uuid for e in events}) == len(events)


def test_a_bad_session_event_raises_event_error() -> None:
    with pytest.raises(EventError):
        from_session_event(SessionEvent("session_end", "00000000000000a1", None,
                                        {"reason": "idle"}), "kiosk-1")


# -- --since ---------------------------------------------------------------------------------------
def test_parse_since() -> None:
    assert parse_since("2024-05-07", tz=UTC) == SINCE_MAY_7
    assert parse_since("2024-05-07", tz=TZ) == SINCE_MAY_7 - 2 * 3600_000
    assert parse_since("2024-05-07T02:00", tz=TZ) == SINCE_MAY_7
    assert parse_since("2024-05-07T00:00:00Z") == SINCE_MAY_7
    assert parse_since("30d", now=SINCE_MAY_7 / 1000) == SINCE_MAY_7 - 30 * 86_400_000
    with pytest.raises(EventError, match="--since 'last week'"):
        parse_since("last week")
