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

MiB = 1024 * 1024
MAX_TEXT_BYTES = 8 * MiB  # labels (ImageNet-21k's 21,841 names take 0.3 MB), cards, texts

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
_BINARY = getattr(os, "O_BINARY", 0)


class FileRefused(OSError):
    """A file that is missing, not a plain file, or too large; ``str()`` is for staff."""


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
        raise FileRefused(f"{what} {path.name} is missing.") from None
    except (OSError, ValueError) as exc:
        reason = "is a link" if path.is_symlink() else getattr(exc, "strerror", None) or exc
        raise FileRefused(f"{what} {path.name} cannot be read ({reason}).") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileRefused(f"{what} {path.name} is not a plain file.")
        if st.st_size > limit:
            raise FileRefused(f"{what} {path.name} is {st.st_size / MiB:.1f} MiB "
                              f"(at most {limit / MiB:.1f} MiB).")
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew while we read it
        raise FileRefused(f"{what} {path.name} is larger than {limit / MiB:.1f} MiB.")
    return data


def read_text_bounded(path: Path, limit: int = MAX_TEXT_BYTES, what: str = "File") -> str:
    """UTF-8 text of a plain file of at most ``limit`` bytes (see :func:`read_bounded`)."""
    data = read_bounded(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"{what} {path.name} is not UTF-8 text.") from None


def copy_bounded(src: Path, dest: Path, limit: int, what: str = "File") -> None:
    """Copy the plain file ``src`` (not a link, at most ``limit`` bytes) to a new ``dest``."""
    try:
        fd = os.open(src, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY)
    except (OSError, ValueError) as exc:
        reason = "is a link" if src.is_symlink() else getattr(exc, "strerror", None) or exc
        raise FileRefused(f"{what} {src.name} cannot be read ({reason}).") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            raise FileRefused(f"{what} {src.name} is not a plain file of at most "
                              f"{limit / MiB:.0f} MiB.")
        copied = 0
        with dest.open("xb") as out:
            while chunk := fh.read(MiB):
                copied += len(chunk)
                if copied > limit:
                    raise FileRefused(f"{what} {src.name} is larger than {limit / MiB:.0f} MiB.")
                out.write(chunk)
