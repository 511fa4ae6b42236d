"""The live pipeline with fake sources and runners: newest frame wins, loss is survived."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from kiosk.runtime.latest import LatestSlot
from kiosk.runtime.pipeline import Frame, Pipeline, Result, Status, WholeFrameRunner
from kiosk.runtime.sources import SourceError

WAIT = 10.0  # generous upper bound for thread hand-offs; never a sleep


class CountingSource:
    """A source whose frames carry their number in pixel (0, 0); can fail on purpose."""

    live = True
    fps = 1000.0
    description = "fake"

    def __init__(self, fail_after: int | None = None) -> None:
        self.n = 0
        self.fail_after = fail_after
        self.closed = threading.Event()

    def read(self) -> np.ndarray | None:
        if self.fail_after is not None and self.n >= self.fail_after:
            return None
        self.n += 1
        img = np.zeros((4, 4, 3), np.uint8)
        img[0, 0, 0] = self.n % 256
        img[0, 3, 1] = 9  # marks the right edge, to see mirroring
        return img

    def close(self) -> None:
        self.closed.set()


class GatedRunner(WholeFrameRunner):
    """Processes a frame only when the test opens the gate, so frames pile up meanwhile."""

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.seen: list[int] = []

    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
        self.gate.acquire()
        self.seen.append(int(rgb[0, 0, 0]))
        return {"n": int(rgb[0, 0, 0])}, {"model": 1.0}


def test_latest_slot_keeps_newest_and_counts_drops() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.take(0) == 4 and slot.dropped == 4
    assert slot.poll() is None
    slot.close()
    assert slot.take(None) is None


def test_worker_takes_the_newest_frame_and_drops_the_rest() -> None:
    runner = GatedRunner()
    results: list[Result] = []
    got = threading.Event()
    many = threading.Event()
    src = CountingSource()

    def on_frame(frame: Frame) -> None:
        if frame.seq >= 50:
            many.set()

    def on_result(result: Result) -> None:
        results.append(result)
        got.set()

    pipe = Pipeline(src, runner, on_frame=on_frame, on_result=on_result, keep_samples=True)
    pipe.start()
    assert many.wait(WAIT)
    runner.gate.release()
    assert got.wait(WAIT)
    pipe.stop()
    assert src.closed.is_set()
    assert pipe.dropped > 10  # frames captured while the model was busy were not queued
    assert results[0].latency_ms >= 0 and results[0].timings == {"model": 1.0}
    assert pipe.stats.model_ms == [1.0]


class RecordingRunner(WholeFrameRunner):
    """Remembers the right-edge marker of every picture it was given."""

    def __init__(self) -> None:
        self.right_edge: list[int] = []
        self.seen = threading.Event()

    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
        self.right_edge.append(int(rgb[0, 3, 1]))
        self.seen.set()
        return {}, {}


def test_mirror_is_for_display_only() -> None:
    """A mirrored live camera: the model sees the picture as taken, the display flips it."""
    frames: list[Frame] = []
    done = threading.Event()

    def on_frame(frame: Frame) -> None:
        frames.append(frame)
        done.set()

    runner = RecordingRunner()
    pipe = Pipeline(CountingSource(), runner, on_frame=on_frame, mirror=True)
    pipe.start()
    assert done.wait(WAIT) and runner.seen.wait(WAIT)
    pipe.stop()
    assert runner.right_edge[0] == 9  # not flipped for the model
    assert frames[0].mirrored and frames[0].image[0, 3, 1] == 9
    assert frames[0].display()[0, 0, 1] == 9  # the visitor sees it mirrored


def test_lost_source_is_reported_and_reconnected() -> None:
    statuses: list[str] = []
    back = threading.Event()
    reopened: list[CountingSource] = []

    def on_status(status: str) -> None:
        statuses.append(status)
        if statuses.count(Status.RUNNING) == 2:
            back.set()

    attempts = iter([SourceError("still gone"), None])

    def reopen() -> CountingSource:
        failure = next(attempts)
        if failure is not None:
            raise failure
        src = CountingSource()
        reopened.append(src)
        return src

    first = CountingSource(fail_after=3)
    pipe = Pipeline(first, None, reopen=reopen, on_status=on_status, retry_seconds=0.01)
    pipe.start()
    assert back.wait(WAIT)
    pipe.stop()
    assert statuses[:3] == [Status.RUNNING, Status.LOST, Status.RUNNING]
    assert statuses[-1] == Status.STOPPED
    assert first.closed.is_set() and reopened and pipe.stats.reconnects == 1


def test_errors_in_processing_are_counted_not_fatal() -> None:
    class Exploding(WholeFrameRunner):
        calls = 0

        def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
            Exploding.calls += 1
            raise ValueError("boom")

    errors: list[BaseException] = []
    three = threading.Event()

    def on_error(exc: BaseException) -> None:
        errors.append(exc)
        if len(errors) >= 3:
            three.set()

    pipe = Pipeline(CountingSource(), Exploding(), on_error=on_error)
    pipe.start()
    assert three.wait(WAIT)
    pipe.stop()
    assert pipe.stats.errors >= 3 and isinstance(errors[0], ValueError)


def test_split_runners_preprocess_on_the_capture_thread() -> None:
    prepared_on: list[str] = []

    class Split:
        def prepare(self, rgb: np.ndarray) -> int:
            prepared_on.append(threading.current_thread().name)
            return int(rgb[0, 0, 0])

        def process_prepared(self, rgb: np.ndarray, x: int) -> tuple[Any, dict[str, float]]:
            return {"n": x}, {"model": 1.0}

        def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
            raise AssertionError("the prepared path must be used")

    got: list[Result] = []
    done = threading.Event()

    def on_result(result: Result) -> None:
        got.append(result)
        done.set()

    pipe = Pipeline(CountingSource(), Split(), on_result=on_result)
    pipe.start()
    assert done.wait(WAIT)
    pipe.stop()
    assert set(prepared_on) == {"kiosk-capture"}
    assert set(got[0].timings) == {"preprocess", "model"}


def test_a_new_slide_is_a_new_scene_for_runner_and_results() -> None:
    """The runner hears of each cut before the first frame after it, and every result says
    which picture it belongs to, so smoothing over time never mixes two photos."""
    from kiosk.core.paths import sample_media_dir
    from kiosk.runtime.sources import ImageFolderSource

    cat, coffee = (sample_media_dir() / n for n in ("02-chelsea-cat.jpg", "01-coffee.jpg"))
    log: list[tuple[str, int]] = []
    results: list[Result] = []
    done = threading.Event()

    class Runner(WholeFrameRunner):
        def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
            log.append(("frame", rgb.shape[1]))
            return rgb.shape[1], {}

        def new_scene(self) -> None:
            log.append(("cut", 0))

    def on_result(result: Result) -> None:
        results.append(result)
        if len(results) >= 7:
            done.set()

    source = ImageFolderSource([cat, coffee], seconds_per_image=3, fps=1)  # 3 frames each
    pipe = Pipeline(source, Runner(), on_result=on_result, throttle=False)
    pipe.start()
    assert done.wait(WAIT)
    pipe.stop()
    cat_w, coffee_w = 451, 600
    assert log[:8] == [("frame", cat_w)] * 3 + [("cut", 0)] + [("frame", coffee_w)] * 3 + [
        ("cut", 0)]
    assert [(r.output, r.scene) for r in results[:7]] == \
        [(cat_w, 0)] * 3 + [(coffee_w, 1)] * 3 + [(cat_w, 2)]


def test_a_face_of_the_last_slide_is_not_held_over_the_next() -> None:
    """Face privacy holds a face the detector missed for a moment; the astronaut's face
    must not be drawn over the coffee that follows her (real MTCNN, real photos)."""
    from pathlib import Path

    from kiosk.core.paths import sample_media_dir
    from kiosk.core.tasks.faces import FaceDetector, FaceParams
    from kiosk.runtime.onnx_model import OnnxModel
    from kiosk.runtime.sources import ImageFolderSource
    from kiosk.runtime.task_faces import FaceRunner

    models = Path(__file__).resolve().parents[2] / "models"
    detector = FaceDetector(*(OnnxModel(models / f"mtcnn_{n}.onnx")
                              for n in ("pnet", "rnet", "onet")), FaceParams())
    runner = FaceRunner(detector, hold_seconds=5.0, clock=lambda: 0.0)  # time stands still
    results: list[Result] = []
    done = threading.Event()

    def on_result(result: Result) -> None:
        results.append(result)
        if len(results) >= 4:
            done.set()

    astronaut, coffee = (sample_media_dir() / n for n in ("04-astronaut.jpg", "01-coffee.jpg"))
    source = ImageFolderSource([astronaut, coffee], seconds_per_image=2, fps=1)
    pipe = Pipeline(source, runner, on_result=on_result, throttle=False)
    pipe.start()
    assert done.wait(WAIT)
    pipe.stop()
    counts = [(r.scene, len(r.output.faces)) for r in results[:4]]
    assert counts == [(0, 1), (0, 1), (1, 0), (1, 0)]
