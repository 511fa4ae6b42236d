"""Wake on approach: notice someone stepping up to the kiosk while it shows the attract screen.

Two stages keep the idle cost low: a motion gate on a tiny grey picture (a few microseconds)
decides whether anything changed; only then does the body demo's person detector (BlazePose's,
about 20 ms) look for a person. (MediaPipe's short-range face detector is cheaper but misses
faces smaller than about a fifth of the picture: a visitor two metres away.) A person counts as
*present* from the first frame somebody is seen and as *gone* after a few seconds without, so
one missed frame never ends a greeting. Nothing about the person is kept: the state is a yes or
no, and the log records only that someone came.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kiosk.core.tasks import blaze, pose
from kiosk.core.tasks.base import ModelFn

GATE_SIZE = (40, 30)  # width, height of the motion gate's grey thumbnail


def gray_thumbnail(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """A tiny grey picture for the motion gate (block means, no interpolation artefacts)."""
    import cv2

    small = cv2.resize(rgb, GATE_SIZE, interpolation=cv2.INTER_AREA)
    return np.asarray(small.mean(axis=2), dtype=np.float32)


@dataclass
class MotionGate:
    """Says whether the picture changed noticeably since the last look (or since quiet)."""

    threshold: float = 6.0  # mean absolute grey change (0…255) that counts as motion
    _reference: npt.NDArray[np.float32] | None = None

    def changed(self, rgb: npt.NDArray[np.uint8]) -> bool:
        """True when ``rgb`` differs from the reference; the reference then follows the scene."""
        thumb = gray_thumbnail(rgb)
        if self._reference is None or self._reference.shape != thumb.shape:
            self._reference = thumb
            return True
        diff = float(np.abs(thumb - self._reference).mean())
        # Slow drift (daylight, auto exposure) is absorbed; a change is judged against it.
        self._reference = 0.8 * self._reference + 0.2 * thumb
        return diff > self.threshold


def somebody_there(model: ModelFn, rgb: npt.NDArray[np.uint8], min_score: float = 0.6) -> bool:
    """Whether the person detector sees anybody in ``rgb`` (nothing else is kept)."""
    x, box = blaze.letterbox(rgb, pose.DETECTOR_SIZE, -1.0, 1.0)
    raw_boxes, raw_scores = model(x)[:2]
    return bool(blaze.decode(raw_boxes, raw_scores, pose.ANCHORS, box, 4, min_score))


@dataclass
class PresenceTracker:
    """Present/absent with a grace period; ``update`` is called a few times a second."""

    detector: ModelFn
    gone_after: float = 4.0  # seconds without anybody before the greeting ends
    recheck_every: float = 1.0  # while present, look again at least this often
    min_interval: float = 0.25  # never run the detector more often than this
    gate: MotionGate = field(default_factory=MotionGate)
    present: bool = False
    _last_seen: float = -1e9
    _last_check: float = -1e9
    detector_runs: int = 0

    def update(self, rgb: npt.NDArray[np.uint8], now: float) -> bool | None:
        """Judge one frame; returns True on arrival, False on leaving, None otherwise."""
        moved = self.gate.changed(rgb)
        due = self.present and now - self._last_check >= self.recheck_every
        if (moved or due) and now - self._last_check >= self.min_interval:
            self._last_check = now
            self.detector_runs += 1
            if somebody_there(self.detector, rgb):
                self._last_seen = now
                if not self.present:
                    self.present = True
                    return True
        if self.present and now - self._last_seen > self.gone_after:
            self.present = False
            return False
        return None

    def reset(self) -> None:
        """Nobody there (e.g. the kiosk left the attract screen)."""
        self.present = False
        self._last_seen = -1e9
        self.gate = MotionGate(self.gate.threshold)
