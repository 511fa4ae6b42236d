"""Process figures for bench/soak, and handing freed memory back to the OS."""

from __future__ import annotations

import subprocess
import sys

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


CHURN = """
import threading
import numpy as np
from kiosk.runtime import procstats

def churn():
    keep = [np.ones(12_000, dtype=np.float64) for _ in range(4_000)]  # ~96 kB each
    del keep[:-1]  # the last one pins the top of the heap, as live objects do

worker = threading.Thread(target=churn)
worker.start()
worker.join()
held = procstats.rss_mb()
assert procstats.release_memory()
print(held, procstats.rss_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_memory_returns_what_a_worker_thread_freed() -> None:
    """The soak's creep: a worker thread's many mid-sized buffers, freed, stay resident in its
    malloc arena until trimmed (the kiosk trims on every idle reset). In a fresh process, so
    what earlier tests left on the heap cannot pin it."""
    out = subprocess.run([sys.executable, "-c", CHURN], capture_output=True, text=True,
                         check=True, timeout=120)
    held, after = (float(v) for v in out.stdout.split())
    assert held - after > 150, (held, after)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_heap_arenas_can_be_capped() -> None:
    assert procstats.limit_heap_arenas(2)
