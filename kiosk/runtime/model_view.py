""""What the AI gets to see": the picture a demo's model actually receives, for visitors.

Given a demo's runner, the camera frame as taken and the demo's last result, this makes an
RGB picture of the model's real input: the 224×224 centre crop of a classifier, the 8×8
grid of the digit reader, the text-line strips the OCR recogniser reads, the face
detector's three steps (proposals → refined → final). Runs off the GUI
thread (it may resize and warp); returns ``None`` for demos without such a view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.core.tasks.classification import ClassificationParams, input_box


@dataclass(frozen=True)
class ModelView:
    """The model's input as a picture, how to enlarge it, and which caption explains it."""

    image: np.ndarray  # RGB uint8
    caption: str  # i18n key
    pixelated: bool = False  # enlarge with hard edges (a tiny grid), not smoothly


def crop_as_seen(rgb: np.ndarray, p: ClassificationParams) -> np.ndarray:
    """The crop a classifier gets, at its input size, as an RGB picture (not normalised)."""
    import cv2

    x0, y0, x1, y1 = input_box(rgb.shape, p)
    h, w = p.size
    crop = rgb[round(y0):round(y1), round(x0):round(x1)]
    if crop.size == 0:
        crop = rgb
    out: np.ndarray = cv2.resize(np.ascontiguousarray(crop), (w, h),
                                 interpolation=cv2.INTER_AREA)
    return out


def digit_grid(grid: np.ndarray) -> np.ndarray:
    """An 8×8 digit input (0–16, ink high) as a white-on-dark RGB picture."""
    g = np.clip(np.asarray(grid, dtype=np.float32) / 16.0, 0.0, 1.0)
    grey = (25 + g * 230).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def text_strips(rgb: np.ndarray, lines: Any, height: int = 48,
                width: int = 640) -> np.ndarray | None:
    """The text lines the recogniser reads, each warped upright to ``height`` px, stacked."""
    import cv2

    from kiosk.core.tasks.ocr import crop_quad

    strips = []
    for line in list(lines)[:6]:
        crop = crop_quad(rgb, np.asarray(line.box, dtype=np.float32))
        h, w = crop.shape[:2]
        new_w = max(1, min(width, round(w * height / max(1, h))))
        strip = np.full((height, width, 3), 245, np.uint8)
        strip[:, :new_w] = cv2.resize(crop, (new_w, height), interpolation=cv2.INTER_AREA)
        strips.append(strip)
        strips.append(np.full((8, width, 3), 20, np.uint8))
    if not strips:
        return None
    return np.ascontiguousarray(np.vstack(strips[:-1]))


STAGES = ("_stage_pnet", "_stage_rnet", "_stage_onet")  # an MTCNN detector's own steps


def face_stages(detector: Any, rgb: np.ndarray) -> list[np.ndarray] | None:
    """The MTCNN cascade's three steps as box arrays ``[N, ≥4]``: proposals, refined, final.

    Runs the detector's own stages (``None`` if this detector has no such stages)."""
    from kiosk.core.tasks import faces

    if not all(hasattr(detector, name) for name in STAGES):
        return None
    img = faces._as_rgb(rgb)
    p = detector.params
    scales = faces.pyramid_scales(img.shape[0], img.shape[1], p.min_face, p.factor)
    empty = np.empty((0, 5), np.float32)
    proposals = detector._stage_pnet(img, scales) if scales else empty
    refined = detector._stage_rnet(img, faces._square(proposals)) if len(proposals) else empty
    final = detector._stage_onet(img, faces._square(refined))[0] if len(refined) else empty
    return [proposals, refined, final]


def draw_stages(rgb: np.ndarray, stages: list[np.ndarray], width: int = 360) -> np.ndarray:
    """Three small copies of the picture side by side, each with one stage's boxes."""
    import cv2

    h, w = rgb.shape[:2]
    s = width / w
    small = cv2.resize(rgb, (width, max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    # the face privacy demo hides faces: so does its model's-eye view (the final boxes)
    for x1, y1, x2, y2 in np.asarray(stages[-1])[:, :4] * s:
        xa, ya = max(0, round(x1)), max(0, round(y1))
        xb, yb = min(small.shape[1], round(x2)), min(small.shape[0], round(y2))
        if xb - xa >= 2 and yb - ya >= 2:
            face = cv2.resize(small[ya:yb, xa:xb], (6, 6), interpolation=cv2.INTER_AREA)
            small[ya:yb, xa:xb] = cv2.resize(face, (xb - xa, yb - ya),
                                             interpolation=cv2.INTER_NEAREST)
    colours = ((167, 139, 250), (94, 234, 212), (250, 204, 21))
    panels = []
    for boxes, colour, thick in zip(stages, colours, (1, 2, 3), strict=True):
        panel = (small * 0.7).astype(np.uint8)  # dimmed, so the boxes stand out
        for x1, y1, x2, y2 in np.asarray(boxes)[:300, :4] * s:
            cv2.rectangle(panel, (round(x1), round(y1)), (round(x2), round(y2)), colour, thick)
        panels.append(panel)
        panels.append(np.full((small.shape[0], 8, 3), 20, np.uint8))
    return np.ascontiguousarray(np.hstack(panels[:-1]))


def has_model_view(runner: Any) -> bool:
    """Whether :func:`model_view` has a picture of its own for this runner's task (the
    others draw what they find straight onto the camera picture)."""
    from kiosk.runtime.task_ocr import OcrRunner

    params = getattr(runner, "params", None)
    prep = getattr(params, "prep", params)
    detector = getattr(runner, "detector", None)
    return (isinstance(prep, ClassificationParams) or isinstance(runner, OcrRunner)
            or (detector is not None and all(hasattr(detector, name) for name in STAGES)))


def model_view(runner: Any, rgb: np.ndarray | None, last_output: Any) -> ModelView | None:
    """The model's-eye picture for a demo, or ``None`` when it has none to show."""
    grid = getattr(last_output, "grid", None)
    if grid is not None:  # draw a digit: the drawing as the model's 8×8 input
        return ModelView(digit_grid(grid), "modelview.drawing", pixelated=True)
    if rgb is None:
        return None
    params = getattr(runner, "params", None)
    prep = getattr(params, "prep", params)
    if isinstance(prep, ClassificationParams):
        perturb = getattr(runner, "perturb", None)
        if perturb is not None:  # "try to fool it": show what the model really gets
            from kiosk.core.tasks.perturb import apply

            rgb = apply(rgb, perturb)
        return ModelView(crop_as_seen(rgb, prep), "modelview.crop")
    detector = getattr(runner, "detector", None)
    if detector is not None:
        stages = face_stages(detector, rgb)
        if stages is not None:
            return ModelView(draw_stages(rgb, stages), "modelview.faces")
    lines = getattr(last_output, "lines", None)
    if lines is not None:
        strips = text_strips(rgb, lines)
        if strips is None:
            return None
        return ModelView(strips, "modelview.ocr")
    return None
