"""Face detection (MTCNN cascade) and face pixelation for the face privacy demo.

The three MTCNN networks arrive as :class:`~kiosk.core.tasks.base.ModelFn` callables, so this
module needs neither onnxruntime nor Qt. The cascade follows facenet-pytorch 2.6.0 (whose
weights ``models/mtcnn_*.onnx`` were exported from; see ``models/mtcnn.md``):

1. P-net runs fully convolutionally over an image pyramid and proposes 12x12 windows.
2. R-net scores 24x24 crops of the proposals (one batched call).
3. O-net scores 48x48 crops (one batched call) and adds five landmarks.

Input to every net is RGB, NCHW float32, ``(pixel - 127.5) / 128``. Outputs are matched by
their size along axis 1 (4 = box offsets, 2 = probabilities, 10 = landmarks) rather than by
position, so MTCNN exports that list their outputs in another order work as well.

Deliberate differences from facenet-pytorch: coordinates are continuous 0-based pixels (not
MATLAB-style 1-based), and crops that reach over the image border are zero-padded as in the
original MTCNN instead of being stretched, which keeps faces at the frame edge in proportion.

Only boxes, scores and landmark positions leave this module: nothing here identifies a person.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from kiosk.core.tasks.base import JsonDict, ModelFn

__all__ = ["LANDMARK_NAMES", "Face", "FaceDetector", "FaceHold", "FaceParams", "equalise",
           "pixelate"]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.intp]
ImageU8 = npt.NDArray[np.uint8]

LANDMARK_NAMES: Final = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
"""Order of :attr:`Face.landmarks`; left/right as seen in the image (not the person's own)."""

_PNET_CELL: Final = 12
_PNET_STRIDE: Final = 2
_RNET_SIZE: Final = 24
_ONET_SIZE: Final = 48


@dataclass(frozen=True)
class Face:
    """One detected face in the coordinates of the image given to :meth:`FaceDetector.detect`.

    ``box`` is ``(x1, y1, x2, y2)`` in pixels, clipped to the image; ``landmarks`` are five
    ``(x, y)`` points in the order of :data:`LANDMARK_NAMES`, not clipped: for a face cut by the
    frame edge some may lie outside the image.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...]

    @property
    def width(self) -> float:
        """Box width in pixels."""
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        """Box height in pixels."""
        return self.box[3] - self.box[1]

    def to_json(self) -> JsonDict:
        """JSON-ready form (rounded; sub-pixel digits carry no information)."""
        return {
            "box": [round(v, 1) for v in self.box],
            "score": round(self.score, 4),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in self.landmarks],
        }


@dataclass(frozen=True)
class FaceParams:
    """Tuning of the cascade. Defaults suit a 640x480 camera frame with visitors ~1-3 m away.

    - ``min_face``: smallest face side in pixels searched for (>= 12). Halving it roughly
      doubles the time and the false alarms.
    - ``thresholds``: face probability needed to pass P-, R- and O-net.
    - ``factor``: scale step of the image pyramid (0.709 = area halves every step).
    - ``max_faces``: at most this many faces are returned, best score first.
    - ``nms_*``: overlap above which a weaker box is dropped; the O-net stage divides the
      intersection by the smaller box (so a box inside another goes), the others by the union.
    - ``max_candidates``: cap on windows sent to R-net and to O-net, best first; it bounds the
      time on busy scenes (crowds, textured walls) without affecting ordinary frames.
    - ``equalise``: clip limit of the local contrast equalisation (CLAHE on the brightness)
      the cascade sees; 0 turns it off. It lifts faces in dark corners and backlight.

    A privacy filter must err on the side of hiding. The defaults were chosen with
    ``kiosk bench-faces`` (LFW faces in 640x480 grids at 100-200 px, dark, with glasses;
    photos without people): equalisation took the dark grids from 95 % to 98-100 % hidden,
    R- and O-net at 0.5 instead of 0.7 found the last faces (one dark-skinned face in
    shadow among them), and neither put a box on the people-free photos.
    """

    min_face: int = 40
    thresholds: tuple[float, float, float] = (0.6, 0.5, 0.5)
    factor: float = 0.709
    max_faces: int = 20
    nms_pnet_scale: float = 0.5
    nms_pnet: float = 0.7
    nms_rnet: float = 0.7
    nms_onet: float = 0.7
    max_candidates: int = 300
    equalise: float = 2.0

    def __post_init__(self) -> None:
        # Parameters may come from a demo manifest, so check them here with readable messages.
        thresholds = tuple(float(t) for t in self.thresholds)
        if len(thresholds) != 3:
            raise ValueError(f"thresholds needs 3 values (P-, R-, O-net), got {len(thresholds)}")
        object.__setattr__(self, "thresholds", thresholds)
        problems: list[str] = []
        if self.min_face < _PNET_CELL:
            problems.append(f"min_face must be >= {_PNET_CELL}, got {self.min_face}")
        if not all(0.0 <= t <= 1.0 for t in thresholds):
            problems.append(f"thresholds must lie in [0, 1], got {thresholds}")
        if not 0.1 <= self.factor <= 0.95:
            problems.append(f"factor must lie in [0.1, 0.95], got {self.factor}")
        if self.max_faces < 1:
            problems.append(f"max_faces must be >= 1, got {self.max_faces}")
        if self.max_candidates < 1:
            problems.append(f"max_candidates must be >= 1, got {self.max_candidates}")
        if not 0.0 <= self.equalise <= 40.0:
            problems.append(f"equalise must lie in [0, 40], got {self.equalise}")
        for name in ("nms_pnet_scale", "nms_pnet", "nms_rnet", "nms_onet"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                problems.append(f"{name} must lie in (0, 1], got {value}")
        if problems:
            raise ValueError("; ".join(problems))


class FaceDetector:
    """MTCNN cascade over three model callables; stateless between calls, so thread-safe as
    far as the callables are."""

    def __init__(
        self,
        pnet: ModelFn,
        rnet: ModelFn,
        onet: ModelFn,
        params: FaceParams | None = None,
    ) -> None:
        self.pnet = pnet
        self.rnet = rnet
        self.onet = onet
        self.params = params if params is not None else FaceParams()

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[Face]:
        """Return the faces in an RGB ``uint8`` image, best score first.

        Accepts ``(H, W, 3)``; also ``(H, W)`` / ``(H, W, 1)`` grayscale and ``(H, W, 4)`` RGBA.
        Channel order matters: convert OpenCV's BGR frames first. Images too small for the
        smallest searched face, and frames without faces, give ``[]``. Raises ``ValueError``
        for other dtypes or shapes, and when a model's outputs do not fit MTCNN.
        """
        img = _as_rgb(rgb)
        h, w = img.shape[:2]
        p = self.params
        scales = pyramid_scales(h, w, p.min_face, p.factor)
        if not scales:
            return []
        if p.equalise > 0:
            img = equalise(img, p.equalise)

        boxes = self._stage_pnet(img, scales)
        if len(boxes) == 0:
            return []
        boxes = _square(boxes)

        boxes = self._stage_rnet(img, boxes)
        if len(boxes) == 0:
            return []
        boxes = _square(boxes)

        boxes, points = self._stage_onet(img, boxes)
        return _to_faces(boxes, points, w, h, p.max_faces)

    def _stage_pnet(self, img: ImageU8, scales: list[float]) -> FloatArray:
        """Proposals as ``[N, 5]`` (x1, y1, x2, y2, score), already box-regressed."""
        p = self.params
        h, w = img.shape[:2]
        found: list[FloatArray] = []
        # INTER_AREA at a fractional ratio costs about 1 ms per level from a full 640x480 frame.
        # Exact 2x2 halvings are cheap, so each level is shrunk from the smallest halving still
        # at least its size: the same box filter as shrinking the frame, at a tenth of the cost.
        # (Shrinking each level from the previous one would blur cumulatively.)
        halvings = [img]
        for scale in scales:
            hs, ws = math.ceil(h * scale), math.ceil(w * scale)
            while True:
                src = halvings[-1]
                if src.shape[0] // 2 < hs or src.shape[1] // 2 < ws:
                    break
                half = (src.shape[1] // 2, src.shape[0] // 2)
                halvings.append(_shrink(src, half))
            resized = _shrink(halvings[-1], (ws, hs))
            out = _outputs(self.pnet(_to_blob(resized[np.newaxis])), {4: "reg", 2: "prob"}, "P")
            prob = out["prob"][0, 1]
            ys, xs = np.nonzero(prob >= p.thresholds[0])
            if len(ys) == 0:
                continue
            # The rounded-up size makes the true scale differ a little per axis.
            sx, sy = ws / w, hs / h
            gx = (xs * _PNET_STRIDE).astype(np.float32)
            gy = (ys * _PNET_STRIDE).astype(np.float32)
            cand = np.empty((len(ys), 9), dtype=np.float32)
            cand[:, 0] = gx / sx
            cand[:, 1] = gy / sy
            cand[:, 2] = (gx + _PNET_CELL) / sx
            cand[:, 3] = (gy + _PNET_CELL) / sy
            cand[:, 4] = prob[ys, xs]
            cand[:, 5:9] = out["reg"][0][:, ys, xs].T
            keep = nms(cand[:, :4], cand[:, 4], p.nms_pnet_scale)
            found.append(cand[keep])
        if not found:
            return np.empty((0, 5), dtype=np.float32)
        allc = np.concatenate(found)
        allc = allc[nms(allc[:, :4], allc[:, 4], p.nms_pnet)]
        return np.concatenate([_regress(allc[:, :4], allc[:, 5:9]), allc[:, 4:5]], axis=1)

    def _stage_rnet(self, img: ImageU8, boxes: FloatArray) -> FloatArray:
        """Refined boxes ``[N, 5]`` after R-net, box-regressed."""
        p = self.params
        boxes = _best(boxes, p.max_candidates)
        windows = _windows(boxes, img.shape[1], img.shape[0])
        if len(windows) == 0:
            return np.empty((0, 5), dtype=np.float32)
        out = _outputs(self.rnet(_crops(img, windows, _RNET_SIZE)), {4: "reg", 2: "prob"}, "R")
        score = out["prob"][:, 1]
        passed = score > p.thresholds[1]
        wins = windows[passed].astype(np.float32)
        reg = out["reg"][passed]
        score = score[passed]
        keep = nms(wins, score, p.nms_rnet)
        return np.concatenate([_regress(wins[keep], reg[keep]), score[keep, None]], axis=1)

    def _stage_onet(self, img: ImageU8, boxes: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Final boxes ``[N, 5]`` and landmarks ``[N, 5, 2]`` in image coordinates."""
        p = self.params
        boxes = _best(boxes, p.max_candidates)
        windows = _windows(boxes, img.shape[1], img.shape[0])
        if len(windows) == 0:
            return np.empty((0, 5), dtype=np.float32), np.empty((0, 5, 2), dtype=np.float32)
        out = _outputs(
            self.onet(_crops(img, windows, _ONET_SIZE)),
            {4: "reg", 2: "prob", 10: "landmarks"},
            "O",
        )
        score = out["prob"][:, 1]
        passed = score > p.thresholds[2]
        wins = windows[passed].astype(np.float32)
        score = score[passed]
        lm = out["landmarks"][passed]
        bw = (wins[:, 2] - wins[:, 0])[:, None]
        bh = (wins[:, 3] - wins[:, 1])[:, None]
        # Landmarks are fractions of the window O-net saw: x0..x4 then y0..y4.
        points = np.stack(
            [wins[:, 0:1] + bw * lm[:, 0:5], wins[:, 1:2] + bh * lm[:, 5:10]], axis=2
        ).astype(np.float32)
        final = np.concatenate([_regress(wins, out["reg"][passed]), score[:, None]], axis=1)
        keep = nms(final[:, :4], final[:, 4], p.nms_onet, use_min=True)
        return final[keep], points[keep]


def equalise(rgb: ImageU8, clip: float = 2.0) -> ImageU8:
    """``rgb`` with its brightness locally equalised (CLAHE, 8x8 tiles), colours kept.

    Costs about a millisecond at 640x480; boxes found on the result fit the original.
    """
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    ycc[:, :, 0] = cv2.createCLAHE(clipLimit=clip, tileGridSize=(8, 8)).apply(
        np.ascontiguousarray(ycc[:, :, 0]))
    return np.asarray(cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB), dtype=np.uint8)


