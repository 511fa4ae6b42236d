"""Image classification: preprocessing a camera frame and turning scores into top-k guesses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from kiosk.core.manifest import ManifestProblem
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.params import ParamReader

Activation = Literal["softmax", "sigmoid", "none"]
_MAX_RESIZED_PIXELS = 4096 * 4096  # the resize before the centre crop, at most


@dataclass(frozen=True)
class ClassificationParams:
    """How a classifier wants its input and how its output is read."""

    size: tuple[int, int] = (224, 224)  # (height, width) fed to the model
    resize_shorter: int | None = 256  # shorter side before the centre crop; None: plain resize
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    scale: float = 1.0 / 255.0  # applied before mean/std
    colour: Literal["RGB", "BGR"] = "RGB"
    layout: Literal["NCHW", "NHWC"] = "NCHW"
    activation: Activation = "softmax"
    output: str | None = None  # output name; None: the first output
    top_k: int = 5
    labels_en: str = "labels_en.txt"
    labels_de: str | None = "labels_de.txt"


def read_params(
    params: Mapping[str, Any], file: str
) -> tuple[ClassificationParams, list[ManifestProblem]]:
    """Typed classification parameters from a manifest's ``[params]`` table."""
    r = ParamReader(params, file)
    d = ClassificationParams()
    size = r.numbers("size", (float(d.size[0]), float(d.size[1])), 2, 8, 2048)
    resize = r.integer("resize_shorter", d.resize_shorter or 0, 0, 4096)
    mean = r.numbers("mean", d.mean, 3, -1000.0, 1000.0)
    std = r.numbers("std", d.std, 3, 1e-6, 1000.0)
    out = ClassificationParams(
        size=(int(size[0]), int(size[1])),
        resize_shorter=resize or None,
        mean=(mean[0], mean[1], mean[2]),
        std=(std[0], std[1], std[2]),
        scale=r.number("scale", d.scale, 1e-9, 1000.0),
        colour="BGR" if r.text("colour", d.colour, ("RGB", "BGR")) == "BGR" else "RGB",
        layout="NHWC" if r.text("layout", d.layout, ("NCHW", "NHWC")) == "NHWC" else "NCHW",
        activation=_activation(r.text("activation", d.activation, ("softmax", "sigmoid", "none"))),
        output=r.optional_text("output"),
        top_k=r.integer("top_k", d.top_k, 1, 10),
        labels_en=r.text("labels_en", d.labels_en),
        labels_de=r.optional_text("labels_de"),
    )
    return out, r.finish()


def _activation(value: str) -> Activation:
    if value == "sigmoid":
        return "sigmoid"
    if value == "none":
        return "none"
    return "softmax"


def preprocess(rgb: np.ndarray, p: ClassificationParams) -> np.ndarray:
    """An RGB uint8 frame → the model's input tensor (batch of one)."""
    import cv2  # lazy: keeps start-up fast for screens that never classify

    h, w = p.size
    if p.resize_shorter:
        ih, iw = rgb.shape[:2]
        s = p.resize_shorter / min(ih, iw)
        rh, rw = max(h, round(ih * s)), max(w, round(iw * s))
        if rh * rw > _MAX_RESIZED_PIXELS:
            # A strip (1×1280 → 256×327680) would make a huge intermediate picture: crop the
            # centre in the source instead; for ordinary frames the usual path stays as it was.
            ch, cw = min(ih, max(1, round(h / s))), min(iw, max(1, round(w / s)))
            top, left = (ih - ch) // 2, (iw - cw) // 2
            img = cv2.resize(rgb[top : top + ch, left : left + cw], (w, h),
                             interpolation=cv2.INTER_LINEAR)
        else:
            resized = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)
            top, left = (rh - h) // 2, (rw - w) // 2
            img = resized[top : top + h, left : left + w]
    else:
        img = cv2.resize(rgb, (w, h), interpolation=cv2.INTER_LINEAR)
    if p.colour == "BGR":
        img = img[:, :, ::-1]
    x = img.astype(np.float32) * np.float32(p.scale)
    x -= np.asarray(p.mean, dtype=np.float32)
    x /= np.asarray(p.std, dtype=np.float32)
    if p.layout == "NCHW":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[None])


@dataclass(frozen=True)
class Guess:
    """One of the top-k classes."""

    index: int
    label_en: str
    label_de: str
    score: float

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"index": self.index, "label_en": self.label_en, "label_de": self.label_de,
                "score": round(self.score, 5)}


@dataclass(frozen=True)
class ClassificationResult:
    """The top-k guesses for one frame, best first."""

    top: tuple[Guess, ...]

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"top": [g.to_json() for g in self.top]}


def probabilities(scores: np.ndarray, activation: Activation) -> np.ndarray:
    """Model output (any shape with one batch) → a flat float64 vector of class scores."""
    v = np.asarray(scores, dtype=np.float64).reshape(-1)
    if activation == "softmax":
        v = np.exp(v - v.max())
        v /= v.sum()
    elif activation == "sigmoid":
        v = 1.0 / (1.0 + np.exp(-v))
    return v


def top_k(
    scores: np.ndarray, p: ClassificationParams, labels_en: Sequence[str],
    labels_de: Sequence[str] | None = None,
) -> ClassificationResult:
    """The ``p.top_k`` best classes with their labels in both languages."""
    probs = probabilities(scores, p.activation)
    k = min(p.top_k, probs.size)
    idx = np.argpartition(-probs, k - 1)[:k]
    idx = idx[np.argsort(-probs[idx], kind="stable")]
    de = labels_de if labels_de is not None else labels_en
    return ClassificationResult(tuple(
        Guess(int(i), labels_en[i], de[i], float(probs[i])) for i in idx
    ))


def read_labels(text: str) -> list[str]:
    """Labels from a text file's content: one per line; blank trailing lines ignored."""
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class ScoreSmoother:
    """Steadies top-k guesses over frames, so bars glide instead of flickering.

    Keeps an exponential moving average of each class seen recently; classes that
    drop out of the top-k decay towards zero and are forgotten below ``floor``.
    """

    def __init__(self, keep: float = 0.6, floor: float = 0.005) -> None:
        self.keep = keep
        self.floor = floor
        self._scores: dict[int, float] = {}
        self._labels: dict[int, Guess] = {}

    def reset(self) -> None:
        """Forget everything (new demo, new visitor)."""
        self._scores.clear()
        self._labels.clear()

    def update(self, result: ClassificationResult) -> ClassificationResult:
        """Blend in ``result``; return the smoothed top-k (same k as ``result``)."""
        fresh = {g.index: g.score for g in result.top}
        for g in result.top:
            self._labels[g.index] = g
        for idx in set(self._scores) | set(fresh):
            self._scores[idx] = self.keep * self._scores.get(idx, 0.0) + (
                1 - self.keep) * fresh.get(idx, 0.0)
        for idx in [i for i, s in self._scores.items() if s < self.floor and i not in fresh]:
            del self._scores[idx]
            del self._labels[idx]
        best = sorted(self._scores.items(), key=lambda kv: -kv[1])[: len(result.top)]
        return ClassificationResult(tuple(
            Guess(i, self._labels[i].label_en, self._labels[i].label_de, s) for i, s in best))
