"""Composition root: the one module that wires core, runtime and ui into the kiosk."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from kiosk.core.i18n import Lang
from kiosk.core.paths import data_dir, demos_dir
from kiosk.core.settings import Settings, apply_demo_order, load_settings, save_settings
from kiosk.runtime.demos import DemoEntry, discover, load_runner
from kiosk.runtime.disk import DiskWatch
from kiosk.runtime.event_store import EventStore
from kiosk.runtime.pipeline import TaskRunner
from kiosk.runtime.sources import CameraSource, SourceError, open_sample_source, open_source

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from kiosk.runtime.central.forwarder import Forwarder
    from kiosk.runtime.crashlog import RecentErrors
    from kiosk.ui.controller import KioskController
    from kiosk.ui.staff.services import StaffServices

log = logging.getLogger(__name__)
# The start-up mark benchmarks and the bundle's smoke test read: "KIOSK_READY <ms>" on stdout.
ready_log = logging.getLogger("kiosk.ready")
READY_HANDLER = "kiosk-ready-stdout"


def setup_logging(folder: Path | None, verbose: bool = False) -> None:
    """Log to stderr and, when the data dir is writable, to ``logs/kiosk.log`` (rotated)."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    err = logging.StreamHandler(sys.stderr)
    err.setFormatter(fmt)
    err.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.addHandler(err)
    if not any(h.get_name() == READY_HANDLER for h in ready_log.handlers):
        out = logging.StreamHandler(sys.stdout)  # a bare line, as the readers parse it
        out.set_name(READY_HANDLER)
        out.setFormatter(logging.Formatter("%(message)s"))
        ready_log.addHandler(out)  # still propagates: kiosk.log records the start time too
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

    def __init__(self, state: Path, runners: RunnerCache, refresh: Callable[[], None],
                 disk: DiskWatch | None = None) -> None:
        self._state = state
        self._disk = disk or DiskWatch(state)
        self._watcher: Any = None  # made on the first poll: keeps the pack code off start-up
        self._runners = runners
        self._refresh = refresh
        self._busy = False

    async def poll(self) -> None:
        """One look into the inbox; the home screen follows when something was installed."""
        if self._busy or self._disk.check() is not None:
            return  # nothing can be installed on a read-only or full disk; staff are told
        self._busy = True
        try:
            if self._watcher is None:
                from kiosk.runtime.pack_signing import settings_policy
                from kiosk.runtime.packs import InboxWatcher, PackInstaller

                self._watcher = InboxWatcher(self._state, installer=PackInstaller(
                    self._state, verify=settings_policy(self._state)))
            results = await asyncio.get_running_loop().run_in_executor(None, self._watcher.poll)
        except OSError as exc:
            if self._disk.failed(exc) is None:
                log.exception("checking the pack inbox failed")
            return
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
        if camera is None or camera == "sample":
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


def presence_factory(settings: Callable[[], Settings]) -> Callable[..., Any]:
    """Opens the wake-on-approach watcher on the configured camera (never on sample photos)."""

    def make(on_change: Callable[[bool], None], on_preview: Callable[[Any], None]) -> Any:
        from kiosk.core.paths import models_dir
        from kiosk.runtime.presence import open_watcher

        current = settings()
        if not current.wake_on_approach:
            return None
        choice: Any = source_chooser(current.camera, current.mirror)()
        if choice.no_camera:
            choice.source.close()  # demo mode: there is nobody to see on the sample photos
            return None
        return open_watcher(choice.source, models_dir() / "mp_pose_detection.onnx",
                            on_change, on_preview)

    return make


