"""Run untrusted model work (a pack's smoke run, a trial inference) in a child process.

A pack's model is data, but onnxruntime will happily run an ONNX ``Loop`` with 10^12
iterations or allocate gigabytes per frame. In the kiosk process that would hang an import
forever, hold the pack lock and ignore SIGTERM. Here the work runs in a separate process
with a wall-clock limit (the child is killed), a CPU-time limit (the kernel kills it if the
parent died) and an address-space limit (``RLIMIT_AS`` on Linux), and comes back as a
value or as :class:`IsolatedError` with a sentence for staff.

The child is started with ``forkserver`` where available (a clean server process, so
forking never copies the GUI's threads), else ``spawn``. The function must be importable
at module level and its arguments and result picklable.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from kiosk.core.i18n import Text
from kiosk.core.problems import Msg, msg

log = logging.getLogger(__name__)

T = TypeVar("T")
GiB = 1024**3


class IsolatedError(Exception):
    """The isolated work did not return a result; ``str()`` says why, for staff.

    ``msg`` is the same in both languages.
    """

    def __init__(self, message: Msg) -> None:
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        return self.msg.text("en")


class IsolatedTimeout(IsolatedError):
    """The work ran longer than its time limit and was stopped."""


class IsolatedMemory(IsolatedError):
    """The work needed more memory than allowed."""


# Imported once in the fork server, so each child starts in well under a second. Not cv2:
# nothing here may start threads in the server before it forks (numpy's OpenBLAS pool
# handles fork itself).
_PRELOAD = ["numpy", "onnxruntime", "kiosk.runtime.packs", "kiosk.runtime.tasks"]


def _context() -> Any:
    # the children import onnxruntime; its telemetry must be off before that first import
    # (see kiosk.runtime.onnx_model.import_onnxruntime), and they inherit this environment
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def _vm_bytes() -> int:
    """This process's address space now (Linux); 0 where unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:  # noqa: PTH123
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_self(memory_bytes: int, cpu_seconds: float) -> None:
    """Limits for this (child) process; silently best-effort where the OS has none."""
    try:
        import resource
    except ImportError:  # Windows: the wall-clock limit in the parent still applies
        return
    cpu = max(1, int(cpu_seconds) + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    base = _vm_bytes()
    if base and sys.platform.startswith("linux"):
        # headroom above what the interpreter already maps; onnxruntime's own libraries
        # are mapped later and count against it, hence a generous floor
        limit = base + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...],
           memory_bytes: int, cpu_seconds: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in a terminal is the parent's
    _limit_self(memory_bytes, cpu_seconds)
    try:
        result = fn(*args)
    except MemoryError:
        conn.send(("memory", ""))
    except BaseException as exc:
        text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        kind = "memory" if "failed to allocate" in str(exc).lower() else "error"
        conn.send((kind, f"{type(exc).__name__}: {text}"))
    else:
        conn.send(("ok", result))
    finally:
        conn.close()


_THE_MODEL = Text("das Modell", "the model")


def run_isolated(
    fn: Callable[..., T], *args: Any, timeout: float, memory_bytes: int,
    what: str | Text = _THE_MODEL,
) -> T:
    """``fn(*args)`` in a child process within ``timeout`` seconds and ``memory_bytes``.

    Raises :class:`IsolatedTimeout`, :class:`IsolatedMemory` or :class:`IsolatedError`
    (a crash or an exception in ``fn``, with its type and first line).
    """
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, memory_bytes, timeout),
                       daemon=True, name="kiosk-isolated")
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise IsolatedTimeout(msg("isolated.timeout", what=what, seconds=f"{timeout:g}"))
        try:
            kind, value = parent.recv()
        except (EOFError, OSError):
            proc.join(5)
            code = proc.exitcode
            if code is not None and code < 0:
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = str(-code)
                if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
                    raise IsolatedMemory(msg("isolated.killed_memory", what=what, signal=name,
                                             gb=f"{memory_bytes / GiB:.1f}")) from None
                raise IsolatedError(msg("isolated.killed", what=what, signal=name)) from None
            raise IsolatedError(msg("isolated.no_result", what=what, code=code)) from None
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "memory":
        gb = f"{memory_bytes / GiB:.1f}"
        raise IsolatedMemory(msg("isolated.memory_detail", what=what, gb=gb, detail=value)
                             if value else msg("isolated.memory", what=what, gb=gb))
    raise IsolatedError(msg("isolated.failed", what=what, detail=value))
