"""Values worked out from a file's content, remembered until the file changes.

Discovery runs often (start, every inbox poll, the staff panel) and asks for every model's
checksum and external-weights list each time; reading a 100 MB model again each time would
make it slow, yet any change to a file must be seen. The key is path, size, modification
time and inode, so an edited or replaced file is read afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class FileCache(Generic[T]):
    """``compute(path)``, remembered by the file's identity; the oldest entries go first
    beyond ``limit`` (stale keys of replaced files would otherwise pile up over weeks)."""

    def __init__(self, compute: Callable[[Path], T], limit: int = 512) -> None:
        self._compute = compute
        self._limit = limit
        self._known: dict[tuple[str, int, int, int], T] = {}
        self._lock = threading.Lock()

    def __call__(self, path: Path) -> T:
        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
        with self._lock:
            if key in self._known:
                return self._known[key]
        value = self._compute(path)  # outside the lock: one slow file never blocks the rest
        with self._lock:
            self._known[key] = value
            while len(self._known) > self._limit:
                del self._known[next(iter(self._known))]
        return value
