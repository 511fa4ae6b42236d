"""The way out: the stop flag cancels the occlusion map between model runs, the worker pool
waits only up to its bound, and leave() ends the process only when threads remain."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kiosk.runtime import shutdown
from kiosk.runtime.demos import check_demo, load_runner
from tests.unit.test_explain import zero_config_pack


@pytest.fixture(autouse=True)
def fresh_flag() -> Iterator[None]:
    shutdown.reset()
    yield
    shutdown.reset()


def test_begin_cancels_the_occlusion_map_between_two_model_runs(
        tmp_path: Path, photos: dict[str, np.ndarray]) -> None:
    runner = load_runner(check_demo(zero_config_pack(tmp_path / "cls", strip_features=True)))
    calls: list[float] = []

    def progress(done: float) -> bool:
        calls.append(done)
        if len(calls) == 3:
            shutdown.begin()  # the kiosk starts leaving while the map is being made
        return True

    assert runner.occlusion(photos["coffee"], progress) is None  # type: ignore[attr-defined]
    assert len(calls) == 3  # not one patch after the flag


def test_without_begin_the_occlusion_map_is_made(
        tmp_path: Path, photos: dict[str, np.ndarray]) -> None:
    runner = load_runner(check_demo(zero_config_pack(tmp_path / "cls", strip_features=True)))
    result = runner.occlusion(photos["coffee"], lambda done: True)  # type: ignore[attr-defined]
    assert result is not None and result.explanation.kind == "occlusion"


def test_bounded_executor_does_not_wait_for_a_stuck_job() -> None:
    release = threading.Event()
    started = threading.Event()
    pool = shutdown.BoundedExecutor(max_workers=1, join_timeout=0.05)

    def stuck() -> None:
        started.set()
        release.wait(30)

    pool.submit(stuck)
    queued = pool.submit(lambda: None)
    assert started.wait(10)
    pool.shutdown()  # returns after the bound although the job still runs
    assert queued.cancelled()
    assert any(t.is_alive() for t in pool._threads)
    release.set()
    for t in pool._threads:
        t.join(10)


def test_leave_returns_the_code_when_no_other_thread_is_alive() -> None:
    exits: list[int] = []
    assert shutdown.leave(143, hard_exit=exits.append) == 143
    # pytest itself may run a helper thread: then leave() must not return quietly
    assert (exits == []) == (not shutdown.other_threads())


def test_leave_ends_the_process_with_the_intended_code_when_a_thread_remains() -> None:
    release = threading.Event()
    busy = threading.Thread(target=release.wait, args=(30,), name="busy", daemon=True)
    busy.start()
    exits: list[int] = []
    try:
        shutdown.leave(75, hard_exit=exits.append)
    finally:
        release.set()
        busy.join(10)
    assert exits == [75]
