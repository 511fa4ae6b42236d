"""The ``hands`` task: palm detector + 21 hand keypoints, hand signs, and signs a visitor teaches.

Like the body demo, the palm detector runs only while fewer hands are followed than allowed;
each followed hand's keypoints give its next region. Signs are read from the keypoints alone
(fingers stretched or bent), and taught signs are recognised by the nearest mean of normalised
keypoints — which makes them independent of background, light and clothing, unlike the
picture-based teach demo. Keypoints are in source pixels of the unmirrored frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kiosk.core.tasks import blaze
from kiosk.core.tasks.base import JsonDict, ModelFn

KEYPOINT_NAMES: tuple[str, ...] = (
    "wrist", "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip", "index_mcp", "index_pip",
    "index_dip", "index_tip", "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
    "ring_mcp", "ring_pip", "ring_dip", "ring_tip", "pinky_mcp", "pinky_pip", "pinky_dip",
    "pinky_tip",
)
BONES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (5, 9), (9, 10), (10, 11),
    (11, 12), (9, 13), (13, 14), (14, 15), (15, 16), (13, 17), (0, 17), (17, 18), (18, 19),
    (19, 20),
)
#: Built-in signs, in the order the panel lists them.
SIGNS: tuple[str, ...] = ("open_hand", "fist", "thumbs_up", "peace", "pointing")

PALM_SIZE = 192
LANDMARK_SIZE = 224
ANCHORS = blaze.ssd_anchors(PALM_SIZE, (8, 16, 16, 16))
_PARTIAL = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)  # stable points for the next region
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class HandParams:
    """Settings from a manifest's ``[params]``."""

    max_hands: int = 2
    min_detection: float = 0.5
    min_presence: float = 0.5
    redetect_every: int = 10  # frames between palm searches while fewer hands are followed
    taught_max_distance: float = 0.45  # beyond this a taught sign is not claimed


@dataclass(frozen=True)
class Hand:
    """One hand: 21 keypoints (x, y in source pixels), its sign, which hand it is."""

    points: tuple[tuple[float, float], ...]
    score: float
    right: bool  # the visitor's right hand (as seen unmirrored)
    sign: str | None  # a built-in sign, a taught one ("taught:NAME"), or None
    region: blaze.Region

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {
            "score": round(self.score, 3), "handedness": "right" if self.right else "left",
            "sign": self.sign,
            "keypoints": [{"name": n, "x": round(x, 1), "y": round(y, 1)}
                          for n, (x, y) in zip(KEYPOINT_NAMES, self.points, strict=True)],
        }


@dataclass(frozen=True)
class HandsResult:
    """The hands in one frame."""

    hands: tuple[Hand, ...]
    width: int
    height: int

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"count": len(self.hands), "hands": [h.to_json() for h in self.hands]}


def normalise(points: npt.ArrayLike, right: bool) -> FloatArray:
    """Keypoints moved to the wrist, turned so the palm points up, scaled to the palm's length.

    A left hand is mirrored onto a right one, so a sign taught with one hand is recognised with
    either. The result is the 42 numbers a taught sign is compared on.
    """
    p = np.asarray(points, dtype=np.float64)[:, :2] - np.asarray(points, dtype=np.float64)[0, :2]
    up = p[9]
    length = float(np.hypot(*up)) or 1.0
    angle = math.atan2(up[0], -up[1])  # rotation that takes the wrist→middle-base line upright
    c, s = math.cos(angle), math.sin(angle)
    rotated = p @ np.array([[c, -s], [s, c]]) / length
    if not right:
        rotated[:, 0] = -rotated[:, 0]
    return np.asarray(rotated.reshape(-1))


def _extended(p: FloatArray, tip: int, pip: int) -> bool:
    return bool(np.hypot(*p[tip]) > 1.15 * np.hypot(*p[pip]))


