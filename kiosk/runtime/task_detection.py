"""The ``detection`` task kind: checks, model inspection and the frame runner.

Ultralytics exports describe themselves in their ONNX metadata (``names``, ``imgsz``, ``task``,
``stride``; newer ones ``end2end``). The values are Python literals written with ``repr``; they
are read with :func:`ast.literal_eval` only, never ``eval``: a pack is data and nothing in it is
ever executed.
"""

from __future__ import annotations

import ast
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiosk.core.manifest import MANIFEST_NAME, Manifest, ManifestProblem, is_plain_name
from kiosk.core.problems import msg
from kiosk.core.safe_read import FileRefused, is_regular_file, read_text_bounded
from kiosk.core.tasks import detection as det
from kiosk.core.tasks.classification import read_labels
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.tasks import ModelPath, TaskKind

log = logging.getLogger(__name__)

# literal_eval builds whatever the text describes: a 1000-class name table is ~20 KB, so
# anything far larger is not metadata we want to parse (memory, deep recursion).
MAX_LITERAL_CHARS = 1_000_000


def literal(value: str) -> Any:
    """A Python literal from model metadata; ``ValueError`` when it is not one."""
    if len(value) > MAX_LITERAL_CHARS:
        raise ValueError(f"metadata value of {len(value)} characters is too long")
    try:
        return ast.literal_eval(value.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a Python literal ({type(exc).__name__})") from None


@dataclass(frozen=True)
class ModelMeta:
    """What an Ultralytics-style export says about itself (fields ``None`` when absent)."""

    names: list[str] | None = None
    imgsz: tuple[int, int] | None = None  # (height, width)
    task: str | None = None
    stride: int | None = None
    end2end: bool | None = None
    problems: list[str] = field(default_factory=list)  # metadata present but unreadable

    @property
    def ultralytics(self) -> bool:
        """True when the model carries the Ultralytics self-description."""
        return self.names is not None and (self.task is not None or self.stride is not None)


def _names(value: Any) -> list[str]:
    if isinstance(value, dict):
        if not all(isinstance(k, int) and not isinstance(k, bool) for k in value):
            raise ValueError("class numbers must be whole numbers")
        if sorted(value) != list(range(len(value))):
            raise ValueError("class numbers must run 0, 1, 2, … without gaps")
        items = [value[i] for i in range(len(value))]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("must be a {number: name} table or a list of names")
    if not items or not all(isinstance(n, str) for n in items):
        raise ValueError("every class name must be text")
    return [str(n) for n in items]


def _imgsz(value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 8 <= v <= 8192
                    for v in value)):
        return int(value[0]), int(value[1])
    raise ValueError("must be a size like [640, 640]")


def parse_metadata(meta: Mapping[str, str]) -> ModelMeta:
    """Read the Ultralytics keys of an ONNX model's custom metadata."""
    problems: list[str] = []
    out: dict[str, Any] = {}
    parsers: dict[str, Any] = {
        "names": _names,
        "imgsz": _imgsz,
        "stride": lambda v: int(v) if isinstance(v, int) and not isinstance(v, bool) and v > 0
        else _raise("must be a positive whole number"),
        "end2end": lambda v: v if isinstance(v, bool) else _raise("must be True or False"),
    }
    for key, parse in parsers.items():
        if key not in meta:
            continue
        try:
            out[key] = parse(literal(meta[key]))
        except ValueError as exc:
            problems.append(f"metadata {key!r} {exc}")
    task = meta.get("task")
    return ModelMeta(
        names=out.get("names"), imgsz=out.get("imgsz"),
        task=task.strip() if isinstance(task, str) and task.strip() else None,
        stride=out.get("stride"), end2end=out.get("end2end"), problems=problems)


def _raise(message: str) -> Any:
    raise ValueError(message)


def _file(m: Manifest) -> str:
    return f"{m.folder.name}/{MANIFEST_NAME}"


