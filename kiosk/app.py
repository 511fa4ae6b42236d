"""Composition root: the one module that wires core, runtime and ui into the kiosk."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from threading import Lock

from kiosk.core.i18n import Lang
from kiosk.core.paths import data_dir, demos_dir
from kiosk.core.settings import Settings, load_settings
from kiosk.runtime.demos import DemoEntry, discover, load_runner
from kiosk.runtime.event_store import EventStore
from kiosk.runtime.pipeline import TaskRunner
from kiosk.runtime.sources import CameraSource, SourceError, open_sample_source, open_source

log = logging.getLogger(__name__)


def setup_logging(folder: Path | None, verbose: bool = False) -> None:
    """Log to stderr and, when the data dir is writable, to ``logs/kiosk.log`` (rotated)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(fmt)
    err.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(err)
    if folder is None:
        return
    try:
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(
            folder / "logs" / "kiosk.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    except OSError as exc:
        log.warning("data dir %s is not writable (%s); logging to the console only", folder, exc)
        return
    fh.setFormatter(fmt)
    root.addHandler(fh)


def demo_dirs(state: Path) -> list[Path]:
    """Where demos come from: the built-in ones first, then packs staff imported."""
    return [demos_dir(), state / "packs"]


class RunnerCache:
    """Loads each demo's models once and keeps them for the app's lifetime."""

    def __init__(self) -> None:
        self._runners: dict[str, TaskRunner] = {}
        self._lock = Lock()

    def forget(self, demo_id: str) -> None:
        """Drop a demo's loaded models (its pack was updated or removed)."""
        with self._lock:
            self._runners.pop(demo_id, None)

    def __call__(self, entry: DemoEntry) -> TaskRunner:
        with self._lock:
            runner = self._runners.get(entry.id)
            if runner is None:
                runner = load_runner(entry)
                self._runners[entry.id] = runner
            return runner


class InboxPoller:
    """Imports packs dropped into ``<data dir>/inbox`` while the kiosk runs (off the GUI thread)."""

    def __init__(self, state: Path, runners: RunnerCache, refresh: Callable[[], None]) -> None:
        from kiosk.runtime.packs import InboxWatcher

        self._watcher = InboxWatcher(state)
        self._runners = runners
        self._refresh = refresh
        self._busy = False

    async def poll(self) -> None:
        """One look into the inbox; the home screen follows when something was installed."""
        if self._busy:
            return
        self._busy = True
        try:
            results = await asyncio.get_running_loop().run_in_executor(None, self._watcher.poll)
        except Exception:  # the inbox must never take the kiosk down
            log.exception("checking the pack inbox failed")
            return
        finally:
            self._busy = False
        done = [r for r in results if r.ok]
        for r in done:
            if r.report.pack_id:
                self._runners.forget(r.report.pack_id)
        if done:
            self._refresh()


def source_chooser(camera: str | None, mirror: bool) -> Callable[[], object]:
    """Opens the configured source; falls back to the sample photos when it fails.

    ``camera`` None means the sample photos on purpose (screenshots).
    """
    from kiosk.ui.controller import SourceChoice

    def choose() -> SourceChoice:
        if camera is None:
            return SourceChoice(open_sample_source(), None, no_camera=True, mirror=False)
        try:
            source = open_source(camera)
        except SourceError as exc:
            log.warning("%s Showing the sample photos instead.", exc)
            sample = open_sample_source()
            return SourceChoice(sample, None, no_camera=True, mirror=False)
        live = isinstance(source, CameraSource)
        return SourceChoice(source, lambda: open_source(camera), no_camera=False,
                            mirror=mirror and live)

    return choose


def run_kiosk(
    *, windowed: bool, camera: str | None, lang: Lang | None, state_dir: str | None,
    exit_when_ready: bool = False, started: float | None = None,
) -> int:
    """Start the visitor-facing kiosk and block until it quits."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.controller import KioskController
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.theme import apply_theme

    started = started if started is not None else time.perf_counter()
    state = data_dir(state_dir)
    setup_logging(state)
    settings, problems = load_settings(state)
    for problem in problems:
        log.warning("settings: %s", problem)
    settings = _override(settings, camera, lang)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Showroom Kiosk")
    apply_theme(app)
    entries = discover(demo_dirs(state))
    store = open_event_store(state, settings)
    window = KioskWindow(settings.lang)
    runners = RunnerCache()
    controller = KioskController(
        window, entries, runners, source_chooser(settings.camera, settings.mirror),  # type: ignore[arg-type]
        idle_timeout=settings.idle_timeout, idle_warning=settings.idle_warning,
        lang=settings.lang, event_sink=store.session_sink(),
    )
    if windowed:
        window.resize(1600, 900)
        window.show()
    else:
        window.showFullScreen()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    controller.start()
    inbox = InboxPoller(state, runners, lambda: controller.set_entries(discover(demo_dirs(state))))
    inbox_timer = QTimer(app)
    inbox_timer.setInterval(3000)
    inbox_timer.timeout.connect(lambda: asyncio.ensure_future(inbox.poll()))
    inbox_timer.start()
    if exit_when_ready:
        def ready() -> None:
            ms = (time.perf_counter() - started) * 1000
            print(f"KIOSK_READY {ms:.0f}", flush=True)  # noqa: T201 - read by the benchmark
            app.quit()
        QTimer.singleShot(0, ready)
    def stop() -> None:
        controller.shutdown()
        store.record("app_stop", payload={"reason": "quit"})
        store.close()

    app.aboutToQuit.connect(stop)
    with loop:
        loop.run_forever()
    return 0


def open_event_store(state: Path, settings: Settings) -> EventStore:
    """The visitor interaction log, started, with this run's ``app_start`` recorded.

    It never blocks or fails the start: a broken database buffers events in memory and
    reports the problem to staff (see ``kiosk.runtime.event_store``).
    """
    from kiosk import __version__
    from kiosk.runtime.event_store import open_store

    retention = float(getattr(settings, "log_retention_days", 365))
    store = open_store(state, kiosk_id=settings.kiosk_id, retention_days=retention)
    store.record("app_start", payload={"version": __version__})
    return store


def _override(settings: Settings, camera: str | None, lang: Lang | None) -> Settings:
    if camera is not None:
        settings = replace(settings, camera=camera)
    if lang is not None:
        settings = replace(settings, lang=lang)
    return settings
