"""The "Draw a digit" task: turn a drawing into the 8×8 image the digit model was trained on.

The model (``models/digits_cnn.onnx``) was trained on scikit-learn's ``load_digits``: the UCI
"optical recognition of handwritten digits" set. Each of its images was made from a 32×32
black-and-white bitmap, size-normalised so the digit spans the full height (aspect ratio kept,
centred), then cut into 4×4 blocks whose "ink" pixels were counted (0–16). In that data the digit
always touches the top and bottom row, rarely uses more than 6–7 of the 8 columns, and ink covers
about 30 % (± 3 %) of the grid whatever the digit.

A finger drawing looks nothing like that out of the box: a thin pen, anywhere on a big canvas. So
:func:`normalise_drawing` rebuilds the UCI look: find the ink (either polarity), crop it, re-draw
it with the stroke width that gives the data's ink coverage, scale it into the same box and count
coverage per 4×4 block with area averaging. The same function also builds the augmented training
images in ``build/models/train_digits.py``, so training and the kiosk see identical preprocessing.

Qt-free and onnxruntime-free: the model arrives as a :class:`~kiosk.core.tasks.base.ModelFn`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.core.tasks.base import JsonDict, ModelFn

INPUT_SIZE = 8
"""Side of the square model input, in cells."""

INPUT_MAX = 16.0
"""Value of a fully inked cell (the UCI data counts on-pixels in 4×4 blocks: 0–16)."""

NUM_CLASSES = 10

TARGET_INK_FRACTION = 0.305
"""Mean ink coverage of the ``load_digits`` images (sum / (64 · 16)); std 0.034, same per class."""

_BITMAP = 32
"""Side of the UCI bitmap the 8×8 image was counted from."""

_BOX_HEIGHT = 32.0
_BOX_WIDTH = 28.0
"""The digit box inside the 32×32 bitmap: full height; in the data ≤ 7 of 8 columns are used."""

_RENDER = 4 * _BITMAP
"""Render side: 4 px per bitmap pixel keeps sub-pixel placement before area averaging."""

_WORK = 64
"""Working resolution (longer side of the ink box) for stroke-width work: 2 px per bitmap pixel
(8 per model cell), small enough that the distance transforms cost a fraction of a millisecond."""

_MAX_INPUT_SIDE = 640
_MIN_INPUT_SIDE = 8  # smaller pictures cannot show a drawn digit
"""Larger photos are shrunk first; finer detail does not survive the 8×8 grid anyway."""

_MIN_CONTRAST = 40.0
"""Ink must differ from the background by this much (0–255 scale) or the drawing counts as blank."""

_MIN_COMPONENT_SHARE = 0.08
"""Ink blobs smaller than this share of the largest blob are noise (specks, sensor dust) unless
the drawing has nothing bigger."""

_MAX_ERODE_SHARE = 0.3
"""Never thin a stroke by more than this share of its width: thin parts would vanish."""


@dataclass(frozen=True)
class DigitPrediction:
    """What the model read: best digit, its probability, and all ten probabilities."""

    digit: int
    score: float
    probabilities: tuple[float, ...]

    def top(self, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` most likely digits with their probabilities, best first."""
        order = sorted(range(len(self.probabilities)), key=lambda d: -self.probabilities[d])
        return [(d, self.probabilities[d]) for d in order[: max(0, k)]]

    def to_json(self, top_k: int = 3) -> JsonDict:
        """JSON-ready summary for the UI and the interaction log (no image data)."""
        return {
            "digit": self.digit,
            "score": round(self.score, 4),
            "top": [{"digit": d, "score": round(p, 4)} for d, p in self.top(top_k)],
        }


