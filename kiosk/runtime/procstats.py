"""This process's resident memory, threads and open files (for bench, soak and health).

Read from ``/proc/self`` on Linux (the kiosk's platform); elsewhere the figures the
standard library offers, ``None`` for what it cannot tell.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from pathlib import Path


def rss_mb() -> float | None:
    """Resident set size in MiB right now."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def os_threads() -> int:
    """Threads of this process, native ones (onnxruntime, Qt) included where the OS says."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return threading.active_count()


def open_files() -> int | None:
    """Open file descriptors (files, sockets, pipes) of this process."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return sum(1 for _ in Path(folder).iterdir()) - 1  # listing opens one itself
        except OSError:
            continue
    return None


def snapshot() -> dict[str, float | int | None]:
    """All three at once, JSON-ready."""
    return {"rss_mb": rss_mb(), "threads": os_threads(),
            "python_threads": threading.active_count(), "open_files": open_files()}


def release_memory() -> bool:
    """Hand freed heap memory back to the OS (glibc keeps it per thread arena otherwise:
    measured as a slow RSS creep over a soak of open/close cycles). True when it ran.

    Blocks for a few milliseconds: call it off the GUI thread, e.g. on an idle reset.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # musl or another libc: nothing to trim
        return False
    return True


def limit_heap_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas (default: 8 per core) before worker threads start: each
    executor, capture and inference thread otherwise gets an arena of its own that keeps
    freed memory (the first cycles of a soak grew RSS this way). True when it ran."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


_M_ARENA_MAX = -8  # from glibc's malloc.h


def end_with_parent(parent_pid: int) -> bool:
    """Make this (child) process end when ``parent_pid`` dies, even by SIGKILL: a kiosk that
    crashed must not leave a ``kiosk tune`` child burning the CPU for a minute. On Linux the
    kernel sends SIGTERM (``PR_SET_PDEATHSIG``); elsewhere only the check below is done.
    False when the parent is already gone (the caller should stop)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # musl or another libc
            ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))
    return os.getppid() == parent_pid  # set after the parent died: the signal never comes


_PR_SET_PDEATHSIG = 1  # from linux/prctl.h
