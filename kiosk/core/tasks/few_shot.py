"""Few-shot learning ("teach the AI"): nearest class centroid on image embeddings.

Visitors show the camera a few examples of up to three things; each example is the
1280-number embedding MobileNetV2 computes anyway. Learning is averaging those vectors
per class (well under a millisecond); predicting is comparing a new embedding with each
average by cosine similarity, turned into confidences with a softmax. Only embeddings are
kept, in memory, and they are wiped when the visitor session ends.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kiosk.core.manifest import ManifestProblem
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.classification import ClassificationParams
from kiosk.core.tasks.explain import Explanation
from kiosk.core.tasks.params import ParamReader


@dataclass(frozen=True)
class FewShotParams:
    """Preprocessing of the embedding model and the learner's settings."""

    prep: ClassificationParams = field(default_factory=ClassificationParams)
    output: str = "embedding"
    max_classes: int = 3
    burst: int = 10  # examples recorded by one press of a "record" button (~1 s of camera)
    max_examples: int = 60  # per class; older ones are forgotten first
    temperature: float = 0.05  # softmax temperature on cosine similarities
    #: "not sure" when the picture's cosine similarity to every taught class is below this
    #: (measured: other views of a taught thing ≥ 0.92, unrelated photos, walls, noise ≤ 0.63)
    unsure_below: float = 0.7


def read_params(
    params: Mapping[str, Any], file: str
) -> tuple[FewShotParams, list[ManifestProblem]]:
    """Typed few-shot parameters from a manifest's ``[params]`` table."""
    r = ParamReader(params, file)
    d = FewShotParams()
    size = r.numbers("size", (224.0, 224.0), 2, 8, 2048)
    resize = r.integer("resize_shorter", 256, 0, 4096)
    mean = r.numbers("mean", d.prep.mean, 3, -1000.0, 1000.0)
    std = r.numbers("std", d.prep.std, 3, 1e-6, 1000.0)
    colour = r.text("colour", "RGB", ("RGB", "BGR"))
    prep = ClassificationParams(
        size=(int(size[0]), int(size[1])), resize_shorter=resize or None,
        mean=(mean[0], mean[1], mean[2]), std=(std[0], std[1], std[2]),
        colour="BGR" if colour == "BGR" else "RGB", activation="none", top_k=1)
    out = FewShotParams(
        prep=prep,
        output=r.text("output", d.output),
        max_classes=r.integer("max_classes", d.max_classes, 2, 6),
        burst=r.integer("burst", d.burst, 1, 60),
        max_examples=r.integer("max_examples", d.max_examples, 1, 500),
        temperature=r.number("temperature", d.temperature, 0.001, 10.0),
        unsure_below=r.number("unsure_below", d.unsure_below, -1.0, 1.0),
    )
    return out, r.finish()


def normalise(embedding: np.ndarray) -> np.ndarray:
    """A flat float32 unit vector (zero stays zero)."""
    v = np.asarray(embedding, dtype=np.float32).reshape(-1)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else v


@dataclass(frozen=True)
class CentroidModel:
    """What was learned: one unit-length average embedding per class."""

    classes: tuple[int, ...]
    centroids: np.ndarray  # (len(classes), dim)
    temperature: float

    def similarity(self, embedding: np.ndarray) -> float:
        """Cosine similarity to the nearest taught class (how familiar the picture is)."""
        return float((self.centroids @ normalise(embedding)).max())

    def direction(self, cls: int) -> np.ndarray:
        """What sets class ``cls`` apart from the others (for its heat map)."""
        i = self.classes.index(cls)
        out: np.ndarray = self.centroids[i] - self.centroids.mean(axis=0)
        return out

    def predict(self, embedding: np.ndarray) -> tuple[int, dict[int, float]]:
        """The most similar class and a confidence for every class (sums to 1)."""
        sims = self.centroids @ normalise(embedding)
        z = (sims - sims.max()) / self.temperature
        p = np.exp(z)
        p /= p.sum()
        best = int(np.argmax(p))
        return self.classes[best], {c: float(s) for c, s in zip(self.classes, p, strict=True)}


class ExampleBank:
    """The examples a visitor recorded, per class; in memory only."""

    def __init__(self, max_classes: int = 3, max_examples: int = 60) -> None:
        self.max_classes = max_classes
        self.max_examples = max_examples
        self._examples: dict[int, list[np.ndarray]] = {}

    def add(self, cls: int, embedding: np.ndarray) -> None:
        """Remember one example of class ``cls`` (0-based)."""
        if not 0 <= cls < self.max_classes:
            raise ValueError(f"class {cls} is outside 0..{self.max_classes - 1}")
        bucket = self._examples.setdefault(cls, [])
        bucket.append(normalise(embedding))
        del bucket[: max(0, len(bucket) - self.max_examples)]

    def count(self, cls: int) -> int:
        """How many examples class ``cls`` has."""
        return len(self._examples.get(cls, ()))

    def clear(self, cls: int | None = None) -> None:
        """Forget one class, or everything."""
        if cls is None:
            self._examples.clear()
        else:
            self._examples.pop(cls, None)

    def fit(self, temperature: float = 0.05) -> CentroidModel | None:
        """Learn; ``None`` until at least two classes have examples (nothing to tell apart)."""
        classes = tuple(sorted(c for c, ex in self._examples.items() if ex))
        if len(classes) < 2:
            return None
        cents = np.stack([normalise(np.mean(self._examples[c], axis=0)) for c in classes])
        return CentroidModel(classes, cents, temperature)


@dataclass(frozen=True)
class TeachResult:
    """One frame: its embedding (never leaves memory) and the prediction, if trained."""

    embedding: np.ndarray = field(repr=False)
    predicted: int | None = None
    scores: dict[int, float] = field(default_factory=dict)
    names: Sequence[str] = ()
    unsure: bool = False  # like none of the taught things
    explanation: Explanation | None = None

    def to_json(self) -> JsonDict:
        """JSON-ready form (without the embedding)."""
        def name(c: int) -> str:
            return self.names[c] if c < len(self.names) else f"class {c + 1}"

        if self.predicted is None:
            return {"predicted": None, "scores": {}, "trained": False, "unsure": True}
        out: JsonDict = {
            "predicted": name(self.predicted),
            "predicted_index": self.predicted,
            "scores": {name(c): round(s, 5) for c, s in sorted(self.scores.items())},
            "trained": True,
            "unsure": self.unsure,
        }
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_json()
        return out


def augment(rgb: np.ndarray, rng: random.Random) -> np.ndarray:
    """A plausible camera view of the same thing: crop, flip, brightness, slight tilt."""
    import cv2

    h, w = rgb.shape[:2]
    s = rng.uniform(0.7, 1.0)
    ch, cw = max(8, int(h * s)), max(8, int(w * s))
    y, x = rng.randint(0, h - ch), rng.randint(0, w - cw)
    img = rgb[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        img = img[:, ::-1]
    angle = rng.uniform(-12, 12)
    m = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    img = cv2.warpAffine(np.ascontiguousarray(img), m, (cw, ch), borderMode=cv2.BORDER_REFLECT)
    gain = rng.uniform(0.75, 1.25)
    out: np.ndarray = np.clip(img.astype(np.float32) * gain, 0, 255).astype(np.uint8)
    return out
