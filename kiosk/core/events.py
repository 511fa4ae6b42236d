"""The visitor interaction log's event model: what may be recorded, and statistics over it.

Every :class:`Event` has a UUID, a UTC timestamp (ISO-8601 with milliseconds and ``Z``),
the kiosk id, an anonymous session id, a demo id, a type from :data:`EVENT_TYPES` and a
small JSON payload. Payloads are validated against a closed schema per type
(:data:`PAYLOAD_FIELDS`): only known keys, numbers in range, choices from fixed sets and
short identifiers — so no free text, no pictures and nothing that identifies a visitor can
reach the database, whoever builds the event.

:func:`compute_stats` is the plain-Python reference of the statistics the SQL in
``kiosk.runtime.event_stats`` computes; the tests hold the two against each other.

Qt-free and database-free by design (``kiosk.core``).
"""

from __future__ import annotations

import bisect
import calendar
import functools
import json
import re
import secrets
import statistics
import threading
import time
import uuid as uuid_mod
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Final

from kiosk.core.session import SessionEvent

#: Every event type the log knows.
EVENT_TYPES: Final = frozenset({
    "session_start", "session_end", "demo_open", "demo_close", "interaction",
    "language_change", "feedback", "error", "app_start", "app_stop", "crash", "presence",
})

#: Types written to disk at once instead of with the next batch: the end of a visit and the
#: end of the app are the moments a power cut or a kill is most likely to follow.
URGENT_TYPES: Final = frozenset({"session_end", "app_stop", "crash"})

#: What a visitor did inside a demo. A fixed set on purpose: a new kind is a code change
#: here, never a free-text string from a demo pack.
INTERACTION_KINDS: Final = frozenset({
    "capture", "predict", "teach_sample", "teach_reset", "draw_submit", "draw_clear",
    "toggle", "slider", "info_open", "retry",
    # inside the demos: the explanations visitors open, and how often the AI was unsure
    "explain_on", "explain_off", "model_view_open", "unsure_shown", "model_card_open",
    "game_point",
})

END_REASONS: Final = frozenset({"idle", "done"})
STOP_REASONS: Final = frozenset({"quit", "restart", "signal"})
LANG_CODES: Final = frozenset({"de", "en"})

#: Upper bound of a serialised payload; the schema keeps payloads far below it.
MAX_PAYLOAD_BYTES: Final = 512
MAX_DURATION_MS: Final = 7 * 24 * 3600 * 1000  # longer "visits" are clock jumps, not people

# Patterns are used with fullmatch: "$" would also accept a trailing newline.
KIOSK_ID_RE: Final = re.compile(r"[^\x00-\x1f\x7f]{1,64}")
SESSION_ID_RE: Final = re.compile(r"[0-9a-f]{8,32}")
DEMO_ID_RE: Final = re.compile(r"[a-z0-9][a-z0-9-]{1,47}")  # as in kiosk.core.manifest
CODE_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
# A model's class name ("espresso", "Ägyptische Katze", "7"): letters, digits and a little
# punctuation, one line. Demos whose "label" is what a visitor wrote or said (OCR, speech)
# must not send one at all.
LABEL_RE: Final = re.compile(r"[\w][\w .,'()/&+-]{0,63}")
TS_RE: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class EventError(ValueError):
    """An event (or a line of an export) that the log must not store."""


Check = Callable[[object], str | None]  # returns a problem, or None when the value is fine


def _int(low: int, high: int) -> Check:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {type(value).__name__}"
        if not low <= value <= high:
            return f"must be from {low} to {high}"
        return None

    return check


def _choice(options: frozenset[str]) -> Check:
    def check(value: object) -> str | None:
        if value not in options:
            return f"must be one of {', '.join(sorted(options))}"
        return None

    return check


def _pattern(regex: re.Pattern[str], what: str) -> Check:
    def check(value: object) -> str | None:
        if not isinstance(value, str) or not regex.fullmatch(value):
            return f"must be {what}"
        return None

    return check


