"""Process figures for bench/soak, and handing freed memory back to the OS."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from kiosk.runtime import procstats


def test_snapshot_counts_threads_and_open_files(tmp_path: object) -> None:
    before = procstats.snapshot()
    assert before["rss_mb"] is None or before["rss_mb"] > 0
    with open(__file__, "rb"):  # noqa: PTH123  # one more descriptor, on purpose
        during = procstats.snapshot()
    if before["open_files"] is not None:
        assert during["open_files"] == before["open_files"] + 1
    assert isinstance(before["threads"], int) and before["threads"] >= 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_memory_returns_what_a_worker_thread_freed() -> None:
    """The soak's creep: a worker thread's many mid-sized buffers, freed, stay resident in its
    malloc arena until trimmed (the kiosk trims on every idle reset)."""
    def churn() -> None:
        keep = [np.ones(12_000, dtype=np.float64) for _ in range(4_000)]  # ~96 kB each
        del keep[:-1]  # the last one pins the top of the heap, as live objects do

    procstats.release_memory()
    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    held = procstats.rss_mb()
    assert procstats.release_memory()
    after = procstats.rss_mb()
    assert held is not None and after is not None
    assert held - after > 150, (held, after)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_heap_arenas_can_be_capped() -> None:
    assert procstats.limit_heap_arenas(2)
