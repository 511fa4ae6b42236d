"""Reading files that come from outside (packs, sticks, image folders) without surprises.

A pack is data from a stranger: any name in it may be a symbolic link to ``/etc/passwd``, a
FIFO that blocks forever, ``/dev/zero`` or a 400 MiB "labels" file. Everything here looks at
the entry itself (``lstat``, ``O_NOFOLLOW``), never at what a link points to, and reads at
most a stated number of bytes. Failures raise :class:`FileRefused` with a message for staff.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.core.problems import Msg, file_kind, msg

MiB = 1024 * 1024
MAX_TEXT_BYTES = 8 * MiB  # labels (ImageNet-21k's 21,841 names take 0.3 MB), cards, texts

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
_BINARY = getattr(os, "O_BINARY", 0)


class FileRefused(OSError):
    """A file that is missing, not a plain file, or too large; ``str()`` is for staff.

    ``msg`` is the same sentence in both languages (for the staff panel).
    """

    def __init__(self, message: Msg) -> None:
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        return self.msg.text("en")


def _refused(key: str, what: str, path: Path, **values: object) -> FileRefused:
    return FileRefused(msg(key, what=file_kind(what), name=path.name, **values))


def _reason(path: Path, exc: Exception) -> object:
    return msg("read.link").both() if path.is_symlink() else getattr(exc, "strerror", None) or exc


def is_regular_file(path: Path) -> bool:
    """True for a plain file that is not a link (a link to a plain file is False)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except (OSError, ValueError):  # ValueError: NUL in the name
        return False


def read_bounded(path: Path, limit: int, what: str = "File") -> bytes:
    """The bytes of the plain file ``path`` (not a link), at most ``limit`` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except FileNotFoundError:
        raise _refused("read.missing", what, path) from None
    except (OSError, ValueError) as exc:
        raise _refused("read.unreadable", what, path, reason=_reason(path, exc)) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _refused("read.not_plain", what, path)
        if st.st_size > limit:
            raise _refused("read.too_big", what, path, size=f"{st.st_size / MiB:.1f}",
                           limit=f"{limit / MiB:.1f}")
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while we read it
        raise _refused("read.grew", what, path, limit=f"{limit / MiB:.1f}")
    return data


def read_text_bounded(path: Path, limit: int = MAX_TEXT_BYTES, what: str = "File") -> str:
    """UTF-8 text of a plain file of at most ``limit`` bytes (see :func:`read_bounded`)."""
    data = read_bounded(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _refused("read.not_utf8", what, path) from None


def copy_bounded(src: Path, dest: Path, limit: int, what: str = "File") -> None:
    """Copy the plain file ``src`` (not a link, at most ``limit`` bytes) to a new ``dest``."""
    try:
        fd = os.open(src, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except (OSError, ValueError) as exc:
        raise _refused("read.unreadable", what, src, reason=_reason(src, exc)) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise _refused("read.not_plain_limit", what, src, limit=f"{limit / MiB:.0f}")
        copied = 0
        with dest.open("xb") as out:
            while chunk := fh.read(MiB):
                copied += len(chunk)
                if copied > limit:
                    raise _refused("read.grew", what, src, limit=f"{limit / MiB:.0f}")
                out.write(chunk)
