"""Crash logs: fatal errors and unhandled exceptions written to files staff see next start.

:func:`install` makes three things leave a trace in ``<data dir>/logs/crashes/``:

- a hard crash (segfault in a native library, abort): :mod:`faulthandler` writes the
  Python stack of every thread into ``faulthandler.log``, which the next :func:`install`
  turns into a crash file;
- a hang: the supervisor sends ``SIGUSR1`` before killing the app, and faulthandler dumps
  every thread's stack the same way — so a hang shows *where* it hung;
- an unhandled Python exception (main thread, other threads, or a Qt slot, which PySide6
  reports through ``sys.excepthook``): the traceback goes to its own crash file.

:func:`last_crash` returns the newest crash file's text for the staff panel;
:func:`unreported_crash` tells the start-up, once per crash, that the last run crashed.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import re
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)

CRASH_DIR = ("logs", "crashes")
FAULT_FILE = "faulthandler.log"
REPORTED_FILE = ".reported"  # the newest crash file already counted as a crash event
KEEP = 20  # crash files kept; older ones are deleted
MAX_TEXT = 200_000  # characters shown by last_crash (a runaway traceback stays readable)

_fault_file: IO[str] | None = None


def crash_dir(data_dir: Path) -> Path:
    """The folder holding crash files."""
    return data_dir.joinpath(*CRASH_DIR)


def _stamp(clock: Callable[[], float]) -> str:
    now = clock()
    return time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"-{int(now * 1000) % 1000:03d}"


def _new_crash_path(folder: Path, clock: Callable[[], float]) -> Path:
    stamp = _stamp(clock)
    base = folder / f"crash-{stamp}.log"
    if not base.exists() and not any(folder.glob(f"crash-{stamp}-*.log")):
        return base
    # Same millisecond (a burst of exceptions): number them after the highest one, even
    # if older siblings were pruned meanwhile, so the order stays right.
    taken = [_key(p)[1] for p in folder.glob(f"crash-{stamp}*.log")]
    return folder / f"crash-{stamp}-{max(taken, default=0) + 1}.log"


_NAME_RE = re.compile(r"crash-(\d{8}-\d{6}-\d{3})(?:-(\d+))?")


def _key(path: Path) -> tuple[str, int]:
    match = _NAME_RE.fullmatch(path.stem)
    if match is None:
        return (path.stem, 0)
    return (match.group(1), int(match.group(2) or 0))


def _crash_files(folder: Path) -> list[Path]:
    """Oldest first; "crash-<time>-2" (same millisecond) comes after "crash-<time>"."""
    return sorted(folder.glob("crash-*.log"), key=_key)


def _prune(folder: Path) -> None:
    files = _crash_files(folder)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)


def write_crash(data_dir: Path, text: str, *, clock: Callable[[], float] = time.time) -> Path:
    """Store ``text`` as a new crash file and return its path."""
    folder = crash_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = _new_crash_path(folder, clock)
    header = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(clock()))
    path.write_text(f"{header}\n{text}", encoding="utf-8")
    _prune(folder)
    return path


def _adopt_fault_file(data_dir: Path, clock: Callable[[], float]) -> None:
    """Turn what faulthandler wrote during the last run into a crash file."""
    fault = crash_dir(data_dir) / FAULT_FILE
    try:
        text = fault.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    if text.strip():
        write_crash(data_dir, "The app stopped with a fatal error or was stopped because "
                    "it hung. Python stacks at that moment:\n\n" + text, clock=clock)


def install(data_dir: Path, *, clock: Callable[[], float] = time.time) -> bool:
    """Enable crash logging into ``data_dir``; False (logged) when it is not writable."""
    global _fault_file
    try:
        folder = crash_dir(data_dir)
        folder.mkdir(parents=True, exist_ok=True)
        _adopt_fault_file(data_dir, clock)
        if _fault_file is not None:
            _fault_file.close()
        # Truncated on every start: its content was adopted above.
        _fault_file = (folder / FAULT_FILE).open("w", encoding="utf-8")
    except OSError as exc:
        log.warning("crash logs cannot be written to %s (%s)", data_dir, exc.strerror or exc)
        faulthandler.enable()  # still worth having on stderr, i.e. in the journal
        usr1 = getattr(signal, "SIGUSR1", None)
        if usr1 is not None and sys.stderr is not None:  # a hang's stacks: the journal too
            faulthandler.register(usr1, all_threads=True, chain=False)
        return False
    faulthandler.enable(_fault_file, all_threads=True)
    usr1 = getattr(signal, "SIGUSR1", None)
    if usr1 is not None:
        # The supervisor's "you hang" signal: dump and keep going (it kills us next).
        faulthandler.register(usr1, _fault_file, all_threads=True, chain=False)
    _install_hooks(data_dir, clock)
    return True


def _install_hooks(data_dir: Path, clock: Callable[[], float]) -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if not issubclass(kind, KeyboardInterrupt):
            text = "".join(traceback.format_exception(kind, exc, tb))
            log.error("unhandled exception:\n%s", text)
            # Already logged above; a failing write has nowhere else to go.
            with contextlib.suppress(OSError):
                write_crash(data_dir, "Unhandled exception:\n\n" + text, clock=clock)
            if previous is sys.__excepthook__:
                return  # the default hook would print the same traceback a second time
        previous(kind, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or isinstance(args.exc_value, SystemExit):
            return
        name = args.thread.name if args.thread else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        log.error("unhandled exception in thread %s:\n%s", name, text)
        with contextlib.suppress(OSError):
            write_crash(data_dir, f"Unhandled exception in thread {name}:\n\n{text}",
                        clock=clock)

    sys.excepthook = hook
    threading.excepthook = thread_hook


class RecentErrors(logging.Handler):
    """Keeps the last ``capacity`` ERROR (and worse) log lines for the staff panel's health page.

    Add it to the root logger: ``logging.getLogger().addHandler(errors)``.
    """

    def __init__(self, capacity: int = 50) -> None:
        super().__init__(logging.ERROR)
        self._lines: deque[str] = deque(maxlen=capacity)
        self.count = 0  # since start, including those no longer kept

    def emit(self, record: logging.LogRecord) -> None:
        try:
            first = record.getMessage().strip().splitlines()[0] if record.getMessage() else ""
        except Exception:  # a broken log call must not break logging
            first = str(record.msg)
        stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
        self._lines.append(f"{stamp} {first}")
        self.count += 1

    def messages(self) -> list[str]:
        """The kept lines, oldest first."""
        return list(self._lines)


def unreported_crash(data_dir: Path) -> str | None:
    """The newest crash file's name if no earlier call returned it, else None.

    The start-up asks once, to record one ``crash`` event per crash: the name last
    returned is kept in ``.reported`` beside the crash files.
    """
    folder = crash_dir(data_dir)
    try:
        files = _crash_files(folder)
    except OSError:
        return None
    if not files:
        return None
    newest = files[-1].name
    marker = folder / REPORTED_FILE
    try:
        if marker.read_text(encoding="utf-8").strip() == newest:
            return None
    except OSError:
        pass
    with contextlib.suppress(OSError):  # unwritable: reported again next start, not lost
        marker.write_text(newest, encoding="utf-8")
    return newest


def last_crash(data_dir: Path) -> str | None:
    """The newest crash file's text (its first line is the local time), or None."""
    folder = crash_dir(data_dir)
    try:
        files = _crash_files(folder)
    except OSError:
        return None
    pending = folder / FAULT_FILE
    # A crash of *this* run that has not been adopted yet (faulthandler writes only here).
    try:
        if pending.stat().st_size and (not files or pending.stat().st_mtime
                                       > files[-1].stat().st_mtime):
            return pending.read_text(encoding="utf-8", errors="replace")[:MAX_TEXT]
    except OSError:
        pass
    if not files:
        return None
    try:
        return files[-1].read_text(encoding="utf-8", errors="replace")[:MAX_TEXT]
    except OSError:
        return None
