"""The ``segmentation`` task: person mask for the magic-background demo."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kiosk.core.image_header import image_size, too_large
from kiosk.core.manifest import Manifest, ManifestProblem, is_plain_name
from kiosk.core.problems import msg
from kiosk.core.safe_read import FileRefused, is_regular_file, read_bounded
from kiosk.core.tasks.params import ParamReader
from kiosk.core.tasks.segmentation import (
    SegmentationParams,
    SegmentationResult,
    Segmenter,
    preprocess,
)
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.task_pose import check_models
from kiosk.runtime.tasks import ModelPath, TaskKind

MAX_SCENE_BYTES = 8 << 20
MAX_SCENE_SIDE = 1920


class SegmentationRunner:
    """Resizes on the capture thread, runs the model on the worker."""

    def __init__(self, segmenter: Segmenter, scenes: list[np.ndarray] | None = None) -> None:
        self.segmenter = segmenter
        #: background pictures (RGB) the panel can put behind the visitor
        self.scenes = scenes or []

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        """The model input for a frame (the pipeline runs this on the capture thread)."""
        return preprocess(rgb)

    def process_prepared(
        self, rgb: np.ndarray, x: np.ndarray,
    ) -> tuple[SegmentationResult, dict[str, float]]:
        """Model and post-processing for an input :meth:`prepare` made."""
        t0 = time.perf_counter()
        h, w = rgb.shape[:2]
        result = self.segmenter.process_prepared(x, w, h)
        return result, {"model": round((time.perf_counter() - t0) * 1000.0, 3)}

    def process(self, rgb: np.ndarray) -> tuple[SegmentationResult, dict[str, float]]:
        return self.process_prepared(rgb, self.prepare(rgb))

    def reset(self) -> None:
        """Forget the previous mask (a new visitor)."""
        self.segmenter.reset()

    def new_scene(self) -> None:
        """Another picture: the previous mask belongs to the old one."""
        self.segmenter.reset()


def read_params(
    m: Manifest,
) -> tuple[SegmentationParams, tuple[str, ...], list[ManifestProblem]]:
    """Segmentation settings and background scene file names from ``[params]``."""
    file = f"{m.folder.name}/demo.toml"
    r = ParamReader(m.params, file)
    d = SegmentationParams()
    params = SegmentationParams(
        threshold=r.number("threshold", d.threshold, 0.05, 0.95),
        smoothing=r.number("smoothing", d.smoothing, 0.0, 0.9),
    )
    scenes = _scene_names(m, r)
    problems = r.finish()
    for name in scenes:
        if not is_regular_file(m.folder / name):  # a link out of the pack is not its file
            problems.append(ManifestProblem(file, "params.scenes",
                                            msg("file.not_found", name=name),
                                            msg("scenes.fix.put")))
    return params, scenes, problems


def _scene_names(m: Manifest, r: ParamReader) -> tuple[str, ...]:
    value = r.raw("scenes", [])
    ok = (isinstance(value, list) and len(value) <= 8
          and all(is_plain_name(v) and str(v).lower().endswith((".jpg", ".jpeg", ".png"))
                  for v in value))
    if not ok:
        r.problems.append(ManifestProblem(
            f"{m.folder.name}/demo.toml", "params.scenes", msg("scenes.bad"),
            msg("scenes.fix")))
        return ()
    return tuple(str(v) for v in value)


def load_scene(path: Path) -> np.ndarray:
    """A background picture as RGB, refused when too large to decode safely.

    The pack's own plain file (never a link), at most :data:`MAX_SCENE_BYTES`, and only
    when its header declares a size worth decoding: a 100 KB PNG can declare 30000×30000.
    """
    import cv2

    refused = ModelLoadError(f"Background picture {path.name} cannot be used (not a JPEG or "
                             "PNG, or too large): use a picture of at most 1920×1080.")
    try:
        data = read_bounded(path, MAX_SCENE_BYTES, "Background picture")
    except FileRefused:
        raise refused from None
    size = image_size(data)
    if too_large(size) or size is None or max(size) > 4 * MAX_SCENE_SIDE:
        raise refused
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_2
                         if max(size) > 2 * MAX_SCENE_SIDE else cv2.IMREAD_COLOR)
    if image is None or max(image.shape[:2]) > 2 * MAX_SCENE_SIDE:
        raise refused
    h, w = image.shape[:2]
    k = min(1.0, MAX_SCENE_SIDE / max(h, w))
    if k < 1.0:
        image = cv2.resize(image, (round(w * k), round(h * k)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[:, :, ::-1])


def _check(m: Manifest) -> list[ManifestProblem]:
    _, _, problems = read_params(m)
    return problems + check_models(m, ("main",), "segmentation")


def _build(m: Manifest, model_path: ModelPath) -> SegmentationRunner:
    params, scenes, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    model = OnnxModel(model_path("main"))
    return SegmentationRunner(Segmenter(model, params),
                              [load_scene(m.folder / name) for name in scenes])


KIND = TaskKind("segmentation", _check, _build)
