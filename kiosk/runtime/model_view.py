""""What the AI gets to see": the picture a demo's model actually receives, for visitors.

Given a demo's runner, the camera frame as taken and the demo's last result, this makes an
RGB picture of the model's real input: the 224×224 centre crop of a classifier, the 8×8
grid of the digit reader, the text-line strips the OCR recogniser reads. Runs off the GUI
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
    lines = getattr(last_output, "lines", None)
    if lines is not None:
        strips = text_strips(rgb, lines)
        if strips is None:
            return None
        return ModelView(strips, "modelview.ocr")
    return None
