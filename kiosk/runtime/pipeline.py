"""The live pipeline: capture thread → newest-frame slot → inference worker → callbacks.

Nothing here blocks its caller: :meth:`Pipeline.start` launches two daemon threads and
returns. The capture thread paces file sources at their frame rate, marks camera
pictures to be shown mirrored, and survives a source that disappears (it retries every
few seconds, opening it in the background: a driver that hangs in opening never stops
the pictures). A live camera is given time: one that delivers nothing for a while after
opening (many USB cameras need seconds) or skips a few reads is not "lost"; one that stays
away long enough is replaced by the ``fallback`` pictures until it comes back. Models
always get the picture as the camera took it: mirroring is for display only, so text
stays readable and left stays left for the model. The worker always takes the newest
frame; older ones are dropped and counted. Callbacks run on these threads: the UI layer
hops them onto the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from kiosk.runtime.latest import LatestSlot
from kiosk.runtime.opener import Opener
from kiosk.runtime.sources import FrameSource, SourceError, scene_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One captured picture with the time it was taken (``time.perf_counter``).

    ``image`` is always as the camera took it (what the model sees); ``mirrored`` tells
    the display to flip it, and every overlay with it. ``scene`` grows whenever the picture
    cuts to another scene (the next sample photo, a video starting over, another source):
    what a demo smoothed or followed over the frames before belongs to another picture.
    """

    image: np.ndarray
    seq: int
    t_capture: float
    prepared: Any = None  # the runner's preprocessed input, made on the capture thread
    prepare_ms: float = 0.0
    mirrored: bool = False
    scene: int = 0

    def display(self) -> np.ndarray:
        """The picture as a visitor sees it (flipped when ``mirrored``)."""
        return _flip(self.image) if self.mirrored else self.image


@dataclass(frozen=True)
class Result:
    """A task's output for one frame, with per-stage timings in ms."""

    seq: int
    t_capture: float
    t_done: float
    output: Any  # a core result object with ``to_json()``
    timings: dict[str, float] = field(default_factory=dict)
    scene: int = 0  # the frame's (see :class:`Frame`)

    @property
    def latency_ms(self) -> float:
        """Capture → result, measured."""
        return (self.t_done - self.t_capture) * 1000.0


class TaskRunner(Protocol):
    """A demo's processing for one frame; must be safe to call from one worker thread.

    ``prepare`` runs on the capture thread (preprocessing, so the two cores overlap) and may
    return None when a runner does all its work in one step; ``process_prepared`` then gets
    what it made. ``process`` does both at once (headless runs, benchmarks). A runner that
    smooths or follows over time may also have ``new_scene()``: the worker calls it before
    the first frame of another scene (see :class:`Frame`).
    """

    def prepare(self, rgb: np.ndarray) -> Any: ...

    def process_prepared(self, rgb: np.ndarray, prepared: Any) -> tuple[Any, dict[str, float]]: ...

    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]: ...


class WholeFrameRunner(ABC):
    """Base of runners that do all their work on the inference thread."""

    @abstractmethod
    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
        """The result for one frame and its timings in ms."""

    def prepare(self, rgb: np.ndarray) -> Any:
        """Nothing to do on the capture thread."""
        return None

    def process_prepared(self, rgb: np.ndarray, prepared: Any) -> tuple[Any, dict[str, float]]:
        """Same as :meth:`process` (nothing was prepared)."""
        return self.process(rgb)


class Status:
    """Source states reported through ``on_status``."""

    RUNNING = "running"
    LOST = "lost"  # a source that worked stopped delivering; retrying
    FALLBACK = "fallback"  # lost for long: the fallback pictures play, the source is retried
    STOPPED = "stopped"


@dataclass(frozen=True)
class Patience:
    """How long the capture thread bears with a live source; seconds on ``clock``."""

    start_s: float = 10.0  # nothing at all after opening for this long: the camera is lost
    glitch_s: float = 1.0  # a camera that delivered, then nothing for this long, is lost
    retry_s: float = 3.0  # between attempts to reopen a lost source
    fallback_after_s: float = 15.0  # lost this long: the fallback pictures play meanwhile
    clock: Callable[[], float] = time.monotonic
    #: real seconds between empty reads, so a driver that fails at once cannot spin a core
    empty_read_pause_s: float = 0.02


@dataclass
class PipelineStats:
    """Counters for the benchmark and the staff health view."""

    captured: int = 0
    processed: int = 0
    errors: int = 0
    reconnects: int = 0
    model_ms: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    explain_ms: list[float] = field(default_factory=list)


def _flip(image: np.ndarray) -> np.ndarray:
    import cv2

    out: np.ndarray = cv2.flip(image, 1)
    return out


