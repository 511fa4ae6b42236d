"""Shared machinery of the MediaPipe "Blaze" models: SSD anchors, box decoding, regions.

The pose, palm and face detectors are single-shot detectors over a fixed grid of anchors; the
landmark models then look at a rotated square region of the frame. This module does both parts
in plain NumPy/OpenCV so each task module only states its own numbers (see models/mediapipe.md).
Coordinates are in source-image pixels unless a name says otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


def ssd_anchors(input_size: int, strides: tuple[int, ...]) -> FloatArray:
    """Anchor centres ``[N, 2]`` (x, y in 0…1) as MediaPipe's SSD anchor calculator makes them.

    With one aspect ratio and an interpolated scale, every layer puts two anchors on each cell;
    consecutive layers with the same stride share one grid. All anchors have size 1 (fixed).
    """
    out: list[tuple[float, float]] = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        per_cell = 0
        while i < len(strides) and strides[i] == stride:
            per_cell += 2
            i += 1
        cells = math.ceil(input_size / stride)
        for y in range(cells):
            for x in range(cells):
                out.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
    return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class Detection:
    """One detected box with keypoints, in source pixels."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    keypoints: tuple[tuple[float, float], ...]
    score: float


@dataclass(frozen=True)
class Letterbox:
    """How a frame was scaled and padded into the square detector input."""

    scale: float  # detector-input pixels per source pixel
    pad_x: float  # detector-input pixels of padding left
    pad_y: float
    size: int

    def to_source(self, xy: np.ndarray) -> np.ndarray:
        """Normalised detector coordinates (…, 2) → source pixels."""
        return np.asarray((xy * self.size - np.array([self.pad_x, self.pad_y])) / self.scale)


def letterbox(rgb: np.ndarray, size: int, lo: float, hi: float) -> tuple[FloatArray, Letterbox]:
    """``rgb`` scaled to fit ``size``×``size`` (aspect kept, padded), values in ``lo``…``hi``."""
    import cv2

    h, w = rgb.shape[:2]
    scale = size / max(h, w, 1)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    pad_x, pad_y = (size - nw) // 2, (size - nh) // 2
    canvas = np.zeros((size, size, 3), dtype=np.uint8)
    canvas[pad_y:pad_y + nh, pad_x:pad_x + nw] = cv2.resize(
        rgb, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    x = canvas.astype(np.float32) * ((hi - lo) / 255.0) + lo
    return x[np.newaxis], Letterbox(scale, float(pad_x), float(pad_y), size)


def decode(
    raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: FloatArray, box: Letterbox,
    num_keypoints: int, min_score: float,
) -> list[Detection]:
    """Detections above ``min_score`` from one detector run (before non-maximum suppression)."""
    logits = np.clip(raw_scores.reshape(-1).astype(np.float64), -100.0, 100.0)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.flatnonzero(scores >= min_score)
    out = []
    size = float(box.size)
    rows = raw_boxes.reshape(len(anchors), -1)
    for i in keep:
        r = rows[i]
        a = anchors[i]
        cx, cy = r[0] / size + a[0], r[1] / size + a[1]
        w, h = r[2] / size, r[3] / size
        corners = box.to_source(np.array([[cx - w / 2, cy - h / 2], [cx + w / 2, cy + h / 2]]))
        kps = np.array([[r[4 + 2 * k] / size + a[0], r[5 + 2 * k] / size + a[1]]
                        for k in range(num_keypoints)])
        src = box.to_source(kps)
        out.append(Detection(
            (float(corners[0, 0]), float(corners[0, 1]), float(corners[1, 0]),
             float(corners[1, 1])),
            tuple((float(x), float(y)) for x, y in src), float(scores[i])))
    return out


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def weighted_nms(dets: list[Detection], iou: float, limit: int) -> list[Detection]:
    """MediaPipe's weighted suppression: overlapping boxes are averaged, weighted by score."""
    rest = sorted(dets, key=lambda d: d.score, reverse=True)
    out: list[Detection] = []
    while rest and len(out) < limit:
        best = rest[0]
        group = [d for d in rest if _iou(best.box, d.box) > iou]
        rest = [d for d in rest if _iou(best.box, d.box) <= iou]
        weights = np.array([d.score for d in group])
        boxes = np.array([d.box for d in group])
        kps = np.array([d.keypoints for d in group])
        total = float(weights.sum())
        box = tuple(float(v) for v in (weights[:, None] * boxes).sum(0) / total)
        kp = (weights[:, None, None] * kps).sum(0) / total
        out.append(Detection((box[0], box[1], box[2], box[3]),
                             tuple((float(x), float(y)) for x, y in kp), best.score))
    return out


@dataclass(frozen=True)
class Region:
    """A rotated square of the source image that a landmark model looks at."""

    cx: float
    cy: float
    size: float  # side length in source pixels
    angle: float  # radians; the region's "up" is rotated by this from the image's up

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"cx": round(self.cx, 1), "cy": round(self.cy, 1), "size": round(self.size, 1),
                "angle": round(self.angle, 4)}


def region_from_points(
    start: tuple[float, float], end: tuple[float, float], size: float, scale: float,
    shift_y: float = 0.0, centre: tuple[float, float] | None = None,
) -> Region:
    """A square region rotated so start→end points up, as MediaPipe's rect calculators make it.

    ``size`` is the side before scaling; the centre (default ``start``) moves by ``shift_y``
    sides along the region's own up–down axis (negative: towards its top), then the side is
    multiplied by ``scale``.
    """
    angle = math.pi / 2 - math.atan2(-(end[1] - start[1]), end[0] - start[0])
    angle = (angle + math.pi) % (2 * math.pi) - math.pi
    cx, cy = centre or start
    cx -= shift_y * size * math.sin(angle)
    cy += shift_y * size * math.cos(angle)
    return Region(cx, cy, size * scale, angle)


def crop_matrix(region: Region, out_size: int) -> np.ndarray:
    """The 2×3 affine matrix taking source pixels into the ``out_size`` square of ``region``."""
    c, s = math.cos(region.angle), math.sin(region.angle)
    k = out_size / max(region.size, 1e-6)
    # Rotate by −angle about the centre, scale, then move the centre to the middle.
    m = np.array([[c * k, s * k, 0.0], [-s * k, c * k, 0.0]])
    m[:, 2] = np.array([out_size / 2, out_size / 2]) - m[:, :2] @ np.array([region.cx, region.cy])
    return m


def crop(rgb: np.ndarray, region: Region, out_size: int, lo: float, hi: float) -> FloatArray:
    """The region as a model input ``[1, out_size, out_size, 3]`` with values ``lo``…``hi``."""
    import cv2

    m = crop_matrix(region, out_size)
    patch = cv2.warpAffine(rgb, m, (out_size, out_size), flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    return (patch.astype(np.float32) * ((hi - lo) / 255.0) + lo)[np.newaxis]


def to_source(points: np.ndarray, region: Region, out_size: int) -> np.ndarray:
    """Points ``[N, 2]`` in the region's model-input pixels → source pixels."""
    m = crop_matrix(region, out_size)
    inv = np.linalg.inv(np.vstack([m, [0.0, 0.0, 1.0]]))[:2]
    return np.asarray(points[:, :2] @ inv[:, :2].T + inv[:, 2])


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function, safe for large logits."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float64), -80, 80))))
