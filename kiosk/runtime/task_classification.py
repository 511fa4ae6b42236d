"""The ``classification`` task: a classifier ONNX model with labels, explanations included.

Preprocess → model → top-k with labels in both languages; with "where is the AI looking?" on,
a class activation map from the model's feature-map output, or on freeze an occlusion map for
classifiers without one; "try to fool it" perturbs what the model receives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem, is_plain_name
from kiosk.core.problems import msg
from kiosk.core.safe_read import FileRefused, is_regular_file, read_text_bounded
from kiosk.core.tasks import classification as cls
from kiosk.core.tasks.explain import Explanation, class_activation_map, occlusion_map
from kiosk.core.tasks.perturb import Perturbation
from kiosk.core.tasks.perturb import apply as apply_perturbation
from kiosk.runtime import shutdown
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import TaskRunner
from kiosk.runtime.tasks import ModelPath, TaskKind


def _ms(t0: float, t1: float) -> float:
    return round((t1 - t0) * 1000.0, 3)


def _read_text(path: Path, what: str) -> str:
    try:
        return read_text_bounded(path, what=what)  # bounded, never through a link
    except FileRefused as exc:
        raise ModelLoadError(exc.msg) from None


class ClassificationRunner:
    """Preprocess → model → top-k with labels in both languages.

    With :attr:`explain` on (the visitor's "where is the AI looking?" toggle, set from
    any thread) each result also carries a class activation map of its top class, when
    the model has a feature-map output and a linear head (see :func:`heat_map_support`).
    """

    def __init__(
        self, model: OnnxModel, params: cls.ClassificationParams,
        labels_en: list[str], labels_de: list[str] | None,
        features: str | None = None, head: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.params = params
        self.labels_en = labels_en
        self.labels_de = labels_de
        self._outputs = [params.output] if params.output else [model.output_names[0]]
        self.features = features
        self.head = head
        self.explain = False
        #: "try to fool it": what the visitor changes in the picture before the model gets it
        self.perturb: Perturbation | None = None
        #: "try to fool it" is open: every result carries the picture the model got, so its
        #: "the AI gets" box shows it before a slider moves (it stayed empty till then)
        self.show_input = False
        self._frames = 0
        #: why there is no live heat map (for staff), or None when there is one
        self.explain_unavailable: str | None = (
            None if features is not None and head is not None else
            f"{model.path.name} has no feature-map output with a linear classifier head")

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        """The model input for a frame (the pipeline runs this on the capture thread)."""
        perturb = self.perturb
        if perturb is not None and not perturb.is_identity:
            self._frames += 1  # fresh noise every frame, as a camera would give
            rgb = apply_perturbation(rgb, perturb, self._frames)
        return cls.preprocess(rgb, self.params)

    def process_prepared(
        self, rgb: np.ndarray, x: np.ndarray,
    ) -> tuple[cls.ClassificationResult, dict[str, float]]:
        """Model and post-processing for an input :meth:`prepare` made."""
        features = self.features if self.explain and self.head is not None else None
        explain = features is not None
        t1 = time.perf_counter()
        outs = self.model.run([*self._outputs, features] if features else self._outputs, x)
        scores = outs[0]
        t2 = time.perf_counter()
        result = cls.top_k(scores, self.params, self.labels_en, self.labels_de)
        t3 = time.perf_counter()
        timings = {"model": _ms(t1, t2), "postprocess": _ms(t2, t3)}
        if explain and result.top and self.head is not None:
            grid = class_activation_map(outs[1][0], self.head[result.top[0].index])
            heat = Explanation(grid, cls.input_box(rgb.shape, self.params), "cam")
            result = replace(result, explanation=heat)
            timings["explain"] = _ms(t3, time.perf_counter())
        if self.show_input or (self.perturb is not None and not self.perturb.is_identity):
            result = replace(result, model_input=cls.input_picture(x, self.params))
        return result, timings

    def process(self, rgb: np.ndarray) -> tuple[cls.ClassificationResult, dict[str, float]]:
        t0 = time.perf_counter()
        x = self.prepare(rgb)
        t1 = time.perf_counter()
        result, timings = self.process_prepared(rgb, x)
        return result, {"preprocess": _ms(t0, t1), **timings}


    def occlusion(
        self, rgb: np.ndarray, progress: Callable[[float], bool],
    ) -> cls.ClassificationResult | None:
        """Freeze-time explanation for any classifier: cover each cell of the part the model
        sees with grey and measure how much the top class loses (50 model runs; seconds).

        ``progress(done_fraction)`` returning False cancels (→ ``None``), and so does
        :func:`kiosk.runtime.shutdown.begin`.
        """
        result, _ = self.process(rgb)
        if not result.top:
            return None
        best = result.top[0].index
        x0, y0, x1, y1 = (round(v) for v in cls.input_box(rgb.shape, self.params))
        frame = np.array(rgb, copy=True)

        def score(region: np.ndarray) -> float:
            frame[y0:y1, x0:x1] = region
            raw = self.model.run(self._outputs, cls.preprocess(frame, self.params))[0]
            return float(cls.probabilities(raw, self.params.activation)[best])

        def going_on(done: float) -> bool:  # the kiosk leaving cancels it between two runs
            return not shutdown.stopping() and progress(done)

        grid = occlusion_map(np.array(rgb[y0:y1, x0:x1], copy=True), score, progress=going_on)
        if grid is None:
            return None
        heat = Explanation(grid, (float(x0), float(y0), float(x1), float(y1)), "occlusion")
        return replace(result, explanation=heat)


def _check_classification(m: Manifest) -> list[ManifestProblem]:
    file = f"{m.folder.name}/demo.toml"
    params, problems = cls.read_params(m.params, file)
    for key, name in (("labels_en", params.labels_en), ("labels_de", params.labels_de)):
        if name is not None and not is_plain_name(name):
            problems.append(ManifestProblem(
                file, f"params.{key}", msg("not_plain_name", name=repr(name)),
                msg("labels.fix.next_to_manifest")))
        elif name is not None and not is_regular_file(m.folder / name):
            problems.append(ManifestProblem(
                file, f"params.{key}", msg("labels.not_found", name=name),
                msg("labels.fix.add")))
    if "main" not in m.models:
        problems.append(ManifestProblem(
            file, "[models.main]", msg("models.needs_main", task="classification"),
            msg("models.fix.add_main")))
    return problems


def _build_classification(m: Manifest, model_path: ModelPath) -> TaskRunner:
    params, problems = cls.read_params(m.params, f"{m.folder.name}/demo.toml")
    if problems:
        raise ModelLoadError(str(problems[0]))
    labels_en = cls.read_labels(_read_text(m.folder / params.labels_en, "Labels file"))
    labels_de = (cls.read_labels(_read_text(m.folder / params.labels_de, "Labels file"))
                 if params.labels_de else None)
    model = OnnxModel(model_path("main"))
    out_name = params.output or model.output_names[0]
    if out_name not in model.output_names:
        raise ModelLoadError(
            f"{model.path.name} has no output {out_name!r} (it has {model.output_names}).")
    out_shape = next(o.shape for o in model.session.get_outputs() if o.name == out_name)
    classes = out_shape[-1] if out_shape and isinstance(out_shape[-1], int) else None
    for labels, name in ((labels_en, params.labels_en), (labels_de, params.labels_de)):
        if labels is not None and classes is not None and len(labels) != classes:
            raise ModelLoadError(
                f"{name} has {len(labels)} labels but the model has {classes} classes: "
                "give exactly one label per class, in the model's order.")
    features, head = heat_map_support(model, out_name)
    return ClassificationRunner(model, params, labels_en, labels_de, features, head)


def heat_map_support(model: OnnxModel, scores_output: str) -> tuple[str | None, np.ndarray | None]:
    """The feature-map output and the head's ``[classes, channels]`` weights, if the model
    allows a class activation map: an output shaped ``[N, C, h, w]`` and a linear
    (Gemm/MatMul) layer producing ``scores_output`` from C pooled features."""
    from kiosk.runtime.onnx_weights import classifier_weights

    maps = [o for o in model.session.get_outputs() if len(o.shape) == 4 and o.name != scores_output]
    if not maps:
        return None, None
    head = classifier_weights(model.path, scores_output)
    if head is None:
        return None, None
    for out in maps:
        if out.shape[1] == head.shape[1]:
            return out.name, head
    return None, None


KIND = TaskKind("classification", _check_classification, _build_classification)
