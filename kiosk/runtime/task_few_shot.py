"""The ``few-shot`` task: MobileNetV2 embeddings plus a learner visitors teach live."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.classification import input_box, preprocess
from kiosk.core.tasks.explain import Explanation, similarity_map
from kiosk.core.tasks.few_shot import (
    CentroidModel,
    ExampleBank,
    FewShotParams,
    TeachResult,
    augment,
    read_params,
)
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.tasks import ModelPath, TaskKind


def _ms(t0: float, t1: float) -> float:
    return round((t1 - t0) * 1000.0, 3)


class TeachRunner:
    """Embeds every frame and, once taught, says which class it looks like, or that it
    looks like none of them; with :attr:`explain` on, where it sees the predicted class."""

    def __init__(self, model: OnnxModel, params: FewShotParams,
                 features: str | None = None) -> None:
        self.model = model
        self.params = params
        self.learned: CentroidModel | None = None  # replaced whole: safe across threads
        self.names: Sequence[str] = ()
        self.features = features
        self.explain = False
        self.explain_unavailable: str | None = (
            None if features else f"{model.path.name} has no feature-map output")

    def embed(self, rgb: np.ndarray) -> np.ndarray:
        """The embedding of one picture."""
        x = preprocess(rgb, self.params.prep)
        return np.asarray(self.model.run([self.params.output], x)[0][0])

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        """The model input for a frame (the pipeline runs this on the capture thread)."""
        return preprocess(rgb, self.params.prep)

    def process_prepared(
        self, rgb: np.ndarray, x: np.ndarray,
    ) -> tuple[TeachResult, dict[str, float]]:
        """Embedding and prediction for an input :meth:`prepare` made."""
        result, timings = self._finish(x, time.perf_counter(), rgb.shape)
        del timings["preprocess"]
        return result, timings

    def process(self, rgb: np.ndarray) -> tuple[TeachResult, dict[str, float]]:
        t0 = time.perf_counter()
        return self._finish(self.prepare(rgb), t0, rgb.shape)

    def _finish(self, x: np.ndarray, t0: float,
                shape: tuple[int, ...]) -> tuple[TeachResult, dict[str, float]]:
        learned = self.learned
        features = self.features if self.explain and learned is not None else None
        t1 = time.perf_counter()
        outs = self.model.run([self.params.output, features] if features else
                              [self.params.output], x)
        emb = np.asarray(outs[0][0])
        t2 = time.perf_counter()
        if learned is None:
            result = TeachResult(emb, names=self.names, unsure=True)
        else:
            cls, scores = learned.predict(emb)
            unsure = learned.similarity(emb) < self.params.unsure_below
            heat = None
            if features is not None:
                grid = similarity_map(outs[1][0], learned.direction(cls))
                heat = Explanation(grid, input_box(shape, self.params.prep),
                                   "similarity")
            result = TeachResult(emb, cls, scores, self.names, unsure, heat)
        t3 = time.perf_counter()
        return result, {"preprocess": _ms(t0, t1), "model": _ms(t1, t2), "postprocess": _ms(t2, t3)}

    def forget(self) -> None:
        """Drop everything learned (session reset)."""
        self.learned = None

    def learn_from_images(
        self, images: Mapping[str, Sequence[np.ndarray]], per_class: int = 10, seed: int = 0,
    ) -> float:
        """Teach from still pictures, ``per_class`` augmented views each (headless runs).

        Returns the learning step's duration in ms (embedding not included).
        """
        rng = random.Random(seed)
        bank = ExampleBank(max(len(images), 2), self.params.max_examples)
        self.names = list(images)
        for cls, name in enumerate(self.names):
            pics = images[name]
            for i in range(per_class):
                bank.add(cls, self.embed(augment(pics[i % len(pics)], rng)))
        t0 = time.perf_counter()
        self.learned = bank.fit(self.params.temperature)
        return _ms(t0, time.perf_counter())


def _check(m: Manifest) -> list[ManifestProblem]:
    _, problems = read_params(m.params, f"{m.folder.name}/demo.toml")
    if "main" not in m.models:
        problems.append(ManifestProblem(
            f"{m.folder.name}/demo.toml", "[models.main]", msg("missing"),
            msg("few_shot.fix.model")))
    return problems


def _build(m: Manifest, model_path: ModelPath) -> TeachRunner:
    params, problems = read_params(m.params, f"{m.folder.name}/demo.toml")
    if problems:
        raise ModelLoadError(str(problems[0]))
    model = OnnxModel(model_path("main"))
    if params.output not in model.output_names:
        raise ModelLoadError(
            f"{model.path.name} has no output {params.output!r} (it has {model.output_names}).")
    features = next((o.name for o in model.session.get_outputs()
                     if len(o.shape) == 4 and o.name != params.output), None)
    return TeachRunner(model, params, features)


KIND = TaskKind("few-shot", _check, _build)
