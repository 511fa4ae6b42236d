"""Image classification: preprocessing a camera frame and turning scores into top-k guesses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from kiosk.core.manifest import ManifestProblem
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.explain import Box, Explanation
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
    #: "not sure" below this top-1 probability; None: a rule from the class count
    unsure_below: float | None = None
    #: "not sure" below this energy (log-sum-exp of the raw scores; softmax models only)
    unsure_energy_below: float | None = None

    def unsure_threshold(self, classes: int) -> float:
        """The top-1 probability below which the model is guessing.

        Without a manifest value: 1.5× chance, at least 0.13 (measured on MobileNetV2:
        grey walls, noise and plain colours stay ≤ 0.11, real photos ≥ 0.16), at most
        0.75 (a two-class model must beat a coin clearly).
        """
        if self.unsure_below is not None:
            return self.unsure_below
        return max(0.13, min(0.75, 1.5 / max(1, classes)))


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
        unsure_below=_optional_number(r, params, "unsure_below", 0.0, 1.0),
        unsure_energy_below=_optional_number(r, params, "unsure_energy_below", -1e6, 1e6),
    )
    return out, r.finish()


def _optional_number(r: ParamReader, params: Mapping[str, Any], key: str, low: float,
                     high: float) -> float | None:
    return r.number(key, low, low, high) if key in params else None


def _activation(value: str) -> Activation:
    if value == "sigmoid":
        return "sigmoid"
    if value == "none":
        return "none"
    return "softmax"


def input_box(shape: tuple[int, ...], p: ClassificationParams) -> Box:
    """The part of a ``shape`` (h, w, …) frame the model sees, in source pixels.

    With ``resize_shorter`` that is the centre crop (the edges are cut away); without it
    the whole frame, squeezed to the input size.
    """
    ih, iw = shape[0], shape[1]
    if not p.resize_shorter:
        return 0.0, 0.0, float(iw), float(ih)
    h, w = p.size
    s = p.resize_shorter / min(ih, iw)
    rh, rw = max(h, round(ih * s)), max(w, round(iw * s))
    top, left = (rh - h) // 2, (rw - w) // 2
    sx, sy = rw / iw, rh / ih
    return left / sx, top / sy, (left + w) / sx, (top + h) / sy


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
    """The top-k guesses for one frame, best first; whether the model is guessing; and,
    when asked for, where it looked."""

    top: tuple[Guess, ...]
    unsure: bool = False
    explanation: Explanation | None = None
    #: what the model got (RGB uint8 at its input size), sent while a visitor tries to fool it
    model_input: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        out: JsonDict = {"top": [g.to_json() for g in self.top], "unsure": self.unsure}
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_json()
        return out


def energy(scores: np.ndarray) -> float:
    """log Σ exp(raw scores): low when no class gets strong evidence (an unknown input)."""
    v = np.asarray(scores, dtype=np.float64).reshape(-1)
    m = float(v.max())
    return m + float(np.log(np.exp(v - m).sum()))


def is_unsure(scores: np.ndarray, probs: np.ndarray, p: ClassificationParams) -> bool:
    """The calibrated "I'm not sure" rule (see :meth:`ClassificationParams.unsure_threshold`)."""
    if probs.size < 2:
        return True  # one class: the answer says nothing about the picture
    if float(probs.max()) < p.unsure_threshold(probs.size):
        return True
    return (p.unsure_energy_below is not None and p.activation == "softmax"
            and energy(scores) < p.unsure_energy_below)


def input_picture(x: np.ndarray, p: ClassificationParams) -> np.ndarray:
    """A model input tensor (batch of one) back as the RGB uint8 picture it was made from."""
    img = x[0].transpose(1, 2, 0) if p.layout == "NCHW" else x[0]
    img = (img * np.asarray(p.std, dtype=np.float32) + np.asarray(p.mean, dtype=np.float32))
    img = img / np.float32(p.scale)
    if p.colour == "BGR":
        img = img[:, :, ::-1]
    return np.ascontiguousarray(np.clip(img + 0.5, 0, 255).astype(np.uint8))


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
    ), is_unsure(scores, probs, p))


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
            Guess(i, self._labels[i].label_en, self._labels[i].label_de, s) for i, s in best),
            result.unsure, result.explanation)
