"""Text reading (OCR) for the "The AI reads / KI liest mit" demo: PP-OCRv4 pre- and post-processing.

Two models work in sequence, both passed in as :class:`~kiosk.core.tasks.base.ModelFn` callables
so this module never touches onnxruntime:

* **detection** (DB, "differentiable binarisation"): a BGR image, normalised to [-1, 1], with
  sides that are multiples of 32, gives a per-pixel text probability map of the same size.
  Thresholding it, taking contours and their minimum-area rectangles, and growing each rectangle
  ("unclip") gives one rotated box per text line.
* **recognition** (CTC): each box, cut out and straightened with a perspective warp, scaled to
  48 px height and padded to at least 320 px width, gives per-column class probabilities;
  greedy CTC decoding (best class per column, merge repeats, drop blanks) gives the text.

The caller hands in RGB frames (as everywhere in the app); the conversion to the BGR the models
were trained on happens here. :meth:`TextReader.detect` and :meth:`TextReader.recognise` are
separate steps so the UI can draw the boxes before the slower recognition has finished.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.core.tasks.base import JsonDict, ModelFn

__all__ = [
    "CTC_BLANK",
    "LiveParams",
    "LiveReader",
    "OcrLine",
    "OcrParams",
    "Point",
    "Quad",
    "TextBox",
    "TextReader",
    "characters_from_metadata",
    "crop_quad",
    "ctc_greedy_decode",
    "order_quad",
    "unclip_rect",
]

Point = tuple[float, float]
#: Four corners in image pixels, clockwise, starting at the top-left of the text as it is read.
Quad = tuple[Point, Point, Point, Point]

#: Class 0 of the recogniser: "no character here". Empty, so that joining decoded classes can
#: never leak it into text even if a caller decodes by hand.
CTC_BLANK = ""

_DET_STRIDE = 32  # the detector's feature pyramid needs sides divisible by 32
_MIN_IMAGE_SIDE = 8  # below this no legible text fits; skip the models entirely
# A frame whose pixel values span fewer levels than this is blank (lens cap, black screen):
# skipping it saves a detector pass and rules out text hallucinated from sensor noise.
_MIN_CONTRAST = 8
# |cos| of the reading direction below which a line counts as near-vertical (about 60 degrees
# or steeper): there the box alone cannot tell top-to-bottom from bottom-to-top reading
_NEAR_VERTICAL = 0.5
_ELONGATED = 1.5  # long / short side from which a box's long side is taken as the text direction


def characters_from_metadata(value: str) -> list[str]:
    """Turn the recogniser's ``character`` metadata into the class list used for CTC decoding.

    The metadata holds one character per line (6,623 for PP-OCRv4). The model's classes are
    that list with the CTC blank (:data:`CTC_BLANK`) in front and a space at the end, so the
    result has one entry per output class (6,625).
    """
    # split on "\n" only: str.splitlines() would also split on characters such as U+2028 or
    # U+0085 that may legitimately be entries of a character list
    entries = [line.removesuffix("\r") for line in value.split("\n")]
    if entries and entries[-1] == "":
        entries.pop()  # a trailing newline ends the last line, it does not add an entry
    if not entries:
        raise ValueError("the character metadata is empty")
    return [CTC_BLANK, *entries, " "]


@dataclass(frozen=True)
class OcrParams:
    """Tuning knobs; the defaults follow PaddleOCR's PP-OCRv4 settings where they exist."""

    #: Longest side fed to the detector; larger frames are scaled down (never up) to it.
    det_limit_side: int = 640
    #: Probability above which a pixel of the detector's map counts as text.
    bin_thresh: float = 0.3
    #: Mean probability inside a box below which the box is dropped.
    box_thresh: float = 0.5
    #: How far a box is grown: by area * ratio / perimeter on every side (DB's unclip).
    unclip_ratio: float = 1.6
    #: Boxes with a shorter side (in detector pixels) are noise.
    min_size: float = 3.0
    #: Contours looked at per frame; bounds the worst case on busy images.
    max_candidates: int = 1000
    #: At most this many lines (the most confident boxes) are recognised per frame.
    max_lines: int = 30
    #: Recogniser input height in pixels (fixed by the model).
    rec_height: int = 48
    #: Recogniser inputs are padded to at least this width (the training width).
    rec_min_width: int = 320
    #: Wider lines are squeezed to this width, bounding recognition time for long lines.
    rec_max_width: int = 1600
    #: Crops per recogniser call (sorted by aspect ratio, padded to the widest). On CPU a batch
    #: saves nothing per line while padding every line to the widest costs real time (5 mixed
    #: lines: 157 ms one by one, 267 ms as one batch), hence 1.
    rec_batch: int = 1
    #: Lines whose mean character confidence is lower are dropped.
    min_score: float = 0.5
    #: Read lines that score below ``min_score``, and near-vertical lines, again turned by
    #: 180 degrees (near-vertical ones also upright) and keep the best reading. A box has no
    #: "up", so this is what reads upside-down cards, vertical text in either direction and
    #: single tall characters; it costs extra recogniser work for those lines only.
    retry_turned: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.det_limit_side < _DET_STRIDE:
            problems.append(f"det_limit_side must be >= {_DET_STRIDE}")
        for name in ("bin_thresh", "box_thresh", "min_score"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(f"{name} must be within [0, 1]")
        if self.unclip_ratio < 0.0:
            problems.append("unclip_ratio must be >= 0")
        if self.min_size < 0.0:
            problems.append("min_size must be >= 0")
        for name in ("max_candidates", "max_lines", "rec_height", "rec_batch"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1")
        if not 1 <= self.rec_min_width <= self.rec_max_width:
            problems.append("need 1 <= rec_min_width <= rec_max_width")
        if problems:
            raise ValueError("invalid OCR parameters: " + "; ".join(problems))


def _quad_json(box: Quad) -> list[list[float]]:
    return [[round(x, 1), round(y, 1)] for x, y in box]


@dataclass(frozen=True)
class TextBox:
    """A detected text line before recognition."""

    box: Quad
    #: Mean detector probability inside the box (0..1).
    score: float

    def to_json(self) -> JsonDict:
        """JSON-ready form: ``{"box": [[x, y] x4], "score": float}``."""
        return {"box": _quad_json(self.box), "score": round(self.score, 4)}


@dataclass(frozen=True)
class OcrLine:
    """One recognised line of text."""

    text: str
    #: Mean confidence of the recognised characters (0..1).
    score: float
    box: Quad

    def to_json(self) -> JsonDict:
        """JSON-ready form: ``{"text": str, "score": float, "box": [[x, y] x4]}``."""
        return {"text": self.text, "score": round(self.score, 4), "box": _quad_json(self.box)}


# --------------------------------------------------------------------------- geometry helpers


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order the 4 corners of a (rotated) rectangle clockwise from the text's top-left corner.

    For a box clearly longer than high the long side is taken as the reading direction and
    oriented left to right, so lines rotated by anything up to (but not including) 90 degrees
    come out upright. Near-square boxes start at the corner whose outgoing edge points most
    to the right. Returns a float32 array of shape (4, 2).
    """
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    # ascending angle in image coordinates (y down) runs clockwise on screen
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles, kind="stable")]
    edges = np.roll(pts, -1, axis=0) - pts
    lengths = np.maximum(np.hypot(edges[:, 0], edges[:, 1]), 1e-6)
    if max(lengths[0], lengths[1]) >= _ELONGATED * min(lengths[0], lengths[1]):
        first = 0 if lengths[0] > lengths[1] else 1
        dx, dy = edges[first]  # the other long edge points the opposite way
        if abs(dx) <= 1e-3 * lengths[first]:
            # a vertical line reads top to bottom (PaddleOCR's convention for vertical text)
            start = first if dy > 0 else first + 2
        else:
            start = first if dx > 0 else first + 2
    else:
        start = int(np.argmax(edges[:, 0] / lengths))
    return np.roll(pts, -start, axis=0)


def unclip_rect(
    rect: tuple[Sequence[float], Sequence[float], float], ratio: float
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Grow a ``cv2.minAreaRect`` result the way DB's polygon offset would.

    DB offsets the box polygon outwards by ``area * ratio / perimeter`` with round joins and
    then takes the minimum-area rectangle again. For a rectangle that is simply the same
    rectangle with every side moved out by that distance, so no polygon library is needed.
    """
    (cx, cy), (w, h), angle = rect
    perimeter = 2.0 * (w + h)
    distance = w * h * ratio / perimeter if perimeter > 0 else 0.0
    return (float(cx), float(cy)), (w + 2.0 * distance, h + 2.0 * distance), float(angle)


def crop_quad(image: np.ndarray, quad: Quad | np.ndarray) -> np.ndarray:
    """Cut the quad out of ``image`` and warp it to an axis-aligned rectangle.

    The quad's first corner becomes the crop's top-left and its first edge the crop's top, so
    a quad from :func:`order_quad` comes out with its text running left to right: tall
    (vertical) lines are turned here by the corner order, no separate rotation is needed.
    """
    src = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    tl, tr, br, bl = src
    width = max(1, round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = max(1, round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def _box_score(prob: np.ndarray, points: np.ndarray) -> float:
    """Mean of the probability map inside the polygon (DB's "fast" score)."""
    h, w = prob.shape
    xmin = int(np.clip(np.floor(points[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(points[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(points[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(points[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    shifted = (points - np.array([xmin, ymin], dtype=points.dtype)).astype(np.int32)
    cv2.fillPoly(mask, [shifted.reshape(-1, 1, 2)], 1)
    return float(cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _is_near_vertical(quad: np.ndarray) -> bool:
    """Tell whether the quad's reading direction (first edge) is steeper than ~60 degrees."""
    dx, dy = quad[1] - quad[0]
    return bool(abs(dx) < _NEAR_VERTICAL * max(math.hypot(dx, dy), 1e-6))


def _as_quad(points: np.ndarray) -> Quad:
    p = [(float(x), float(y)) for x, y in np.asarray(points).reshape(4, 2)]
    return (p[0], p[1], p[2], p[3])


def _line_metrics(box: Quad) -> tuple[float, float, float]:
    """(centre y, text height, left x) of a box, for reading order."""
    pts = np.asarray(box, dtype=np.float64)
    height = float(max(np.linalg.norm(pts[3] - pts[0]), np.linalg.norm(pts[2] - pts[1])))
    return float(pts[:, 1].mean()), height, float(pts[:, 0].min())


def _reading_order(boxes: list[TextBox]) -> list[TextBox]:
    """Sort boxes top to bottom, and left to right within a row.

    Boxes whose centres lie within half a text height form one row. The text height, not the
    y-extent, is used so that slanted lines do not swallow their neighbours.
    """
    metrics = [_line_metrics(b.box) for b in boxes]
    order = sorted(range(len(boxes)), key=lambda i: (metrics[i][0], metrics[i][2]))
    rows: list[list[int]] = []
    anchor_cy, anchor_h = 0.0, 0.0
    for i in order:
        cy, height, _ = metrics[i]
        if rows and abs(cy - anchor_cy) <= 0.5 * min(height, anchor_h):
            rows[-1].append(i)
        else:
            rows.append([i])
            anchor_cy, anchor_h = cy, height
    return [boxes[i] for row in rows for i in sorted(row, key=lambda j: metrics[j][2])]


# --------------------------------------------------------------------------- CTC decoding


def ctc_greedy_decode(probs: np.ndarray, characters: Sequence[str]) -> list[tuple[str, float]]:
    """Greedy CTC decoding of a (batch, time, classes) probability array.

    Takes the best class per time step, merges repeats, drops blanks (class 0). The score is
    the mean probability of the kept steps, 0.0 when nothing was read.
    """
    probs = np.asarray(probs)
    if probs.ndim != 3:
        raise ValueError(f"expected (batch, time, classes) probabilities, got shape {probs.shape}")
    if probs.shape[2] != len(characters):
        raise ValueError(
            f"the recogniser has {probs.shape[2]} classes but the character list has "
            f"{len(characters)} entries (blank + characters + space expected)"
        )
    best = probs.argmax(axis=2)
    best_p = probs.max(axis=2)
    results: list[tuple[str, float]] = []
    for idx, p in zip(best, best_p, strict=True):
        keep = np.ones(idx.shape[0], dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        text = "".join(characters[int(k)] for k in idx[keep])
        score = float(p[keep].mean()) if keep.any() else 0.0
        results.append((text, score))
    return results


# --------------------------------------------------------------------------- the reader


def _to_bgr(image: np.ndarray) -> np.ndarray | None:
    """RGB / RGBA / grey uint8 image -> contiguous BGR; None for an empty image."""
    arr = np.asarray(image)
    if arr.size == 0:
        return None
    if arr.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
    if arr.ndim == 3 and arr.shape[2] == 3:
        return cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    if arr.ndim == 3 and arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_RGBA2BGR)
    raise ValueError(f"expected an HxW, HxWx3 or HxWx4 image, got shape {arr.shape}")


def _normalise(bgr: np.ndarray) -> np.ndarray:
    """uint8 HxWx3 -> float32 3xHxW in [-1, 1]: (x / 255 - 0.5) / 0.5."""
    out = bgr.astype(np.float32)
    out *= 1.0 / 127.5
    out -= 1.0
    return out.transpose(2, 0, 1)


class TextReader:
    """PP-OCRv4 detection + recognition on RGB frames. Stateless between calls."""

    def __init__(
        self,
        det: ModelFn,
        rec: ModelFn,
        characters: Sequence[str],
        params: OcrParams | None = None,
    ) -> None:
        """Wrap the two models.

        ``characters`` has one entry per recogniser class, e.g. from
        :func:`characters_from_metadata` (blank first, space last).
        """
        if len(characters) < 2:
            raise ValueError("the character list needs the blank and at least one character")
        self._det = det
        self._rec = rec
        self._characters = tuple(characters)
        self.params = params or OcrParams()

    # ---- public steps

    def read(self, rgb: np.ndarray) -> list[OcrLine]:
        """Detect and recognise all text lines, in reading order. [] when there is none."""
        bgr = _to_bgr(rgb)
        if bgr is None:
            return []
        return self._recognise_bgr(bgr, self._detect_bgr(bgr))

    def detect(self, rgb: np.ndarray) -> list[TextBox]:
        """Find text lines (at most ``max_lines``, the most confident), in reading order."""
        bgr = _to_bgr(rgb)
        return [] if bgr is None else self._detect_bgr(bgr)

    def recognise(self, rgb: np.ndarray, boxes: Sequence[TextBox]) -> list[OcrLine]:
        """Read the text in ``boxes`` (from :meth:`detect` on the same frame).

        Keeps the order of ``boxes``; lines read with less than ``min_score`` are left out.
        """
        bgr = _to_bgr(rgb)
        return [] if bgr is None else self._recognise_bgr(bgr, boxes)

    # ---- detection

    def _detect_bgr(self, bgr: np.ndarray) -> list[TextBox]:
        h, w = bgr.shape[:2]
        if min(h, w) < _MIN_IMAGE_SIDE or int(bgr.max()) - int(bgr.min()) < _MIN_CONTRAST:
            return []
        p = self.params
        scale = min(1.0, p.det_limit_side / max(h, w))
        det_h = max(_DET_STRIDE, round(h * scale / _DET_STRIDE) * _DET_STRIDE)
        det_w = max(_DET_STRIDE, round(w * scale / _DET_STRIDE) * _DET_STRIDE)
        shrinking = det_h < h or det_w < w
        resized = cv2.resize(
            bgr, (det_w, det_h), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        )
        blob = np.ascontiguousarray(_normalise(resized)[np.newaxis])
        out = np.asarray(self._det(blob)[0], dtype=np.float32)
        if out.size != det_h * det_w:
            raise ValueError(
                f"the detector returned shape {out.shape} for a {det_h}x{det_w} input; "
                "expected one probability map of the input size"
            )
        prob = out.reshape(det_h, det_w)
        boxes = self._boxes_from_map(prob, w / det_w, h / det_h, w, h)
        if len(boxes) > p.max_lines:
            boxes = sorted(boxes, key=lambda b: b.score, reverse=True)[: p.max_lines]
        return _reading_order(boxes)

    def _boxes_from_map(
        self, prob: np.ndarray, sx: float, sy: float, img_w: int, img_h: int
    ) -> list[TextBox]:
        p = self.params
        # a 2x2 dilation joins characters whose blobs touch only diagonally (PaddleOCR default)
        mask = cv2.dilate((prob > p.bin_thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        boxes: list[TextBox] = []
        for contour in contours[: p.max_candidates]:
            rect = cv2.minAreaRect(contour)
            if min(rect[1]) < p.min_size:
                continue
            score = _box_score(prob, cv2.boxPoints(rect))
            if score < p.box_thresh:
                continue
            grown = unclip_rect(rect, p.unclip_ratio)
            if min(grown[1]) < p.min_size + 2:
                continue
            pts = order_quad(cv2.boxPoints(grown))
            pts[:, 0] = np.clip(pts[:, 0] * sx, 0, img_w - 1)
            pts[:, 1] = np.clip(pts[:, 1] * sy, 0, img_h - 1)
            # clipping at the frame edge can flatten a box to nothing worth reading
            if min(np.linalg.norm(pts[1] - pts[0]), np.linalg.norm(pts[3] - pts[0])) <= 3:
                continue
            boxes.append(TextBox(box=_as_quad(pts), score=score))
        return boxes

    # ---- recognition

    def _recognise_bgr(self, bgr: np.ndarray, boxes: Sequence[TextBox]) -> list[OcrLine]:
        if not boxes:
            return []
        p = self.params
        quads = [np.asarray(b.box, dtype=np.float32).reshape(4, 2) for b in boxes]
        reads = self._recognise_crops([crop_quad(bgr, q) for q in quads])
        best = [(text, score, q) for (text, score), q in zip(reads, quads, strict=True)]
        if p.retry_turned:
            retries: list[tuple[int, np.ndarray]] = []
            for i, q in enumerate(quads):
                vertical = _is_near_vertical(q)
                if vertical or best[i][1] < p.min_score or not best[i][0].strip():
                    retries.append((i, np.roll(q, 2, axis=0)))  # upside down
                    if vertical:
                        # upright in the image: starts at the corner whose top edge points right
                        start = 1 if q[2, 0] > q[1, 0] else 3
                        retries.append((i, np.roll(q, -start, axis=0)))
            if retries:
                again = self._recognise_crops([crop_quad(bgr, q) for _, q in retries])
                for (i, q), (text, score) in zip(retries, again, strict=True):
                    if score > best[i][1]:
                        best[i] = (text, score, q)
        lines: list[OcrLine] = []
        for text, score, q in best:
            text = text.strip()
            if text and score >= p.min_score:
                lines.append(OcrLine(text=text, score=score, box=_as_quad(q)))
        return lines

    def _recognise_crops(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        p = self.params
        ratios = [c.shape[1] / c.shape[0] for c in crops]
        # similar widths in one batch waste little padding
        order = sorted(range(len(crops)), key=lambda i: ratios[i])
        results: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for start in range(0, len(order), p.rec_batch):
            batch_idx = order[start : start + p.rec_batch]
            widest = max(ratios[i] for i in batch_idx)
            width = min(p.rec_max_width, max(p.rec_min_width, math.ceil(p.rec_height * widest)))
            # zero after normalisation is mid-grey: the padding PaddleOCR trained with
            batch = np.zeros((len(batch_idx), 3, p.rec_height, width), dtype=np.float32)
            for row, i in enumerate(batch_idx):
                line_w = max(1, min(width, math.ceil(p.rec_height * ratios[i])))
                resized = cv2.resize(crops[i], (line_w, p.rec_height))
                batch[row, :, :, :line_w] = _normalise(resized)
            probs = np.asarray(self._rec(batch)[0])
            for i, decoded in zip(
                batch_idx, ctc_greedy_decode(probs, self._characters), strict=True
            ):
                results[i] = decoded
        return results


# --------------------------------------------------------------------------- live reading


@dataclass(frozen=True)
class LiveParams:
    """How the live reader saves work between frames (measured: the recogniser, at about a
    quarter of a detector pass per line, dominates; most lines do not change between frames)."""

    #: Frames between detector passes while lines are being tracked.
    detect_every: int = 6
    #: Lines (re-)read per frame at most; the rest wait for the next frames. Bounds latency.
    max_reads: int = 2
    #: Lines read on a frame that also ran the detector (0: its new lines wait a frame, so
    #: a detector frame costs no more than the detector).
    max_reads_on_detect: int = 0
    #: Longest side of the grey picture the motion between frames is estimated on.
    track_side: int = 320
    #: Mean absolute difference of a line's normalised thumbnail from the one it was read on
    #: (best of +-1 px shifts), above which it is read again: 0 = identical, another word
    #: about 0.8, one changed character only about 0.2 (as much as sub-pixel jitter) ...
    change_thresh: float = 0.35
    #: ... so every line is also read again after this many frames, changed or not.
    reread_every: int = 15
    #: A detection overlapping a tracked line at least this much (IoU) is that line.
    match_iou: float = 0.3

    def __post_init__(self) -> None:
        if min(self.detect_every, self.max_reads, self.reread_every) < 1 or (
                self.max_reads_on_detect < 0):
            raise ValueError("detect_every, max_reads and reread_every must be >= 1, "
                             "max_reads_on_detect >= 0")
        if self.track_side < 32:
            raise ValueError("track_side must be >= 32")


_SIG_HEIGHT = 8
_SIG_MAX_WIDTH = 96
_MIN_TRACK_POINTS = 6


def _signature(grey: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """A small, contrast-normalised thumbnail of a line: what 'the crop changed' compares."""
    crop = crop_quad(grey, quad)
    h, w = crop.shape[:2]
    width = int(min(_SIG_MAX_WIDTH, max(_SIG_HEIGHT, round(_SIG_HEIGHT * w / max(h, 1)))))
    small = cv2.resize(crop, (width, _SIG_HEIGHT), interpolation=cv2.INTER_AREA)
    sig = small.astype(np.float32)
    sig -= float(sig.mean())
    sig /= float(sig.std()) + 4.0  # + 4 grey levels: flat crops do not blow up sensor noise
    return sig


def _signature_change(old: np.ndarray, new: np.ndarray) -> float:
    """How different two signatures are, forgiving a shift of one thumbnail pixel (tracking
    is good to about a pixel, and a pixel shift of crisp text alone scores like new text)."""
    if old.shape != new.shape:
        new = cv2.resize(new, (old.shape[1], old.shape[0]), interpolation=cv2.INTER_AREA)
    h, w = old.shape
    best = math.inf
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            a = old[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)]
            b = new[max(0, -dy):h + min(0, -dy), max(0, -dx):w + min(0, -dx)]
            best = min(best, float(np.abs(a - b).mean()))
    return best


def _bbox_iou(a: np.ndarray, b: np.ndarray) -> float:
    ax0, ay0 = a.min(axis=0)
    ax1, ay1 = a.max(axis=0)
    bx0, by0 = b.min(axis=0)
    bx1, by1 = b.max(axis=0)
    iw = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    ih = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return float(inter / union) if union > 0 else 0.0


@dataclass
class _Track:
    quad: np.ndarray  # float32 (4, 2), full-frame pixels
    text: str = ""
    score: float = 0.0
    signature: np.ndarray | None = None  # thumbnail the text was read from; None = never read
    waiting: int = 0  # frames since the line first needed reading
    age: int = 0  # frames since it was read


@dataclass
class LiveStats:
    """What the last :meth:`LiveReader.step` did (for timings and tests)."""

    detected: bool = False
    reads: int = 0
    tracked: int = 0
    reused: int = 0
    track_ms: float = 0.0
    detect_ms: float = 0.0
    read_ms: float = 0.0


class LiveReader:
    """Reads a moving camera picture at camera rate with the same models as :class:`TextReader`.

    The detector runs every few frames; in between, text boxes follow the picture by optical
    flow on the corners inside them. A line is recognised again only when its thumbnail differs
    from the one its text was read from, and only a few lines per frame, so most frames cost a
    few milliseconds. Lines come from the same recogniser on the same full-resolution crops as
    :meth:`TextReader.recognise`; reuse happens only for a crop that looks the same.

    Stateful: one instance per live stream, called from one thread; :meth:`reset` forgets all.
    """

    def __init__(self, reader: TextReader, params: LiveParams | None = None) -> None:
        self.reader = reader
        self.params = params or LiveParams()
        self.stats = LiveStats()
        self.reset()

    def reset(self) -> None:
        """Forget every tracked line (a new visitor, a new scene)."""
        self._tracks: list[_Track] = []
        self._prev_small: np.ndarray | None = None
        self._since_detect = 0

    def step(self, rgb: np.ndarray) -> list[OcrLine]:
        """Process one frame; returns the lines known so far, in reading order."""
        bgr = _to_bgr(rgb)
        self.stats = LiveStats()
        if bgr is None:
            self.reset()
            return []
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        p = self.params
        h, w = grey.shape
        scale = min(1.0, p.track_side / max(h, w))
        small = (cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))),
                            interpolation=cv2.INTER_AREA) if scale < 1.0 else grey)
        t0 = time.perf_counter()
        tracked = bool(self._tracks) and self._follow(small, scale, w, h)
        self._prev_small = small
        self._since_detect += 1
        detect = not tracked or self._since_detect >= p.detect_every
        t1 = time.perf_counter()
        fresh = not any(t.signature is not None for t in self._tracks)
        if detect:
            self._since_detect = 0
            self._merge(self.reader._detect_bgr(bgr))
        t2 = time.perf_counter()
        self.stats.detected = detect
        self.stats.tracked = len(self._tracks)
        # Text that just came into view is read in full at once (as a still picture would
        # be); after that, the per-frame budget keeps every frame short.
        budget = len(self._tracks) if fresh else (
            p.max_reads_on_detect if detect else p.max_reads)
        self._read_changed(bgr, grey, budget)
        t3 = time.perf_counter()
        self.stats.track_ms, self.stats.detect_ms, self.stats.read_ms = (
            (t1 - t0) * 1000, (t2 - t1) * 1000 if detect else 0.0, (t3 - t2) * 1000)
        return self.lines()

    def lines(self) -> list[OcrLine]:
        """The tracked lines that have been read well enough, in reading order."""
        min_score = self.reader.params.min_score
        lines = [OcrLine(t.text, t.score, _as_quad(t.quad)) for t in self._tracks
                 if t.text and t.score >= min_score]
        boxes = [TextBox(line.box, line.score) for line in lines]
        by_box = {id(b): line for b, line in zip(boxes, lines, strict=True)}
        return [by_box[id(b)] for b in _reading_order(boxes)]

    # ---- tracking

    def _follow(self, small: np.ndarray, scale: float, w: int, h: int) -> bool:
        """Move every track with the picture; False when the motion cannot be estimated."""
        prev = self._prev_small
        if prev is None or prev.shape != small.shape:
            return False
        mask = np.zeros_like(prev)
        for t in self._tracks:
            cv2.fillPoly(mask, [np.round(t.quad * scale).astype(np.int32).reshape(-1, 1, 2)], 255)
        corners = cv2.goodFeaturesToTrack(prev, 80, 0.01, 3, mask=mask)
        if corners is None or len(corners) < _MIN_TRACK_POINTS:
            return False
        moved, ok, _ = cv2.calcOpticalFlowPyrLK(
            prev, small, corners, np.empty_like(corners), winSize=(15, 15), maxLevel=2)
        good = ok.reshape(-1) == 1
        if int(good.sum()) < _MIN_TRACK_POINTS:
            return False
        matrix, inliers = cv2.estimateAffinePartial2D(
            corners[good], moved[good], method=cv2.RANSAC, ransacReprojThreshold=2.0)
        if matrix is None or inliers is None or int(inliers.sum()) < _MIN_TRACK_POINTS:
            return False
        # the estimate is in small-picture pixels: conjugate it into full-frame pixels
        matrix = matrix.astype(np.float64)
        matrix[:, 2] /= scale
        kept: list[_Track] = []
        for t in self._tracks:
            quad = cv2.transform(t.quad.reshape(-1, 1, 2).astype(np.float64), matrix)
            quad = quad.reshape(4, 2).astype(np.float32)
            inside = (quad[:, 0] >= 0) & (quad[:, 0] <= w - 1) & (quad[:, 1] >= 0) & (
                quad[:, 1] <= h - 1)
            if inside.all():
                t.quad = quad
                kept.append(t)
        self._tracks = kept
        return bool(kept)

    def _merge(self, boxes: Sequence[TextBox]) -> None:
        """Replace the tracks by fresh detections, keeping what was read for the same line."""
        old = self._tracks
        new: list[_Track] = []
        taken: set[int] = set()
        for b in boxes:
            quad = np.asarray(b.box, dtype=np.float32).reshape(4, 2)
            best, best_iou = -1, self.params.match_iou
            for i, t in enumerate(old):
                if i not in taken:
                    iou = _bbox_iou(quad, t.quad)
                    if iou >= best_iou:
                        best, best_iou = i, iou
            if best >= 0:
                taken.add(best)
                t = old[best]
                new.append(_Track(quad, t.text, t.score, t.signature, t.waiting, t.age))
            else:
                new.append(_Track(quad))
        self._tracks = new

    # ---- recognition

    def _read_changed(self, bgr: np.ndarray, grey: np.ndarray, budget: int) -> None:
        stale: list[tuple[_Track, np.ndarray]] = []
        p = self.params
        for t in self._tracks:
            t.age += 1
            sig = _signature(grey, t.quad)
            if t.signature is not None and t.age < p.reread_every and (
                    _signature_change(t.signature, sig) <= p.change_thresh):
                self.stats.reused += 1
                t.waiting = 0
                continue
            t.waiting += 1
            stale.append((t, sig))
        # lines never read first, then changed ones, then old ones; the longest waiting first
        stale.sort(key=lambda ts: (ts[0].signature is not None, ts[0].age >= p.reread_every,
                                   -ts[0].waiting))
        chosen = stale[:budget]
        if not chosen:
            return
        reads = self.reader._recognise_crops([crop_quad(bgr, t.quad) for t, _ in chosen])
        self.stats.reads = len(chosen)
        for (t, sig), (text, score) in zip(chosen, reads, strict=True):
            t.text, t.score, t.signature, t.waiting, t.age = text.strip(), score, sig, 0, 0
