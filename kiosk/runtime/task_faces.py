"""The ``faces`` task: MTCNN face boxes and landmarks for the face privacy demo."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.faces import Face, FaceDetector, FaceHold, FaceParams
from kiosk.core.tasks.params import ParamReader
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.tasks import ModelPath, TaskKind

NETS = ("pnet", "rnet", "onet")


@dataclass(frozen=True)
class FacesResult:
    """The faces to hide in one frame: the ones found, best first, then ``held`` ones the
    detector saw a moment ago but missed in this frame."""

    faces: tuple[Face, ...]
    held: int = 0

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"count": len(self.faces), "held": self.held,
                "faces": [f.to_json() for f in self.faces]}


class FaceRunner(WholeFrameRunner):
    """Runs the MTCNN cascade on each frame; a face missed for a moment stays hidden."""

    def __init__(self, detector: FaceDetector, hold_seconds: float = 0.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.detector = detector
        self.hold = FaceHold(hold_seconds)
        self.clock = clock

    def process(self, rgb: np.ndarray) -> tuple[FacesResult, dict[str, float]]:
        t0 = time.perf_counter()
        found = self.detector.detect(rgb)
        ms = round((time.perf_counter() - t0) * 1000.0, 3)
        faces, held = self.hold.update(found, self.clock())
        return FacesResult(tuple(faces), held), {"model": ms}

    def new_scene(self) -> None:
        """Another picture: a face of the old one is not held over the new one."""
        self.hold.clear()


def read_params(m: Manifest) -> tuple[FaceParams, float, list[ManifestProblem]]:
    """Face detector settings and the hold time (seconds) from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    d = FaceParams()
    min_face = r.integer("min_face", d.min_face, 12, 400)
    thresholds = r.numbers("thresholds", d.thresholds, 3, 0.0, 1.0)
    max_faces = r.integer("max_faces", d.max_faces, 1, 100)
    equalise = r.number("equalise", d.equalise, 0.0, 40.0)
    hold = r.number("hold_seconds", 0.5, 0.0, 5.0)
    problems = r.finish()
    params = FaceParams(min_face=min_face, thresholds=(thresholds[0], thresholds[1], thresholds[2]),
                        max_faces=max_faces, equalise=equalise)
    return params, hold, problems


def _check(m: Manifest) -> list[ManifestProblem]:
    _, _, problems = read_params(m)
    for net in NETS:
        if net not in m.models:
            problems.append(ManifestProblem(
                f"{m.folder.name}/demo.toml", f"[models.{net}]", msg("missing"),
                msg("faces.fix.model", name=net)))
    return problems


def _build(m: Manifest, model_path: ModelPath) -> FaceRunner:
    params, hold, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    nets = [OnnxModel(model_path(net)) for net in NETS]
    return FaceRunner(FaceDetector(nets[0], nets[1], nets[2], params), hold)


KIND = TaskKind("faces", _check, _build)
