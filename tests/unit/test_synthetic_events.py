"""The benchmark's synthetic visitors look like real ones: real demo ids, nothing in the future."""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.runtime.demos import discover
from kiosk.runtime.event_stats import synthetic_events

ROOT = Path(__file__).resolve().parents[2]


def test_synthetic_visitors_use_the_built_in_demos_and_the_past_only() -> None:
    now_ms = time.time() * 1000
    events = list(synthetic_events(3000, seed=4, days=3))
    built_in = {e.id for e in discover([ROOT / "demos"])}
    used = {e.demo_id for e in events if e.demo_id is not None}
    assert used and used <= built_in, used - built_in
    assert max(e.ts_ms for e in events) <= now_ms
