"""Whether the data dir can take writes: read-only, full, or fine.

A read-only medium (an SD card the kernel remounted read-only after errors, a stick with
its lock switch on) or a full disk is a known failure: visitors keep playing, staff get one
clear message, and nothing prints a traceback every few seconds. :class:`DiskWatch` answers
"is the data dir writable?" without writing anything — ``os.access`` sees a read-only file
system (``EROFS``) even for root, and ``statvfs`` tells the free space — so asking often
costs no wear. Code that did hit an ``OSError`` while writing hands it to
:meth:`DiskWatch.failed`, which logs it once per episode.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

log = logging.getLogger(__name__)

READ_ONLY: Final = "read_only"
FULL: Final = "full"
FULL_BELOW: Final = 1 << 20  # bytes free under which nothing useful can be written any more
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def classify_os_error(exc: OSError) -> str | None:
    """:data:`READ_ONLY`, :data:`FULL`, or None for any other cause."""
    if exc.errno in _READ_ONLY_ERRNOS:
        return READ_ONLY
    if exc.errno in _FULL_ERRNOS:
        return FULL
    return None


def probe(folder: Path) -> str | None:
    """The data dir's problem right now (:data:`READ_ONLY`, :data:`FULL`) or None."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent  # not created yet: what matters is where it would be
    if not os.access(existing, os.W_OK):
        return READ_ONLY
    try:
        if shutil.disk_usage(existing).free < FULL_BELOW:
            return FULL
    except OSError:
        return None
    return None


class DiskWatch:
    """The data dir's state for the inbox and the staff panel, probed at most every
    ``interval`` seconds (``clock`` is monotonic; tests inject it)."""

    def __init__(self, folder: Path, *, interval: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.interval = interval
        self.clock = clock
        self._checked: float | None = None
        self._state: str | None = None
        self._logged: str | None = None

    def check(self) -> str | None:
        """:data:`READ_ONLY`, :data:`FULL` or None (fine); logged when it changes."""
        now = self.clock()
        if self._checked is None or now - self._checked >= self.interval:
            self._checked = now
            self._set(probe(self.folder))
        return self._state

    def failed(self, exc: OSError) -> str | None:
        """A write in the data dir failed with ``exc``: remember why (None: another cause)."""
        code = classify_os_error(exc)
        if code is not None:
            self._checked = self.clock()
            self._set(code, exc)
        return code

    def _set(self, state: str | None, exc: OSError | None = None) -> None:
        self._state = state
        if state == self._logged:
            return
        if state is None:
            log.warning("data dir %s is writable again", self.folder)
        else:
            why = f" ({exc.strerror or exc})" if exc is not None else ""
            log.warning("data dir %s is %s%s: visits are kept in memory, packs are not "
                        "installed", self.folder, "read-only" if state == READ_ONLY
                        else "full", why)
        self._logged = state
