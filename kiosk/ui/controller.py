"""Drives the visitor flow: screens, idle reset, language, and each demo's pipeline.

Blocking work (loading a model, opening a camera, stopping threads) runs in executors
awaited from coroutines on the qasync loop, so the GUI thread only ever paints.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from kiosk.core.i18n import DEFAULT_LANG, Lang, parse_lang
from kiosk.core.session import Screen, SessionEvent, VisitorSession
from kiosk.runtime.demos import DemoEntry, DemoState
from kiosk.runtime.model_card import generated_about
from kiosk.runtime.opener import Opener
from kiosk.runtime.pipeline import Patience, Pipeline, Status, TaskRunner
from kiosk.runtime.procstats import release_memory
from kiosk.runtime.sources import FrameSource, ImageFolderSource
from kiosk.ui.bridge import PipelineBridge
from kiosk.ui.demo_view import DemoInfo
from kiosk.ui.greeting import Greeting, PresenceBridge
from kiosk.ui.home import TileInfo
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.panels import DemoServices, make_panel

log = logging.getLogger(__name__)

FAILURES_BEFORE_GIVING_UP = 3  # consecutive frames whose processing raised
FAILED_OPENS_BEFORE_DISABLING = 3  # a demo that fails this often is taken off the home screen


@dataclass
class SourceChoice:
    """The picture source a demo gets, and how to get it back if it disappears.

    ``source`` is None while the camera is still opening (in ``reopen``, an
    :class:`Opener`): the demo starts on the ``fallback`` pictures.
    """

    source: FrameSource | None
    reopen: Callable[[], FrameSource] | Opener | None
    no_camera: bool
    mirror: bool
    #: what plays while a lost camera stays away (the sample photos); None: wait for it
    fallback: Callable[[Sequence[Path]], FrameSource] | None = None

    def discard(self) -> None:
        """Not used after all: release the source and give up an opening under way."""
        if self.source is not None:
            self.source.close()
        if isinstance(self.reopen, Opener):
            self.reopen.close()


#: Opens the wake-on-approach watcher (blocking: camera and model), given where to report
#: arrivals/departures and preview pictures; returns None when waking is off or impossible.
PresenceFactory = Callable[[Callable[[bool], None], Callable[[Any], None]], Any]


class KioskController(QObject):
    """The one place that knows the visitor flow."""

    def __init__(
        self,
        window: KioskWindow,
        entries: list[DemoEntry],
        load_runner: Callable[[DemoEntry], TaskRunner],
        open_source: Callable[[], SourceChoice],
        *,
        clock: Callable[[], float] = time.monotonic,
        idle_timeout: float = 90.0,
        idle_warning: float = 15.0,
        lang: Lang = DEFAULT_LANG,
        event_sink: Callable[[SessionEvent], None] | None = None,
        tick_ms: int = 250,
        keep_samples: bool = False,
        presence: PresenceFactory | None = None,
        patience: Patience | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.entries = entries
        self._load_runner = load_runner
        self._open_source = open_source
        self.clock = clock
        self.default_lang = lang
        self.lang: Lang = lang
        self.session = VisitorSession(idle_timeout, idle_warning)
        self._sink = event_sink
        self.bridge = PipelineBridge(self)
        self.pipeline: Pipeline | None = None
        self._generation = 0
        self._stopping: asyncio.Future[Any] | None = None
        self._failures = 0
        self._failed_opens: dict[str, int] = {}
        self._fps: dict[str, float] = {}
        self.disabled: set[str] = set()
        self.failed_return_ms = 4000  # how long the friendly failure screen stays up
        self._keep_samples = keep_samples
        self._patience = patience  # how long a live camera may take or stay away
        self._live_camera = False  # the open demo's source is a real camera
        self.camera_state = "unopened"  # for staff: "live" or "fallback" after a demo opened
        self.open_task: asyncio.Future[None] | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        # Wake on approach: a low-rate watcher owns the camera while the attract screen shows.
        self._presence_factory = presence
        self._watcher: Any = None
        self._watcher_stopping: asyncio.Future[Any] | None = None
        self._presence_gen = 0
        self._presence_paused = False  # staff mode: the camera page may need the camera
        self.presence_bridge = PresenceBridge(self)
        self.greeting = Greeting(window.attract)
        self.greeting.touched.connect(self.activity)
        self.presence_bridge.changed.connect(self._presence_changed)
        self.presence_bridge.preview.connect(self.greeting.show_preview)

        window.attract.touched.connect(self.activity)
        window.home.demo_chosen.connect(self.open_demo)
        window.home.done.connect(self.finish)
        window.home.language_changed.connect(self.set_lang)
        window.home.feedback.rated.connect(self._feedback)
        window.demo.back.connect(self.back_home)
        window.demo.language_changed.connect(self.set_lang)
        window.idle.still_here.connect(self.activity)
        self.bridge.frame_ready.connect(self._on_frame)
        self.bridge.result_ready.connect(self._on_result)
        self.bridge.status_changed.connect(self._on_status)
        self.bridge.failed.connect(self._on_failure)
        window.home.set_demos(self.tiles())
        window.set_lang(lang)
        window.show_screen(Screen.ATTRACT)

    # -- wiring ------------------------------------------------------------------------------
    def start(self) -> None:
        """Begin watching for touches and idleness."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()
        self._start_presence()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self.activity()
        return False

    def tiles(self) -> list[TileInfo]:
        """Tiles for the demos visitors may use (broken ones are for staff eyes only)."""
        return [
            TileInfo(e.id, e.manifest.title, e.manifest.subtitle, e.thumbnail_path(),
                     e.manifest.task)
            for e in self.entries
            if e.state is DemoState.READY and e.manifest is not None and e.id not in self.disabled
        ]

    def set_entries(self, entries: list[DemoEntry]) -> None:
        """New demo list (a pack was imported or removed): the home screen follows at once."""
        self.entries = entries
        self.window.home.set_demos(self.tiles())

    def set_enabled(self, demo_id: str, enabled: bool) -> None:
        """Staff switch a demo on or off (also clears an automatic disable)."""
        if enabled:
            self.disabled.discard(demo_id)
            self._failed_opens.pop(demo_id, None)
        else:
            self.disabled.add(demo_id)
        self.window.home.set_demos(self.tiles())

    def _emit(self, events: list[SessionEvent]) -> None:
        for event in events:
            log.debug("session event %s", event)
            if self._sink is not None:
                self._sink(event)

    # -- visitor actions -------------------------------------------------------------------------
    def activity(self) -> None:
        """Someone touched the screen."""
        events = self.session.touch(self.clock())
        self._emit(events)
        self.window.idle.hide()
        if self.window.current_screen() is Screen.ATTRACT and self.session.screen is Screen.HOME:
            self._stop_presence()
            self.window.show_screen(Screen.HOME)

    def open_demo(self, demo_id: str) -> None:
        """Show demo ``demo_id`` and start its pipeline in the background."""
        entry = next((e for e in self.entries if e.id == demo_id), None)
        if entry is None or entry.manifest is None:
            log.warning("no demo %s", demo_id)
            return
        # straight from another demo (tests, benchmarks, a future "next demo" button): its
        # threads stopped, or they ran on beside the new ones and aborted the exit in cv2
        self._stop_pipeline()
        self.window.home.feedback.dismiss()
        self._emit(self.session.open_demo(demo_id, self.clock()))
        m = entry.manifest
        make_about = None
        if m.about is None and m.models:  # zero-config packs: a card from the model file
            make_about = partial(generated_about, m, entry.model_path(next(iter(m.models))))
        info = DemoInfo(m.id, m.title, m.how_it_works, m.about, m.needs_camera, make_about)
        self.window.demo.open(info, make_panel(m.task, self.lang))
        self.window.demo.set_no_camera(False)
        self.window.show_screen(Screen.DEMO)
        self._failures = 0
        self._generation += 1
        self.open_task = asyncio.ensure_future(self._start_pipeline(entry, self._generation))

    def back_home(self) -> None:
        """From a demo back to the tiles; the visitor may rate the demo with one tap."""
        self._stop_pipeline()
        left = self.session.demo_id
        info = self.window.demo.info
        self._emit(self.session.close_demo(self.clock()))
        self.window.demo.close_demo()
        self.window.show_screen(Screen.HOME)
        if left is not None and info is not None and self.window.demo.status != "failed":
            self.window.home.feedback.ask(left, info.title)

    def _feedback(self, demo_id: str, rating: int) -> None:
        if self.session.session_id is not None:
            self.session.touch(self.clock())
            self._emit([SessionEvent("feedback", self.session.session_id, demo_id,
                                     {"rating": rating})])

    def finish(self) -> None:
        """The visitor pressed "done"."""
        self._reset("done")

    def set_lang(self, lang: str) -> None:
        """Switch every visitor text."""
        new = parse_lang(lang)
        if new == self.lang:
            return
        self.lang = new
        self.window.set_lang(new)
        if self.session.session_id is not None:
            self._emit([SessionEvent("language_change", self.session.session_id,
                                     self.session.demo_id, {"lang": new})])

    def tick(self) -> None:
        """Idle bookkeeping; called by the timer (tests call it with a fake clock)."""
        now = self.clock()
        if self.session.screen is Screen.ATTRACT:
            return
        if self.session.seconds_left(now) <= 0:
            self._reset("idle")
        elif self.session.warning_visible(now):
            self.window.idle.show_countdown(self.session.seconds_left(now), self.session.warning)
        else:
            self.window.idle.hide()

    def _reset(self, reason: str) -> None:
        self._stop_pipeline()
        self._emit(self.session.end(self.clock(), reason))
        self.window.demo.close_demo()
        self.window.home.feedback.dismiss()
        self.window.idle.hide()
        self.lang = self.default_lang
        self.window.set_lang(self.lang)
        self.window.show_screen(Screen.ATTRACT)
        # the end of a visitor: a good moment to return what the demos freed to the OS
        asyncio.get_event_loop().run_in_executor(None, release_memory)
        self._start_presence()

    # -- wake on approach ----------------------------------------------------------------------
    def pause_presence(self, paused: bool) -> None:
        """Let go of the camera while staff work (True), and watch again afterwards (False)."""
        self._presence_paused = paused
        if paused:
            self._stop_presence()
        elif self.session.screen is Screen.ATTRACT:
            self._start_presence()

    def _start_presence(self) -> None:
        if self._presence_factory is None or self._watcher is not None \
                or self._presence_paused:
            return
        factory, bridge = self._presence_factory, self.presence_bridge
        generation = self._presence_gen

        def open_watcher() -> Any:
            return factory(bridge.push_change, bridge.push_preview)

        async def start() -> None:
            loop = asyncio.get_running_loop()
            if self._watcher_stopping is not None:
                await self._watcher_stopping
            try:
                watcher = await loop.run_in_executor(None, open_watcher)
            except Exception as exc:  # no camera, no model: the kiosk simply does not wake
                log.warning("wake on approach is off: %s", exc)
                return
            if watcher is None:
                return
            if generation != self._presence_gen or self.session.screen is not Screen.ATTRACT:
                await loop.run_in_executor(None, watcher.stop)
                return
            self._watcher = watcher
            watcher.start()

        self._watcher_start = asyncio.ensure_future(start())

    def _stop_presence(self) -> None:
        self._presence_gen += 1  # a watcher still opening sees it is not wanted any more
        self.greeting.set_present(False)
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            self._watcher_stopping = asyncio.get_event_loop().run_in_executor(None, watcher.stop)

    def _presence_changed(self, present: bool) -> None:
        if self.session.screen is not Screen.ATTRACT:
            return
        self.greeting.set_present(present)
        if present:
            self._emit([SessionEvent("presence", None)])

    # -- pipeline ------------------------------------------------------------------------------
    async def _start_pipeline(self, entry: DemoEntry, generation: int) -> None:
        loop = asyncio.get_running_loop()
        if self._stopping is not None:
            await self._stopping
        if self._watcher_stopping is not None:
            await self._watcher_stopping  # the wake watcher lets go of the camera first
        try:
            runner = await loop.run_in_executor(None, self._load_runner, entry)
        except Exception as exc:  # every failure here is a friendly screen, never a traceback
            log.error("demo %s cannot start: %s", entry.id, exc)
            if generation == self._generation:
                self._demo_failed(entry.id, "load_failed")
            return
        if generation != self._generation:
            return
        assert entry.manifest is not None
        self.window.demo.attach(runner, self.services)
        if not entry.manifest.needs_camera:
            self.window.demo.set_status(None)
            return
        choice = await loop.run_in_executor(None, self._open_source)
        samples = entry.sample_paths()
        if choice.no_camera and samples and isinstance(choice.source, ImageFolderSource):
            # demo mode opens at the pictures that show this demo at its best
            await loop.run_in_executor(None, choice.source.start_with, samples)
        if generation != self._generation:
            choice.discard()
            return
        fallback = choice.fallback
        self.pipeline = Pipeline(
            choice.source, runner, reopen=choice.reopen, mirror=choice.mirror,
            on_frame=self.bridge.push_frame, on_result=self.bridge.push_result,
            on_status=self.bridge.push_status, on_error=self.bridge.push_error,
            keep_samples=self._keep_samples, patience=self._patience,
            fallback=None if fallback is None else partial(fallback, samples),
        )
        self._live_camera = not choice.no_camera
        self.window.demo.set_no_camera(choice.no_camera)
        # a camera still opening: the pipeline reports FALLBACK at once, and RUNNING when it opens
        self.camera_state = "fallback" if choice.no_camera or choice.source is None else "live"
        self.pipeline.start()

    @property
    def services(self) -> DemoServices:
        """What interactive panels may use."""
        return DemoServices(
            submit=self._submit,
            current_frame=self.window.demo.current_frame,
            freeze=self.window.demo.freeze,
            interaction=self._interaction,
        )

    def _submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        return asyncio.get_event_loop().run_in_executor(None, fn, *args)

    def _interaction(self, kind: str, payload: dict[str, Any]) -> None:
        if self.session.session_id is None:
            return
        self.session.touch(self.clock())
        self._emit([SessionEvent("interaction", self.session.session_id, self.session.demo_id,
                                 {"kind": kind, **payload})])

    def _stop_pipeline(self) -> None:
        self._generation += 1
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            # Joining threads blocks; do it off the GUI thread and let the next open wait.
            self._stopping = asyncio.get_event_loop().run_in_executor(None, pipeline.stop)

    def _on_frame(self) -> None:
        frame = self.bridge.take_frame()
        if frame is not None and self.pipeline is not None:
            self.window.demo.show_frame(frame.image, frame.mirrored, frame.scene)

    def _on_result(self) -> None:
        result = self.bridge.take_result()
        if result is not None and self.pipeline is not None:
            self._failures = 0
            self.window.demo.show_result(result)
            fps = self.window.demo.inference_fps()
            if fps is not None and self.session.demo_id is not None:
                self._fps[self.session.demo_id] = round(fps, 1)

    def fps_by_demo(self) -> dict[str, float]:
        """The last measured results per second of each demo opened since the start."""
        return dict(self._fps)

    def _on_status(self, status: str) -> None:
        if self.pipeline is None:
            return
        if status == Status.LOST:
            self.window.demo.set_status("lost")
        elif status == Status.FALLBACK:
            # the camera stays away: the demo goes on with the sample photos, badge shown
            self.window.demo.set_status(None)
            self.window.demo.set_no_camera(True)
            self.camera_state = "fallback"
        elif status == Status.RUNNING and self._live_camera and self.window.demo.no_camera:
            self.window.demo.set_no_camera(False)  # the camera is back
            self.camera_state = "live"

    def _on_failure(self, kind: str) -> None:
        self._failures += 1
        if self._failures >= FAILURES_BEFORE_GIVING_UP and self.pipeline is not None:
            log.error("demo %s failed %d times in a row (%s); closing it",
                      self.session.demo_id, self._failures, kind)
            self._stop_pipeline()
            if self.session.demo_id is not None:
                self._demo_failed(self.session.demo_id, f"processing_{kind}")

    def _demo_failed(self, demo_id: str, code: str) -> None:
        """Friendly screen, an error event, back home shortly; repeated failures disable it."""
        self.window.demo.set_status("failed")
        self._emit([SessionEvent("error", self.session.session_id, demo_id, {"code": code})])
        count = self._failed_opens[demo_id] = self._failed_opens.get(demo_id, 0) + 1
        if count >= FAILED_OPENS_BEFORE_DISABLING and demo_id not in self.disabled:
            log.error("demo %s disabled after %d failures; staff can enable it again",
                      demo_id, count)
            self.disabled.add(demo_id)
            self.window.home.set_demos(self.tiles())
        generation = self._generation

        def back() -> None:
            # only if the visitor is still looking at this failed demo
            if generation == self._generation and self.session.demo_id == demo_id:
                self.back_home()

        QTimer.singleShot(self.failed_return_ms, back)

    def shutdown(self, join_s: float = 2.0) -> None:
        """Stop threads before the application quits (blocking is fine then).

        Each thread gets up to ``join_s`` s to finish a model call in progress; one still
        busy after that is left to the app's exit, which does not wait for it.
        """
        self.timer.stop()
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None:
            pipeline.stop(join_s)
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop(join_s)
