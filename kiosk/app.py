"""Composition root: the one module that wires core, runtime and ui into the kiosk."""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any

from kiosk.core.i18n import Lang, Text
from kiosk.core.paths import data_dir, demos_dir
from kiosk.core.problems import Msg, msg
from kiosk.core.settings import Settings, apply_demo_order, load_settings, save_settings
from kiosk.runtime.demos import DemoEntry, discover, load_runner
from kiosk.runtime.disk import DiskWatch
from kiosk.runtime.event_store import EventStore
from kiosk.runtime.opener import FIRST_OPEN_LIMIT_S, Opener
from kiosk.runtime.pipeline import TaskRunner
from kiosk.runtime.shutdown import BoundedExecutor
from kiosk.runtime.sources import (
    CameraSource,
    FrameSource,
    SourceError,
    open_sample_source,
    open_source,
)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from kiosk.runtime.central.forwarder import Forwarder
    from kiosk.runtime.crashlog import RecentErrors
    from kiosk.ui.controller import KioskController
    from kiosk.ui.staff.services import (
        ActionResult,
        CameraChoice,
        DemoRow,
        HealthSnapshot,
        StaffServices,
    )

log = logging.getLogger(__name__)
# The start-up mark benchmarks and the bundle's smoke test read: "KIOSK_READY <ms>" on stdout.
ready_log = logging.getLogger("kiosk.ready")
READY_HANDLER = "kiosk-ready-stdout"
# Per worker on the way out: a model call in progress may end; the supervisor counts a
# child that stops beating for 5 s as hung, so the whole exit stays well under that.
JOIN_ON_EXIT_S = 1.0


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

    def loaded(self) -> dict[str, TaskRunner]:
        """The demos loaded so far."""
        with self._lock:
            return dict(self._runners)

    def warm(self, entry: DemoEntry) -> None:
        """Load and warm a demo in the background (a fresh copy replaces a cached one: the
        tuning changed). Warmed before it is shared, so no pipeline ever runs it meanwhile."""
        from kiosk.runtime.autotune import sample_images, warm_up

        runner = load_runner(entry)
        warm_up(runner, sample_images())
        with self._lock:
            self._runners[entry.id] = runner


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


def source_chooser(camera: str | None, mirror: bool, *,
                   open_fn: Callable[[str], FrameSource] = open_source,
                   open_limit_s: float = FIRST_OPEN_LIMIT_S) -> Callable[[], object]:
    """Opens the configured source; falls back to the sample photos when it fails.

    ``camera`` None means the sample photos on purpose (screenshots). A camera that has not
    opened within ``open_limit_s`` (a driver hanging in opening) gives a choice without a
    source: the demo starts on the sample photos and the opening goes on in the background,
    so the camera takes over if it answers after all.
    """
    from kiosk.ui.controller import SourceChoice

    def choose() -> SourceChoice:
        if camera is None or camera == "sample":
            return SourceChoice(open_sample_source(), None, no_camera=True, mirror=False)
        opener = Opener(lambda: open_fn(camera))
        opener.start()
        outcome = opener.wait(open_limit_s)
        if isinstance(outcome, SourceError):
            opener.close()
            log.warning("%s Showing the sample photos instead.", outcome)
            sample = open_sample_source()
            return SourceChoice(sample, None, no_camera=True, mirror=False)
        if outcome is None:
            log.warning("Camera %s did not open within %.0f s; showing the sample photos "
                        "until it does.", camera, open_limit_s)
            return SourceChoice(None, opener, no_camera=False,
                                mirror=mirror and camera.strip().isdigit(),
                                fallback=open_sample_source)
        live = isinstance(outcome, CameraSource)
        return SourceChoice(outcome, opener, no_camera=False, mirror=mirror and live,
                            fallback=open_sample_source)

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
        if choice.no_camera or choice.source is None:
            choice.discard()  # demo mode (or a camera still opening): nobody to see
            return None
        return open_watcher(choice.source, models_dir() / "mp_pose_detection.onnx",
                            on_change, on_preview)

    return make


