""""Where is the AI looking?": heat maps as small grids over the picture the model saw.

A heat map is a coarse grid (7×7 for MobileNetV2) plus the rectangle of the source
picture it covers (the centre crop the model was given). The GUI draws it; headless runs
report its peak in source-image pixels. Everything here is plain numpy and costs well
under a millisecond per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from kiosk.core.tasks.base import JsonDict

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in source pixels
HeatKind = Literal["cam", "similarity", "occlusion"]


@dataclass(frozen=True)
class Explanation:
    """A heat map in 0..1 (rows top to bottom) over ``box`` of the source picture."""

    grid: np.ndarray
    box: Box
    kind: HeatKind = "cam"

    def peak(self) -> tuple[float, float]:
        """The hottest point in source-image pixels (a cell centre, refined sub-cell)."""
        g = self.grid
        rows, cols = g.shape
        r, c = np.unravel_index(int(np.argmax(g)), g.shape)
        # parabolic refinement between neighbouring cells: a peak between two cells
        # should not snap to either centre
        dc = _vertex(g[r, c - 1] if c > 0 else None, g[r, c], g[r, c + 1] if c + 1 < cols else None)
        dr = _vertex(g[r - 1, c] if r > 0 else None, g[r, c], g[r + 1, c] if r + 1 < rows else None)
        x0, y0, x1, y1 = self.box
        x = x0 + (c + 0.5 + dc) * (x1 - x0) / cols
        y = y0 + (r + 0.5 + dr) * (y1 - y0) / rows
        return float(x), float(y)

    def to_json(self) -> JsonDict:
        """JSON-ready form: peak in source pixels, the grid, the box it covers."""
        x, y = self.peak()
        return {"kind": self.kind, "peak": [round(x, 1), round(y, 1)],
                "box": [round(v, 1) for v in self.box],
                "grid": [[round(float(v), 3) for v in row] for row in self.grid]}


def _vertex(left: float | None, mid: float, right: float | None) -> float:
    if left is None or right is None:
        return 0.0
    denom = left - 2 * mid + right
    if denom >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))


def normalised(heat: np.ndarray) -> np.ndarray:
    """Positive evidence only, scaled to 0..1 (all zeros when there is none)."""
    h = np.maximum(np.asarray(heat, dtype=np.float32), 0.0)
    top = float(h.max()) if h.size else 0.0
    return h / top if top > 0 else np.zeros_like(h)


def class_activation_map(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """CAM: the classifier row of one class applied to every cell of a ``C×h×w`` feature map."""
    f = np.asarray(features, dtype=np.float32)
    c, h, w = f.shape[-3:]
    cam = np.asarray(weights, dtype=np.float32).reshape(1, c) @ f.reshape(c, h * w)
    return normalised(cam.reshape(h, w))


def similarity_map(features: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """How strongly each cell of a ``C×h×w`` feature map points along ``direction``.

    The same idea as a CAM, for a class that exists only as the mean of a visitor's
    examples: with ``direction`` = that class's mean minus the mean of all taught classes
    (what sets it apart, like a linear classifier's row), the cells that make the picture
    look like that class light up.
    """
    f = np.asarray(features, dtype=np.float32)
    c, h, w = f.shape[-3:]
    t = np.asarray(direction, dtype=np.float32).reshape(1, c)
    return normalised((t @ f.reshape(c, h * w)).reshape(h, w))


def occlusion_map(
    image: np.ndarray, score: Callable[[np.ndarray], float], cells: int = 7,
    fill: int = 127, progress: Callable[[float], bool] | None = None,
) -> np.ndarray | None:
    """How much the score drops when each cell of ``image`` is covered with grey.

    Works with any model (one run per cell plus one); meant for a frozen picture, never
    per frame. ``progress(done_fraction)`` may return False to cancel (→ ``None``).
    """
    base = score(image)
    h, w = image.shape[:2]
    out = np.zeros((cells, cells), np.float32)
    for r in range(cells):
        for c in range(cells):
            if progress is not None and not progress((r * cells + c) / (cells * cells)):
                return None
            covered = image.copy()
            covered[r * h // cells:(r + 1) * h // cells, c * w // cells:(c + 1) * w // cells] = fill
            out[r, c] = base - score(covered)
    if progress is not None:
        progress(1.0)
    return normalised(out)