class FaceHold:
    """Keeps each face hidden for ``seconds`` after the detector last saw it.

    A cascade misses a face now and then for one frame (motion blur, a turned head); for a
    privacy filter one unhidden frame is one too many. A face of the previous frames that no
    current box overlaps (IoU below ``overlap``) is returned again until it is ``seconds``
    old. ``now`` comes from the caller, so tests need no clock.
    """

    def __init__(self, seconds: float = 0.5, overlap: float = 0.3) -> None:
        self.seconds = seconds
        self.overlap = overlap
        self._last: list[tuple[Face, float]] = []

    def update(self, faces: Sequence[Face], now: float) -> tuple[list[Face], int]:
        """The faces to hide now (current ones first) and how many of them are held."""
        kept = [(f, now) for f in faces]
        for old, seen in self._last:
            if now - seen > self.seconds or now < seen:
                continue
            if all(_iou(old.box, f.box) < self.overlap for f, _ in kept):
                kept.append((old, seen))
        self._last = kept
        return [f for f, _ in kept], len(kept) - len(faces)

    def clear(self) -> None:
        """Forget every face (a new visitor)."""
        self._last = []


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def pyramid_scales(height: int, width: int, min_face: int, factor: float) -> list[float]:
    """Scales at which a 12-pixel P-net window covers faces from ``min_face`` upwards."""
    first = _PNET_CELL / min_face
    side = min(height, width) * first
    scales: list[float] = []
    scale = first
    while side >= _PNET_CELL:
        scales.append(scale)
        scale *= factor
        side *= factor
    return scales


