"""A one-item mailbox where the newest value wins: the camera never queues frames."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LatestSlot(Generic[T]):
    """Holds at most one item; ``put`` replaces an unread item and counts it as dropped."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.dropped = 0
        self.delivered = 0

    def put(self, item: T) -> None:
        """Store ``item``, replacing (and counting) one nobody took."""
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify()

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` s; ``None`` on timeout or close."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            if item is not None:
                self.delivered += 1
                self._cond.notify_all()
            return item

    def poll(self) -> T | None:
        """The newest item without waiting, or ``None``."""
        with self._cond:
            item, self._item = self._item, None
            if item is not None:
                self.delivered += 1
            return item

    def wait_taken(self, timeout: float) -> bool:
        """Wait until the stored item was taken (or the slot closed); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._item is None or self._closed, timeout)

    def close(self) -> None:
        """Wake every waiter; later ``take`` calls return at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed
