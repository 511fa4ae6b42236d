"""The ``drawing`` task: a small CNN reads a digit drawn with a finger (no camera needed)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.base import JsonDict, ModelFn
from kiosk.core.tasks.digits import (
    DigitPrediction,
    DigitReader,
    normalise_drawing,
    strokes_to_image,
)
from kiosk.core.tasks.params import ParamReader
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.tasks import ModelPath, TaskKind


@dataclass(frozen=True)
class DrawingResult:
    """The digit read from one drawing; ``prediction`` is None for an empty drawing.

    ``unsure``: the drawing is unlike every real digit the model learned from (a scribble,
    a letter, noise), so the kiosk says "I'm not sure" instead of naming a digit.
    """

    prediction: DigitPrediction | None
    top_k: int = 3
    unsure: bool = False
    distance: float | None = None  # to the nearest real digits (0–16 scale)
    grid: np.ndarray | None = None  # the 8×8 picture the model got (0–16)

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        if self.prediction is None:
            return {"digit": None, "score": None, "top": [], "empty": True, "unsure": False}
        out: JsonDict = {**self.prediction.to_json(self.top_k), "empty": False,
                         "unsure": self.unsure}
        if self.distance is not None:
            out["distance"] = round(self.distance, 2)
        return out


@dataclass(frozen=True)
class DrawingParams:
    """Canvas settings."""

    pen: float = 0.075  # stroke width as a share of the canvas height (a fingertip)
    top_k: int = 3
    #: "not sure" at this distance to the nearest real digits or more (needs the
    #: ``nearest`` model; measured in models/digits_nearest.md)
    unsure_distance: float = 29.0
    #: without a ``nearest`` model: "not sure" below this top-1 probability
    unsure_below: float = 0.9


class DrawingRunner(WholeFrameRunner):
    """Reads a drawing: strokes from the canvas, or a picture of a digit on paper."""

    def __init__(self, reader: DigitReader, params: DrawingParams,
                 nearest: ModelFn | None = None) -> None:
        self.reader = reader
        self.params = params
        self.nearest = nearest

    def read(self, gray: np.ndarray) -> DrawingResult:
        """The digit in a picture, whether it looks like a digit at all, and the model input."""
        x = normalise_drawing(gray)
        if x is None:
            return DrawingResult(None, self.params.top_k)
        prediction = self.reader.predict_input(x)
        distance = None
        if self.nearest is not None:
            distance = float(np.asarray(self.nearest(x)[0]).reshape(-1)[0])
            unsure = distance >= self.params.unsure_distance
        else:
            unsure = prediction.score < self.params.unsure_below
        return DrawingResult(prediction, self.params.top_k, unsure, distance, x[0, 0])

    def process(self, rgb: np.ndarray) -> tuple[DrawingResult, dict[str, float]]:
        """A picture of a drawn digit (dark on light or the reverse)."""
        t0 = time.perf_counter()
        result = self.read(rgb)
        ms = round((time.perf_counter() - t0) * 1000, 3)
        return result, {"model": ms}

    def read_strokes(
        self, strokes: Sequence[Sequence[tuple[float, float]]], width: int, height: int,
    ) -> tuple[DrawingResult, float]:
        """Strokes in canvas pixels → the result and the time it took in ms."""
        t0 = time.perf_counter()
        pen = max(2.0, self.params.pen * height)
        result = self.read(strokes_to_image(strokes, width, height, pen))
        return result, (time.perf_counter() - t0) * 1000


def read_params(m: Manifest) -> tuple[DrawingParams, list[ManifestProblem]]:
    """Canvas settings from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    pen = r.number("pen", DrawingParams.pen, 0.01, 0.3)
    top_k = r.integer("top_k", DrawingParams.top_k, 1, 10)
    distance = r.number("unsure_distance", DrawingParams.unsure_distance, 0.0, 1000.0)
    below = r.number("unsure_below", DrawingParams.unsure_below, 0.0, 1.0)
    return DrawingParams(pen, top_k, distance, below), r.finish()


def _check(m: Manifest) -> list[ManifestProblem]:
    _, problems = read_params(m)
    if "main" not in m.models:
        problems.append(ManifestProblem(
            f"{m.folder.name}/demo.toml", "[models.main]", msg("missing"),
            msg("drawing.fix.model")))
    return problems


def _build(m: Manifest, model_path: ModelPath) -> DrawingRunner:
    params, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    nearest = OnnxModel(model_path("nearest")) if "nearest" in m.models else None
    return DrawingRunner(DigitReader(OnnxModel(model_path("main"))), params, nearest)


KIND = TaskKind("drawing", _check, _build)