class RunSettings:
    """The settings staff edit and save, plus this run's command-line overrides.

    Staff change the saved values; ``--camera`` and ``--lang`` apply to this run only, so
    what the kiosk uses (:attr:`effective`) is the saved settings with the overrides on top.
    """

    def __init__(self, saved: Settings, *, camera: str | None = None,
                 lang: Lang | None = None) -> None:
        self.saved = saved
        self.camera = camera
        self.lang = lang

    @property
    def effective(self) -> Settings:
        """What this run uses."""
        return _override(self.saved, self.camera, self.lang)

    def choose_source(self) -> object:
        """Open the picture source the settings ask for (the controller's source chooser)."""
        now = self.effective
        return source_chooser(now.camera, now.mirror)()


class KioskApp:
    """The running kiosk: its parts, the settings it runs with, and how it ends.

    :func:`run_kiosk` builds one; the staff panel acts on it through :meth:`staff_services`,
    and ``kiosk screenshot`` builds one around its own window to show the staff pages.
    """

    def __init__(
        self, *, state: Path, settings: RunSettings, qt_app: QApplication,
        loop: asyncio.AbstractEventLoop, controller: KioskController, runners: RunnerCache,
        store: EventStore, recent_errors: RecentErrors, problems: Sequence[Msg],
    ) -> None:
        self.state = state
        self.settings = settings
        self.qt_app = qt_app
        self.loop = loop
        self.controller = controller
        self.runners = runners
        self.store = store
        self.recent_errors = recent_errors
        self.problems = problems
        self.exit_code = 0
        self.started = time.monotonic()
        self.disk = DiskWatch(state)  # read-only or full: one message for staff, no inbox polls
        # Kept here: a Qt signal holds a bound method of a plain object only weakly, and the
        # heartbeat pipe closes when its writer is collected (the supervisor sees a hang).
        self._timers: list[Any] = []
        self._inbox: InboxPoller | None = None
        self._beats: Any = None
        self.forwarder = start_forwarder(state, settings.saved)  # None: no central database

    # -- demos and settings ----------------------------------------------------------------
    def ordered(self, entries: list[DemoEntry]) -> list[DemoEntry]:
        """``entries`` in the order staff chose."""
        return apply_demo_order(entries, self.settings.saved.demo_order, key=lambda e: e.id)

    def refresh_demos(self) -> None:
        """Look for demos again (a pack was installed) and show them on the home screen."""
        self.controller.set_entries(self.ordered(discover(demo_dirs(self.state))))

    def set_settings(self, new: Settings) -> None:
        """Save staff's new settings and apply them to the running kiosk.

        Raises SettingsError when they cannot be saved: the panel shows its message.
        """
        save_settings(self.state, new)
        old, self.settings.saved = self.settings.saved, new
        session = self.controller.session
        session.idle_timeout = new.idle_timeout
        session.warning = new.idle_warning
        self.controller.default_lang = new.lang
        self.controller.window.demo.set_performance_overlay(new.show_performance_overlay)
        if old.demo_order != new.demo_order:
            self.controller.set_entries(self.ordered(self.controller.entries))

    # -- background work -------------------------------------------------------------------
    def start_background(self) -> None:
        """The pack-inbox poll and the supervisor's heartbeat, on timers of the GUI thread."""
        from PySide6.QtCore import QTimer

        from kiosk.runtime.autotune import start_background
        from kiosk.runtime.heartbeat import BEAT_INTERVAL_MS, open_heartbeat

        # after the attract screen's first paint: warm every demo, tune on a new machine
        QTimer.singleShot(500, lambda: start_background(
            self.state, self.controller.entries, self.runners.warm))
        inbox = self._inbox = InboxPoller(self.state, self.runners, self.refresh_demos,
                                          self.disk)
        inbox_timer = QTimer(self.qt_app)
        inbox_timer.setInterval(3000)
        inbox_timer.timeout.connect(lambda: asyncio.ensure_future(inbox.poll()))
        inbox_timer.start()
        self._timers = [inbox_timer]
        beats = self._beats = open_heartbeat()  # a pipe from the supervisor; None unsupervised
        if beats is not None:
            beats.beat()
            # on the GUI thread on purpose: a hung GUI stops the beats
            beat_timer = QTimer(self.qt_app)
            beat_timer.setInterval(BEAT_INTERVAL_MS)
            beat_timer.timeout.connect(beats.beat)
            beat_timer.start()
            self._timers.append(beat_timer)

    # -- how it ends -----------------------------------------------------------------------
    def quit_with(self, code: int) -> None:
        """Leave the event loop with exit code ``code`` (staff exit, restart, a signal)."""
        self.exit_code = code
        self.qt_app.exit(code)  # not quit(): a locked-down window refuses to close

    def on_stop_signal(self, signum: int) -> None:
        """SIGINT or SIGTERM (systemd, the supervisor, Ctrl+C), called from the loop.

        Leave through the normal path so the interaction log is flushed.
        """
        from kiosk.runtime.signals import exit_code

        self.quit_with(exit_code(signum))

    def stop(self) -> None:
        """Free the camera and close the interaction log (the app is about to quit)."""
        from kiosk.runtime import shutdown
        from kiosk.runtime.autotune import stop_background
        from kiosk.runtime.signals import is_signal_exit
        from kiosk.runtime.supervisor import RESTART_EXIT_CODE

        # Cancellable work (occlusion map, warm-up, tuning) stops between two model calls;
        # each join below is bounded, and a thread still busy after it is left to leave().
        shutdown.begin()
        stop_background(JOIN_ON_EXIT_S)
        self.controller.shutdown(JOIN_ON_EXIT_S)
        reason = "signal" if is_signal_exit(self.exit_code) else {
            RESTART_EXIT_CODE: "restart"}.get(self.exit_code, "quit")
        self.store.record("app_stop", payload={"reason": reason})
        self.store.close()
        if self.forwarder is not None:
            self.forwarder.stop(timeout=2.0)  # what is not sent yet waits in the outbox

    def run(self) -> int:
        """Run the event loop until the app quits; returns the exit code.

        A staff restart without a supervisor replaces this process with a fresh kiosk.
        """
        from kiosk.runtime.supervisor import RESTART_EXIT_CODE, is_supervised, kiosk_command

        self.qt_app.aboutToQuit.connect(self.stop)
        with self.loop:  # type: ignore[attr-defined]  # qasync's loop is a context manager
            self.loop.run_forever()
        if self.exit_code == RESTART_EXIT_CODE and not is_supervised():
            cmd = kiosk_command(sys.argv[1:])
            os.execv(cmd[0], cmd)
        return self.exit_code

    def staff_services(self) -> StaffServices:
        """What the staff panel may do, built from this app's own objects."""
        return StaffBackend(self).services()


