"""Wake on approach: motion gate, presence with a grace period, the watcher on a recorded scene."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from kiosk.bench_wake import SceneSource
from kiosk.core.presence import MotionGate, PresenceTracker, somebody_there
from kiosk.runtime.onnx_model import OnnxModel
from kiosk.runtime.presence import PresenceWatcher

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def detector() -> OnnxModel:
    return OnnxModel(MODELS / "mp_pose_detection.onnx")


def scene(enter: float = 1.0, leave: float = 3.0, seconds: float = 30.0) -> SceneSource:
    return SceneSource(enter, leave, seconds)


def frame_at(source: SceneSource, t: float) -> np.ndarray:
    source.seek(t)
    frame = source.read()
    assert frame is not None
    return frame


def test_gate_ignores_sensor_noise_and_sees_a_person() -> None:
    src, gate = scene(), MotionGate()
    assert gate.changed(frame_at(src, 0.0))  # the first look always checks
    assert not any(gate.changed(frame_at(src, t)) for t in (0.1, 0.2, 0.3, 0.5, 0.8))
    assert gate.changed(frame_at(src, 1.2))


def test_detector_sees_the_visitor_not_the_wall(detector: OnnxModel) -> None:
    src = scene()
    assert not somebody_there(detector, frame_at(src, 0.5))
    assert somebody_there(detector, frame_at(src, 1.5))


def test_presence_arrives_at_once_and_leaves_after_the_grace_period(
    detector: OnnxModel,
) -> None:
    src = scene(enter=1.0, leave=3.0)
    tracker = PresenceTracker(detector, gone_after=2.0)
    changes = []
    for i in range(int(7.0 * 4)):  # four looks a second, like the watcher while idle
        t = i / 4
        change = tracker.update(frame_at(src, t), t)
        if change is not None:
            changes.append((t, change))
    assert changes[0] == (1.0, True)
    # Gone at most gone_after (+ one re-check interval) after the visitor left at 3.0 s.
    assert changes[1][1] is False and 3.0 <= changes[1][0] <= 3.0 + 2.0 + 1.0
    assert len(changes) == 2


def test_empty_room_runs_the_detector_once(detector: OnnxModel) -> None:
    src = scene(enter=100.0, leave=101.0)
    tracker = PresenceTracker(detector)
    for i in range(40):
        assert tracker.update(frame_at(src, i / 4), i / 4) is None
    assert tracker.detector_runs == 1


def test_watcher_greets_within_a_second_on_a_recorded_scene(detector: OnnxModel) -> None:
    src = scene(enter=1.0, leave=2.5, seconds=6.0)
    arrived, left = threading.Event(), threading.Event()
    clock_start: list[float] = []

    import time

    def on_change(present: bool) -> None:
        (arrived if present else left).set()
        clock_start.append(time.monotonic())

    previews: list[np.ndarray] = []
    watcher = PresenceWatcher(src, PresenceTracker(detector, gone_after=1.0),
                              on_change=on_change, on_preview=previews.append)
    t0 = time.monotonic()
    watcher.start()
    assert arrived.wait(timeout=30)
    greeted = clock_start[0] - t0
    assert left.wait(timeout=30)
    watcher.stop()
    assert greeted - 1.0 <= 1.0, f"greeted {greeted - 1.0:.2f} s after the visitor came"
    assert previews, "the greeting shows a live preview"
