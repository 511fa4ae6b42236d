"""The ``pose`` task: BlazePose detector + landmarks with region tracking (body-pose demo)."""

from __future__ import annotations

import time

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.params import ParamReader
from kiosk.core.tasks.pose import PoseParams, PoseResult, PoseTracker
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.tasks import ModelPath, TaskKind

MODELS = ("detector", "landmarks")


class PoseRunner(WholeFrameRunner):
    """Follows one person from frame to frame (the detector runs only when tracking is lost)."""

    def __init__(self, tracker: PoseTracker) -> None:
        self.tracker = tracker

    def process(self, rgb: np.ndarray) -> tuple[PoseResult, dict[str, float]]:
        t0 = time.perf_counter()
        result = self.tracker.process(rgb)
        return result, {"model": round((time.perf_counter() - t0) * 1000.0, 3)}

    def reset(self) -> None:
        """Forget the person being followed."""
        self.tracker.reset()

    def new_scene(self) -> None:
        """Another picture: look for the person afresh."""
        self.tracker.reset()


def read_params(m: Manifest) -> tuple[PoseParams, list[ManifestProblem]]:
    """Pose settings from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    d = PoseParams()
    params = PoseParams(
        min_detection=r.number("min_detection", d.min_detection, 0.05, 0.99),
        min_presence=r.number("min_presence", d.min_presence, 0.05, 0.99),
        min_keypoint=r.number("min_keypoint", d.min_keypoint, 0.0, 1.0),
    )
    return params, r.finish()


def check_models(m: Manifest, names: tuple[str, ...], what: str) -> list[ManifestProblem]:
    """A problem for each model of ``names`` the manifest does not declare."""
    return [ManifestProblem(f"{m.folder.name}/demo.toml", f"[models.{name}]", msg("missing"),
                            msg("models.fix.needs", task=what, name=name))
            for name in names if name not in m.models]


def _check(m: Manifest) -> list[ManifestProblem]:
    _, problems = read_params(m)
    return problems + check_models(m, MODELS, "pose")


def _build(m: Manifest, model_path: ModelPath) -> PoseRunner:
    params, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    detector, landmarks = (OnnxModel(model_path(name)) for name in MODELS)
    return PoseRunner(PoseTracker(detector, landmarks, params))


KIND = TaskKind("pose", _check, _build)