class StaffBackend:
    """The staff panel's actions on a running :class:`KioskApp`."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._version_text = ""

    def services(self) -> StaffServices:
        """The panel's view of these actions."""
        from kiosk.runtime.supervisor import RESTART_EXIT_CODE
        from kiosk.ui.staff.services import StaffServices

        app = self.app
        return StaffServices(
            list_demos=self.list_demos, set_demo_enabled=self.set_demo_enabled,
            set_demo_order=self.set_demo_order, self_test=self.demo_self_test,
            import_pack=self.import_pack, camera_choices=self.camera_choices,
            get_settings=lambda: app.settings.saved, set_settings=app.set_settings,
            health=self.health, restart=lambda: app.quit_with(RESTART_EXIT_CODE),
            exit_kiosk=lambda: app.quit_with(0),
            log_event=lambda kind, payload: log.info("staff: %s %s", kind, payload),
            stats_widget=self.stats_widget, open_preview=self.open_preview,
            on_staff_mode=self.on_staff_mode,
        )

    def list_demos(self) -> list[DemoRow]:
        """Every demo with its switch, in home-screen order."""
        from kiosk.runtime.demos import DemoState
        from kiosk.ui.staff.services import DemoRow

        controller = self.app.controller
        off = set(self.app.settings.saved.disabled_demos)
        return [DemoRow(
            e.id, e.manifest.title if e.manifest else Text(e.id, e.id),
            enabled=e.id not in off, ready=e.state is DemoState.READY,
            reasons=[p.both() for p in e.problems],
            auto_disabled=e.id in controller.disabled and e.id not in off,
        ) for e in controller.entries]

    def set_demo_enabled(self, demo_id: str, enabled: bool) -> None:
        """Staff's switch for one demo (saved)."""
        saved = self.app.settings.saved
        off = [d for d in saved.disabled_demos if d != demo_id]
        if not enabled:
            off.append(demo_id)
        self.app.set_settings(replace(saved, disabled_demos=tuple(off)))
        self.app.controller.set_enabled(demo_id, enabled)

    def set_demo_order(self, ids: list[str]) -> None:
        """The home screen's order (saved)."""
        self.app.set_settings(replace(self.app.settings.saved, demo_order=tuple(ids)))

    def demo_self_test(self, demo_id: str) -> ActionResult:
        """Run one demo on its sample media (blocking)."""
        from kiosk.runtime.headless import self_test
        from kiosk.ui.staff.services import ActionResult

        entry = next((e for e in self.app.controller.entries if e.id == demo_id), None)
        if entry is None:
            return ActionResult(False, msg("selftest.no_demo", id=demo_id).both())
        check = next(c for c in self_test([entry], platform=False)
                     if c.name == f"demo.{demo_id}")
        return ActionResult(check.ok, check.text or check.detail)

    def import_pack(self, path: Path) -> ActionResult:
        """Install a pack from ``path`` (blocking); the home screen follows on success."""
        from kiosk.runtime.pack_signing import settings_policy, signer_line
        from kiosk.runtime.packs import PackError, PackInstaller
        from kiosk.ui.staff.services import ActionResult

        state = self.app.state
        try:
            result = PackInstaller(state, verify=settings_policy(state)).install(path)
        except PackError as exc:
            return ActionResult(False, exc.msg.both())
        lines = [result.summary_msg().both(), *(p.both() for p in result.report.problems)]
        if result.ok and result.report.pack_id:
            self.app.runners.forget(result.report.pack_id)
            self.app.loop.call_soon_threadsafe(self.app.refresh_demos)
            if result.installed is not None:  # staff see who made what they installed
                lines.insert(1, signer_line(result.installed,
                                            self.app.settings.saved.trusted_pack_keys).both())
        bullets = [lines[0], *(Text(f"• {t.de}", f"• {t.en}") for t in lines[1:])]
        return ActionResult(result.ok, Text("\n".join(t.de for t in bullets),
                                            "\n".join(t.en for t in bullets)))

    def camera_choices(self) -> list[CameraChoice]:
        """The picture sources staff can choose from: only what is there (blocking)."""
        from kiosk.runtime.cameras import FoundCamera, device_exists, device_name, probe_cameras
        from kiosk.ui.staff.services import CameraChoice

        found = probe_cameras()
        saved = self.app.settings.saved.camera.strip()
        if saved.isdigit() and all(c.index != int(saved) for c in found) \
                and device_exists(int(saved)):
            # plugged in but busy (a demo still letting go of it): not "not found"
            found.append(FoundCamera(int(saved), device_name(int(saved))))
        choices = []
        for cam in found:
            de, en = f"Kamera {cam.index}", f"Camera {cam.index}"
            if cam.name:
                de, en = f"{de} · {cam.name}", f"{en} · {cam.name}"
            choices.append(CameraChoice(str(cam.index), Text(de, en)))
        choices.append(CameraChoice("sample", Text("Beispielbilder", "Sample photos")))
        media = self.app.state / "media"
        if media.is_dir():
            choices += [CameraChoice(str(p), Text(p.name, p.name))
                        for p in sorted(media.iterdir()) if not p.name.startswith(".")]
        return choices

    def open_preview(self, value: str) -> Any:
        """Open a source for the camera page's preview (blocking)."""
        return open_sample_source() if value == "sample" else open_source(value)

    def health(self) -> HealthSnapshot:
        """How the app is doing right now."""
        from kiosk.runtime import crashlog, tuning
        from kiosk.ui.staff.services import HealthSnapshot
        from kiosk.ui.staff.texts import store_notes

        app = self.app
        disk_problem = app.disk.check()
        store_problems = app.store.problems()
        store = app.store.health()
        code = store.problem_code
        if disk_problem is not None and store.problem is not None:
            store_problems = store_problems[1:]  # the same trouble: the disk message says it
            code = None
        store_note = store_notes(code, store.buffered, store.dropped, store.invalid,
                                 app.store.max_buffer, store_problems)
        free: int | None = None
        total: int | None = None
        try:
            usage = shutil.disk_usage(app.state)
            free, total = usage.free, usage.total
        except OSError:
            pass
        return HealthSnapshot(
            uptime_s=time.monotonic() - app.started, fps=app.controller.fps_by_demo(),
            errors=app.recent_errors.messages(), disk_free_bytes=free, disk_total_bytes=total,
            last_crash=crashlog.last_crash(app.state),
            problems=[*(p.both() for p in app.problems), *([store_note] if store_note else []),
                      *tuning.staff_notes()],
            disk_problem=disk_problem, **_runtime_health(app.runners),
            data_dir=str(app.state), version=self._version(),
            camera=app.settings.effective.camera, camera_state=app.controller.camera_state,
            sync=app.forwarder.state() if app.forwarder is not None else None)

    def _version(self) -> str:
        if not self._version_text:  # asks git once (about 50 ms), when staff first open the page
            from kiosk.version import version_string

            self._version_text = version_string()
        return self._version_text

    def on_staff_mode(self, active: bool) -> None:
        """Staff mode ends the visit and frees the camera, also from the wake-up watcher
        (the camera page probes and previews it); closing staff mode gives it back."""
        controller = self.app.controller
        controller.pause_presence(active)
        if active:
            controller.finish()

    def stats_widget(self, lang: Lang, parent: Any) -> Any:
        """The visitor statistics page, made when staff first open it."""
        from kiosk.runtime.event_stats import csv_exporter, stats_loader
        from kiosk.runtime.event_store import db_path
        from kiosk.ui.dashboard import StatsDashboard
        from kiosk.ui.staff.folders import choose_folder
        from kiosk.ui.staff.texts import tr

        app = self.app
        db = db_path(app.state)

        def folder() -> Path | None:
            # asked after the dashboard exists: its own language switch may have changed
            return choose_folder(parent, dash.lang, tr("folders.csv", dash.lang))

        dash = StatsDashboard(
            lang, load_stats=stats_loader(db),
            export_csv=csv_exporter(db, app.settings.saved.kiosk_id,
                                    before=lambda: app.store.flush(2.0)),
            choose_folder=folder, show_lang_switch=False, parent=parent,
            demo_titles={e.id: e.manifest.title for e in app.controller.entries if e.manifest},
            report_data=self.report_for)
        dash.start_refresh()
        return dash

    def report_for(self, days: int | None) -> Any:
        """The funders' report of the last ``days`` days (blocking): the whole fleet when a
        central database is configured and answers, else this kiosk."""
        from datetime import date, timedelta

        from kiosk.runtime.central.connection import CentralError
        from kiosk.runtime.report_source import central_source, demo_titles, local_source
        from kiosk.ui.report import report_data

        app = self.app
        settings = app.settings.saved
        end = date.today()
        start = end - timedelta(days=days - 1) if days else None
        app.store.flush(2.0)
        source = None
        if settings.central_url:
            try:
                source = central_source(settings.central_url, start, end)
            except CentralError as exc:
                log.warning("report: %s; reporting this kiosk only", exc)
        if source is None:
            source = local_source(app.state, settings.kiosk_id, settings.location, start, end)
        return report_data(source, start, end, demo_titles(app.state))


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