def nms(
    boxes: FloatArray, scores: FloatArray, threshold: float, *, use_min: bool = False
) -> IntArray:
    """Greedy non-maximum suppression; indices of kept boxes, best score first.

    Overlap is intersection over union, or over the smaller box with ``use_min``.
    """
    if len(boxes) == 0:
        return np.empty(0, dtype=np.intp)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.maximum(x2 - x1, 0.0) * np.maximum(y2 - y1, 0.0)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size > 0:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0.0)
        ih = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0.0)
        inter = iw * ih
        denom = np.minimum(areas[i], areas[rest]) if use_min else areas[i] + areas[rest] - inter
        # Degenerate (zero-area) boxes would divide by zero; they overlap nothing.
        overlap = inter / np.maximum(denom, 1e-6)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.intp)


def pixelate(
    rgb: npt.NDArray[np.uint8],
    faces: Sequence[Face],
    blocks: int = 12,
    margin: float = 0.2,
) -> npt.NDArray[np.uint8]:
    """Return a copy of ``rgb`` with every face box mosaic-pixelated.

    Each box is enlarged by ``margin`` of its size on every side (hair, chin, a box that is a
    little off) and clipped to the image. The longer side of the region gets ``blocks`` square
    cells; fewer blocks hide more.
    """
    if blocks < 1:
        raise ValueError(f"blocks must be >= 1, got {blocks}")
    out = np.array(rgb, copy=True, order="C")
    if out.ndim < 2 or out.shape[0] == 0 or out.shape[1] == 0:
        return out
    h, w = out.shape[:2]
    for face in faces:
        x1, y1, x2, y2 = face.box
        mx = max(x2 - x1, 0.0) * margin
        my = max(y2 - y1, 0.0) * margin
        ix1, iy1 = max(0, math.floor(x1 - mx)), max(0, math.floor(y1 - my))
        ix2, iy2 = min(w, math.ceil(x2 + mx)), min(h, math.ceil(y2 + my))
        if ix2 <= ix1 or iy2 <= iy1:
            continue
        roi = out[iy1:iy2, ix1:ix2]
        rh, rw = roi.shape[:2]
        cell = max(rw, rh) / blocks
        nx, ny = max(1, round(rw / cell)), max(1, round(rh / cell))
        small = cv2.resize(roi, (nx, ny), interpolation=cv2.INTER_AREA)
        big = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_NEAREST)
        out[iy1:iy2, ix1:ix2] = big.reshape(roi.shape)
    return out


