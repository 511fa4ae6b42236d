"""Opening a camera off the thread that shows pictures, without ever waiting on it.

``cv2.VideoCapture(index)`` and a camera's first read can hang for many seconds (a
half-dead USB device, a driver waiting for its own timeout). An :class:`Opener` runs one
attempt at a time in a daemon thread and hands the result over when asked; the asker
never blocks (or only up to a limit it chooses), so the fallback pictures keep playing and
quitting never waits on a hung driver.

A device that hangs forever must not collect a thread per attempt: each opener has at most
one attempt under way, and the whole process at most :data:`MAX_OPENING` opener threads
(one hung attempt, plus one more from a later demo); beyond that no attempt starts until
one returns. An attempt whose opener was closed meanwhile releases its camera itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.runtime.sources import FrameSource, SourceError

log = logging.getLogger(__name__)

FIRST_OPEN_LIMIT_S = 5.0  # a demo waits this long for its camera, then starts on the photos
MAX_OPENING = 2  # opener threads alive in the process: a hung one and one more
THREAD_NAME = "kiosk-camera-open"

_count_lock = threading.Lock()
_alive = 0


def opening() -> int:
    """Opener threads alive right now (hung attempts included)."""
    with _count_lock:
        return _alive


def _claim() -> bool:
    global _alive
    with _count_lock:
        if _alive >= MAX_OPENING:
            return False
        _alive += 1
        return True


def _unclaim() -> None:
    global _alive
    with _count_lock:
        _alive -= 1


def _release(source: FrameSource) -> None:
    try:
        source.close()
    except Exception:
        log.exception("closing %s failed", source.description)


class Opener:
    """Opens a source with ``open_source`` in the background, one attempt at a time.

    :meth:`start` begins an attempt, :meth:`take` collects its outcome (a source, or the
    :class:`SourceError` that explains why not), :meth:`wait` waits for it up to a limit,
    :meth:`close` gives up: what a pending attempt opens later is released at once.
    ``on_done`` is called from the opener thread when an attempt ends (to wake a waiter).
    """

    def __init__(self, open_source: Callable[[], FrameSource],
                 on_done: Callable[[], None] | None = None) -> None:
        self._open = open_source
        self.on_done = on_done
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._pending = False
        self._outcome: FrameSource | SourceError | None = None
        self._closed = False
        self._refused_logged = False

    @property
    def pending(self) -> bool:
        """An attempt is under way (it may hang forever)."""
        with self._lock:
            return self._pending

    def start(self) -> bool:
        """Begin an attempt unless one is under way, a result waits to be taken, the opener
        is closed, or too many opener threads hang already; True if one is under way now."""
        with self._lock:
            if self._pending:
                return True
            if self._closed or self._outcome is not None:
                return False
            if not _claim():
                if not self._refused_logged:
                    log.warning("an earlier camera opening still hangs; not trying again "
                                "until it returns")
                    self._refused_logged = True
                return False
            self._refused_logged = False
            self._pending = True
            self._done.clear()
        try:
            threading.Thread(target=self._attempt, name=THREAD_NAME, daemon=True).start()
        except BaseException:
            with self._lock:
                self._pending = False
            _unclaim()
            raise
        return True

    def _attempt(self) -> None:
        outcome: FrameSource | SourceError = SourceError("The camera opening was interrupted.")
        try:
            outcome = self._open_and_read()
        finally:  # whatever happened, the attempt is over: the next one may start
            _unclaim()
            with self._lock:
                self._pending = False
                keep = not self._closed
                if keep:
                    self._outcome = outcome
                self._done.set()
        if not keep and not isinstance(outcome, SourceError):
            log.info("%s opened after it was given up; released", outcome.description)
            _release(outcome)
        if keep and self.on_done is not None:
            self.on_done()

    def _open_and_read(self) -> FrameSource | SourceError:
        try:
            source = self._open()
        except SourceError as exc:
            return exc
        except Exception as exc:  # a driver's own error is a camera that did not open
            log.exception("opening the camera failed")
            return SourceError(f"The camera could not be opened ({exc}).")
        if source.live:
            # A driver may hang in its first read rather than in the open: read once here.
            # A camera still warming up returns nothing; the capture thread waits for it.
            try:
                source.read()
            except Exception as exc:
                log.exception("first read from %s failed", source.description)
                _release(source)
                return SourceError(f"{source.description} could not be read ({exc}).")
        return source

    def take(self) -> FrameSource | SourceError | None:
        """The finished attempt's outcome, once; None while none has finished."""
        with self._lock:
            outcome, self._outcome = self._outcome, None
            return outcome

    def wait(self, timeout: float) -> FrameSource | SourceError | None:
        """:meth:`take` after waiting up to ``timeout`` seconds for a pending attempt."""
        if self.pending:
            self._done.wait(timeout)
        return self.take()

    def close(self) -> None:
        """Give up: an untaken source is released now, a pending one when it arrives."""
        with self._lock:
            self._closed = True
            outcome, self._outcome = self._outcome, None
        if outcome is not None and not isinstance(outcome, SourceError):
            _release(outcome)
