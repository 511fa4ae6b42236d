"""The ``body-pose`` task: BlazePose detector + 33 body keypoints, tracked between frames.

The detector runs only when no person is being tracked; afterwards each frame's landmarks give
the next frame's region (MediaPipe's usual region-of-interest tracking), so a moving visitor
costs one landmark run per frame. Keypoints are in source pixels of the unmirrored frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kiosk.core.tasks import blaze
from kiosk.core.tasks.base import JsonDict, ModelFn

KEYPOINT_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)
INDEX = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
# Bones drawn as the skeleton (pairs of keypoint names).
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"), ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"), ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"), ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"), ("left_hip", "right_hip"), ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"), ("left_heel", "left_foot_index"),
    ("right_ankle", "right_heel"), ("right_heel", "right_foot_index"),
    ("left_wrist", "left_index"), ("right_wrist", "right_index"),
    ("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear"),
    ("right_eye", "right_ear"), ("mouth_left", "mouth_right"),
)

DETECTOR_SIZE = 224
LANDMARK_SIZE = 256
ANCHORS = blaze.ssd_anchors(DETECTOR_SIZE, (8, 16, 32, 32, 32))
_AUX_CENTRE, _AUX_SCALE = 33, 34  # the landmark model's own tracking points


@dataclass(frozen=True)
class PoseParams:
    """Settings from a manifest's ``[params]``."""

    min_detection: float = 0.5
    min_presence: float = 0.5
    min_keypoint: float = 0.5  # below this visibility a keypoint is not drawn or judged


@dataclass(frozen=True)
class Keypoint:
    """One body keypoint in source pixels; ``score`` is its visibility (0…1)."""

    name: str
    x: float
    y: float
    score: float

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"name": self.name, "x": round(self.x, 1), "y": round(self.y, 1),
                "score": round(self.score, 3)}


@dataclass(frozen=True)
class Person:
    """One tracked person."""

    keypoints: tuple[Keypoint, ...]
    score: float
    region: blaze.Region

    def point(self, name: str, min_score: float = 0.0) -> tuple[float, float] | None:
        """The keypoint ``name`` as (x, y), or None when it is not visible enough."""
        kp = self.keypoints[INDEX[name]]
        return (kp.x, kp.y) if kp.score >= min_score else None

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"score": round(self.score, 3), "keypoints": [k.to_json() for k in self.keypoints],
                "region": self.region.to_json()}


@dataclass(frozen=True)
class PoseResult:
    """The people found in one frame (at most one: the landmark model follows one person)."""

    people: tuple[Person, ...]
    tracked: bool  # True when the region came from the previous frame, not the detector
    width: int
    height: int

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"count": len(self.people), "tracked": self.tracked,
                "people": [p.to_json() for p in self.people]}


@dataclass
class PoseTracker:
    """Detect once, then follow one person from frame to frame."""

    detector: ModelFn
    landmarks: ModelFn
    params: PoseParams = field(default_factory=PoseParams)
    region: blaze.Region | None = None
    detector_runs: int = 0

    def reset(self) -> None:
        """Forget the person being followed (next frame runs the detector)."""
        self.region = None

    def detect(self, rgb: np.ndarray) -> blaze.Region | None:
        """The region of the most likely person in ``rgb``, from the detector."""
        self.detector_runs += 1
        x, box = blaze.letterbox(rgb, DETECTOR_SIZE, -1.0, 1.0)
        raw_boxes, raw_scores = self.detector(x)[:2]
        dets = blaze.decode(raw_boxes, raw_scores, ANCHORS, box, 4, self.params.min_detection)
        best = blaze.weighted_nms(dets, 0.3, 1)
        if not best:
            return None
        kp = best[0].keypoints
        return _region(kp[0], kp[1])

    def process(self, rgb: np.ndarray) -> PoseResult:
        """Keypoints of the person in ``rgb`` (tracking from the last frame when possible)."""
        h, w = rgb.shape[:2]
        tracked = self.region is not None
        region = self.region if tracked else self.detect(rgb)
        person = self._landmarks(rgb, region) if region is not None else None
        if person is None and tracked:
            # Lost: look for the person again in this same frame, so no frame goes empty.
            tracked = False
            region = self.detect(rgb)
            person = self._landmarks(rgb, region) if region is not None else None
        self.region = _next_region(person) if person is not None else None
        return PoseResult((person,) if person is not None else (), tracked, w, h)

    def _landmarks(self, rgb: np.ndarray, region: blaze.Region) -> Person | None:
        x = blaze.crop(rgb, region, LANDMARK_SIZE, 0.0, 1.0)
        outs = self.landmarks(x)
        raw, presence = outs[0].reshape(-1, 5), float(np.asarray(outs[1]).reshape(-1)[0])
        if presence < self.params.min_presence:
            return None
        points = blaze.to_source(raw[:, :2], region, LANDMARK_SIZE)
        visibility = blaze.sigmoid(raw[:, 3])
        kps = tuple(Keypoint(name, float(points[i, 0]), float(points[i, 1]),
                             float(visibility[i]))
                    for i, name in enumerate(KEYPOINT_NAMES))
        aux = (tuple(points[_AUX_CENTRE]), tuple(points[_AUX_SCALE]))
        return Person(kps, presence, _region(aux[0], aux[1]))


def _region(centre: tuple[float, float], scale_point: tuple[float, float]) -> blaze.Region:
    size = 2.0 * math.dist(centre, scale_point)
    return blaze.region_from_points(centre, scale_point, size, 1.25)


def _next_region(person: Person) -> blaze.Region:
    return person.region