def run_kiosk(
    *, windowed: bool, camera: str | None, lang: Lang | None, state_dir: str | None,
    exit_when_ready: bool = False, started: float | None = None,
) -> int:
    """Start the visitor-facing kiosk and block until it quits; returns the exit code."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.runtime import crashlog
    from kiosk.runtime.heartbeat import BEAT_INTERVAL_MS, open_heartbeat
    from kiosk.runtime.signals import exit_code as signal_exit_code
    from kiosk.runtime.signals import install_stop_signals, is_signal_exit
    from kiosk.runtime.supervisor import RESTART_EXIT_CODE, is_supervised, kiosk_command
    from kiosk.ui.controller import KioskController
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.staff.integration import install_staff_mode
    from kiosk.ui.theme import apply_theme

    started = started if started is not None else time.perf_counter()
    state = data_dir(state_dir)
    setup_logging(state)
    crashlog.install(state)
    recent_errors = crashlog.RecentErrors()
    logging.getLogger().addHandler(recent_errors)
    saved, problems = load_settings(state)  # a damaged file is moved aside: defaults + problem
    for problem in problems:
        log.warning("settings: %s", problem)
    # staff edit the saved values; command-line overrides apply to this run only
    current = [saved]

    def effective() -> Settings:
        return _override(current[0], camera, lang)

    settings = effective()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Showroom Kiosk")
    apply_theme(app)
    if (state / "packs" / ".journal").is_dir():  # a pack change was cut short: undo it first
        from kiosk.runtime.packs import PackInstaller

        PackInstaller(state).recover()
    entries = apply_demo_order(discover(demo_dirs(state)), settings.demo_order,
                               key=lambda e: e.id)
    store = open_event_store(state, settings)
    forwarder = start_forwarder(state, settings)
    if crashlog.unreported_crash(state):
        store.record("crash", payload={"code": "previous_run"})
    window = KioskWindow(settings.lang)
    runners = RunnerCache()
    controller = KioskController(
        window, entries, runners,
        lambda: source_chooser(effective().camera, effective().mirror)(),  # type: ignore[arg-type,return-value]
        idle_timeout=settings.idle_timeout, idle_warning=settings.idle_warning,
        lang=settings.lang, event_sink=store.session_sink(),
        presence=presence_factory(effective),
    )
    for demo_id in settings.disabled_demos:
        controller.set_enabled(demo_id, False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    exit_code = [0]

    def on_stop_signal(signum: int) -> None:  # from the loop, never inside a paint
        exit_code[0] = signal_exit_code(signum)
        app.exit(exit_code[0])

    install_stop_signals(loop, on_stop_signal)
    disk = DiskWatch(state)  # read-only or full: one message for staff, no inbox polling
    services = staff_services(state, current, controller, runners, store, recent_errors,
                              problems, app, exit_code, loop, disk, forwarder=forwarder)
    install_staff_mode(window, services, kiosk_mode=not windowed, data_dir=state,
                       notices=problems)
    if windowed:
        window.resize(1600, 900)
        window.show()
    controller.start()
    inbox = InboxPoller(state, runners, lambda: controller.set_entries(
        apply_demo_order(discover(demo_dirs(state)), current[0].demo_order, key=lambda e: e.id)),
        disk)
    inbox_timer = QTimer(app)
    inbox_timer.setInterval(3000)
    inbox_timer.timeout.connect(lambda: asyncio.ensure_future(inbox.poll()))
    inbox_timer.start()
    beats = open_heartbeat()  # a pipe from the supervisor; None when unsupervised
    if beats is not None:
        beats.beat()
        beat_timer = QTimer(app)  # on the GUI thread on purpose: a hung GUI stops the beats
        beat_timer.setInterval(BEAT_INTERVAL_MS)
        beat_timer.timeout.connect(beats.beat)
        beat_timer.start()
    if exit_when_ready:
        def ready() -> None:
            ms = (time.perf_counter() - started) * 1000
            ready_log.info("KIOSK_READY %.0f", ms)
            app.exit(0)  # not quit(): a locked-down window refuses to close
        QTimer.singleShot(0, ready)

    def stop() -> None:
        controller.shutdown()
        reason = "signal" if is_signal_exit(exit_code[0]) else {
            RESTART_EXIT_CODE: "restart"}.get(exit_code[0], "quit")
        store.record("app_stop", payload={"reason": reason})
        store.close()
        if forwarder is not None:
            forwarder.stop(timeout=2.0)  # what is not sent yet waits in the outbox

    app.aboutToQuit.connect(stop)
    with loop:
        loop.run_forever()
    if exit_code[0] == RESTART_EXIT_CODE and not is_supervised():
        cmd = kiosk_command(sys.argv[1:])
        os.execv(cmd[0], cmd)
    return exit_code[0]


def staff_services(
    state: Path, current: list[Settings], controller: KioskController, runners: RunnerCache,
    store: EventStore, recent_errors: RecentErrors, problems: list[str], app: QApplication,
    exit_code: list[int], loop: asyncio.AbstractEventLoop, disk: DiskWatch | None = None,
    forwarder: Forwarder | None = None,
) -> StaffServices:
    """What the staff panel may do, built from the app's own objects."""
    from kiosk.core.i18n import Text
    from kiosk.runtime import crashlog
    from kiosk.runtime.demos import DemoState
    from kiosk.runtime.event_stats import csv_exporter, stats_loader
    from kiosk.runtime.event_store import db_path
    from kiosk.runtime.headless import self_test
    from kiosk.runtime.pack_signing import settings_policy, signer_line
    from kiosk.runtime.packs import PackError, PackInstaller
    from kiosk.runtime.supervisor import RESTART_EXIT_CODE
    from kiosk.ui.staff.services import (
        ActionResult,
        CameraChoice,
        DemoRow,
        HealthSnapshot,
        StaffServices,
    )

    started = time.monotonic()
    watch = disk or DiskWatch(state)

    def ordered(entries: list[DemoEntry]) -> list[DemoEntry]:
        return apply_demo_order(entries, current[0].demo_order, key=lambda e: e.id)

    def refresh() -> None:
        controller.set_entries(ordered(discover(demo_dirs(state))))

    def set_settings(new: Settings) -> None:
        save_settings(state, new)  # raises SettingsError: the panel shows its message
        old, current[0] = current[0], new
        controller.session.idle_timeout = new.idle_timeout
        controller.session.warning = new.idle_warning
        controller.default_lang = new.lang
        if old.demo_order != new.demo_order:
            controller.set_entries(ordered(controller.entries))

    def list_demos() -> list[DemoRow]:
        off = set(current[0].disabled_demos)
        return [DemoRow(
            e.id, e.manifest.title if e.manifest else Text(e.id, e.id),
            enabled=e.id not in off, ready=e.state is DemoState.READY, reasons=e.problems,
            auto_disabled=e.id in controller.disabled and e.id not in off,
        ) for e in controller.entries]

    def set_demo_enabled(demo_id: str, enabled: bool) -> None:
        off = [d for d in current[0].disabled_demos if d != demo_id]
        if not enabled:
            off.append(demo_id)
        set_settings(replace(current[0], disabled_demos=tuple(off)))
        controller.set_enabled(demo_id, enabled)

    def set_demo_order(ids: list[str]) -> None:
        set_settings(replace(current[0], demo_order=tuple(ids)))

    def demo_self_test(demo_id: str) -> ActionResult:
        entry = next((e for e in controller.entries if e.id == demo_id), None)
        if entry is None:
            return ActionResult(False, f"no demo {demo_id}")
        check = next(c for c in self_test([entry], platform=False)
                     if c.name == f"demo.{demo_id}")
        return ActionResult(check.ok, check.detail)

    def import_pack(path: Path) -> ActionResult:
        try:
            result = PackInstaller(state, verify=settings_policy(state)).install(path)
        except PackError as exc:
            return ActionResult(False, str(exc))
        lines = [result.summary(), *(f"• {p}" for p in result.report.problems)]
        if result.ok and result.report.pack_id:
            runners.forget(result.report.pack_id)
            loop.call_soon_threadsafe(refresh)
            if result.installed is not None:  # staff see who made what they installed
                lines.insert(1, signer_line(result.installed, current[0].trusted_pack_keys))
        return ActionResult(result.ok, "\n".join(lines))

    def camera_choices() -> list[CameraChoice]:
        choices = [CameraChoice(str(i), Text(f"Kamera {i}", f"Camera {i}")) for i in range(4)]
        choices.append(CameraChoice("sample", Text("Beispielbilder", "Sample photos")))
        media = state / "media"
        if media.is_dir():
            choices += [CameraChoice(str(p), Text(p.name, p.name))
                        for p in sorted(media.iterdir())]
        return choices

    def open_preview(value: str) -> Any:
        return open_sample_source() if value == "sample" else open_source(value)

    def health() -> HealthSnapshot:
        disk_problem = watch.check()
        store_problems = store.problems()
        if disk_problem is not None and store.health().problem is not None:
            store_problems = store_problems[1:]  # the same trouble: the disk message says it
        free: int | None = None
        total: int | None = None
        try:
            usage = shutil.disk_usage(state)
            free, total = usage.free, usage.total
        except OSError:
            pass
        return HealthSnapshot(
            uptime_s=time.monotonic() - started, fps=controller.fps_by_demo(),
            errors=recent_errors.messages(), disk_free_bytes=free, disk_total_bytes=total,
            last_crash=crashlog.last_crash(state), problems=[*problems, *store_problems],
            disk_problem=disk_problem, data_dir=str(state),
            sync=forwarder.state() if forwarder is not None else None)

    def quit_with(code: int) -> None:
        exit_code[0] = code
        app.exit(code)

    def on_staff_mode(active: bool) -> None:
        if active:
            controller.finish()  # ends the visit and frees the camera

    def report_for(days: int | None) -> Any:
        """The funders' report of the last ``days`` days (blocking): the whole fleet when a
        central database is configured and answers, else this kiosk."""
        from datetime import date, timedelta

        from kiosk.runtime.central.connection import CentralError
        from kiosk.runtime.report_source import central_source, demo_titles, local_source
        from kiosk.ui.report import report_data

        settings = current[0]
        end = date.today()
        start = end - timedelta(days=days - 1) if days else None
        store.flush(2.0)
        source = None
        if settings.central_url:
            try:
                source = central_source(settings.central_url, start, end)
            except CentralError as exc:
                log.warning("report: %s; reporting this kiosk only", exc)
        if source is None:
            source = local_source(state, settings.kiosk_id, settings.location, start, end)
        return report_data(source, start, end, demo_titles(state))

    def stats_widget(lang: Lang, parent: Any) -> Any:
        from kiosk.ui.dashboard import StatsDashboard
        from kiosk.ui.staff.folders import choose_folder
        from kiosk.ui.staff.texts import tr

        db = db_path(state)
        holder: list[Any] = []

        def folder() -> Path | None:
            dash_lang = holder[0].lang if holder else lang
            return choose_folder(parent, dash_lang, tr("folders.csv", dash_lang))

        dash = StatsDashboard(
            lang, load_stats=stats_loader(db),
            export_csv=csv_exporter(db, current[0].kiosk_id, before=lambda: store.flush(2.0)),
            choose_folder=folder, show_lang_switch=False, parent=parent,
            demo_titles={e.id: e.manifest.title for e in controller.entries if e.manifest},
            report_data=report_for)
        holder.append(dash)
        dash.start_refresh()
        return dash

    return StaffServices(
        list_demos=list_demos, set_demo_enabled=set_demo_enabled, set_demo_order=set_demo_order,
        self_test=demo_self_test, import_pack=import_pack, camera_choices=camera_choices,
        get_settings=lambda: current[0], set_settings=set_settings, health=health,
        restart=lambda: quit_with(RESTART_EXIT_CODE), exit_kiosk=lambda: quit_with(0),
        log_event=lambda kind, payload: log.info("staff: %s %s", kind, payload),
        stats_widget=stats_widget, open_preview=open_preview, on_staff_mode=on_staff_mode,
    )


