"""The ``hands`` task: palm detector + hand landmarks, signs and taught signs (hand-signs demo)."""

from __future__ import annotations

import threading
import time

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.tasks.hands import HandParams, HandsResult, HandTracker, TaughtSigns
from kiosk.core.tasks.params import ParamReader
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.task_pose import check_models
from kiosk.runtime.tasks import ModelPath, TaskKind

MODELS = ("palm", "landmarks")


class HandsRunner(WholeFrameRunner):
    """Follows up to two hands; taught signs may be added from the GUI while it runs."""

    def __init__(self, tracker: HandTracker) -> None:
        self.tracker = tracker
        self._lock = threading.Lock()

    def process(self, rgb: np.ndarray) -> tuple[HandsResult, dict[str, float]]:
        t0 = time.perf_counter()
        with self._lock:
            result = self.tracker.process(rgb)
        return result, {"model": round((time.perf_counter() - t0) * 1000.0, 3)}

    def teach(self, name: str, points: list[tuple[float, float]], right: bool) -> int:
        """Add one example of the visitor's sign ``name``; returns its number of examples."""
        with self._lock:
            return self.tracker.taught.add(name, points, right)

    def forget(self) -> None:
        """Forget the taught signs."""
        with self._lock:
            self.tracker.taught.clear()

    def reset(self) -> None:
        """A new visitor: no followed hands, nothing taught."""
        with self._lock:
            self.tracker.reset()

    def new_scene(self) -> None:
        """Another picture: look for hands afresh (the taught signs stay)."""
        with self._lock:
            self.tracker.regions = []


def read_params(m: Manifest) -> tuple[HandParams, list[ManifestProblem]]:
    """Hand settings from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    d = HandParams()
    params = HandParams(
        max_hands=r.integer("max_hands", d.max_hands, 1, 4),
        min_detection=r.number("min_detection", d.min_detection, 0.05, 0.99),
        min_presence=r.number("min_presence", d.min_presence, 0.05, 0.99),
        redetect_every=r.integer("redetect_every", d.redetect_every, 1, 120),
        taught_max_distance=r.number("taught_max_distance", d.taught_max_distance, 0.05, 2.0),
    )
    return params, r.finish()


def _check(m: Manifest) -> list[ManifestProblem]:
    _, problems = read_params(m)
    return problems + check_models(m, MODELS, "hands")


def _build(m: Manifest, model_path: ModelPath) -> HandsRunner:
    params, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    palm, landmarks = (OnnxModel(model_path(name)) for name in MODELS)
    taught = TaughtSigns(params.taught_max_distance)
    return HandsRunner(HandTracker(palm, landmarks, params, taught))


KIND = TaskKind("hands", _check, _build)
