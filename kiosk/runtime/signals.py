"""SIGINT and SIGTERM stop the kiosk through its event loop, never from inside Qt code.

Python runs a signal handler between two bytecodes of the main thread — which, in a Qt
app, is usually in the middle of a ``paintEvent`` or another slot. A handler that raises
(the default ``KeyboardInterrupt`` for Ctrl+C) or quits the application from there leaves
Qt half-way through painting: ``QBackingStore::endPaint()`` warnings, a kiosk that keeps
running, and a crash on the next signal.

So the Python handler installed here does nothing at all. The C-level handler writes the
signal number into a socket (:func:`signal.set_wakeup_fd`); the event loop watches that
socket like any other (``loop.add_reader``) and calls ``on_stop`` from the loop, between
events, where quitting is the normal stop path (the interaction log is flushed).

Qt-free: qasync's loop turns the reader into a socket notifier. Where a loop has no
readers (the Windows proactor), ``on_stop`` is scheduled with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Callable
from types import FrameType

log = logging.getLogger(__name__)

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


def exit_code(signum: int) -> int:
    """The status a shell reports for a process ended by ``signum`` (130, 143)."""
    return 128 + signum


def is_signal_exit(code: int) -> bool:
    """Whether ``code`` is how :func:`install_stop_signals` ends the app."""
    return code in {exit_code(s) for s in STOP_SIGNALS}


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Runs inside whatever Python code was interrupted: must do nothing."""


class StopSignals:
    """The installed plumbing; :meth:`close` restores what was there before."""

    def __init__(self, loop: asyncio.AbstractEventLoop,
                 on_stop: Callable[[int], None]) -> None:
        self._loop = loop
        self._on_stop = on_stop
        self.received: list[int] = []
        self._rsock, self._wsock = socket.socketpair()
        for sock in (self._rsock, self._wsock):
            sock.setblocking(False)
        self._reader = True
        try:
            loop.add_reader(self._rsock.fileno(), self._drain)
        except NotImplementedError:
            self._reader = False
        self._old_fd = -1
        if self._reader:
            self._old_fd = signal.set_wakeup_fd(self._wsock.fileno(), warn_on_full_buffer=False)
            handler: Callable[[int, FrameType | None], None] = _ignore
        else:
            handler = self._scheduled
        self._previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}

    def _scheduled(self, signum: int, frame: FrameType | None) -> None:
        self._loop.call_soon_threadsafe(self._deliver, signum)

    def _drain(self) -> None:
        while True:
            try:
                data = self._rsock.recv(512)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if not data:
                return
            for signum in data:
                if signum in STOP_SIGNALS:
                    self._deliver(signum)

    def _deliver(self, signum: int) -> None:
        self.received.append(signum)
        if len(self.received) > 1:
            # Already on the way out; a second Ctrl+C must not interrupt the flush.
            log.info("%s again: already stopping", signal.Signals(signum).name)
            return
        log.info("%s received: stopping", signal.Signals(signum).name)
        self._on_stop(signum)

    def close(self) -> None:
        """Put back the previous handlers and wakeup fd; close the sockets."""
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        if self._reader:
            signal.set_wakeup_fd(self._old_fd)
            with contextlib.suppress(Exception):  # the loop may already be closed
                self._loop.remove_reader(self._rsock.fileno())
        self._rsock.close()
        self._wsock.close()


def install_stop_signals(loop: asyncio.AbstractEventLoop,
                         on_stop: Callable[[int], None]) -> StopSignals:
    """Call ``on_stop(signum)`` from ``loop`` on the first SIGINT or SIGTERM.

    Call from the main thread, before the loop runs. A signal that arrives before the loop
    runs is kept in the socket and delivered as soon as it does.
    """
    return StopSignals(loop, on_stop)
