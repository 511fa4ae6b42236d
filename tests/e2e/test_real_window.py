"""The kiosk as a newcomer meets it: a ready line on the terminal, and a real full-screen
window on a real X server without a window manager (``xinit`` straight into the app).

The X server tests run when Xvfb is installed (CI installs it) and are skipped otherwise.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo

from kiosk.runtime.display_check import APT_COMMAND, xcb_problem
from tests.conftest import ROOT

SCREEN = (1920, 1080)


class Kiosk:
    """``kiosk`` as a subprocess whose stdout lines are read as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk", *args], env=env, cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.stderr = ""

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def ready_line(self, timeout: float = 90.0) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                self.proc.kill()
                self.close()
                pytest.fail(f"no KIOSK_READY line within {timeout} s; stderr:\n{self.stderr}")
            if line.startswith("KIOSK_READY"):
                return line

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.close()

    def close(self) -> None:
        self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.proc.stdout.close()
        self.stderr = self.proc.stderr.read()
        self.proc.stderr.close()


def test_the_ready_line_says_how_to_leave(data_dir: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    kiosk = Kiosk(["--data-dir", str(data_dir)], env)
    line = kiosk.ready_line()
    assert kiosk.stop() == 143
    assert re.match(r"KIOSK_READY \d+ ms - the kiosk runs full screen and locked\. To leave: "
                    r"hold the top-left corner", line), line
    assert "--windowed" in line
    windowed = Kiosk(["--windowed", "--data-dir", str(data_dir)], env)
    line = windowed.ready_line()
    assert windowed.stop() == 143
    assert line.endswith("the kiosk runs in a window; close the window to stop it.")


@pytest.fixture
def x_display() -> Iterator[str]:
    """A fresh Xvfb at 1920×1080 with no window manager, as ``xinit`` into the app gives."""
    if not (shutil.which("Xvfb") and shutil.which("xwininfo")):
        pytest.skip("Xvfb and xwininfo are not installed (apt install xvfb x11-utils)")
    if xcb_problem(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)),
                   {"QT_QPA_PLATFORM": "xcb"}):
        pytest.skip(f"Qt's X11 libraries are missing: {APT_COMMAND}")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp"], pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # written once the server accepts clients
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def kiosk_windows(display: str) -> list[tuple[int, int, int, int]]:
    """(width, height, x, y) of the kiosk's top-level windows bigger than 1×1."""
    tree = subprocess.run(["xwininfo", "-root", "-children", "-display", display],
                          capture_output=True, text=True, check=True, timeout=30).stdout
    found = []
    for m in re.finditer(r'"Showroom Kiosk": \(.*?\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', tree):
        w, h, x, y = (int(v) for v in m.groups())
        if w > 1 and h > 1:
            found.append((w, h, x, y))
    return found


def black_corners(display: str, shot: Path) -> list[tuple[int, int]]:
    """Points near the screen's corners and edges where it shows bare black."""
    from PIL import Image

    subprocess.run(["import", "-display", display, "-window", "root", str(shot)], check=True,
                   timeout=60)
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
    w, h = rgb.size
    points = ((2, 2), (w - 3, 2), (2, h - 3), (w - 3, h - 3), (w // 2, h - 3), (w // 2, 2))
    return [p for p in points if rgb.getpixel(p) == (0, 0, 0)]


def test_full_screen_without_a_window_manager(x_display: str, data_dir: Path,
                                              tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = x_display
    kiosk = Kiosk(["--data-dir", str(data_dir)], env)  # kiosk mode, first start: the PIN pad
    try:
        kiosk.ready_line()
        assert kiosk_windows(x_display) == [(*SCREEN, 0, 0)]
        if shutil.which("import"):  # ImageMagick: what the screen really shows
            # The bare X root is black; the kiosk's backdrop is not, even in the far corners.
            # The first paint may follow the ready line by a moment: look a few times.
            for _ in range(40):
                black = black_corners(x_display, tmp_path / "screen.png")
                if not black:
                    break
            assert black == []
    finally:
        code = kiosk.stop()
    assert code == 143
