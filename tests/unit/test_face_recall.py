"""The privacy filter errs on the side of hiding: every face in dark, small and glasses grids.

The same grids and scoring as ``kiosk bench-faces`` (kiosk/face_bench.py), with the demo's
own parameters read from its manifest.
"""

from __future__ import annotations

import numpy as np
import pytest

from kiosk.core.paths import demos_dir
from kiosk.core.tasks.faces import Face, FaceDetector, FaceHold
from kiosk.face_bench import NO_PEOPLE, lfw_faces, load_detector, photo, score
from kiosk.runtime.demos import check_demo
from kiosk.runtime.task_faces import FaceRunner, read_params


@pytest.fixture(scope="module")
def demo_detector() -> FaceDetector:
    entry = check_demo(demos_dir() / "face-privacy")
    assert entry.manifest is not None, entry.problems
    params, hold, problems = read_params(entry.manifest)
    assert problems == [] and hold > 0
    return load_detector(params)


@pytest.fixture(scope="module")
def faces() -> np.ndarray:
    return lfw_faces()


@pytest.mark.parametrize("kind", ["mixed", "dark", "glasses"])
def test_every_lfw_face_in_the_grids_is_hidden(demo_detector: FaceDetector, faces: np.ndarray,
                                               kind: str) -> None:
    result = score(demo_detector, kind, faces)
    assert result.missed == [], f"{kind}: {result.hidden}/{result.faces} hidden"


def test_very_dark_faces_are_still_mostly_hidden(demo_detector: FaceDetector,
                                                 faces: np.ndarray) -> None:
    assert score(demo_detector, "very_dark", faces).recall >= 0.95


@pytest.mark.parametrize("name", NO_PEOPLE)
def test_no_box_on_photos_without_people(demo_detector: FaceDetector, name: str) -> None:
    assert demo_detector.detect(photo(name)) == []


def face(x: float, y: float, side: float = 100.0) -> Face:
    return Face((x, y, x + side, y + side), 0.99, ((x, y),) * 5)


def test_a_face_missed_for_a_moment_stays_hidden() -> None:
    hold = FaceHold(seconds=0.5)
    a, b = face(10, 10), face(300, 10)
    assert hold.update([a, b], now=0.0) == ([a, b], 0)
    assert hold.update([a], now=0.1) == ([a, b], 1)  # b missed: still hidden
    moved = face(14, 12)
    assert hold.update([moved], now=0.2) == ([moved, b], 1)  # a moved: no double box
    assert hold.update([], now=0.55) == ([moved], 1)  # b last seen at 0.0: gone
    assert hold.update([], now=0.8) == ([], 0)
    hold.update([a], now=1.0)
    hold.clear()
    assert hold.update([], now=1.1) == ([], 0)


def test_the_runner_holds_faces_between_frames(demo_detector: FaceDetector) -> None:
    now = [0.0]
    runner = FaceRunner(demo_detector, hold_seconds=0.5, clock=lambda: now[0])
    first, _ = runner.process(photo("astronaut"))
    assert len(first.faces) == 1 and first.held == 0
    now[0] = 0.1
    second, _ = runner.process(photo("coffee"))  # the face "vanished" for one frame
    assert second.faces == first.faces and second.held == 1
    assert second.to_json()["held"] == 1
    now[0] = 1.0
    third, _ = runner.process(photo("coffee"))
    assert third.faces == ()
