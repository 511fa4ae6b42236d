"""The ``ocr`` task: PP-OCRv4 text detection + recognition for "The AI reads"."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.ocr import (
    LiveParams,
    LiveReader,
    OcrLine,
    OcrParams,
    TextReader,
    characters_from_metadata,
)
from kiosk.core.tasks.params import ParamReader
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel
from kiosk.runtime.pipeline import WholeFrameRunner
from kiosk.runtime.tasks import ModelPath, TaskKind


@dataclass(frozen=True)
class OcrResult:
    """The lines read in one frame, in reading order."""

    lines: tuple[OcrLine, ...]
    full_quality: bool = False

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"lines": [line.to_json() for line in self.lines],
                "full_quality": self.full_quality}


class OcrRunner(WholeFrameRunner):
    """Reads live frames quickly (tracking lines between detections) and a frozen frame
    thoroughly (every line detected at full size and read with every retry)."""

    def __init__(self, live: TextReader, full: TextReader,
                 live_params: LiveParams | None = None) -> None:
        self.live = live
        self.full = full
        self.tracker = LiveReader(live, live_params)

    def process(self, rgb: np.ndarray) -> tuple[OcrResult, dict[str, float]]:
        t0 = time.perf_counter()
        lines = self.tracker.step(rgb)
        t1 = time.perf_counter()
        st = self.tracker.stats
        return OcrResult(tuple(lines)), {
            "track": round(st.track_ms, 3), "detect": round(st.detect_ms, 3),
            "recognise": round(st.read_ms, 3), "model": round((t1 - t0) * 1000, 3)}

    def reset(self) -> None:
        """Forget the lines tracked so far."""
        self.tracker.reset()

    def new_scene(self) -> None:
        """Another picture: its lines are not where the old ones were."""
        self.tracker.reset()

    def plain_step(self, rgb: np.ndarray) -> OcrResult:
        """Detect and read every line of this frame, no tracking: what a plain OCR demo loop
        does per frame (``kiosk bench --baseline sync`` compares against it)."""
        return OcrResult(tuple(self.live.read(rgb)))

    def read_full(self, rgb: np.ndarray) -> OcrResult:
        """Every line of a still picture, with every retry (the freeze button)."""
        return OcrResult(tuple(self.full.read(rgb)), full_quality=True)


def read_params(
    m: Manifest,
) -> tuple[OcrParams, OcrParams, LiveParams, list[ManifestProblem]]:
    """Live and full-quality reader settings and the live tracking from ``[params]``."""
    r = ParamReader(m.params, f"{m.folder.name}/demo.toml")
    d = OcrParams()
    live_side = r.integer("live_limit_side", 480, 64, 2048)
    live_lines = r.integer("live_max_lines", 8, 1, 100)
    detect_every = r.integer("live_detect_every", LiveParams.detect_every, 1, 100)
    full_side = r.integer("full_limit_side", 1280, 64, 4096)
    min_score = r.number("min_score", d.min_score, 0.0, 1.0)
    problems = r.finish()
    full = replace(d, det_limit_side=full_side, min_score=min_score)
    live = replace(d, det_limit_side=live_side, max_lines=live_lines, min_score=min_score,
                   retry_turned=False)
    return live, full, LiveParams(detect_every=detect_every), problems


def _check(m: Manifest) -> list[ManifestProblem]:
    *_, problems = read_params(m)
    for net in ("det", "rec"):
        if net not in m.models:
            problems.append(ManifestProblem(
                f"{m.folder.name}/demo.toml", f"[models.{net}]", msg("missing"),
                msg("ocr.fix.model", name=net)))
    return problems


def _build(m: Manifest, model_path: ModelPath) -> OcrRunner:
    live, full, tracking, problems = read_params(m)
    if problems:
        raise ModelLoadError(str(problems[0]))
    det = OnnxModel(model_path("det"))
    rec = OnnxModel(model_path("rec"))
    meta = rec.metadata().get("character")
    if not meta:
        raise ModelLoadError(f"{rec.path.name} has no 'character' list in its metadata.")
    chars = characters_from_metadata(meta)
    out_shape = rec.session.get_outputs()[0].shape
    if isinstance(out_shape[-1], int) and out_shape[-1] != len(chars):
        raise ModelLoadError(f"{rec.path.name}: {len(chars)} characters but {out_shape[-1]} "
                             "outputs — the recogniser and its character list do not match.")
    return OcrRunner(TextReader(det, rec, chars, live), TextReader(det, rec, chars, full),
                     tracking)


KIND = TaskKind("ocr", _check, _build)