_LABEL = _pattern(LABEL_RE, "a short class name (up to 64 letters, digits, .,'()/&+-)")
_CODE = _pattern(CODE_RE, "a short code (letters, digits, _ . : -)")

#: Per type: field → (required, check). Anything else in a payload is refused.
PAYLOAD_FIELDS: Final[Mapping[str, Mapping[str, tuple[bool, Check]]]] = {
    "session_start": {"lang": (False, _choice(LANG_CODES))},
    # active_ms (optional): start to the last touch, i.e. without the idle wait before an
    # idle reset; statistics prefer it over duration_ms when a session carries it.
    "session_end": {"reason": (True, _choice(END_REASONS)),
                    "duration_ms": (True, _int(0, MAX_DURATION_MS)),
                    "active_ms": (False, _int(0, MAX_DURATION_MS))},
    "demo_open": {},
    "demo_close": {"dwell_ms": (True, _int(0, MAX_DURATION_MS))},
    "interaction": {"kind": (True, _choice(INTERACTION_KINDS)), "label": (False, _LABEL)},
    "language_change": {"lang": (True, _choice(LANG_CODES))},
    "feedback": {"rating": (True, _int(1, 5))},
    "error": {"code": (True, _CODE)},
    "app_start": {"version": (False, _CODE)},
    "app_stop": {"reason": (False, _choice(STOP_REASONS))},
    "crash": {"code": (False, _CODE)},
    # Someone stepped up to the idle kiosk (wake on approach): no picture, no count, no face.
    "presence": {},
}

#: Every payload field of every type, in a fixed order (the flat columns of a CSV export).
PAYLOAD_COLUMNS: Final = ("reason", "duration_ms", "active_ms", "dwell_ms", "kind", "label",
                          "rating", "code", "lang", "version")
INT_FIELDS: Final = frozenset({"duration_ms", "active_ms", "dwell_ms", "rating"})

_NEEDS_SESSION = frozenset({"session_start", "session_end", "demo_open", "demo_close",
                            "interaction", "language_change", "feedback"})
_NEEDS_DEMO = frozenset({"demo_open", "demo_close", "interaction"})
_NO_SESSION = frozenset({"app_start", "app_stop", "crash", "presence"})