def read_sign(points: npt.ArrayLike, right: bool) -> str | None:
    """A built-in sign from the keypoints, or None when the hand shows none of them."""
    n = normalise(points, right).reshape(21, 2)  # wrist at 0, palm up, palm length 1
    fingers = [_extended(n, tip, pip) for tip, pip in ((8, 6), (12, 10), (16, 14), (20, 18))]
    # The thumb is out when its tip is far from the index finger's base.
    thumb_out = float(np.hypot(*(n[4] - n[5]))) > 0.55
    raw = np.asarray(points, dtype=np.float64)
    palm = float(np.hypot(*(raw[9, :2] - raw[0, :2]))) or 1.0
    # Up means the top of the hand: a real fist often holds its thumb along its side, the tip
    # as high as the index finger's base but still below the bent fingers.
    thumb_up = (raw[4, 1] < raw[5, 1] - 0.3 * palm) and (raw[4, 1] < raw[0, 1] - 0.5 * palm) \
        and bool(raw[4, 1] < raw[5:, 1].min() - 0.2 * palm)
    # In a fist the thumb's tip rests on or beside the bent fingers.
    thumb_tucked = float(np.min(np.hypot(*(n[5:] - n[4]).T))) < 0.45
    if all(fingers) and thumb_out:
        return "open_hand"
    if not any(fingers):
        if thumb_out and thumb_up:
            return "thumbs_up"
        return "fist" if thumb_tucked else None
    if fingers == [True, True, False, False]:
        return "peace"
    if fingers == [True, False, False, False]:
        return "pointing"
    return None


def _mirror(x: FloatArray) -> FloatArray:
    """A normalised hand seen the other way round (left ↔ right)."""
    m = x.reshape(21, 2).copy()
    m[:, 0] = -m[:, 0]
    return np.asarray(m.reshape(-1))


