"""Body pose, person segmentation and the pose game, with the real MediaPipe models on real photos.

Accuracy is judged on scikit-image's astronaut: as is, mirrored, scaled down and placed on a
plain backdrop (the way a visitor stands somewhere in a larger camera picture). The face box
comes from the kiosk's own MTCNN face detector, not from numbers written into the test.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from kiosk.core.tasks import blaze
from kiosk.core.tasks.faces import FaceDetector
from kiosk.core.tasks.hands import (
    SIGNS,
    Hand,
    HandTracker,
    TaughtSigns,
    _next_region,
    normalise,
    read_sign,
    sign_shape,
)
from kiosk.core.tasks.pose import INDEX, KEYPOINT_NAMES, Keypoint, Person, PoseTracker
from kiosk.core.tasks.pose_game import CHEER_SECONDS, HOLD_SECONDS, PoseGame
from kiosk.core.tasks.segmentation import Segmenter
from kiosk.runtime.onnx_model import OnnxModel

MODELS = Path(__file__).resolve().parents[2] / "models"
BACKDROP = (190, 196, 204)  # a plain light-grey wall


def astronaut_variants() -> dict[str, np.ndarray]:
    """The astronaut as is, mirrored, and scaled onto a plain 640×480 backdrop."""
    img = np.ascontiguousarray(data.astronaut())
    small = cv2.resize(img, (300, 300), interpolation=cv2.INTER_AREA)
    placed = np.full((480, 640, 3), BACKDROP, np.uint8)
    placed[180:480, 300:600] = small
    return {"plain": img, "mirrored": np.ascontiguousarray(img[:, ::-1]), "placed": placed}


@pytest.fixture(scope="module")
def tracker_models() -> tuple[OnnxModel, OnnxModel]:
    return OnnxModel(MODELS / "mp_pose_detection.onnx"), OnnxModel(
        MODELS / "mp_pose_landmark_full.onnx")


@pytest.fixture(scope="module")
def face_detector() -> FaceDetector:
    return FaceDetector(*(OnnxModel(MODELS / f"mtcnn_{n}.onnx") for n in ("pnet", "rnet", "onet")))


@pytest.fixture(scope="module")
def segmenter_model() -> OnnxModel:
    return OnnxModel(MODELS / "mp_selfie_segmentation_landscape.onnx")


def face_box(detector: FaceDetector, rgb: np.ndarray) -> tuple[float, float, float, float]:
    faces = detector.detect(rgb)
    assert len(faces) == 1, "the astronaut photo has exactly one face"
    return faces[0].box


def test_anchor_counts_match_the_models() -> None:
    assert len(blaze.ssd_anchors(224, (8, 16, 32, 32, 32))) == 2254
    assert len(blaze.ssd_anchors(192, (8, 16, 16, 16))) == 2016
    assert len(blaze.ssd_anchors(128, (8, 16, 16, 16))) == 896


def test_region_crop_round_trips_points() -> None:
    region = blaze.Region(300.0, 200.0, 180.0, 0.6)
    pts = np.array([[10.0, 20.0], [128.0, 128.0], [250.0, 5.0]])
    m = blaze.crop_matrix(region, 256)
    src = blaze.to_source(pts, region, 256)
    back = src @ m[:, :2].T + m[:, 2]
    np.testing.assert_allclose(back, pts, atol=1e-6)


@pytest.mark.parametrize("variant", ["plain", "mirrored", "placed"])
def test_nose_in_face_box_and_shoulders_below(
    variant: str, tracker_models: tuple[OnnxModel, OnnxModel], face_detector: FaceDetector,
) -> None:
    rgb = astronaut_variants()[variant]
    x0, y0, x1, y1 = face_box(face_detector, rgb)
    result = PoseTracker(*tracker_models).process(rgb)
    assert len(result.people) == 1
    person = result.people[0]
    nose = person.point("nose", 0.5)
    assert nose is not None and x0 <= nose[0] <= x1 and y0 <= nose[1] <= y1
    for side in ("left_shoulder", "right_shoulder"):
        p = person.point(side, 0.5)
        assert p is not None and p[1] > y1, f"{side} should lie below the face"
    # Left is the person's left: on a photo as the camera took it, the picture's right. (A
    # mirrored picture fools the model about sides: why the kiosk never feeds it one.)
    ls, rs = person.point("left_shoulder"), person.point("right_shoulder")
    assert ls is not None and rs is not None
    if variant != "mirrored":
        assert ls[0] > rs[0]


def test_tracking_skips_the_detector_and_recovers_when_lost(
    tracker_models: tuple[OnnxModel, OnnxModel],
) -> None:
    tracker = PoseTracker(*tracker_models)
    img = astronaut_variants()["placed"]
    first = tracker.process(img)
    second = tracker.process(img)
    assert not first.tracked and second.tracked and tracker.detector_runs == 1
    empty = np.full_like(img, BACKDROP)
    gone = tracker.process(empty)
    assert gone.people == () and tracker.region is None
    back = tracker.process(img)
    assert len(back.people) == 1 and not back.tracked


@pytest.mark.parametrize("frame", ["backdrop", "dark", "coffee"])
def test_no_person_no_skeleton(frame: str, tracker_models: tuple[OnnxModel, OnnxModel]) -> None:
    rgb = {"backdrop": np.full((480, 640, 3), BACKDROP, np.uint8),
           "dark": np.full((480, 640, 3), 4, np.uint8),
           "coffee": np.ascontiguousarray(data.coffee())}[frame]
    assert PoseTracker(*tracker_models).process(rgb).people == ()


@pytest.mark.parametrize("variant", ["plain", "mirrored", "placed"])
def test_mask_covers_the_face_and_not_the_backdrop(
    variant: str, segmenter_model: OnnxModel, face_detector: FaceDetector,
) -> None:
    rgb = astronaut_variants()[variant]
    x0, y0, x1, y1 = (round(v) for v in face_box(face_detector, rgb))
    mask = Segmenter(segmenter_model).process(rgb).full_mask() > 127
    assert mask[y0:y1, x0:x1].mean() >= 0.90
    if variant == "placed":
        backdrop = np.ones(mask.shape, bool)
        backdrop[180:480, 300:600] = False
        assert mask[backdrop].mean() <= 0.05


def test_mask_empty_on_a_plain_wall(segmenter_model: OnnxModel) -> None:
    result = Segmenter(segmenter_model).process(np.full((480, 640, 3), BACKDROP, np.uint8))
    assert result.person_fraction < 0.01 and result.to_json()["person"] is False


def _person(points: dict[str, tuple[float, float]]) -> Person:
    kps = tuple(Keypoint(n, *points.get(n, (0.0, 0.0)), 1.0 if n in points else 0.0)
                for n in KEYPOINT_NAMES)
    return Person(kps, 1.0, blaze.Region(0, 0, 1, 0))


BODY = {"nose": (320.0, 100.0), "left_shoulder": (370.0, 180.0), "right_shoulder": (270.0, 180.0)}
ARMS_UP = {**BODY, "left_wrist": (400.0, 40.0), "right_wrist": (240.0, 40.0)}
T_POSE = {**BODY, "left_wrist": (560.0, 185.0), "right_wrist": (80.0, 175.0)}
ARMS_DOWN = {**BODY, "left_wrist": (380.0, 330.0), "right_wrist": (260.0, 330.0)}


def test_game_counts_a_held_pose_and_moves_on() -> None:
    game = PoseGame()
    assert game.challenge.id == "arms_up"
    assert game.update(_person(ARMS_DOWN), 0.0).progress == 0.0
    game.update(_person(ARMS_UP), 1.0)
    assert 0 < game.update(_person(ARMS_UP), 1.0 + HOLD_SECONDS / 2).progress < 1
    state = game.update(_person(ARMS_UP), 1.0 + HOLD_SECONDS)
    assert state.cheering and game.score == 1
    later = game.update(_person(ARMS_DOWN), 1.0 + HOLD_SECONDS + CHEER_SECONDS + 0.1)
    assert later.challenge == "t_pose" and not later.cheering
    game.update(_person(T_POSE), 10.0)
    assert game.update(_person(T_POSE), 10.0 + HOLD_SECONDS).cheering and game.score == 2


def test_game_needs_the_pose_held_without_a_break() -> None:
    game = PoseGame()
    game.update(_person(ARMS_UP), 0.0)
    game.update(None, HOLD_SECONDS / 2)  # stepped out of the picture
    assert not game.update(_person(ARMS_UP), HOLD_SECONDS).cheering
    assert game.score == 0


def test_keypoint_names_are_mediapipes_33() -> None:
    assert len(KEYPOINT_NAMES) == 33 and INDEX["nose"] == 0 and INDEX["right_foot_index"] == 32


# -- hands ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hand_models() -> tuple[OnnxModel, OnnxModel]:
    return OnnxModel(MODELS / "mp_palm_detection_lite.onnx"), OnnxModel(
        MODELS / "mp_hand_landmark_lite.onnx")


@pytest.mark.parametrize("sign", SIGNS)
@pytest.mark.parametrize("angle", [0.0, 0.5, -0.7])
@pytest.mark.parametrize("right", [True, False])
def test_signs_are_read_from_finger_geometry(sign: str, angle: float, right: bool) -> None:
    pts = sign_shape(sign)
    if not right:
        pts = pts * np.array([-1.0, 1.0])  # a left hand is the mirror image
    if sign != "thumbs_up":  # "up" is part of that sign; the others hold at any tilt
        c, s = np.cos(angle), np.sin(angle)
        pts = pts @ np.array([[c, -s], [s, c]]).T
    assert read_sign(pts * 90 + 320, right) == sign


def test_normalised_keypoints_ignore_place_size_and_tilt() -> None:
    pts = sign_shape("peace")
    c, s = np.cos(0.9), np.sin(0.9)
    moved = (pts @ np.array([[c, -s], [s, c]]).T) * 140 + (500, 80)
    np.testing.assert_allclose(normalise(pts * 50, True), normalise(moved, True), atol=1e-9)
    np.testing.assert_allclose(normalise(pts, True),
                               normalise(pts * np.array([-1.0, 1.0]), False), atol=1e-9)


def test_taught_signs_nearest_mean_and_unsure() -> None:
    taught = TaughtSigns(max_distance=0.2)
    rng = np.random.default_rng(1)
    for _ in range(8):
        taught.add("A", sign_shape("pointing") + rng.normal(0, 0.02, (21, 2)), True)
        taught.add("B", sign_shape("open_hand") + rng.normal(0, 0.02, (21, 2)), True)
    assert taught.match(sign_shape("pointing") * 70 + 200, True)[0] == "A"
    assert taught.match(sign_shape("open_hand") * 30, True)[0] == "B"
    assert taught.match(sign_shape("fist"), True)[0] is None  # unlike both: not claimed
    taught.clear()
    assert taught.match(sign_shape("pointing"), True) == (None, np.inf)


@pytest.mark.parametrize("name", ["coffee", "astronaut", "rocket"])
def test_no_hands_found_on_photos_without_hands(
    name: str, hand_models: tuple[OnnxModel, OnnxModel],
) -> None:
    rgb = np.ascontiguousarray(getattr(data, name)())
    tracker = HandTracker(*hand_models)
    assert tracker.process(rgb).hands == () and tracker.regions == []


def test_hand_region_follows_the_keypoints() -> None:
    pts = sign_shape("open_hand") * 80 + (300, 300)
    hand = Hand(tuple((float(x), float(y)) for x, y in pts), 1.0, True, "open_hand",
                blaze.Region(0, 0, 1, 0))
    region = _next_region(hand)
    # Upright hand: no rotation, the region covers the whole hand with room to move.
    assert abs(region.angle) < 0.2
    inside = blaze.to_source(np.array([[0.0, 0.0], [224.0, 224.0]]), region, 224)
    assert inside[0, 0] < pts[:, 0].min() and inside[1, 0] > pts[:, 0].max()
    assert inside[0, 1] < pts[:, 1].min() and inside[1, 1] > pts[:, 1].max()


def test_two_people_and_a_person_cut_off_at_the_edge(
    tracker_models: tuple[OnnxModel, OnnxModel],
) -> None:
    ast = cv2.resize(np.ascontiguousarray(data.astronaut()), (300, 300))
    two = np.full((480, 640, 3), BACKDROP, np.uint8)
    two[180:480, 0:300] = ast
    two[180:480, 340:640] = ast
    result = PoseTracker(*tracker_models).process(two)
    assert len(result.people) == 1  # the landmark model follows one of them
    cut = np.full((480, 640, 3), BACKDROP, np.uint8)
    cut[180:480, 0:150] = ast[:, 150:]  # half of the person is outside the picture
    result = PoseTracker(*tracker_models).process(cut)
    for person in result.people:
        for kp in person.keypoints:
            assert np.isfinite([kp.x, kp.y, kp.score]).all() and 0.0 <= kp.score <= 1.0


def test_taught_sign_examples_join_the_way_round_that_fits() -> None:
    """A hand whose left/right call flips while it is taught still gives one sharp sign."""
    taught = TaughtSigns(max_distance=0.2)
    shape = sign_shape("peace") * 60 + 300
    for k in range(6):
        taught.add("A", shape, right=k % 2 == 0)
    spread = np.std(np.stack(taught.samples["A"]), axis=0).max()
    assert spread < 1e-9  # mirrored examples were turned round, not averaged into a blur
    assert taught.match(shape, True)[0] == "A" and taught.match(shape, False)[0] == "A"
    assert taught.match(sign_shape("fist") * 60 + 300, True)[0] is None
