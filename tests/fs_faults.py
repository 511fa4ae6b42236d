"""Real file-system faults for tests: a read-only folder and a full disk.

As root (containers, CI runners) permissions do not stop writes, so both use a small tmpfs
mounted for the test; without the right to mount, a read-only folder falls back to
``chmod`` (which does stop a normal user) and a full disk skips the test.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _mount(folder: Path, size: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0:
        return False
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                         capture_output=True, check=False, timeout=30)
    return out.returncode == 0


def _umount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False, timeout=30)


@contextlib.contextmanager
def read_only(folder: Path, *,
              prepare: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """``folder`` (created, then filled by ``prepare``) read-only for the ``with`` block."""
    folder.mkdir(parents=True, exist_ok=True)
    if _mount(folder, "8m"):
        try:
            if prepare is not None:
                prepare(folder)
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, timeout=30)
            yield folder
        finally:
            _umount(folder)
        return
    if os.name != "posix" or os.geteuid() == 0:
        pytest.skip("cannot make a read-only folder here (root without mount)")
    if prepare is not None:
        prepare(folder)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


@contextlib.contextmanager
def full_disk(folder: Path, size: str = "2m") -> Iterator[Path]:
    """``folder`` on a small tmpfs; call :func:`fill` to use up every byte."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _mount(folder, size):
        pytest.skip("a full disk needs a tmpfs mount (root)")
    try:
        yield folder
    finally:
        _umount(folder)


def fill(folder: Path) -> Path:
    """Write one file until the disk holding ``folder`` is full; returns it (delete to free)."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for size in (1 << 16, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size) == size:
                    pass
    finally:
        os.close(fd)
    return filler
