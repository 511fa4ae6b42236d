"""The hand-signs demo's real models on real photos of a hand (the bundled sample photos).

06-hand-pointing.jpg and 07-hand-fist.jpg (a hand against a plain wall, from the npm package
fingerpose 0.1.0, see assets/sample/README.md). The boxes below were read once off the photos
with a 50-pixel grid drawn over them, by eye, not from the model's output: where the hand is,
where the raised fingertip is, where the hand meets the forearm. Each photo is also tested
mirrored (a mirrored kiosk camera, or the other hand).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.core.paths import sample_media_dir
from kiosk.core.tasks.hands import HandTracker
from kiosk.runtime.demos import discover
from kiosk.runtime.onnx_model import OnnxModel
from kiosk.runtime.sources import open_sample_source

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the 853×640 photo

PHOTOS: dict[str, dict[str, object]] = {
    "06-hand-pointing.jpg": {
        "sign": "pointing",
        "hand": (335, 90, 595, 600),  # the skin above the forearm
        "tip": (380, 95, 435, 150),  # the raised index fingertip (keypoint 8)
        "wrist": (370, 500, 530, 600),
    },
    "07-hand-fist.jpg": {
        "sign": "fist",
        "hand": (305, 250, 565, 600),
        "tip": (305, 250, 565, 460),  # a bent index fingertip stays inside the fist
        "wrist": (330, 500, 510, 600),
    },
}


def mirror(box: Box, width: int) -> Box:
    x0, y0, x1, y1 = box
    return (width - x1, y0, width - x0, y1)


def inside(point: tuple[float, float], box: Box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


@pytest.fixture(scope="module")
def hand_models() -> tuple[OnnxModel, OnnxModel]:
    return OnnxModel(MODELS / "mp_palm_detection_lite.onnx"), OnnxModel(
        MODELS / "mp_hand_landmark_lite.onnx")


def photo(name: str, mirrored: bool) -> np.ndarray:
    bgr = cv2.imread(str(sample_media_dir() / name))
    assert bgr is not None and bgr.shape == (640, 853, 3), name
    rgb = bgr[:, ::-1, ::-1] if mirrored else bgr[:, :, ::-1]
    return np.ascontiguousarray(rgb)


@pytest.mark.parametrize("mirrored", [False, True])
@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_hand_found_keypoints_on_it_and_sign_read(
    name: str, mirrored: bool, hand_models: tuple[OnnxModel, OnnxModel],
) -> None:
    rgb = photo(name, mirrored)
    want = PHOTOS[name]
    boxes = {k: want[k] for k in ("hand", "tip", "wrist")}
    if mirrored:
        boxes = {k: mirror(b, rgb.shape[1]) for k, b in boxes.items()}  # type: ignore[arg-type]
    tracker = HandTracker(*hand_models)
    # The first frame comes from the palm detector, the next from tracking the keypoints:
    # both must hold, as the demo shows them one after the other.
    for frame in range(3):
        result = tracker.process(rgb)
        assert len(result.hands) == 1, f"frame {frame}: one hand in the photo"
        hand = result.hands[0]
        assert hand.score > 0.9
        outside = [i for i, p in enumerate(hand.points) if not inside(p, boxes["hand"])]
        assert not outside, f"frame {frame}: keypoints {outside} off the hand"
        assert inside(hand.points[8], boxes["tip"])  # type: ignore[arg-type]
        assert inside(hand.points[0], boxes["wrist"])  # type: ignore[arg-type]
        assert hand.sign == want["sign"], f"frame {frame}"
    assert tracker.detector_runs == 1  # found once, then followed


def test_demo_mode_opens_on_the_hand_and_finds_it_at_once(
    hand_models: tuple[OnnxModel, OnnxModel],
) -> None:
    """Without a camera the hand-signs demo starts on its sample photos, panning slowly: the
    hand must be found from the first frame on, through the whole first second."""
    entry = {e.id: e for e in discover([ROOT / "demos"])}["hand-signs"]
    assert [p.name for p in entry.sample_paths()] == sorted(PHOTOS)
    source = open_sample_source(entry.sample_paths())
    tracker = HandTracker(*hand_models)
    signs = []
    for _ in range(round(source.fps)):
        frame = source.read()
        assert frame is not None
        hands = tracker.process(frame).hands  # the source gives RGB
        assert len(hands) == 1
        signs.append(hands[0].sign)
    assert signs.count("pointing") >= 0.9 * len(signs)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_a_taught_sign_is_recognised_when_the_hand_is_seen_the_other_way_round(
    name: str, hand_models: tuple[OnnxModel, OnnxModel],
) -> None:
    """The model's left/right call is not reliable on these photos (both ways round of the
    pointing hand are called "left"), so a sign taught on one must still match the other."""
    taught = HandTracker(*hand_models)
    hand = taught.process(photo(name, mirrored=False)).hands[0]
    for _ in range(3):
        taught.taught.add("mine", hand.points, hand.right)
    shown = HandTracker(*hand_models).process(photo(name, mirrored=True)).hands[0]
    sign, distance = taught.taught.match(shown.points, shown.right)
    assert sign == "mine", distance
