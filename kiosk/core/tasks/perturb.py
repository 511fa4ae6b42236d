""""Try to fool it": changes a visitor makes to what the model receives.

Blur, noise, brightness, rotation and a covering patch are applied to the camera frame
(as taken, never mirrored) before the model's own preprocessing, on the capture thread,
so the bars and the heat map react at camera rate. Values are clamped to their ranges:
extreme settings give a strange picture, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLUR_MAX = 12.0  # Gaussian sigma, in pixels of a 480-line frame
NOISE_MAX = 100.0  # standard deviation, on the 0–255 scale
BRIGHTNESS_MAX = 150.0  # added to every pixel, ±
PATCH_SIZE = 0.3  # side of the covering patch, as a share of the frame's shorter side


def _clamp(value: float, low: float, high: float) -> float:
    return float(min(high, max(low, value))) if np.isfinite(value) else 0.0


@dataclass(frozen=True)
class Perturbation:
    """What the visitor set; ``patch`` is the patch centre as a share of width and height."""

    blur: float = 0.0
    noise: float = 0.0
    brightness: float = 0.0
    rotation: float = 0.0  # degrees, counter-clockwise
    patch: tuple[float, float] | None = None

    def clamped(self) -> Perturbation:
        """The same settings, each within its range."""
        patch = None if self.patch is None else (
            _clamp(self.patch[0], 0.0, 1.0), _clamp(self.patch[1], 0.0, 1.0))
        return Perturbation(_clamp(self.blur, 0.0, BLUR_MAX), _clamp(self.noise, 0.0, NOISE_MAX),
                            _clamp(self.brightness, -BRIGHTNESS_MAX, BRIGHTNESS_MAX),
                            _clamp(self.rotation, -180.0, 180.0), patch)

    @property
    def is_identity(self) -> bool:
        """Nothing changed: the model gets the plain picture."""
        return (self.blur <= 0 and self.noise <= 0 and self.brightness == 0
                and self.rotation == 0 and self.patch is None)

    def lesson(self) -> str:
        """The i18n key of the one-line lesson for the strongest change."""
        strengths = {
            "fool.lesson.patch": 1.0 if self.patch is not None else 0.0,
            "fool.lesson.noise": self.noise / NOISE_MAX,
            "fool.lesson.blur": self.blur / BLUR_MAX,
            "fool.lesson.brightness": abs(self.brightness) / BRIGHTNESS_MAX,
            "fool.lesson.rotation": abs(self.rotation) / 180.0,
        }
        key, strength = max(strengths.items(), key=lambda kv: kv[1])
        return key if strength > 0 else "fool.lesson.start"


def patch_box(shape: tuple[int, ...], centre: tuple[float, float]) -> tuple[int, int, int, int]:
    """The patch's ``x0, y0, x1, y1`` in the pixels of a ``shape`` (h, w, …) frame."""
    h, w = shape[0], shape[1]
    side = max(1, round(min(h, w) * PATCH_SIZE))
    cx, cy = centre[0] * w, centre[1] * h
    x0 = int(min(max(0, round(cx - side / 2)), max(0, w - side)))
    y0 = int(min(max(0, round(cy - side / 2)), max(0, h - side)))
    return x0, y0, min(w, x0 + side), min(h, y0 + side)


def apply(rgb: np.ndarray, p: Perturbation, seed: int = 0) -> np.ndarray:
    """``rgb`` as the model will receive it with ``p`` (a new array; same size)."""
    import cv2

    p = p.clamped()
    if p.is_identity:
        return rgb
    img = rgb
    h, w = img.shape[:2]
    if p.rotation:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), p.rotation, 1.0)
        img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REFLECT)
    if p.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), p.blur * h / 480.0)
    if p.noise > 0 or p.brightness:
        out = img.astype(np.float32)
        if p.brightness:
            out += np.float32(p.brightness)
        if p.noise > 0:
            out += np.random.default_rng(seed).normal(0.0, p.noise, out.shape).astype(
                np.float32)
        img = np.clip(out, 0, 255).astype(np.uint8)
    if p.patch is not None:
        img = np.array(img, copy=True) if img is rgb else img
        x0, y0, x1, y1 = patch_box(img.shape, p.patch)
        img[y0:y1, x0:x1] = 128
    return np.ascontiguousarray(img)
