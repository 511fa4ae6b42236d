"""Runs the real kiosk as ``python -m kiosk`` does and leaves while a model is busy.

    python tests/e2e/exit_driver.py staff|signal DATA_DIR PACK_ID MARKER

Once the kiosk runs, it opens demo ``PACK_ID`` (a classifier without a feature map), freezes
the picture for the occlusion heat map (tens of model runs) and, as soon as the map is being
computed, records an event and writes ``MARKER``. Then ``staff`` presses "Exit kiosk" (the
staff panel's own action); ``signal`` waits for the test to send SIGTERM. The process exit
status is what the kiosk returned — what the supervisor would see.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from kiosk.app import KioskApp
from kiosk.cli import main


def drive(kiosk: KioskApp, mode: str, pack_id: str, marker: Path) -> None:
    """Step through open → freeze → leave on a GUI-thread timer (no sleeps)."""
    state: dict[str, Any] = {"step": "open"}
    timer = QTimer(kiosk.qt_app)
    timer.setInterval(20)

    def tick() -> None:
        c = kiosk.controller
        demo = c.window.demo
        if state["step"] == "open" and c.entries:
            c.activity()
            c.open_demo(pack_id)
            state["step"] = "results"
        elif state["step"] == "results" and demo.results_shown >= 1:
            demo.panel.explain.click()  # type: ignore[attr-defined]
            state["step"] = "busy"
        elif state["step"] == "busy" and (demo.panel.progress or 0.0) > 0.0:  # type: ignore[attr-defined]
            kiosk.store.record("error", payload={"code": "exit_probe"})  # logged just before
            marker.write_text("busy", encoding="utf-8")
            state["step"] = "leaving"
            timer.stop()
            if mode == "staff":
                kiosk.staff_services().exit_kiosk()

    timer.timeout.connect(tick)
    timer.start()


if __name__ == "__main__":
    mode, data, pack_id, marker = sys.argv[1:5]
    run = KioskApp.run

    def run_and_drive(self: KioskApp) -> int:
        drive(self, mode, pack_id, Path(marker))
        return run(self)

    KioskApp.run = run_and_drive  # type: ignore[method-assign]
    sys.exit(main(["--windowed", "--camera", "sample", "--data-dir", data]))