def start_forwarder(state: Path, settings: Settings) -> Forwarder | None:
    """Forward the interaction log to the central database, when one is configured.

    Runs on its own thread; a wrong address, a server that is down or a newer schema only
    shows on the Health page: the kiosk keeps serving and keeps every event locally.
    """
    if not settings.central_url:
        return None
    from kiosk.runtime.central import status
    from kiosk.runtime.central.forwarder import Forwarder
    from kiosk.runtime.event_store import db_path

    def report() -> dict[str, Any]:
        return status.collect(state, location=settings.location, demos=lambda: (
            status.discovered_demos(state, settings.disabled_demos)))

    return Forwarder(db_path(state), settings.central_url, kiosk_id=settings.kiosk_id,
                     status=report).start()


def open_event_store(state: Path, settings: Settings) -> EventStore:
    """The visitor interaction log, started, with this run's ``app_start`` recorded.

    It never blocks or fails the start: a broken database buffers events in memory and
    reports the problem to staff (see ``kiosk.runtime.event_store``).
    """
    from kiosk import __version__
    from kiosk.runtime.event_store import open_store

    store = open_store(state, kiosk_id=settings.kiosk_id,
                       retention_days=settings.log_retention_days)
    store.record("app_start", payload={"version": __version__})
    return store


def _override(settings: Settings, camera: str | None, lang: Lang | None) -> Settings:
    if camera is not None:
        settings = replace(settings, camera=camera)
    if lang is not None:
        settings = replace(settings, lang=lang)
    return settings