def strokes_to_image(
    strokes: Sequence[Sequence[tuple[float, float]]],
    width: int,
    height: int,
    pen: float,
) -> np.ndarray:
    """Render polylines given in canvas pixel coordinates: white ink on black, round caps/joins.

    ``pen`` is the stroke diameter in pixels. A stroke with a single point is a dot. Points that
    are not finite (a touch-driver glitch) are skipped rather than failing the whole drawing.
    Returns a ``(height, width)`` uint8 image.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas size must be positive, got {width}×{height}")
    if not math.isfinite(pen) or pen <= 0:
        raise ValueError(f"pen width must be a positive number, got {pen}")
    canvas = np.zeros((height, width), dtype=np.uint8)
    # cv2 draws thick lines with integer widths only; circles at every vertex take sub-pixel
    # radii (via `shift`) and give the round caps and joins a finger stroke has.
    shift = 4
    scale = 1 << shift
    thickness = max(1, round(pen))
    radius = max(1, round(pen / 2 * scale))
    for stroke in strokes:
        points = [
            (round(x * scale), round(y * scale))
            for x, y in stroke
            if math.isfinite(x) and math.isfinite(y)
        ]
        for a, b in itertools.pairwise(points):
            cv2.line(canvas, a, b, 255, thickness, cv2.LINE_AA, shift)
        for p in points:
            cv2.circle(canvas, p, radius, 255, -1, cv2.LINE_AA, shift)
    return canvas


def normalise_drawing(
    gray: np.ndarray, *, ink_fraction: float = TARGET_INK_FRACTION
) -> np.ndarray | None:
    """Turn a drawing into the model input ``[1, 1, 8, 8]`` float32 in 0–16, like ``load_digits``.

    ``gray`` is any 2-D image (or a 3-channel BGR / 4-channel BGRA one): the kiosk canvas (light
    ink on black) or a photo/scan of a digit on paper (dark ink on light). Polarity is taken from
    the border: whatever dominates the border is background. Returns ``None`` when there is no
    ink worth reading (blank canvas, empty paper).

    ``ink_fraction`` is the coverage the re-drawn digit gets; the default is the data's mean and
    only training augmentation should change it.
    """
    if not 0.0 < ink_fraction < 1.0:
        raise ValueError(f"ink_fraction must be between 0 and 1, got {ink_fraction}")
    ink = _ink_image(gray)
    if ink is None:
        return None
    mask = _ink_mask(ink)
    if mask is None:
        return None
    work = _to_working_resolution(mask)
    bitmap = _redraw(work, ink_fraction)
    cells = cv2.resize(bitmap, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA)
    return (cells * INPUT_MAX).astype(np.float32).reshape(1, 1, INPUT_SIZE, INPUT_SIZE)


class DigitReader:
    """Reads one hand-drawn digit with a model that maps ``[N,1,8,8]`` (0–16) to ``[N,10]``."""

    def __init__(self, model: ModelFn) -> None:
        self._model = model

    def predict(self, gray: np.ndarray) -> DigitPrediction | None:
        """The digit in ``gray`` (see :func:`normalise_drawing`), or ``None`` for a blank image."""
        x = normalise_drawing(gray)
        if x is None:
            return None
        return self.predict_input(x)

    def predict_strokes(
        self,
        strokes: Sequence[Sequence[tuple[float, float]]],
        width: int,
        height: int,
        pen: float,
    ) -> DigitPrediction | None:
        """Convenience for the drawing canvas: render the strokes, then :meth:`predict`."""
        return self.predict(strokes_to_image(strokes, width, height, pen))

    def predict_input(self, x: np.ndarray) -> DigitPrediction:
        """Run the model on an already normalised ``[1, 1, 8, 8]`` input."""
        outputs = self._model(np.ascontiguousarray(x, dtype=np.float32))
        if not outputs:
            raise ValueError("digit model returned no outputs")
        raw = np.asarray(outputs[0], dtype=np.float64).reshape(-1)
        if raw.shape != (NUM_CLASSES,):
            raise ValueError(f"digit model must return {NUM_CLASSES} scores, got {raw.shape}")
        probs = _as_probabilities(raw)
        digit = int(np.argmax(probs))
        return DigitPrediction(
            digit=digit,
            score=float(probs[digit]),
            probabilities=tuple(float(p) for p in probs),
        )


def _as_probabilities(raw: np.ndarray) -> np.ndarray:
    # The shipped model ends in softmax; a replacement that outputs logits must not show
    # "-3.2 %" on screen, so anything that is not a distribution gets a softmax here.
    if np.all(np.isfinite(raw)) and np.all(raw >= 0) and abs(float(raw.sum()) - 1.0) < 1e-3:
        return raw
    shifted = np.exp(raw - np.max(raw))
    return np.asarray(shifted / shifted.sum())


def _ink_image(gray: np.ndarray) -> np.ndarray | None:
    """Float32 image where ink is bright and background is ~0 (0–255 scale), or None if blank."""
    img = np.asarray(gray)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    elif img.ndim == 3 and img.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if img.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        img = cv2.cvtColor(np.ascontiguousarray(img, dtype=np.float32), code)
    if img.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale image, got shape {np.shape(gray)}")
    if min(img.shape) < _MIN_INPUT_SIDE:  # a dot or a one-pixel strip holds no drawing
        return None
    as_float: np.ndarray = img.astype(np.float32, copy=False)
    if np.issubdtype(img.dtype, np.floating):
        # Float images in 0–1 are common (skimage); bring them onto the 0–255 scale the
        # contrast threshold is expressed in.
        as_float = np.nan_to_num(as_float, nan=0.0, posinf=0.0, neginf=0.0)
        if float(as_float.max(initial=0.0)) <= 1.0:
            as_float = as_float * 255.0
    elif img.dtype == np.uint16:
        as_float = as_float / 257.0
    elif img.dtype == np.bool_:
        as_float = as_float * 255.0
    longer = max(as_float.shape)
    if longer > _MAX_INPUT_SIDE:
        f = _MAX_INPUT_SIDE / longer
        size = (max(2, round(as_float.shape[1] * f)), max(2, round(as_float.shape[0] * f)))
        as_float = cv2.resize(as_float, size, interpolation=cv2.INTER_AREA)
    # A little blur so sensor noise and paper grain neither decide polarity nor pass as ink.
    sigma = max(0.8, min(as_float.shape) / 300.0)
    smooth = cv2.GaussianBlur(as_float, (0, 0), sigma)
    ring = max(1, min(smooth.shape) // 40)
    border = np.concatenate(
        [
            smooth[:ring].ravel(),
            smooth[-ring:].ravel(),
            smooth[:, :ring].ravel(),
            smooth[:, -ring:].ravel(),
        ]
    )
    background = float(np.median(border))
    lo, hi = float(smooth.min()), float(smooth.max())
    ink = background - smooth if background - lo > hi - background else smooth - background
    if float(ink.max()) < _MIN_CONTRAST:
        return None
    return np.asarray(np.clip(ink, 0.0, None), dtype=np.float32)


def _ink_mask(ink: np.ndarray) -> np.ndarray | None:
    """Binary uint8 mask (0/1) of the ink, cropped to its bounding box; None if nothing is left."""
    top = float(ink.max())
    scaled = np.clip(ink * (255.0 / top), 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Otsu alone can split a noisy background from itself; stay between a quarter and three
    # quarters of the ink's peak so anti-aliasing and grain never decide what is a stroke.
    level = min(max(otsu, 0.25 * 255), 0.75 * 255)
    mask = (scaled > level).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        return None
    # Labelling only the ink's bounding box: the full canvas would cost a millisecond.
    mask = mask[y : y + h, x : x + w]
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count > 2:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(count, dtype=np.uint8)
        keep[1:] = areas >= _MIN_COMPONENT_SHARE * areas.max()
        mask = keep[labels]
        x, y, w, h = cv2.boundingRect(mask)
        mask = mask[y : y + h, x : x + w]
    if max(h, w) < 3:
        return None
    return np.ascontiguousarray(mask)


def _to_working_resolution(mask: np.ndarray) -> np.ndarray:
    """Scale the cropped mask so its longer side is ``_WORK`` px (binary uint8, 0/1)."""
    h, w = mask.shape
    f = _WORK / max(h, w)
    size = (max(1, round(w * f)), max(1, round(h * f)))
    if f < 1:
        # Area averaging turns a thin stroke into faint grey; a low threshold keeps it whole
        # (the re-draw sets the final width anyway).
        shrunk = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
        return (shrunk >= 0.25).astype(np.uint8)
    grown = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
    return (grown >= 0.5).astype(np.uint8)


def _redraw(work: np.ndarray, ink_fraction: float) -> np.ndarray:
    """Re-draw the ink with the width that gives ``ink_fraction`` coverage once boxed like UCI.

    Returns the ``_RENDER``-sized square coverage image (float32, 0–1).
    """
    margin = _WORK // 4 + 2
    padded = cv2.copyMakeBorder(work, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=0)
    # The 5×5 chamfer distance is within ~2 % of Euclidean and, unlike DIST_MASK_PRECISE (which
    # differs in the last bits from call to call), gives the same answer every time.
    inside = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_5)
    outside = cv2.distanceTransform(1 - padded, cv2.DIST_L2, cv2.DIST_MASK_5)
    # Signed distance to the stroke edge: thresholding it at -r grows (r > 0) or thins (r < 0)
    # every stroke by r, which is how a different pen width would have drawn the same path.
    sdf = np.where(padded > 0, inside - 0.5, 0.5 - outside).astype(np.float32)
    row_peak = sdf.max(axis=1)
    col_peak = sdf.max(axis=0)
    width_now = _stroke_width(work)
    target = ink_fraction * _BITMAP * _BITMAP

    def boxed(r: float) -> tuple[float, float, int, int, int, int]:
        """Coverage in bitmap px² after growing by r and boxing, plus the grown ink's box."""
        rows = row_peak >= -r
        cols = col_peak >= -r
        if not rows.any():
            return 0.0, 1.0, 0, sdf.shape[0], 0, sdf.shape[1]
        y0, y1 = int(rows.argmax()), len(rows) - int(rows[::-1].argmax())
        x0, x1 = int(cols.argmax()), len(cols) - int(cols[::-1].argmax())
        s = min(_BOX_HEIGHT / (y1 - y0), _BOX_WIDTH / (x1 - x0))
        area = float(np.count_nonzero(sdf >= -r))
        return area * s * s, s, y0, y1, x0, x1

    lo = -_MAX_ERODE_SHARE * width_now
    hi = float(margin - 1)
    if boxed(lo)[0] >= target:
        r = lo
    elif boxed(hi)[0] <= target:
        r = hi
    else:
        # Coverage rises with r here (the stroke widens faster than the box grows), so bisect.
        for _ in range(14):
            mid = 0.5 * (lo + hi)
            if boxed(mid)[0] < target:
                lo = mid
            else:
                hi = mid
        r = 0.5 * (lo + hi)
    _, s, y0, y1, x0, x1 = boxed(r)
    grown = (sdf[y0:y1, x0:x1] >= -r).astype(np.float32)
    scale = s * (_RENDER / _BITMAP)
    out_w = min(_RENDER, max(1, round((x1 - x0) * scale)))
    out_h = min(_RENDER, max(1, round((y1 - y0) * scale)))
    shrink = out_w < (x1 - x0)
    resized = cv2.resize(
        grown, (out_w, out_h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    )
    render = np.zeros((_RENDER, _RENDER), dtype=np.float32)
    # Centred by bounding box, as the UCI normalisation did (mean centre of mass there: 3.5, 3.6).
    oy, ox = (_RENDER - out_h) // 2, (_RENDER - out_w) // 2
    render[oy : oy + out_h, ox : ox + out_w] = resized
    return render


def _stroke_width(mask: np.ndarray) -> float:
    """Typical stroke width in px: a ribbon of width w and length L has area wL, outline ≈ 2L."""
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(c, True) for c in contours)
    area = float(np.count_nonzero(mask))
    if perimeter <= 0:
        return 1.0
    return max(1.0, 2.0 * area / perimeter)