def _rms(a: FloatArray, b: FloatArray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@dataclass
class TaughtSigns:
    """Signs a visitor taught: the mean normalised keypoints of a few samples each."""

    max_distance: float = 0.45
    samples: dict[str, list[FloatArray]] = field(default_factory=dict)

    def add(self, name: str, points: npt.ArrayLike, right: bool) -> int:
        """One more example of ``name``; returns how many it has.

        The model's left/right call can flip between frames of the same hand (measured on
        the sample hand photos), so an example joins the sign the way round that fits it.
        """
        x = normalise(points, right)
        examples = self.samples.setdefault(name, [])
        if examples:
            mean = np.mean(examples, axis=0)
            if _rms(mean, _mirror(x)) < _rms(mean, x):
                x = _mirror(x)
        examples.append(x)
        return len(examples)

    def clear(self) -> None:
        """Forget everything taught (a new visitor)."""
        self.samples.clear()

    def match(self, points: npt.ArrayLike, right: bool) -> tuple[str | None, float]:
        """The nearest taught sign and its distance (None when none is near enough)."""
        if not self.samples:
            return None, math.inf
        x = normalise(points, right)
        flipped = _mirror(x)  # handedness is not reliable: either way round counts
        best, dist = None, math.inf
        for name, examples in self.samples.items():
            mean = np.mean(examples, axis=0)
            d = min(_rms(mean, x), _rms(mean, flipped))
            if d < dist:
                best, dist = name, d
        return (best, dist) if dist <= self.max_distance else (None, dist)


@dataclass
class HandTracker:
    """Find hands with the palm detector, then follow each from frame to frame."""

    palm: ModelFn
    landmarks: ModelFn
    params: HandParams = field(default_factory=HandParams)
    taught: TaughtSigns = field(default_factory=TaughtSigns)
    regions: list[blaze.Region] = field(default_factory=list)
    detector_runs: int = 0
    _since_search: int = 0

    def reset(self) -> None:
        """Forget followed hands and taught signs (a new visitor)."""
        self.regions = []
        self.taught.clear()

    def detect(self, rgb: np.ndarray) -> list[blaze.Region]:
        """Hand regions from the palm detector."""
        self.detector_runs += 1
        x, box = blaze.letterbox(rgb, PALM_SIZE, 0.0, 1.0)
        raw_boxes, raw_scores = self.palm(x)[:2]
        dets = blaze.decode(raw_boxes, raw_scores, ANCHORS, box, 7, self.params.min_detection)
        out = []
        for d in blaze.weighted_nms(dets, 0.3, self.params.max_hands):
            x0, y0, x1, y1 = d.box
            side = max(x1 - x0, y1 - y0)
            out.append(blaze.region_from_points(d.keypoints[0], d.keypoints[2], side, 2.6, -0.5,
                                                centre=((x0 + x1) / 2, (y0 + y1) / 2)))
        return out

    def process(self, rgb: np.ndarray) -> HandsResult:
        """The hands in ``rgb``."""
        h, w = rgb.shape[:2]
        regions = list(self.regions)
        self._since_search += 1
        if not regions or (len(regions) < self.params.max_hands
                           and self._since_search >= self.params.redetect_every):
            self._since_search = 0
            for r in self.detect(rgb):
                if all(math.dist((r.cx, r.cy), (q.cx, q.cy)) > 0.5 * q.size for q in regions):
                    regions.append(r)
        hands = [hand for r in regions[: self.params.max_hands]
                 if (hand := self._landmarks(rgb, r)) is not None]
        hands = _distinct(hands)
        self.regions = [_next_region(hand) for hand in hands]
        return HandsResult(tuple(hands), w, h)

    def _landmarks(self, rgb: np.ndarray, region: blaze.Region) -> Hand | None:
        outs = self.landmarks(blaze.crop(rgb, region, LANDMARK_SIZE, 0.0, 1.0))
        presence = float(np.asarray(outs[1]).reshape(-1)[0])
        if presence < self.params.min_presence:
            return None
        raw = np.asarray(outs[0], dtype=np.float64).reshape(21, 3)
        points = blaze.to_source(raw[:, :2], region, LANDMARK_SIZE)
        right = float(np.asarray(outs[2]).reshape(-1)[0]) > 0.5
        pts = tuple((float(x), float(y)) for x, y in points)
        taught, _ = self.taught.match(points, right)
        sign = f"taught:{taught}" if taught else read_sign(points, right)
        return Hand(pts, presence, right, sign, region)


def _distinct(hands: list[Hand]) -> list[Hand]:
    """Drop a hand whose wrist sits on another's (two regions that found the same hand)."""
    out: list[Hand] = []
    for hand in sorted(hands, key=lambda h: h.score, reverse=True):
        palm = math.dist(hand.points[0], hand.points[9]) or 1.0
        if all(math.dist(hand.points[0], o.points[0]) > 0.5 * palm for o in out):
            out.append(hand)
    return out


def _next_region(hand: Hand) -> blaze.Region:
    """The region for the next frame, from this frame's keypoints (MediaPipe's rule)."""
    p = np.asarray(hand.points)
    target = (p[5] + p[13]) / 2
    target = (target + p[9]) / 2
    angle = math.pi / 2 - math.atan2(-(target[1] - p[0, 1]), target[0] - p[0, 0])
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    part = p[list(_PARTIAL)]
    c, s = math.cos(angle), math.sin(angle)
    centre0 = part.mean(axis=0)
    local = (part - centre0) @ np.array([[c, s], [-s, c]]).T
    lo, hi = local.min(axis=0), local.max(axis=0)
    mid = (lo + hi) / 2
    centre = centre0 + mid @ np.array([[c, s], [-s, c]])
    side = float(max(hi - lo))
    start = (float(centre[0]), float(centre[1]))
    end = (start[0] + math.sin(angle), start[1] - math.cos(angle))
    return blaze.region_from_points(start, end, side, 2.0, -0.1)


_BASES = {5: (-0.3, -1.0), 9: (0.0, -1.05), 13: (0.28, -1.0), 17: (0.5, -0.9)}


def sign_shape(sign: str) -> FloatArray:
    """A drawn example of a built-in sign: 21 points of an upright right hand, palm length 1.

    Used for the demo's pictures of the signs (and to check the sign rules): an illustration,
    not a measured hand.
    """
    fingers = {"open_hand": (1, 1, 1, 1), "fist": (0, 0, 0, 0), "thumbs_up": (0, 0, 0, 0),
               "peace": (1, 1, 0, 0), "pointing": (1, 0, 0, 0)}[sign]
    pts = np.zeros((21, 2))
    for base, stretched in zip((5, 9, 13, 17), fingers, strict=True):
        bx, by = _BASES[base]
        pts[base] = (bx, by)
        bent = (0.25, 0.45, 0.35)  # a bent finger curls back over the palm
        for k in (1, 2, 3):
            pts[base + k] = (bx, by - 0.3 * k) if stretched else (bx, by + bent[k - 1])
    pts[1], pts[2] = (-0.35, -0.2), (-0.6, -0.4)
    if sign == "open_hand":
        pts[3], pts[4] = (-0.85, -0.55), (-1.05, -0.7)
    else:
        pts[3], pts[4] = (-0.35, -0.6), (-0.1, -0.7)
    if sign == "thumbs_up":
        # A fist turned on its side, the thumb pointing up.
        pts[3], pts[4] = (-0.85, -0.55), (-1.05, -0.7)
        c, s = 0.0, 1.0  # +90°: fingers point to the side, the thumb up
        pts = pts @ np.array([[c, -s], [s, c]]).T
    return pts
