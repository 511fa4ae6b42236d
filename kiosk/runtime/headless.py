"""Headless runs of a demo's real pipeline code: ``run-demo`` and ``self-test``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core.i18n import Text
from kiosk.core.paths import assets_dir, sample_media_dir
from kiosk.core.problems import msg
from kiosk.core.tasks.base import is_finite_json
from kiosk.runtime.demos import DemoEntry, DemoState, load_runner
from kiosk.runtime.onnx_model import ModelLoadError
from kiosk.runtime.sources import (
    FrameSource,
    ImageFolderSource,
    VideoFileSource,
    image_files,
    load_image,
    open_source,
)
from kiosk.runtime.tasks import result_json


class UnknownDemoError(Exception):
    """No demo has the requested id."""


def find_demo(entries: list[DemoEntry], demo_id: str) -> DemoEntry:
    """The entry with ``demo_id``, or :class:`UnknownDemoError` naming the known ids."""
    for entry in entries:
        if entry.id == demo_id:
            return entry
    known = ", ".join(e.id for e in entries) or "(none)"
    raise UnknownDemoError(f"Unknown demo {demo_id!r}: known demos are {known}.")


def open_offline_source(spec: str) -> tuple[FrameSource, int]:
    """A source for a headless run and its natural frame count (images once each)."""
    path = Path(spec)
    if path.is_dir():
        src = ImageFolderSource.from_folder(path, seconds_per_image=1.0, fps=1.0)
        return src, len(src.paths)
    source = open_source(spec)
    if isinstance(source, VideoFileSource):
        source.loop = False
        return source, 100
    return source, 1


def class_folders(spec: str) -> dict[str, list[Path]]:
    """For a few-shot demo: ``spec``'s subfolders (one per class) and their images."""
    root = Path(spec)
    if not root.is_dir():
        return {}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return {f.name: image_files(f) for f in folders if image_files(f)}


def teach_from_folders(runner: Any, classes: dict[str, list[Path]]) -> tuple[float, FrameSource]:
    """Teach a few-shot runner from class folders, as a visitor would with ~10 examples each.

    Returns the learning step's time in ms and a source that yields every image once.
    """
    pictures = {name: [img for img in (load_image(p) for p in paths) if img is not None]
                for name, paths in classes.items()}
    learn_ms = float(runner.learn_from_images(pictures, per_class=10))
    every = [p for paths in classes.values() for p in paths]
    return learn_ms, ImageFolderSource(every, seconds_per_image=1.0, fps=1.0,
                                       description=f"{len(classes)} class folders")


def run_frames(
    entry: DemoEntry, source: FrameSource, frames: int, runner: Any = None,
) -> Iterator[dict[str, Any]]:
    """Process up to ``frames`` frames one after another; yield one JSON object each."""
    runner = runner if runner is not None else load_runner(entry)
    for n in range(frames):
        image = source.read()
        if image is None:
            break
        t0 = time.perf_counter()
        output, timings = runner.process(image)
        timings = dict(timings, total=round((time.perf_counter() - t0) * 1000.0, 3))
        yield {
            "demo": entry.id,
            "frame": n,
            "source": source.description,
            "width": int(image.shape[1]),
            "height": int(image.shape[0]),
            "result": result_json(output),
            "timings_ms": timings,
        }


class _FirstFrames:
    """A source that ends after ``frames`` pictures (the pipeline reads until it ends)."""

    def __init__(self, source: FrameSource, frames: int) -> None:
        self.source = source
        self.left = frames
        self.fps = source.fps
        self.live = source.live
        self.description = source.description

    def read(self) -> Any:
        if self.left <= 0:
            return None
        self.left -= 1
        return self.source.read()

    def close(self) -> None:
        """The caller closes the real source."""


def run_frames_mirrored(
    entry: DemoEntry, source: FrameSource, frames: int, runner: Any = None,
) -> Iterator[dict[str, Any]]:
    """Like :func:`run_frames`, but through the live pipeline as a mirrored camera feeds it.

    The kiosk mirrors a live camera for the visitor; this runs exactly that path (capture
    thread with mirroring on, preparation on the capture thread, inference thread), so a
    test sees what a visitor in front of a camera would get. Every frame is processed:
    the file is read only as fast as the model takes frames.
    """
    import queue

    from kiosk.runtime.pipeline import Frame, Pipeline, Result, Status

    runner = runner if runner is not None else load_runner(entry)
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    shown: dict[int, Frame] = {}

    def on_frame(frame: Frame) -> None:
        shown[frame.seq] = frame

    def on_status(status: str) -> None:
        if status == Status.LOST:
            events.put(("end", None))

    pipe = Pipeline(
        _FirstFrames(source, frames), runner, mirror=True, throttle=False, retry_seconds=0.05,
        on_frame=on_frame, on_result=lambda r: events.put(("result", r)),
        on_status=on_status, on_error=lambda e: events.put(("error", e)))
    pipe.start()
    done = 0
    ended = False
    try:
        while not ended or done < pipe.stats.captured:
            kind, value = events.get(timeout=120.0)
            if kind == "end":
                ended = True
            elif kind == "error":
                raise value
            elif kind == "result":
                result: Result = value
                frame = shown.pop(result.seq)
                done += 1
                yield {
                    "demo": entry.id,
                    "frame": result.seq - 1,
                    "source": source.description,
                    "width": int(frame.image.shape[1]),
                    "height": int(frame.image.shape[0]),
                    "mirrored": frame.mirrored,
                    "result": result_json(result.output),
                    "timings_ms": dict(result.timings, total=round(result.latency_ms, 3)),
                }
    finally:
        pipe.stop()