def _as_rgb(image: npt.NDArray[np.uint8]) -> ImageU8:
    """Contiguous ``(H, W, 3)`` uint8 view or copy of a camera frame."""
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = np.repeat(image[:, :, np.newaxis], 3, axis=2)
    elif image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    # Alpha carries nothing for detection.
    return np.ascontiguousarray(image[:, :, :3])


def _shrink(img: ImageU8, size: tuple[int, int]) -> ImageU8:
    """Resize to ``size`` (width, height) with INTER_AREA, the box filter MTCNN was fed with
    (OpenCV switches to bilinear by itself when a crop has to be enlarged)."""
    return np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _to_blob(batch: ImageU8) -> FloatArray:
    """``[N, H, W, 3]`` uint8 to the nets' ``[N, 3, H, W]`` float32 in about [-1, 1]."""
    x = batch.astype(np.float32)
    x -= 127.5
    x *= 1.0 / 128.0
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def _outputs(
    outputs: Sequence[npt.NDArray[np.generic]], by_size: dict[int, str], net: str
) -> dict[str, FloatArray]:
    """Pick the outputs by their size on axis 1; a model that lacks one is a broken model."""
    found: dict[str, FloatArray] = {}
    for arr in outputs:
        if arr.ndim >= 2:
            name = by_size.get(int(arr.shape[1]))
            if name is not None and name not in found:
                found[name] = np.asarray(arr, dtype=np.float32)
    if len(found) != len(by_size):
        shapes = [tuple(a.shape) for a in outputs]
        want = ", ".join(f"{n} (size {s} on axis 1)" for s, n in by_size.items())
        raise ValueError(f"MTCNN {net}-net outputs {shapes} do not provide: {want}")
    return found