# -- time ------------------------------------------------------------------------------------
def ms_to_iso(ms: int) -> str:
    """Milliseconds since the epoch as ``2024-05-01T09:30:00.250Z``."""
    # time.gmtime + f-string: a third of strftime's cost, and this runs for every event.
    t = time.gmtime(ms // 1000)
    return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{ms % 1000:03d}Z")


def iso_to_ms(ts: str) -> int:
    """The inverse of :func:`ms_to_iso`; raises :class:`EventError` for any other format."""
    if not isinstance(ts, str) or not TS_RE.fullmatch(ts):
        raise EventError(f"timestamp {ts!r} is not UTC ISO-8601 like 2024-05-01T09:30:00.250Z")
    return _epoch_seconds(ts[:19]) * 1000 + int(ts[20:23])


@functools.lru_cache(maxsize=1024)
def _epoch_seconds(prefix: str) -> int:
    # Cached: events come in bursts within the same second, and the writer converts each one.
    try:
        fields = (int(prefix[0:4]), int(prefix[5:7]), int(prefix[8:10]),
                  int(prefix[11:13]), int(prefix[14:16]), int(prefix[17:19]))
        date(*fields[:3])  # rejects 2024-02-30, which timegm would roll over
    except ValueError as exc:
        raise EventError(f"timestamp {prefix!r}: {exc}") from None
    if fields[3] > 23 or fields[4] > 59 or fields[5] > 59:
        raise EventError(f"timestamp {prefix!r} has no such time of day")
    return calendar.timegm((*fields, 0, 0, 0))


_uuid_lock = threading.Lock()
_uuid_last = (0, 0)  # (ms, random bits) of the last generated UUID


def uuid7(ms: int, rand: int | None = None) -> str:
    """A time-ordered UUID (RFC 9562 version 7) for an event at ``ms``.

    Time order keeps the database's unique index append-mostly, which makes inserts several
    times cheaper than with random UUIDs, and sorts events of one millisecond in the order
    they happened; the 74 random bits keep ids unique across kiosks. Without ``rand``, ids
    from this process are strictly increasing (RFC 9562 method 2: a random start per
    millisecond, counted up within it).
    """
    global _uuid_last
    mask = (1 << 74) - 1
    if rand is None:
        with _uuid_lock:
            last_ms, last_rand = _uuid_last
            if ms <= last_ms and last_rand < mask - (1 << 32):
                ms, r = last_ms, last_rand + 1 + secrets.randbits(16)
            else:
                # The top bit stays clear so a millisecond has room to count up.
                r = secrets.randbits(73)
            _uuid_last = (ms, r)
    else:
        r = rand & mask
    value = ((ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (r >> 62) << 64
             | 0b10 << 62 | (r & ((1 << 62) - 1)))
    return str(uuid_mod.UUID(int=value))


def now_ms(clock: Callable[[], float] = time.time) -> int:
    """The clock (seconds since the epoch) in whole milliseconds."""
    return int(clock() * 1000)


def parse_since(text: str, *, now: float | None = None, tz: tzinfo | None = None) -> int:
    """``--since`` as epoch ms: ``2024-05-01`` (local midnight), an ISO date-time (local
    unless it names its zone) or ``30d`` (that many days ago)."""
    value = text.strip()
    m = re.fullmatch(r"(\d{1,5})\s*d", value)
    if m:
        current = time.time() if now is None else now
        return int((current - int(m.group(1)) * 86400) * 1000)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            dt = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise EventError(
            f"--since {text!r}: use a date like 2024-05-01, a date-time like "
            "2024-05-01T09:00, or a number of days like 30d") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz) if tz is not None else dt.astimezone()
    return int(dt.timestamp() * 1000)


def local_day_hour(ms: int, tz: tzinfo | None = None) -> tuple[str, int]:
    """The local calendar day (ISO) and hour of an instant; ``tz`` None is this machine's zone."""
    sec = ms / 1000
    dt = datetime.fromtimestamp(sec, tz) if tz is not None else datetime.fromtimestamp(sec)
    return dt.date().isoformat(), dt.hour


# -- the event ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Event:
    """One line of the interaction log."""

    uuid: str
    ts: str
    kiosk_id: str
    session_id: str | None
    demo_id: str | None
    type: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def ts_ms(self) -> int:
        """:attr:`ts` as milliseconds since the epoch."""
        return iso_to_ms(self.ts)

    def to_json(self) -> dict[str, Any]:
        """The event as a JSON object (one line of a JSONL export)."""
        return {"uuid": self.uuid, "ts": self.ts, "kiosk_id": self.kiosk_id,
                "session_id": self.session_id, "demo_id": self.demo_id, "type": self.type,
                "payload": self.payload}

    @classmethod
    def from_json(cls, data: object) -> Event:
        """An event from :meth:`to_json` output; raises :class:`EventError` when invalid."""
        if not isinstance(data, dict):
            raise EventError("an event must be a JSON object")
        keys = {"uuid", "ts", "kiosk_id", "session_id", "demo_id", "type", "payload"}
        if set(data) != keys:
            raise EventError(f"an event needs exactly the keys {', '.join(sorted(keys))}")
        payload = data["payload"]
        if not isinstance(payload, dict):
            raise EventError("payload must be a JSON object")
        event = cls(data["uuid"], data["ts"], data["kiosk_id"], data["session_id"],
                    data["demo_id"], data["type"], payload)
        validate(event)
        return event


def payload_json(payload: Mapping[str, Any]) -> str:
    """The compact JSON stored in the database."""
    if not payload:
        return "{}"
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def event_value(type: str, payload: Mapping[str, Any]) -> int | None:
    """The one number a statistic takes from an event: the visit length of a session end
    (without the idle wait when known), the dwell time of a demo close, a rating; None for
    other types. The database keeps it in its own indexed column."""
    if type == "session_end":
        value = payload.get("active_ms", payload.get("duration_ms"))
    elif type == "demo_close":
        value = payload.get("dwell_ms")
    elif type == "feedback":
        value = payload.get("rating")
    else:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def problems_of(event: Event) -> list[str]:
    """Everything wrong with ``event`` (empty when it may be stored)."""
    out: list[str] = []
    if not isinstance(event.uuid, str):
        out.append("uuid must be text")
    else:
        try:
            if str(uuid_mod.UUID(event.uuid)) != event.uuid:
                out.append(f"uuid {event.uuid!r} must be in canonical lower-case form")
        except ValueError:
            out.append(f"uuid {event.uuid!r} is not a UUID")
    if not isinstance(event.ts, str) or not TS_RE.fullmatch(event.ts):
        out.append(f"ts {event.ts!r} must be UTC ISO-8601 like 2024-05-01T09:30:00.250Z")
    if not isinstance(event.kiosk_id, str) or not KIOSK_ID_RE.fullmatch(event.kiosk_id):
        out.append("kiosk_id must be 1–64 printable characters")
    if event.type not in EVENT_TYPES:
        out.append(f"type {event.type!r} is not one of {', '.join(sorted(EVENT_TYPES))}")
        return out
    sid = event.session_id
    if sid is not None and (not isinstance(sid, str) or not SESSION_ID_RE.fullmatch(sid)):
        out.append("session_id must be 8–32 lower-case hex digits")
    if sid is None and event.type in _NEEDS_SESSION:
        out.append(f"{event.type} needs a session_id")
    if sid is not None and event.type in _NO_SESSION:
        out.append(f"{event.type} belongs to no session")
    did = event.demo_id
    if did is not None and (not isinstance(did, str) or not DEMO_ID_RE.fullmatch(did)):
        out.append(f"demo_id {did!r} is not a demo id")
    if did is None and event.type in _NEEDS_DEMO:
        out.append(f"{event.type} needs a demo_id")
    out += _payload_problems(event.type, event.payload)
    return out


def _payload_problems(kind: str, payload: object) -> list[str]:
    if not isinstance(payload, dict):
        return ["payload must be a mapping"]
    spec = PAYLOAD_FIELDS[kind]
    out = [f"{kind} payload may not contain {key!r}" for key in payload if key not in spec]
    for key, (required, check) in spec.items():
        if key not in payload:
            if required:
                out.append(f"{kind} payload needs {key!r}")
            continue
        problem = check(payload[key])
        if problem:
            out.append(f"{kind} payload {key!r} {problem}")
    if not out and len(payload_json(payload).encode()) > MAX_PAYLOAD_BYTES:
        out.append(f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    return out


def validate(event: Event) -> Event:
    """Return ``event`` unchanged, or raise :class:`EventError` listing every problem."""
    problems = problems_of(event)
    if problems:
        raise EventError("; ".join(problems))
    return event


def make_event(
    type: str, kiosk_id: str, *, session_id: str | None = None, demo_id: str | None = None,
    payload: Mapping[str, Any] | None = None, clock: Callable[[], float] = time.time,
    event_uuid: str | None = None,
) -> Event:
    """A new validated event stamped with ``clock()`` (seconds since the epoch, UTC)."""
    ms = now_ms(clock)
    return validate(Event(event_uuid or uuid7(ms), ms_to_iso(ms), kiosk_id, session_id,
                          demo_id, type, dict(payload or {})))


def from_session_event(
    se: SessionEvent, kiosk_id: str, clock: Callable[[], float] = time.time,
) -> Event:
    """The log event for something the visitor-session state machine produced."""
    return make_event(se.type, kiosk_id, session_id=se.session_id, demo_id=se.demo_id,
                      payload=se.payload, clock=clock)


# -- statistics --------------------------------------------------------------------------------
#: Dwell-time histogram: bucket upper bounds in ms (the last bucket is open-ended).
DWELL_EDGES_MS: Final = (10_000, 30_000, 60_000, 120_000, 300_000)
DWELL_LABELS: Final = ("< 10 s", "10–30 s", "30–60 s", "1–2 min", "2–5 min", "> 5 min")


def dwell_bucket(ms: int) -> int:
    """Index into :data:`DWELL_LABELS` for a dwell time."""
    return bisect.bisect_right(DWELL_EDGES_MS, ms)


def median_ms(values: list[int]) -> int | None:
    """The median, rounded to whole ms; None for no values."""
    return round(statistics.median(values)) if values else None


def mean_rating(values: list[int]) -> float | None:
    """The average rating to two decimals; None for no ratings."""
    return round(sum(values) / len(values), 2) if values else None


@dataclass(frozen=True)
class DemoStats:
    """How one demo was used."""

    demo_id: str
    opens: int
    median_dwell_ms: int | None
    interactions: int
    feedback_count: int
    feedback_avg: float | None


@dataclass(frozen=True)
class LogStats:
    """Figures for reports and the staff dashboard. Hours and days are local time."""

    since: str | None
    events: int
    first_ts: str | None
    last_ts: str | None
    sessions: int
    sessions_ended: int
    end_reasons: dict[str, int]
    median_session_ms: int | None
    demos: tuple[DemoStats, ...]
    dwell_histogram: tuple[int, ...]
    feedback_count: int
    feedback_avg: float | None
    feedback_histogram: tuple[int, ...]
    sessions_by_hour: tuple[int, ...]
    sessions_by_day: dict[str, int]
    errors: dict[str, int]
    kiosks: dict[str, int]
    languages: dict[str, int]
    app_starts: int
    crashes: int
    #: what visitors did inside the demos, by interaction kind (explanations opened, unsure …)
    interaction_kinds: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON (``kiosk log stats --json``)."""
        return {
            "since": self.since, "events": self.events, "first_ts": self.first_ts,
            "last_ts": self.last_ts, "sessions": self.sessions,
            "sessions_ended": self.sessions_ended, "end_reasons": self.end_reasons,
            "median_session_ms": self.median_session_ms,
            "demos": [vars(d) for d in self.demos],
            "dwell_histogram": dict(zip(DWELL_LABELS, self.dwell_histogram, strict=True)),
            "feedback": {"count": self.feedback_count, "average": self.feedback_avg,
                         "by_rating": {str(i + 1): n
                                       for i, n in enumerate(self.feedback_histogram)}},
            "sessions_by_hour": list(self.sessions_by_hour),
            "sessions_by_day": self.sessions_by_day, "errors": self.errors,
            "kiosks": self.kiosks, "languages": self.languages,
            "app_starts": self.app_starts, "crashes": self.crashes,
            "interaction_kinds": self.interaction_kinds,
        }

    @property
    def top_demo(self) -> str | None:
        """The most opened demo."""
        return self.demos[0].demo_id if self.demos and self.demos[0].opens else None


@dataclass
class StatsBuilder:
    """Collects the raw figures; :meth:`build` turns them into :class:`LogStats`.

    Both the SQL path and :func:`compute_stats` feed one of these, so they share every rule
    (median rounding, ordering, bucketing).
    """

    tz: tzinfo | None = None
    since_ms: int | None = None
    events: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    session_starts: Counter[int] = field(default_factory=Counter)  # 15-minute bucket → n
    session_lengths: list[int] = field(default_factory=list)
    end_reasons: Counter[str] = field(default_factory=Counter)
    opens: Counter[str] = field(default_factory=Counter)
    dwell: defaultdict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    interactions: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # interaction kind → n
    ratings: defaultdict[str | None, list[int]] = field(
        default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    kiosks: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    app_starts: int = 0
    crashes: int = 0

    def build(self) -> LogStats:
        """The finished figures."""
        by_hour = [0] * 24
        by_day: Counter[str] = Counter()
        for bucket, n in self.session_starts.items():
            day, hour = local_day_hour(bucket * QUARTER_MS, self.tz)
            by_hour[hour] += n
            by_day[day] += n
        demo_ids = set(self.opens) | set(self.dwell) | set(self.interactions)
        demo_ids |= {d for d in self.ratings if d is not None}
        demos = []
        for d in demo_ids:
            rated = self.ratings.get(d, [])
            demos.append(DemoStats(d, self.opens[d], median_ms(self.dwell.get(d, [])),
                                   self.interactions[d], len(rated), mean_rating(rated)))
        demos.sort(key=lambda s: (-s.opens, s.demo_id))
        hist = [0] * len(DWELL_LABELS)
        for values in self.dwell.values():
            for bucket, n in Counter(map(dwell_bucket, values)).items():
                hist[bucket] += n
        all_ratings = [r for values in self.ratings.values() for r in values]
        stars = [0] * 5
        for r in all_ratings:
            stars[r - 1] += 1
        return LogStats(
            since=ms_to_iso(self.since_ms) if self.since_ms is not None else None,
            events=self.events,
            first_ts=ms_to_iso(self.first_ms) if self.first_ms is not None else None,
            last_ts=ms_to_iso(self.last_ms) if self.last_ms is not None else None,
            sessions=sum(self.session_starts.values()),
            sessions_ended=len(self.session_lengths),
            end_reasons=_sorted(self.end_reasons),
            median_session_ms=median_ms(self.session_lengths),
            demos=tuple(demos),
            dwell_histogram=tuple(hist),
            feedback_count=len(all_ratings),
            feedback_avg=mean_rating(all_ratings),
            feedback_histogram=tuple(stars),
            sessions_by_hour=tuple(by_hour),
            sessions_by_day=dict(sorted(by_day.items())),
            errors=_sorted(self.errors),
            kiosks=_sorted(self.kiosks),
            languages=_sorted(self.languages),
            app_starts=self.app_starts,
            crashes=self.crashes,
            interaction_kinds=_sorted(self.kinds),
        )


#: Sessions are counted per quarter hour before they are put into local hours and days:
#: every time zone in use is a whole number of quarter hours off UTC.
QUARTER_MS: Final = 15 * 60 * 1000


def _sorted(counter: Mapping[str, int]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def compute_stats(
    events: Iterable[Event], *, since_ms: int | None = None, tz: tzinfo | None = None,
) -> LogStats:
    """The statistics over ``events`` (ts ≥ ``since_ms``), without a database."""
    b = StatsBuilder(tz=tz, since_ms=since_ms)
    for e in events:
        ms = e.ts_ms
        if since_ms is not None and ms < since_ms:
            continue
        b.events += 1
        b.first_ms = ms if b.first_ms is None else min(b.first_ms, ms)
        b.last_ms = ms if b.last_ms is None else max(b.last_ms, ms)
        p = e.payload
        if e.type == "session_start":
            b.session_starts[ms // QUARTER_MS] += 1
            b.kiosks[e.kiosk_id] += 1
        elif e.type == "session_end":
            b.session_lengths.append(p.get("active_ms", p["duration_ms"]))  # = event_value
            b.end_reasons[p["reason"]] += 1
        elif e.type == "demo_open" and e.demo_id:
            b.opens[e.demo_id] += 1
        elif e.type == "demo_close" and e.demo_id:
            b.dwell[e.demo_id].append(p["dwell_ms"])
        elif e.type == "interaction":
            b.kinds[p["kind"]] += 1
            if e.demo_id:
                b.interactions[e.demo_id] += 1
        elif e.type == "feedback":
            b.ratings[e.demo_id].append(p["rating"])
        elif e.type == "error":
            b.errors[p["code"]] += 1
        elif e.type == "language_change":
            b.languages[p["lang"]] += 1
        elif e.type == "app_start":
            b.app_starts += 1
        elif e.type == "crash":
            b.crashes += 1
    return b.build()


def format_duration(ms: int | None, lang: str = "en", unknown: str = "–") -> str:
    """``3 min 05 s`` for people (hours as ``h`` / ``Std.``); ``unknown`` for None."""
    if ms is None:
        return unknown
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} {'Std.' if lang == 'de' else 'h'} {minutes:02d} min"