class Pipeline:
    """Runs one demo's capture and inference threads."""

    def __init__(
        self,
        source: FrameSource | None,
        runner: TaskRunner | None,
        *,
        reopen: Callable[[], FrameSource] | Opener | None = None,
        on_frame: Callable[[Frame], None] | None = None,
        on_result: Callable[[Result], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        mirror: bool = False,  # show mirrored (frames are flagged, never flipped for the model)
        throttle: bool = True,
        retry_seconds: float | None = None,
        keep_samples: bool = False,
        patience: Patience | None = None,
        fallback: Callable[[], FrameSource] | None = None,
    ) -> None:
        self._source = source
        self._runner = runner
        self._wake = threading.Event()  # an opening ended, or stop
        # Reopening runs in the background (a driver may hang in it) and is only polled here.
        if isinstance(reopen, Opener):
            reopen.on_done = self._wake.set
            self._opener: Opener | None = reopen
        else:
            self._opener = None if reopen is None else Opener(reopen, self._wake.set)
        self._on_frame = on_frame
        self._on_result = on_result
        self._on_status = on_status
        self._on_error = on_error
        self.mirror = mirror
        self._throttle = throttle
        patience = patience or Patience()
        if retry_seconds is not None:
            patience = replace(patience, retry_s=retry_seconds)
        self._patience = patience
        self._fallback = fallback
        self._keep = keep_samples
        self._slot: LatestSlot[Frame] = LatestSlot()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self.stats = PipelineStats()
        self._threads: list[threading.Thread] = []

    @property
    def dropped(self) -> int:
        """Frames the worker never saw because a newer one replaced them."""
        return self._slot.dropped

    def start(self) -> None:
        """Start capturing (and inferring, when there is a runner)."""
        cap = threading.Thread(target=self._capture_loop, name="kiosk-capture", daemon=True)
        self._threads = [cap]
        if self._runner is not None:
            self._threads.append(
                threading.Thread(target=self._infer_loop, name="kiosk-infer", daemon=True))
        for t in self._threads:
            t.start()

    def set_runner(self, runner: TaskRunner | None) -> None:
        """Swap the task (e.g. freeze/unfreeze); takes effect with the next frame."""
        self._runner = runner

    def stop(self, timeout: float = 2.0) -> None:
        """Stop both threads and close the source; safe to call twice."""
        self._stop.set()
        self._wake.set()
        self._slot.close()
        for t in self._threads:
            if t is not threading.current_thread():
                t.join(timeout)
        self._threads = []
        if self._opener is not None:
            self._opener.close()  # never waited for: a hung opening is left to its thread

    def _status(self, status: str) -> None:
        if self._on_status is not None:
            self._on_status(status)

    def _capture_loop(self) -> None:
        p = self._patience
        source: FrameSource | None = self._source
        fallback: FrameSource | None = None
        opened_at = p.clock()
        delivered_at: float | None = None  # the source's last frame since it was opened
        # No source yet (its first opening still hangs): the fallback pictures play at once.
        lost_at = opened_at if source is not None else opened_at - p.fallback_after_s
        reopened = False
        next_retry = 0.0
        seq = 0
        scene, scene_of_source, last_shown = 0, 0, None  # see Frame.scene
        next_t = time.perf_counter()
        if source is not None:
            self._status(Status.RUNNING)
        elif self._fallback is None:
            self._status(Status.LOST)
        try:
            while not self._stop.is_set():
                if source is None:
                    self._wake.clear()  # before looking, so an opening that ends now wakes us
                    source = self._take_reopened()
                    if source is not None:
                        if fallback is not None:
                            self._close(fallback)
                            fallback = None
                        reopened = True
                if source is None:
                    now = p.clock()
                    if fallback is None and self._fallback is not None \
                            and now - lost_at >= p.fallback_after_s:
                        fallback = self._open_fallback()
                        next_retry = now + p.retry_s
                    if fallback is not None:
                        # the pictures go on; the camera is tried in the background meanwhile
                        if now >= next_retry:
                            next_retry = now + p.retry_s
                            self._start_reopen()
                    else:
                        # Nothing to show: pause between attempts, wait for one under way.
                        if self._opener is None or not self._opener.pending:
                            if self._stop.wait(p.retry_s):
                                break
                            self._start_reopen()
                        self._wake.wait(p.retry_s)
                        continue
                if reopened:
                    reopened = False
                    opened_at, delivered_at = p.clock(), None
                    self._status(Status.RUNNING)
                    next_t = time.perf_counter()
                current = source if source is not None else fallback
                assert current is not None
                try:
                    image = current.read()
                except Exception:  # a driver error is a lost camera, not a crash
                    log.exception("reading from %s failed", current.description)
                    image = None
                if image is None and current is source:
                    now = p.clock()
                    if source.live and (
                            now - opened_at < p.start_s if delivered_at is None
                            else now - delivered_at < p.glitch_s):
                        self._stop.wait(p.empty_read_pause_s)  # starting up, or a hiccup
                        continue
                    log.warning("%s stopped delivering frames", source.description)
                    self._close(source)
                    source = None
                    lost_at = now
                    self._status(Status.LOST)
                    continue
                if image is None:  # the fallback failed too: back to waiting for the source
                    log.error("%s stopped delivering frames", current.description)
                    self._close(current)
                    fallback = self._fallback = None
                    self._status(Status.LOST)
                    continue
                if current is source:
                    delivered_at = p.clock()
                if self._throttle and not current.live:
                    next_t += 1.0 / current.fps
                    delay = next_t - time.perf_counter()
                    if delay > 0:
                        if self._stop.wait(delay):
                            break
                    elif delay < -0.5:
                        next_t = time.perf_counter()  # fell far behind: do not burst
                seq += 1
                if current is not last_shown or scene_of(current) != scene_of_source:
                    scene += last_shown is not None
                    last_shown, scene_of_source = current, scene_of(current)
                t_cap = time.perf_counter()
                image = np.ascontiguousarray(image)
                prepared, prepare_ms = self._prepare(image)
                frame = Frame(image, seq, t_cap, prepared, prepare_ms,
                              self.mirror and current is source, scene)
                self.stats.captured += 1
                if self._runner is not None:
                    if not self._throttle:
                        # Unthrottled files: decode the next frame while the model works on
                        # this one, but never race ahead of it (that would only burn CPU).
                        while not self._slot.wait_taken(0.2) and not self._stop.is_set():
                            pass
                    self._slot.put(frame)
                if self._on_frame is not None:
                    self._on_frame(frame)
        finally:
            if self._opener is not None:
                self._opener.close()  # an opening still under way releases its camera itself
            for left in (source, fallback):
                if left is not None:
                    self._close(left)
            self._status(Status.STOPPED)

    def _open_fallback(self) -> FrameSource | None:
        assert self._fallback is not None
        try:
            fallback = self._fallback()
        except SourceError as exc:
            log.error("no fallback pictures either: %s", exc)
            self._fallback = None  # do not try every frame
            return None
        log.warning("source still lost; showing %s meanwhile", fallback.description)
        self._status(Status.FALLBACK)
        return fallback

    def _prepare(self, image: np.ndarray) -> tuple[Any, float]:
        # Runners that split their work preprocess here, on the capture thread, so the
        # inference thread only runs the model: the two cores overlap instead of queueing.
        runner = self._runner
        if runner is None:
            return None, 0.0
        t0 = time.perf_counter()
        try:
            return runner.prepare(image), (time.perf_counter() - t0) * 1000.0
        except Exception:  # let process() meet (and report) the same problem
            return None, 0.0

    def _close(self, source: FrameSource) -> None:
        try:
            source.close()
        except Exception:
            log.exception("closing %s failed", source.description)

    def _start_reopen(self) -> None:
        if self._opener is not None:
            self._opener.start()

    def _take_reopened(self) -> FrameSource | None:
        """The source an opening in the background brought back, if one has."""
        if self._opener is None:
            return None
        outcome = self._opener.take()
        if outcome is None:
            return None
        if isinstance(outcome, SourceError):
            log.info("still no source: %s", outcome)
            return None
        self.stats.reconnects += 1
        log.info("source back: %s", outcome.description)
        return outcome

    def _infer_loop(self) -> None:
        scene = 0
        while not self._stop.is_set():
            frame = self._slot.take(timeout=0.5)
            runner = self._runner
            if frame is None or runner is None:
                continue
            try:
                if frame.scene != scene:
                    scene = frame.scene
                    new_scene = getattr(runner, "new_scene", None)
                    if new_scene is not None:
                        new_scene()
                if frame.prepared is not None:
                    output, timings = runner.process_prepared(frame.image, frame.prepared)
                    timings = {"preprocess": round(frame.prepare_ms, 3), **timings}
                else:
                    output, timings = runner.process(frame.image)
            except Exception as exc:
                self.stats.errors += 1
                log.exception("demo processing failed on frame %d", frame.seq)
                if self._on_error is not None:
                    self._on_error(exc)
                continue
            result = Result(frame.seq, frame.t_capture, time.perf_counter(), output, timings,
                            frame.scene)
            self.stats.processed += 1
            if self._keep:
                self.stats.latency_ms.append(result.latency_ms)
                if "model" in timings:
                    self.stats.model_ms.append(timings["model"])
                if "explain" in timings:
                    self.stats.explain_ms.append(timings["explain"])
            if self._on_result is not None:
                self._on_result(result)
