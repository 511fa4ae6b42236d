"""The ``segmentation`` task: which pixels belong to a person (MediaPipe selfie segmentation).

The model sees the whole frame at 256×144 and answers with a person probability per pixel.
The result keeps that small mask (the panel scales it to the picture and uses it as an alpha
channel to swap or blur the background); nothing of it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kiosk.core.tasks.base import JsonDict, ModelFn

INPUT_W, INPUT_H = 256, 144


@dataclass(frozen=True)
class SegmentationParams:
    """Settings from a manifest's ``[params]``."""

    threshold: float = 0.5  # probability above which a pixel counts as "person"
    smoothing: float = 0.5  # weight of the previous mask (0 = none): steadier edges


@dataclass(frozen=True)
class SegmentationResult:
    """The person mask of one frame."""

    mask: npt.NDArray[np.uint8]  # INPUT_H × INPUT_W, 0…255 person probability
    person_fraction: float  # share of the frame's pixels above the threshold
    width: int  # source size the mask stretches over
    height: int

    def to_json(self) -> JsonDict:
        """JSON-ready form (the mask itself is left out: it is a picture of the visitor)."""
        return {"person_fraction": round(self.person_fraction, 4),
                "person": self.person_fraction > 0.01}

    def full_mask(self) -> npt.NDArray[np.uint8]:
        """The mask at the source size (8-bit, for ``run-demo --mask-out``)."""
        import cv2

        return np.asarray(cv2.resize(self.mask, (self.width, self.height),
                                     interpolation=cv2.INTER_LINEAR), dtype=np.uint8)


def preprocess(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """The frame as the model's input ``[1, 144, 256, 3]``, RGB 0…1."""
    import cv2

    small = cv2.resize(rgb, (INPUT_W, INPUT_H), interpolation=cv2.INTER_AREA)
    return (small.astype(np.float32) / 255.0)[np.newaxis]


class Segmenter:
    """Runs the model and smooths its mask over time."""

    def __init__(self, model: ModelFn, params: SegmentationParams | None = None) -> None:
        self.model = model
        self.params = params or SegmentationParams()
        self._previous: npt.NDArray[np.float32] | None = None

    def reset(self) -> None:
        """Forget the previous frame's mask."""
        self._previous = None

    def process_prepared(self, x: npt.NDArray[np.float32], width: int,
                         height: int) -> SegmentationResult:
        """The result for an input :func:`preprocess` made from a ``width``×``height`` frame."""
        prob = np.asarray(self.model(x)[0], dtype=np.float32).reshape(INPUT_H, INPUT_W)
        prob = np.nan_to_num(np.clip(prob, 0.0, 1.0))
        k = self.params.smoothing
        if self._previous is not None and k > 0:
            prob = k * self._previous + (1.0 - k) * prob
        self._previous = prob
        fraction = float((prob > self.params.threshold).mean())
        mask = np.asarray(np.round(prob * 255.0), dtype=np.uint8)
        return SegmentationResult(mask, fraction, width, height)

    def process(self, rgb: npt.NDArray[np.uint8]) -> SegmentationResult:
        """The person mask of one frame."""
        h, w = rgb.shape[:2]
        return self.process_prepared(preprocess(rgb), w, h)
