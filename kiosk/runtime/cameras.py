"""Which cameras are really there: list the camera devices and try to open each one.

Staff pick the kiosk's camera from what :func:`probe_cameras` finds, not from a fixed list
of indices. On Linux the candidates are the ``/dev/video*`` device nodes; elsewhere
(Windows, macOS number cameras without device files) the first few indices. Each candidate
is then opened with OpenCV and one frame read, because a webcam often has a second node
for metadata that cannot deliver pictures, and a camera in use elsewhere cannot be opened.

Opening a camera can hang (a half-unplugged USB device, a driver waiting for a timeout), so
every probe runs in its own daemon thread and the whole search has a time limit: what has
not answered by then counts as not found and never blocks the caller or the app's exit.
This blocks for up to the time limit: call it off the GUI thread.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEV = Path("/dev")
SYS_V4L = Path("/sys/class/video4linux")
OTHER_OS_INDICES = (0, 1, 2, 3)  # no device files to list: try the usual few
PROBE_TIME_LIMIT_S = 4.0
_VIDEO_NODE = re.compile(r"video(\d+)")


@dataclass(frozen=True)
class FoundCamera:
    """A camera that opened and delivered a picture."""

    index: int  # what ``Settings.camera`` holds for it (as text)
    name: str = ""  # the device's own name when the system tells it, e.g. "HD Pro Webcam C920"


def candidate_indices(dev: Path | None = None, platform: str = sys.platform) -> list[int]:
    """Camera indices worth trying, in order."""
    if not platform.startswith("linux"):
        return list(OTHER_OS_INDICES)
    try:
        names = [p.name for p in (dev or DEV).iterdir()]
    except OSError:
        return []
    found = (_VIDEO_NODE.fullmatch(n) for n in names)
    return sorted(int(m.group(1)) for m in found if m)


def device_exists(index: int, dev: Path | None = None, platform: str = sys.platform) -> bool:
    """Whether camera ``index`` is plugged in, opened or not (Linux; False where unknown).

    A camera that is there but busy (a demo still closing it, another program) fails the
    probe; this tells it apart from one that is not connected at all.
    """
    return platform.startswith("linux") and ((dev or DEV) / f"video{index}").exists()


def device_name(index: int, sys_v4l: Path = SYS_V4L) -> str:
    """The name the Linux driver gives camera ``index`` ("" when unknown)."""
    try:
        return (sys_v4l / f"video{index}" / "name").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def opens(source: int | str) -> bool:
    """Whether OpenCV opens ``source`` (a camera index or a video file) and reads a frame."""
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    cap = cv2.VideoCapture(source)
    try:
        if not cap.isOpened():
            return False
        ok, frame = cap.read()
        return bool(ok) and frame is not None
    finally:
        cap.release()


def probe_cameras(
    candidates: Iterable[int] | None = None, *, try_open: Callable[[int], bool] | None = None,
    name: Callable[[int], str] = device_name, time_limit_s: float = PROBE_TIME_LIMIT_S,
    clock: Callable[[], float] = time.monotonic,
) -> list[FoundCamera]:
    """The cameras among ``candidates`` (default: :func:`candidate_indices`) that work.

    ``try_open`` tells whether a camera delivers a picture (default: :func:`opens`).

    All candidates are tried at once, each in a daemon thread; the search returns after
    ``time_limit_s`` at the latest, leaving any hung probe behind.
    """
    indices = candidate_indices() if candidates is None else list(candidates)
    attempt = try_open or opens
    results: dict[int, bool] = {}
    lock = threading.Lock()

    def probe(index: int) -> None:
        try:
            ok = attempt(index)
        except Exception:  # a broken driver is "not found", never a crash of the search
            log.debug("probing camera %d failed", index, exc_info=True)
            ok = False
        with lock:
            results[index] = ok

    threads = [threading.Thread(target=probe, args=(i,), name=f"camera-probe-{i}", daemon=True)
               for i in indices]
    for t in threads:
        t.start()
    deadline = clock() + time_limit_s
    for t in threads:
        t.join(max(0.0, deadline - clock()))
    with lock:
        done = dict(results)
    hung = [i for i in indices if i not in done]
    if hung:
        log.warning("camera(s) %s did not answer within %.0f s; left out",
                    ", ".join(map(str, hung)), time_limit_s)
    return [FoundCamera(i, name(i)) for i in indices if done.get(i)]