def _regress(boxes: FloatArray, reg: FloatArray) -> FloatArray:
    """Apply MTCNN box offsets, which are fractions of the box width/height per edge."""
    wh = np.concatenate([boxes[:, 2:4] - boxes[:, 0:2]] * 2, axis=1)
    return np.asarray(boxes[:, :4] + reg * wh, dtype=np.float32)


def _square(boxes: FloatArray) -> FloatArray:
    """Grow each box to a square around its centre (the nets were trained on squares)."""
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + (w - side) * 0.5
    out[:, 1] = boxes[:, 1] + (h - side) * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def _best(boxes: FloatArray, limit: int) -> FloatArray:
    """The ``limit`` highest-scoring rows (column 4)."""
    if len(boxes) <= limit:
        return boxes
    return boxes[np.argsort(-boxes[:, 4], kind="stable")[:limit]]


def _windows(boxes: FloatArray, width: int, height: int) -> IntArray:
    """Integer crop windows ``[N, 4]``; windows of < 2 px or fully outside are dropped.

    Regression and landmarks are later applied to these integer windows, since that is the
    region the net actually saw.
    """
    if len(boxes) == 0:
        return np.empty((0, 4), dtype=np.intp)
    # Guard against wild regressions producing NaN or enormous numbers.
    finite = np.all(np.isfinite(boxes[:, :4]), axis=1)
    limit = 4.0 * max(width, height)
    b = np.clip(boxes[finite, :4], -limit, limit)
    win = np.rint(b).astype(np.intp)
    ok = (
        (win[:, 2] - win[:, 0] >= 2)
        & (win[:, 3] - win[:, 1] >= 2)
        & (win[:, 2] > 0)
        & (win[:, 3] > 0)
        & (win[:, 0] < width)
        & (win[:, 1] < height)
    )
    return win[ok]


def _crops(img: ImageU8, windows: IntArray, size: int) -> FloatArray:
    """Resize each window to ``size`` x ``size``; the part outside the image is black."""
    h, w = img.shape[:2]
    batch = np.empty((len(windows), size, size, 3), dtype=np.uint8)
    for i, (x1, y1, x2, y2) in enumerate(windows.tolist()):
        if x1 >= 0 and y1 >= 0 and x2 <= w and y2 <= h:
            patch = img[y1:y2, x1:x2]
        else:
            patch = np.zeros((y2 - y1, x2 - x1, 3), dtype=np.uint8)
            cx1, cy1, cx2, cy2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
            patch[cy1 - y1 : cy2 - y1, cx1 - x1 : cx2 - x1] = img[cy1:cy2, cx1:cx2]
        batch[i] = _shrink(patch, (size, size))
    return _to_blob(batch)


def _to_faces(
    boxes: FloatArray, points: FloatArray, width: int, height: int, max_faces: int
) -> list[Face]:
    """Clip boxes to the image, drop empty ones, best score first, at most ``max_faces``."""
    faces: list[Face] = []
    for i in np.argsort(-boxes[:, 4], kind="stable").tolist():
        x1, y1, x2, y2, score = boxes[i].tolist()
        if not all(math.isfinite(v) for v in (x1, y1, x2, y2, score)):
            continue
        x1, x2 = min(max(x1, 0.0), width), min(max(x2, 0.0), width)
        y1, y2 = min(max(y1, 0.0), height), min(max(y2, 0.0), height)
        if x2 - x1 < 1.0 or y2 - y1 < 1.0:
            continue
        # Landmarks stay unclipped: for a face cut by the frame edge the true (outside) position
        # is what an alignment warp needs, and clipping would bend the face shape.
        lms = tuple((px, py) for px, py in points[i].tolist())
        faces.append(Face(box=(x1, y1, x2, y2), score=score, landmarks=lms))
        if len(faces) >= max_faces:
            break
    return faces
