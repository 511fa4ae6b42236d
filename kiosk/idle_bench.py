"""``kiosk bench-idle``: what the kiosk costs while nobody is there.

The attract screen runs all day on a fanless mini-PC; every per cent of a core is heat.
This shows the real window (attract, or the home screen after one touch), lets it settle
for a second, then reads the process's CPU time over the measuring period. No camera is
opened, no demo is loaded and no event is logged.
"""

from __future__ import annotations

import time
from typing import Any

TARGETS = {"attract": 5.0, "home": 3.0}  # % of one core
SETTLE_S = 1.0


def measure_idle(screen: str, seconds: float, lang: str = "de",
                 size: str = "1920x1080") -> dict[str, Any]:
    """CPU share of one core and frames painted while ``screen`` sits idle."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from kiosk.app import RunnerCache, demo_dirs
    from kiosk.core.i18n import parse_lang
    from kiosk.core.paths import data_dir
    from kiosk.core.session import Screen
    from kiosk.runtime.demos import discover
    from kiosk.screenshot import _parse_size
    from kiosk.ui.controller import KioskController
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.theme import apply_theme

    if screen not in TARGETS:
        raise ValueError(f"--screen {screen!r}: use {' or '.join(TARGETS)}")
    width, height = _parse_size(size)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    window = KioskWindow(parse_lang(lang))

    def no_source() -> Any:
        raise RuntimeError("bench-idle opens no demo")

    controller = KioskController(
        window, discover(demo_dirs(data_dir(None))), RunnerCache(), no_source,
        lang=parse_lang(lang), idle_timeout=3600 + seconds, idle_warning=10)
    window.resize(width, height)
    window.show()
    controller.start()
    if screen == "home":
        controller.activity()
    assert window.current_screen() is (Screen.HOME if screen == "home" else Screen.ATTRACT)

    def run_for(s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    run_for(SETTLE_S)
    frames0 = window.attract.frames_painted
    cpu0, wall0 = time.process_time(), time.perf_counter()
    run_for(seconds)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    frames = window.attract.frames_painted - frames0
    controller.shutdown()
    window.close()
    percent = 100.0 * cpu / wall
    return {
        "screen": screen, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 3),
        "cpu_percent_of_one_core": round(percent, 2), "frames": frames,
        "fps": round(frames / wall, 2), "size": f"{width}x{height}",
        "platform": QGuiApplication.platformName(),
        "target_percent": TARGETS[screen], "meets_targets": percent <= TARGETS[screen],
    }