def run_kiosk(
    *, windowed: bool, camera: str | None, lang: Lang | None, state_dir: str | None,
    exit_when_ready: bool = False, started: float | None = None, verbose: bool = False,
) -> int:
    """Start the visitor-facing kiosk and block until it quits; returns the exit code."""
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.runtime import crashlog
    from kiosk.runtime.signals import install_stop_signals
    from kiosk.ui.controller import KioskController
    from kiosk.ui.main_window import KioskWindow
    from kiosk.ui.staff.integration import install_staff_mode
    from kiosk.ui.theme import apply_theme

    started = started if started is not None else time.perf_counter()
    from kiosk.runtime.procstats import limit_heap_arenas

    limit_heap_arenas()  # before any worker thread: runs for days, must not creep
    state = data_dir(state_dir)
    setup_logging(state, verbose)
    crashlog.install(state)
    recent_errors = crashlog.RecentErrors()
    logging.getLogger().addHandler(recent_errors)
    saved, problems = load_settings(state)  # a damaged file is moved aside: defaults + problem
    for problem in problems:
        log.warning("settings: %s", problem)
    run_settings = RunSettings(saved, camera=camera, lang=lang)
    settings = run_settings.effective
    if QApplication.instance() is None:
        check_display()
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("Showroom Kiosk")
    apply_theme(qt_app)
    if (state / "packs" / ".journal").is_dir():  # a pack change was cut short: undo it first
        from kiosk.runtime.packs import PackInstaller

        PackInstaller(state).recover()
    entries = apply_demo_order(discover(demo_dirs(state)), settings.demo_order,
                               key=lambda e: e.id)
    store = open_event_store(state, settings)
    if crashlog.unreported_crash(state):
        store.record("crash", payload={"code": "previous_run"})
    window = KioskWindow(settings.lang)
    runners = RunnerCache()
    controller = KioskController(
        window, entries, runners, run_settings.choose_source,  # type: ignore[arg-type]
        idle_timeout=settings.idle_timeout, idle_warning=settings.idle_warning,
        lang=settings.lang, event_sink=store.session_sink(),
        presence=presence_factory(lambda: run_settings.effective),
    )
    for demo_id in settings.disabled_demos:
        controller.set_enabled(demo_id, False)
    window.demo.set_performance_overlay(settings.show_performance_overlay)
    loop = qasync.QEventLoop(qt_app)
    # qasync's own pool waits without a bound for a job still inside a model on close
    loop.set_default_executor(BoundedExecutor(max_workers=10, join_timeout=JOIN_ON_EXIT_S,
                                              thread_name_prefix="kiosk-worker"))
    asyncio.set_event_loop(loop)
    kiosk = KioskApp(state=state, settings=run_settings, qt_app=qt_app, loop=loop,
                     controller=controller, runners=runners, store=store,
                     recent_errors=recent_errors, problems=problems)
    install_stop_signals(loop, kiosk.on_stop_signal)
    install_staff_mode(window, kiosk.staff_services(), kiosk_mode=not windowed,
                       data_dir=state, notices=[p.both() for p in problems],
                       lang=settings.lang)
    if windowed:
        window.resize(1600, 900)
        window.show()
    controller.start()
    kiosk.start_background()

    def ready() -> None:
        ms = (time.perf_counter() - started) * 1000
        if exit_when_ready:
            ready_log.info("KIOSK_READY %.0f", ms)
            kiosk.quit_with(0)
        else:
            ready_log.info("KIOSK_READY %.0f ms %s", ms, how_to_leave(windowed))

    QTimer.singleShot(0, ready)  # once the event loop runs: the window is up
    return kiosk.run()


