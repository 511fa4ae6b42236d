"""The ``drawing`` task: a small CNN reads a digit drawn with a finger (no camera needed)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.digits import DigitPrediction, DigitReader
from kiosk.core.tasks.params import ParamReader
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.tasks import ModelPath, TaskKind


@dataclass(frozen=True)
class DrawingResult:
    """The digit read from one drawing; ``prediction`` is None for an empty drawing."""

    prediction: DigitPrediction | None
    top_k: int = 3

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        if self.prediction is None:
            return {"digit": None, "score": None, "top": [], "empty": True}
        return {**self.prediction.to_json(self.top_k), "empty": False}


@dataclass(frozen=True)
class DrawingParams:
    """Canvas settings."""

    pen: float = 0.075  # stroke width as a share of the canvas height (a fingertip)
    top_k: int = 3


class DrawingRunner:
    """Reads a drawing: strokes from the canvas, or a picture of a digit on paper."""

    def __init__(self, reader: DigitReader, params: DrawingParams) -> None:
        self.reader = reader
        self.params = params

    def process(self, rgb: np.ndarray) -> tuple[DrawingResult, dict[str, float]]:
        """A picture of a drawn digit (dark on light or the reverse)."""
        t0 = time.perf_counter()
        prediction = self.reader.predict(rgb)
        ms = round((time.perf_counter() - t0) * 1000, 3)
        return DrawingResult(prediction, self.params.top_k), {"model": ms}

    def read_strokes(
        self, strokes: Sequence[Sequence[tuple[float, float]]], width: int, height: int,
    ) -> tuple[DrawingResult, float]:
        """Strokes in canvas pixels → the result and the time it took in ms."""
        t0 = time.perf_counter()
        pen = max(2.0, self.params.pen * height)
        prediction = self.reader.predict_strokes(strokes, width, height, pen)
        return DrawingResult(prediction, self.params.top_k), (time.perf_counter() - t0) * 1000


def read_params(m: Manifest) -> tuple[DrawingParams, list[ManifestProblem]]:
    """Canvas settings from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    pen = r.number("pen", DrawingParams.pen, 0.01, 0.3)
    top_k = r.integer("top_k", DrawingParams.top_k, 1, 10)
    return DrawingParams(pen, top_k), r.finish()


def _check(m: Manifest) -> list[ManifestProblem]:
    _, problems = read_params(m)
    if "main" not in m.models:
        problems.append(ManifestProblem(
            f"{m.folder.name}/demo.toml", "[models.main]", "missing",
            "a drawing demo needs the digit model: add [models.main]"))
    return problems


def _build(m: Manifest, model_path: ModelPath) -> DrawingRunner:
    params, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    return DrawingRunner(DigitReader(OnnxModel(model_path("main"))), params)


KIND = TaskKind("drawing", _check, _build)
