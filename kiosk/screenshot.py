"""``kiosk screenshot``: render one screen offscreen into a PNG, as a visitor would see it."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from kiosk.core.i18n import Lang
from kiosk.core.paths import data_dir


def _parse_size(size: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size {size!r} must look like 1920x1080") from None
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise ValueError(f"--size {size!r} is out of range")
    return w, h


def take_screenshot(
    screen: str, lang: Lang, out: Path, size: str = "1920x1080", source: str | None = None,
    state_dir: str | None = None, results: int = 12, timeout: float = 30.0,
    explain: bool = False, view: bool = False,
) -> None:
    """Render ``screen`` (attract, home or demo:ID) in ``lang`` and save it to ``out``."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from kiosk.app import RunnerCache, demo_dirs, source_chooser
    from kiosk.runtime.demos import discover
    from kiosk.ui.controller import KioskController
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.theme import apply_theme

    width, height = _parse_size(size)
    from kiosk.ui.staff.staff_panel import SECTIONS

    staff_section = screen.split(":", 1)[1] if screen.startswith("staff:") else None
    if staff_section is not None and staff_section not in SECTIONS:
        raise ValueError(f"--screen {screen!r}: staff sections are {', '.join(SECTIONS)}")
    if screen not in ("attract", "home") and not screen.startswith("demo:") and \
            staff_section is None:
        raise ValueError(f"--screen {screen!r}: use attract, home, demo:ID or staff:SECTION")
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    apply_theme(app)
    state = data_dir(state_dir)
    entries = discover(demo_dirs(state))
    demo_id = screen.split(":", 1)[1] if screen.startswith("demo:") else None
    if demo_id is not None and all(e.id != demo_id for e in entries):
        known = ", ".join(e.id for e in entries) or "(none)"
        raise ValueError(f"Unknown demo {demo_id!r}: known demos are {known}.")
    window = KioskWindow(lang)
    chooser = source_chooser(source, mirror=False)
    controller = KioskController(window, entries, RunnerCache(), chooser,  # type: ignore[arg-type]
                                 lang=lang)
    window.resize(width, height)
    window.show()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = None
    scratch = tempfile.TemporaryDirectory(prefix="kiosk-screenshot-")
    if staff_section is not None:
        from kiosk.app import KioskApp, RunSettings
        from kiosk.core.settings import load_settings
        from kiosk.runtime.crashlog import RecentErrors
        from kiosk.runtime.event_store import open_store
        from kiosk.ui.staff.integration import install_staff_mode

        settings, problems = load_settings(state)
        # A throwaway log: a screenshot is no visitor and must never write to the real one
        # (the statistics page still reads the real log, read-only).
        store = open_store(Path(scratch.name), kiosk_id=settings.kiosk_id, retention_days=None)
        services = KioskApp(
            state=state, settings=RunSettings(settings), qt_app=app, loop=loop,
            controller=controller, runners=RunnerCache(), store=store,
            recent_errors=RecentErrors(), problems=problems).staff_services()
        mode = install_staff_mode(window, services, kiosk_mode=False, data_dir=state,
                                  first_start_prompt=False)

    async def shoot() -> None:
        await asyncio.sleep(0.3)  # a few animation frames on the attract screen
        if screen != "attract":
            controller.activity()
        if staff_section is not None:
            mode.open_panel()
            mode.panel.set_lang(lang)  # the screenshot's language, not the staff setting's
            mode.panel.show_section(staff_section)
            # the statistics load and the camera page searches and opens its preview
            await asyncio.sleep(1.5 if staff_section in ("stats", "camera") else 0.3)
        if demo_id is not None:
            controller.open_demo(demo_id)
            deadline = time.monotonic() + timeout
            entry = next(e for e in entries if e.id == demo_id)
            camera_demo = entry.manifest is None or entry.manifest.needs_camera
            first_result: float | None = None
            while time.monotonic() < deadline:
                if window.demo.status == "failed":
                    break
                if camera_demo and window.demo.results_shown >= 1 and first_result is None:
                    first_result = time.monotonic()
                # what a visitor sees in the demo's first seconds: a slow model (OCR on a
                # busy machine) must not let the slideshow move past the demo's own picture
                if camera_demo and (window.demo.results_shown >= results or (
                        first_result is not None and time.monotonic() - first_result > 1.5)):
                    break
                if not camera_demo and window.demo.status is None:
                    break  # a camera-less demo is ready once its model is loaded
                await asyncio.sleep(0.05)
            toggle = getattr(window.demo.panel, "explain", None)
            if explain and toggle is not None and toggle.isVisible():
                toggle.setChecked(True)
                wanted = window.demo.results_shown + 6
                while time.monotonic() < deadline and window.demo.results_shown < wanted:
                    await asyncio.sleep(0.05)
            if view:
                window.demo.show_model_view()
                deadline = time.monotonic() + timeout
                while not window.demo.model_view.isVisible() and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            window.demo.panel.settle()
        await asyncio.sleep(0.1)
        out.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(out)):
            raise RuntimeError(f"cannot write {out}")
        controller.shutdown()
        if store is not None:
            store.close()
        scratch.cleanup()

    with loop:
        loop.run_until_complete(shoot())