def check(m: Manifest) -> list[ManifestProblem]:
    """Static checks of a detection manifest (no model is loaded)."""
    file = _file(m)
    params, problems = det.read_params(m.params, file)
    for key, name in (("labels_en", params.labels_en), ("labels_de", params.labels_de)):
        if name is not None and not (is_plain_name(name) and is_regular_file(m.folder / name)):
            problems.append(ManifestProblem(
                file, f"params.{key}", msg("labels.not_plain_file", name=repr(name)),
                msg("labels.fix.detection")))
    if "main" not in m.models:
        problems.append(ManifestProblem(
            file, "[models.main]", msg("models.needs_main", task="detection"),
            msg("models.fix.add_main")))
    return problems


@dataclass(frozen=True)
class Plan:
    """Everything needed to run a detector, worked out from manifest + model."""

    size: tuple[int, int]
    fmt: det.OutputFormat | None  # None: decided from the first real output
    output: str
    labels_en: list[str] | None
    labels_de: list[str] | None
    float16: bool


def _labels(m: Manifest, name: str | None) -> list[str] | None:
    if name is None:
        return None
    try:  # bounded, never through a link
        return read_labels(read_text_bounded(m.folder / name, what="Labels file"))
    except FileRefused as exc:
        raise ModelLoadError(exc.msg) from None


