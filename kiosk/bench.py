"""``kiosk bench``: measures a demo's live pipeline the way a visitor experiences it.

Three phases in one run:
1. live: the real window (offscreen) shows the demo fed by the source at its own frame
   rate; a 5 ms heartbeat timer on the GUI thread measures the longest stall;
2. unthrottled: the pipeline alone with the source read as fast as possible, compared
   with 3. raw: the same onnxruntime model called in a tight loop on one frame.
Cold start (process start → attract screen shown) is measured in fresh subprocesses.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import numpy as np

from kiosk.core.paths import data_dir


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def _kiosk_command() -> list[str]:
    """How to start this kiosk as a new process (the frozen bundle is its own executable)."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "kiosk"]


def cold_start_ms(runs: int = 3) -> dict[str, Any]:
    """Median wall time of ``kiosk --exit-when-ready`` in fresh processes."""
    walls: list[float] = []
    inside: list[float] = []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            t0 = time.perf_counter()
            out = subprocess.run(
                [*_kiosk_command(), "run", "--windowed", "--exit-when-ready", "--data-dir", tmp],
                capture_output=True, text=True, env=env, timeout=60, check=False)
            walls.append((time.perf_counter() - t0) * 1000)
            for line in out.stdout.splitlines():
                if line.startswith("KIOSK_READY"):
                    inside.append(float(line.split()[1]))
    return {"cold_start_ms": round(statistics.median(walls)),
            "cold_start_ms_runs": [round(w) for w in walls],
            "start_to_ready_in_process_ms": round(statistics.median(inside)) if inside else None}


def _use_tuning(state: Any) -> None:
    """Measure what the kiosk would run: this machine's stored tuning, if any."""
    from kiosk.runtime import autotune, tuning

    stored = autotune.load_or_none(state)
    if stored is not None:
        tuning.activate(stored)


class _PlainRunner:
    """A runner's ``plain_step`` (every model on every frame, no tracking) as a runner."""

    def __init__(self, step: Any) -> None:
        self._step = step

    def process(self, rgb: np.ndarray) -> tuple[Any, dict[str, float]]:
        return self._step(rgb), {}