@dataclass
class Check:
    """One self-test line."""

    name: str
    ok: bool
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    text: Text | None = None  # ``detail`` for staff, in both languages (demo checks)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail, **self.data}


def sanity_problems(task: str, output: Any) -> list[str]:
    """What is wrong with a task's JSON output (empty when it looks sane)."""
    problems: list[str] = []
    if not is_finite_json(output):
        problems.append("output holds NaN or infinity")
    if task == "classification":
        top = output.get("top", []) if isinstance(output, dict) else []
        scores = [g.get("score", -1) for g in top]
        if not top:
            problems.append("no classes returned")
        if any(not 0.0 <= s <= 1.0 for s in scores):
            problems.append(f"scores outside 0..1: {scores}")
        if scores != sorted(scores, reverse=True):
            problems.append("classes are not sorted by score")
        if sum(scores) > 1.0001:
            problems.append("top-k scores add up to more than 1")
        if any(not g.get("label_en") or not g.get("label_de") for g in top):
            problems.append("a class has no English or German label")
    return problems


def self_test(entries: list[DemoEntry], state: Path | None = None, *,
              platform: bool = True) -> list[Check]:
    """Load every demo and run it on the bundled sample media; check the interaction log.

    ``platform=False`` leaves out the checks of the program itself (fonts), e.g. when staff
    test one demo.
    """
    checks: list[Check] = []
    if state is not None:
        from kiosk.runtime.event_store import check_event_log, db_path

        log_problems = check_event_log(db_path(state))
        checks.append(Check("interaction_log", not log_problems,
                            "; ".join(log_problems) or "ok"))
    if platform:
        fonts = sorted((assets_dir() / "fonts").glob("*.otf"))
        checks.append(Check("assets.fonts", bool(fonts), f"{len(fonts)} font files"))
    samples = image_files(sample_media_dir()) if sample_media_dir().is_dir() else []
    images = [img for img in (load_image(p) for p in samples) if img is not None]
    checks.append(Check("assets.sample_media", bool(images), f"{len(images)} sample photos"))
    if not entries:
        checks.append(Check("demos", False, "no demos found"))
    for entry in entries:
        name = f"demo.{entry.id}"
        if entry.state is not DemoState.READY or entry.manifest is None:
            checks.append(Check(name, False, "; ".join(map(str, entry.problems)), text=Text(
                "; ".join(p.text("de") for p in entry.problems),
                "; ".join(p.text("en") for p in entry.problems))))
            continue
        try:
            t0 = time.perf_counter()
            runner = load_runner(entry)
            load_ms = (time.perf_counter() - t0) * 1000
            problems: list[str] = []
            times: list[float] = []
            for img in images:
                t1 = time.perf_counter()
                output, _ = runner.process(img)
                times.append((time.perf_counter() - t1) * 1000)
                data = result_json(output)
                json.dumps(data)
                problems += sanity_problems(entry.manifest.task, data)
        except Exception as exc:  # self-test reports; it never crashes
            text = (exc.msg.both() if isinstance(exc, ModelLoadError)
                    else msg("selftest.failed", detail=f"{type(exc).__name__}: {exc}").both())
            checks.append(Check(name, False, f"{type(exc).__name__}: {exc}", text=text))
            continue
        wrong = "; ".join(sorted(set(problems)))
        said = (msg("smoke.wrong_output", detail=wrong) if wrong
                else msg("selftest.frames", count=len(times)))
        detail = wrong or said.text("en")
        from kiosk.runtime.autotune import demo_runtime

        checks.append(Check(name, not problems and bool(times), detail, {
            **demo_runtime(runner),
            "load_ms": round(load_ms, 1),
            "frame_ms_max": round(max(times), 2) if times else None,
        }, said.both()))
    return checks
