"""``kiosk bench-wake``: what wake-on-approach costs while nobody is there, and how fast it greets.

A recorded scene plays at 30 fps through the real watcher and the real person detector: an empty
room (a plain wall with camera noise) for the first part, then a person (the bundled sample
photo of scikit-image's astronaut, scaled as a visitor about two metres away) steps in, stays,
and leaves. Reported: the process's CPU time while the room is empty, as a share of one core;
the time from the person's arrival to the greeting and from leaving to the attract screen.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WALL = (190, 196, 204)


@dataclass
class SceneSource:
    """A 640×480 recorded scene: empty, then a person from ``enter`` to ``leave`` seconds."""

    enter: float
    leave: float
    seconds: float
    fps: float = 30.0
    live: bool = False
    description: str = "recorded scene"

    def __post_init__(self) -> None:
        import cv2

        from kiosk.core.paths import sample_media_dir

        rng = np.random.default_rng(7)
        wall = np.full((480, 640, 3), WALL, np.float32)
        person = wall.copy()
        # The bundled sample photo (scikit-image's astronaut), so this runs in the bundle too.
        photo = cv2.imread(str(sample_media_dir() / "04-astronaut.jpg"))
        if photo is None:
            raise RuntimeError("the sample photo 04-astronaut.jpg is missing")
        person[220:480, 190:450] = cv2.resize(photo[:, :, ::-1], (260, 260),
                                              interpolation=cv2.INTER_AREA)
        # Sensor noise the gate must ignore; made once, so playing the scene costs nothing
        # a live camera would not (a camera delivers its frames without our CPU).
        noise = [rng.normal(0.0, 2.0, wall.shape).astype(np.float32) for _ in range(8)]
        self._empty = [np.clip(wall + n, 0, 255).astype(np.uint8) for n in noise]
        self._busy = [np.clip(person + n, 0, 255).astype(np.uint8) for n in noise]
        self._n = 0

    def seek(self, t: float) -> None:
        """Jump to second ``t`` of the recording."""
        self._n = round(t * self.fps)

    def read(self) -> np.ndarray | None:
        t = self._n / self.fps
        self._n += 1
        if t >= self.seconds:
            return None
        frames = self._busy if self.enter <= t < self.leave else self._empty
        frame: np.ndarray = frames[self._n % len(frames)]
        return frame

    def close(self) -> None:
        pass


def run(models_dir: Path, seconds: float = 30.0) -> dict[str, Any]:
    """Play the scene (``seconds`` of empty room, then a visitor for 5 s) through the watcher."""
    from kiosk.core.presence import PresenceTracker
    from kiosk.runtime.onnx_model import OnnxModel
    from kiosk.runtime.presence import PresenceWatcher

    empty = seconds
    enter, leave = empty, empty + 5.0
    total = leave + 6.0
    source = SceneSource(enter, leave, total)
    tracker = PresenceTracker(OnnxModel(models_dir / "mp_pose_detection.onnx"))
    changes: list[tuple[float, bool]] = []
    done = threading.Event()
    t0 = time.monotonic()

    def on_change(present: bool) -> None:
        changes.append((time.monotonic() - t0, present))

    watcher = PresenceWatcher(source, tracker, on_change=on_change, on_preview=lambda f: None)
    cpu0 = time.process_time()
    watcher.start()
    time.sleep(empty - 0.5)
    cpu_empty = time.process_time() - cpu0
    runs_empty = tracker.detector_runs
    wall_empty = time.monotonic() - t0
    while time.monotonic() - t0 < total + 1.0 and not done.is_set():
        time.sleep(0.1)
    watcher.stop()
    greeted = next((t for t, p in changes if p), None)
    gone = next((t for t, p in changes if not p and t > leave), None)
    return {
        "scene_seconds": round(total, 1),
        "empty_seconds": round(wall_empty, 1),
        "empty_cpu_percent_of_one_core": round(100.0 * cpu_empty / wall_empty, 2),
        "detector_runs_while_empty": runs_empty,
        "person_enters_s": enter,
        "greeted_after_s": round(greeted - enter, 3) if greeted is not None else None,
        "person_leaves_s": leave,
        "attract_again_after_s": round(gone - leave, 3) if gone is not None else None,
        "false_greetings": sum(1 for t, p in changes if p and t < enter),
    }