def _dim(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def inspect(m: Manifest, model: OnnxModel) -> tuple[Plan | None, list[ManifestProblem]]:
    """Check that ``model`` fits the manifest; the plan to run it, or every problem found."""
    file = _file(m)
    model_file = f"{m.folder.name}/{model.path.name}"
    params, problems = det.read_params(m.params, file)
    meta = parse_metadata(model.metadata())
    for text in meta.problems:
        problems.append(ManifestProblem(
            model_file, "", msg("detail", detail=text), msg("detection.fix.metadata")))
    try:
        labels_en = _labels(m, params.labels_en) or meta.names
        labels_de = _labels(m, params.labels_de)
    except ModelLoadError as exc:
        problems.append(ManifestProblem(file, "params", exc.msg, msg("fix.utf8")))
        labels_en, labels_de = meta.names, None
    if labels_de is None and labels_en is not None:
        labels_de = det.german_labels(labels_en)
    if labels_en and labels_de and len(labels_de) != len(labels_en):
        problems.append(ManifestProblem(
            file, "params.labels_de", msg("detection.label_counts", de=len(labels_de),
                                          en=len(labels_en)),
            msg("detection.fix.label_counts")))

    inp = model.session.get_inputs()[0]
    shape = list(inp.shape)
    size = params.size
    if len(shape) != 4:
        problems.append(ManifestProblem(
            model_file, f"input {inp.name}", msg("fit.input_dims", count=len(shape), shape=shape),
            msg("detection.fix.image_model")))
    else:
        ch_axis, hw = (1, (2, 3)) if params.layout == "NCHW" else (3, (1, 2))
        if _dim(shape[ch_axis]) not in (3, None):
            problems.append(ManifestProblem(
                model_file, f"input {inp.name}", msg(
                    "fit.channels", shape=shape, channels=shape[ch_axis], layout=params.layout),
                msg("fit.fix.channels")))
        fixed = (_dim(shape[hw[0]]), _dim(shape[hw[1]]))
        if fixed[0] and fixed[1]:
            if size is not None and size != fixed:
                problems.append(ManifestProblem(
                    file, "params.size", msg("fit.size", size=list(size), model=list(fixed)),
                    msg("detection.fix.size", model=list(fixed))))
            size = size or (fixed[0], fixed[1])
    size = size or meta.imgsz or (det.DEFAULT_SIZE, det.DEFAULT_SIZE)
    if meta.stride and params.size and any(s % meta.stride for s in params.size):
        problems.append(ManifestProblem(
            file, "params.size", msg("detection.stride", size=list(params.size),
                                     stride=meta.stride),
            msg("detection.fix.stride", stride=meta.stride)))

    out_name = params.output or model.output_names[0]
    fmt: det.OutputFormat | None = None
    if out_name not in model.output_names:
        problems.append(ManifestProblem(
            file, "params.output", msg("fit.no_output", name=repr(out_name)),
            msg("fit.fix.output", names=model.output_names)))
    else:
        out_shape = [_dim(d) for d in next(
            o.shape for o in model.session.get_outputs() if o.name == out_name)]
        nc = len(labels_en) if labels_en else None
        if params.output_format != "auto":
            fmt = _fmt(params.output_format)
            reason = ""
        else:
            fmt, reason = det.detect_format(out_shape, nc, meta.end2end)
            if fmt is None and nc is not None:
                # labels may be wrong rather than the layout unknown: try without them, so the
                # message can name the label count as the thing to fix
                alone, _ = det.detect_format(out_shape, None, meta.end2end)
                if alone is not None:
                    fmt, reason = alone, ""
        if fmt is None and all(d is not None for d in out_shape):
            problems.append(ManifestProblem(
                model_file, f"output {out_name}", msg("detail", detail=reason),
                msg("detection.fix.format")))
        elif fmt is not None:
            model_nc = det.classes_in_output(out_shape, fmt)
            if model_nc is not None and model_nc < 1:
                problems.append(ManifestProblem(
                    model_file, f"output {out_name}", msg("detection.no_classes",
                                                          shape=out_shape, layout=fmt),
                    msg("detection.fix.check_format")))
            elif model_nc is not None and labels_en is not None and len(labels_en) != model_nc:
                where = params.labels_en or msg("detection.names_metadata").both()
                problems.append(ManifestProblem(
                    file, "params.labels_en", msg("detection.label_count", where=where,
                                                  labels=len(labels_en), classes=model_nc),
                    msg("detection.fix.label_count")))
    plan = Plan(size=size, fmt=fmt, output=out_name, labels_en=labels_en, labels_de=labels_de,
                float16=inp.type == "tensor(float16)")
    return (None if problems else plan), problems


def _fmt(value: str) -> det.OutputFormat:
    if value == "yolov5":
        return "yolov5"
    if value == "end2end":
        return "end2end"
    return "yolov8"


def _ms(t0: float, t1: float) -> float:
    return round((t1 - t0) * 1000.0, 3)


class DetectionRunner(WholeFrameRunner):
    """Letterbox → model → decode → boxes in frame pixels with labels in both languages."""

    def __init__(self, model: OnnxModel, params: det.DetectionParams, plan: Plan) -> None:
        self.model = model
        self.params = params
        self.plan = plan
        self._fmt = plan.fmt

    def process(self, rgb: np.ndarray) -> tuple[det.DetectionResult, dict[str, float]]:
        t0 = time.perf_counter()
        x, box = det.preprocess(rgb, self.params, self.plan.size)
        if self.plan.float16:
            x = x.astype(np.float16)
        t1 = time.perf_counter()
        out = self.model.run([self.plan.output], x)[0]
        t2 = time.perf_counter()
        if self._fmt is None:
            # the model leaves its output shape open; the first real output settles it
            nc = len(self.plan.labels_en) if self.plan.labels_en else None
            fmt, reason = det.detect_format(list(np.shape(out)), nc)
            if fmt is None:
                raise ModelLoadError(f"{self.model.path.name}: {reason}; set "
                                     "params.output_format in demo.toml.")
            self._fmt = fmt
        result = det.decode(out, self._fmt, box, self.params, self.plan.labels_en,
                            self.plan.labels_de)
        t3 = time.perf_counter()
        return result, {"preprocess": _ms(t0, t1), "model": _ms(t1, t2), "postprocess": _ms(t2, t3)}


def build(m: Manifest, model_path: ModelPath) -> DetectionRunner:
    """Load the detector (blocking). Raises :class:`ModelLoadError` with every problem."""
    params, problems = det.read_params(m.params, _file(m))
    if problems:
        raise ModelLoadError(str(problems[0]))
    model = OnnxModel(model_path("main"))
    plan, problems = inspect(m, model)
    if plan is None:
        raise ModelLoadError("; ".join(str(p) for p in problems))
    return DetectionRunner(model, params, plan)


def model_problems(m: Manifest, model: OnnxModel) -> list[ManifestProblem]:
    """Whether ``model`` fits the manifest (pack validation)."""
    return inspect(m, model)[1]


KIND = TaskKind("detection", check, build)