def _runtime_health(runners: RunnerCache) -> dict[str, Any]:
    """What each loaded demo runs on, for the staff health page."""
    from kiosk.runtime import autotune, tuning

    runtime: dict[str, dict[str, Any]] = {}
    for demo_id, runner in runners.loaded().items():
        r = autotune.demo_runtime(runner)
        runtime[demo_id] = {**r, "provider": tuning.SHORT_NAMES.get(r["provider"], r["provider"])}
    # only what tuning tries (onnxruntime also lists e.g. a cloud "Azure" provider)
    providers = [tuning.SHORT_NAMES[p] for p in tuning.available_providers()
                 if p in tuning.SHORT_NAMES]
    return {"runtime": runtime, "providers": providers}


def how_to_leave(windowed: bool) -> str:
    """The rest of the ready line: what runs, and how a newcomer gets out of it."""
    if windowed:
        return "- the kiosk runs in a window; close the window to stop it."
    return ("- the kiosk runs full screen and locked. To leave: hold the top-left corner "
            "for 3 s (or tap it 5 times), enter the staff PIN, tap \"Exit kiosk\". "
            "For a normal window start with --windowed.")


def check_display() -> None:
    """Raise DisplayUnavailable, with the fix, when Qt's window plugin cannot load here.

    Qt itself would abort the process with "could not load the Qt platform plugin".
    """
    from PySide6.QtCore import QLibraryInfo

    from kiosk.runtime.display_check import DisplayUnavailable, no_screen_problem, xcb_problem

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
    problem = xcb_problem(plugins, os.environ) or no_screen_problem(os.environ)
    if problem:
        log.info("no window possible: %s", problem)  # the command line prints it
        raise DisplayUnavailable(problem)




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