def _draw(frame: np.ndarray, output: Any) -> np.ndarray:
    """What a plain demo loop draws: the picture with the result's text on it."""
    import cv2

    out = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
    text = str(getattr(output, "to_json", lambda: output)())[:60]
    cv2.putText(out, text, (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (255, 255, 255), 2)
    return out


def sync_loop(source: str, runner: Any, seconds: float) -> dict[str, Any]:
    """A plain synchronous read → infer → draw loop with the same runner, as a
    jetson-inference or OpenVINO sample does it: a camera-paced source (frames that arrive
    while the model works are skipped, as a camera's driver would), one thread."""
    from kiosk.runtime.sources import open_source

    src = open_source(source)
    fps = src.fps
    try:
        t0 = time.perf_counter()
        shown = 0
        index = -1
        latency: list[float] = []
        while time.perf_counter() - t0 < seconds:
            due = int((time.perf_counter() - t0) * fps)
            if due <= index:  # wait for the next frame, as a camera read blocks
                time.sleep((index + 1) / fps - (time.perf_counter() - t0))
                due = index + 1
            while index < due:
                frame = src.read()
                index += 1
                if frame is None:
                    src.close()
                    src = open_source(source)
                    frame = src.read()
            assert frame is not None
            t_frame = t0 + index / fps
            output, _ = runner.process(frame)
            _draw(frame, output)
            shown += 1
            latency.append((time.perf_counter() - t_frame) * 1000)
        elapsed = time.perf_counter() - t0
    finally:
        src.close()
    return {"kind": "synchronous read → infer → draw, camera-paced",
            "results_fps": round(shown / elapsed, 2), "preview_fps": round(shown / elapsed, 2),
            "latency_ms": {"p50": _pct(latency, 50), "p95": _pct(latency, 95)}}


def engines(runner: Any, entry: Any) -> dict[str, Any]:
    """onnxruntime vs OpenCV DNN per model of the demo, on the inputs each model gets from
    the demo on the sample media (same inputs, same file, one thread each)."""
    import cv2

    from kiosk.runtime.autotune import record_samples, sample_images
    from kiosk.runtime.tuning import REFERENCE, ort_factory

    recorded = record_samples(runner, sample_images(), limit=4)
    out: dict[str, Any] = {}
    cv2.setNumThreads(1)
    for path, feeds in recorded.items():
        if not feeds:
            continue
        row: dict[str, Any] = {"onnxruntime_ms": _time_feeds(ort_factory(path, REFERENCE), feeds)}
        try:
            row["opencv_dnn_ms"] = _time_feeds(_opencv_runner(path), feeds)
        except cv2.error as exc:
            row["opencv_dnn_ms"] = None
            row["opencv_dnn"] = f"cannot run: {str(exc).strip().splitlines()[-1][:120]}"
        out[path.name] = row
    return out


def _opencv_runner(path: Any) -> Any:
    import cv2

    net = cv2.dnn.readNetFromONNX(str(path))
    names = net.getUnconnectedOutLayersNames()

    def run(feed: dict[str, np.ndarray]) -> Any:
        for name, value in feed.items():
            net.setInput(value, name)
        return net.forward(names)
    return run


def _time_feeds(run: Any, feeds: list[dict[str, np.ndarray]], rounds: int = 3) -> float:
    run(feeds[0])
    times: list[float] = []
    for _ in range(rounds):
        for feed in feeds:
            t0 = time.perf_counter()
            run(feed)
            times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def _unthrottled_fps(source: str, runner: Any, seconds: float) -> float:
    """Frames per second through the real pipeline with the file read as fast as it is used."""
    from kiosk.runtime.pipeline import Pipeline
    from kiosk.runtime.sources import open_source

    pipe = Pipeline(open_source(source), runner, throttle=False)
    pipe.start()
    try:
        while pipe.stats.processed < 3:  # warm-up: thread start, first decode
            time.sleep(0.01)
        p0 = pipe.stats.processed
        t0 = time.perf_counter()
        time.sleep(seconds)
        return (pipe.stats.processed - p0) / (time.perf_counter() - t0)
    finally:
        pipe.stop()


def run_bench(
    demo_id: str, source: str, seconds: float, state_dir: str | None, startup: bool = True,
    explain: bool = False, baseline: str | None = None,
) -> dict[str, Any]:
    """Run all phases; raises ``ValueError`` for an unknown demo or a bad source."""
    import qasync
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.app import RunnerCache, demo_dirs
    from kiosk.core.tasks.classification import preprocess
    from kiosk.runtime.demos import discover
    from kiosk.runtime.headless import UnknownDemoError, find_demo
    from kiosk.runtime.sources import SourceError, open_source
    from kiosk.runtime.task_classification import ClassificationRunner
    from kiosk.ui.controller import KioskController, SourceChoice
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.theme import apply_theme

    _use_tuning(data_dir(state_dir))
    try:
        entry = find_demo(discover(demo_dirs(data_dir(state_dir))), demo_id)
    except UnknownDemoError as exc:
        raise ValueError(str(exc)) from None
    try:
        probe = open_source(source)
    except SourceError as exc:
        raise ValueError(str(exc)) from None
    source_fps = probe.fps
    probe.close()

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = KioskWindow("en")
    runners = RunnerCache()
    controller = KioskController(
        window, [entry], runners,
        lambda: SourceChoice(open_source(source), None, no_camera=False, mirror=False),
        keep_samples=True, idle_timeout=3600, idle_warning=10)
    window.resize(1920, 1080)
    window.show()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    report: dict[str, Any] = {"demo": demo_id, "source": source, "source_fps": round(source_fps, 2),
                              "seconds": seconds, "explain": explain}
    runner = runners(entry)
    if explain:  # the same cached runner the demo gets: the heat map is on from frame one
        reason = getattr(runner, "explain_unavailable", "this demo has no heat map")
        if reason:
            raise ValueError(f"--explain: {reason}")
        runner.explain = True  # type: ignore[attr-defined]

    gaps: list[float] = []
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(beat)

    async def first_result_ms() -> float:
        """A tile touch → the first result on screen (model load and warm-up included)."""
        controller.activity()
        shown = window.demo.results_shown
        t0 = time.perf_counter()
        controller.open_demo(demo_id)
        panel_toggle = getattr(window.demo.panel, "explain", None)
        if explain and panel_toggle is not None:
            panel_toggle.setChecked(True)  # as a visitor would: the heat map is painted too
        deadline = time.monotonic() + 60
        while window.demo.results_shown <= shown and time.monotonic() < deadline:
            if window.demo.status == "failed":
                raise ValueError(f"demo {demo_id} failed to start; see the log")
            await asyncio.sleep(0.002)
        return round((time.perf_counter() - t0) * 1000, 1)

    async def live() -> None:
        cold = await first_result_ms()
        controller.back_home()
        warm = await first_result_ms()  # the app warms every demo in the background
        report["tile_to_first_result_ms"] = {"cold": cold, "warm": warm}
        start.update(snapshot())  # steady state: models loaded, threads running
        deadline = time.monotonic() + 60
        while window.demo.results_shown < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        pipe = controller.pipeline
        assert pipe is not None
        stats = pipe.stats
        stats.model_ms.clear()
        stats.latency_ms.clear()
        stats.explain_ms.clear()
        c0, p0, d0 = stats.captured, stats.processed, pipe.dropped
        f0, r0 = window.demo.frames_shown, window.demo.results_shown
        paint0 = window.demo.video.painted
        t0 = time.perf_counter()
        last[0] = t0
        heartbeat.start()
        await asyncio.sleep(seconds)
        heartbeat.stop()
        elapsed = time.perf_counter() - t0
        report.update({
            "preview_fps": round((window.demo.frames_shown - f0) / elapsed, 2),
            "painted_fps": round((window.demo.video.painted - paint0) / elapsed, 2),
            "captured_fps": round((stats.captured - c0) / elapsed, 2),
            "inference_fps": round((stats.processed - p0) / elapsed, 2),
            "results_shown_fps": round((window.demo.results_shown - r0) / elapsed, 2),
            "dropped_frames": pipe.dropped - d0,
            "processed_frames": stats.processed - p0,
            "model_ms": {"p50": _pct(stats.model_ms, 50), "p95": _pct(stats.model_ms, 95)},
            "explain_ms": {"p50": _pct(stats.explain_ms, 50), "p95": _pct(stats.explain_ms, 95)},
            "latency_ms": {"p50": _pct(stats.latency_ms, 50), "p95": _pct(stats.latency_ms, 95)},
            "gui_stall_ms_max": round(max(gaps) - 5.0, 2) if gaps else None,
            "gui_heartbeat_gap_ms_p99": _pct(gaps, 99),
        })
        controller.shutdown()

    from kiosk.runtime.procstats import snapshot

    start = snapshot()  # updated once the demo runs
    needs_camera = entry.manifest is not None and entry.manifest.needs_camera
    frame_src = open_source(source)
    frame = frame_src.read()
    frame_src.close()
    assert frame is not None
    if needs_camera:
        with loop:
            loop.run_until_complete(live())
        runner = runners(entry)
    else:
        report["note"] = "this demo needs no camera: only its processing time is measured"
        t0 = time.perf_counter()
        runner = runners(entry)
        runner.process(frame)
        report["tile_to_first_result_ms"] = {"cold": round((time.perf_counter() - t0) * 1000, 1)}
        start = snapshot()
    if isinstance(runner, ClassificationRunner):
        x = preprocess(frame, runner.params)
        model = runner.model

        def step() -> None:
            model(x)
        raw_kind = "onnxruntime model only (same session, same input)"
    else:
        def step() -> None:
            runner.process(frame)
        raw_kind = "task processing of one frame in a tight loop (no pipeline)"
    step_ms: list[float] = []
    for _ in range(5):
        step()
    phase = max(3.0, min(seconds, 12.0))
    # Alternate short rounds of both measurements, so background load on a shared machine
    # hits both alike; report the median round of each.
    raw_rounds: list[float] = []
    pipe_rounds: list[float] = []
    for _ in range(3):
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < phase / 6:
            t1 = time.perf_counter()
            step()
            step_ms.append((time.perf_counter() - t1) * 1000)
            n += 1
        raw_rounds.append(n / (time.perf_counter() - t0))
        if needs_camera:
            pipe_rounds.append(_unthrottled_fps(source, runner, phase / 6))
    raw = statistics.median(raw_rounds)
    report.update({
        "raw_fps": round(raw, 2),
        "raw_kind": raw_kind,
        "raw_step_ms": {"p50": _pct(step_ms, 50), "p95": _pct(step_ms, 95)},
    })
    if pipe_rounds:
        unthrottled = statistics.median(pipe_rounds)
        report.update({
            "pipeline_unthrottled_fps": round(unthrottled, 2),
            "pipeline_vs_raw": round(unthrottled / raw, 3) if raw else None,
        })
    if baseline == "sync":
        report["sync_loop"] = sync_loop(source, runner, phase)
        plain = getattr(runner, "plain_step", None)
        if plain is not None:  # the demo's own shortcuts off too: what a lab script does
            report["sync_loop_plain"] = sync_loop(source, _PlainRunner(plain), phase)
        report["engines"] = engines(runner, entry)
    end = snapshot()
    report.update({"rss_mb_start": start["rss_mb"], "rss_mb_end": end["rss_mb"],
                   "threads_start": start["threads"], "threads_end": end["threads"],
                   "open_files_start": start["open_files"], "open_files_end": end["open_files"]})
    if startup:
        report.update(cold_start_ms())
    return report


def run_soak(source: str | None, minutes: float, state_dir: str | None,
             per_demo_seconds: float = 8.0, idle_seconds: float = 2.0) -> dict[str, Any]:
    """Cycle through every ready demo for ``minutes``: open it in the real (offscreen)
    window, let it run, go home, idle-reset to the attract screen, rest. Samples RSS,
    threads and open files after every cycle; growth is measured from the end of the first
    cycle (every model loaded once) to the end."""
    import gc

    import qasync
    from PySide6.QtWidgets import QApplication

    from kiosk.app import RunnerCache, demo_dirs, source_chooser
    from kiosk.runtime.demos import DemoState, discover
    from kiosk.runtime.opener import opening
    from kiosk.runtime.procstats import limit_heap_arenas, snapshot
    from kiosk.runtime.sources import FrameSource, SourceError, open_sample_source, open_source
    from kiosk.ui.controller import KioskController, SourceChoice
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.theme import apply_theme

    def opener() -> FrameSource:
        return open_source(source) if source else open_sample_source()

    limit_heap_arenas()  # as the kiosk does at start
    _use_tuning(data_dir(state_dir))
    try:
        opener().close()
    except SourceError as exc:
        raise ValueError(str(exc)) from None
    entries = [e for e in discover(demo_dirs(data_dir(state_dir)))
               if e.state is DemoState.READY]
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = KioskWindow("en")
    controller = KioskController(
        window, entries, RunnerCache(),
        # a given source is opened (and reopened) the way the kiosk does it
        source_chooser(source, mirror=False) if source  # type: ignore[arg-type]
        else lambda: SourceChoice(opener(), None, no_camera=False, mirror=False),
        idle_timeout=3600, idle_warning=10)
    window.resize(1920, 1080)
    window.show()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    samples: list[dict[str, Any]] = []
    results: dict[str, int] = {e.id: 0 for e in entries}
    first = snapshot()

    async def soak() -> None:
        t_end = time.monotonic() + minutes * 60
        cycle = 0
        while cycle == 0 or time.monotonic() < t_end:
            for entry in entries:
                controller.activity()
                controller.open_demo(entry.id)  # counts results from 0
                await asyncio.sleep(per_demo_seconds)
                results[entry.id] += window.demo.results_shown
                controller.back_home()
                await asyncio.sleep(0.5)
            controller._reset("idle")  # what the idle timer does, without waiting 90 s
            await asyncio.sleep(idle_seconds)
            gc.collect()
            cycle += 1
            samples.append({"cycle": cycle, "t_min": round(
                (minutes * 60 - (t_end - time.monotonic())) / 60, 2), **snapshot(),
                # background camera openings alive (a hung driver would keep them)
                "camera_openers": opening()})
        controller.shutdown()

    with loop:
        loop.run_until_complete(soak())
    base, last = samples[0], samples[-1]
    rss0, rss1 = base["rss_mb"], last["rss_mb"]
    return {
        "soak_minutes": minutes, "cycles": len(samples), "demos": [e.id for e in entries],
        "results_per_demo": results,
        "rss_mb_process_start": first["rss_mb"],
        "rss_mb_start": rss0, "rss_mb_end": rss1,
        "rss_mb_max": max((s["rss_mb"] or 0.0) for s in samples),
        "rss_growth_pct": (round((rss1 - rss0) / rss0 * 100, 2) if rss0 and rss1 else None),
        "threads_start": base["threads"], "threads_end": last["threads"],
        "threads_max": max(s["threads"] for s in samples),
        "camera_openers_max": max(s["camera_openers"] for s in samples),
        "open_files_start": base["open_files"], "open_files_end": last["open_files"],
        "samples": samples,
    }
