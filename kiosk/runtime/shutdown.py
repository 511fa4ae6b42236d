"""Leaving the kiosk while a worker may still be inside a model call.

A native thread still inside onnxruntime (or OpenCV) while Python finalises the interpreter
aborts the process ("terminate called without an active exception", status 134): the
supervisor counts the staff's "Exit kiosk", a SIGTERM or an idle restart as a crash. And a
worker that keeps the exit waiting for seconds stops the heartbeats: the supervisor counts
a hang. So the way out has three parts:

- :func:`begin` raises one process-wide flag; long jobs made of many model calls (the
  freeze-time occlusion map, …) ask :func:`stopping` between two calls and give up;
- :class:`BoundedExecutor` is the event loop's worker pool: shutting it down waits for
  running jobs only up to a bound, never for a model call that takes a minute;
- :func:`leave`, the last step of a normal exit (after the interaction log is closed),
  flushes the logs and, when any other thread is still alive, ends the process with
  ``os._exit(code)`` — the intended status, without an interpreter finalisation a late
  native thread could turn into SIGABRT.

Qt-free.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

_stopping = threading.Event()

#: how long shutting the worker pool down waits for running jobs (a model call or two)
EXECUTOR_JOIN_S = 2.0


def begin() -> None:
    """The kiosk is on its way out: cancellable work stops at its next check."""
    _stopping.set()


def stopping() -> bool:
    """Whether :func:`begin` was called (cheap: ask it between two model calls)."""
    return _stopping.is_set()


def reset() -> None:
    """Forget :func:`begin` (tests run many kiosks in one process)."""
    _stopping.clear()


class BoundedExecutor(ThreadPoolExecutor):
    """A thread pool whose ``shutdown(wait=True)`` waits at most ``join_timeout`` seconds.

    Jobs not yet started are cancelled; a job still running after the bound is left to
    :func:`leave` (which does not wait for it either).
    """

    def __init__(self, max_workers: int | None = None, *,
                 join_timeout: float = EXECUTOR_JOIN_S, **kwargs: Any) -> None:
        super().__init__(max_workers=max_workers, **kwargs)
        self.join_timeout = join_timeout

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)
        if not wait:
            return
        deadline = time.monotonic() + self.join_timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        busy = [t.name for t in self._threads if t.is_alive()]
        if busy:
            log.warning("leaving with %d worker(s) still busy: %s", len(busy), ", ".join(busy))


def other_threads() -> list[threading.Thread]:
    """Python threads still alive besides the calling one (daemon or not)."""
    me = threading.current_thread()
    return [t for t in threading.enumerate() if t is not me and t.is_alive()]


def flush_logs() -> None:
    """Everything logged so far reaches its file and the console."""
    for handler in logging.getLogger().handlers:
        with contextlib.suppress(Exception):  # a broken stderr must not keep the kiosk here
            handler.flush()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass


def leave(code: int, *, hard_exit: Any = os._exit) -> int:
    """The last step of a normal exit: returns ``code``, or ends the process right here.

    Call after the interaction log is closed. With no other thread alive the interpreter
    may finalise as usual (``code`` is returned for ``sys.exit``); otherwise the logs are
    flushed and ``hard_exit(code)`` (``os._exit``) skips the finalisation.
    """
    rest = other_threads()
    if not rest:
        return code
    log.info("leaving without interpreter clean-up; threads still alive: %s",
             ", ".join(t.name for t in rest))
    flush_logs()
    hard_exit(code)
    return code  # only when hard_exit returned (tests)

