"""The staff panel: demos, pack import, camera, settings, statistics, health, restart, exit.

A full-window overlay with a navigation rail on the left and one page per section. Every
control is a touch target of 64 px or more; nothing needs a keyboard (the kiosk id has a
small on-screen one). Everything it changes goes through :class:`StaffServices`; blocking
work (self-tests, imports, opening a camera) runs in the event loop's default executor so
the GUI stays responsive, and :attr:`StaffPanel.busy` keeps staff mode from timing out
while it runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, Text
from kiosk.core.settings import Settings, SettingsError, check_settings
from kiosk.ui import theme
from kiosk.ui.staff.folders import FolderBrowser, clear_layout, scroll_list
from kiosk.ui.staff.services import ActionResult, DemoRow, StaffServices
from kiosk.ui.staff.texts import duration, error_text, said, size, sync_line, sync_note, tr
from kiosk.ui.staff.touch import (
    STYLE,
    ConfirmButton,
    MiniKeyboard,
    Segmented,
    Stepper,
    Toggle,
    button,
    label,
    refresh_style,
    touch_scroll,
)
from kiosk.ui.widgets import LanguageSwitch

log = logging.getLogger(__name__)

SECTIONS = ("demos", "import", "camera", "settings", "stats", "health")
IDLE_STEPS = (30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 300.0, 600.0, 900.0)
STAFF_STEPS = (60.0, 120.0, 300.0, 600.0, 1800.0)
CURSOR_STEPS = (0.0, 3.0, 5.0, 10.0, 30.0, 60.0)
IMPORTABLE = (".zip", ".onnx")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


class Runner:
    """Runs blocking calls in the executor and coroutines on the loop; counts what runs."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Future[Any]] = set()

    @property
    def busy(self) -> bool:
        """True while anything started here has not finished."""
        return any(not t.done() for t in self.tasks)

    def start(self, coro: Coroutine[Any, Any, None]) -> asyncio.Future[None]:
        """Run ``coro`` on the event loop."""
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    @staticmethod
    async def blocking(fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in the default executor."""
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)


class Page(QWidget):
    """A section: big title, one line of what it is for, then the content."""

    def __init__(self, key: str, services: StaffServices, runner: Runner, lang: Lang,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StaffPage")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.key = key
        self.services = services
        self.runner = runner
        self.lang: Lang = lang
        self.root = QVBoxLayout(self)
        self.root.setContentsMargins(48, 36, 48, 36)
        self.root.setSpacing(18)
        self.title = label("", "PageTitle", self)
        self.subtitle = label("", "ScreenSubtitle", self, wrap=True)
        self.root.addWidget(self.title)
        self.root.addWidget(self.subtitle)
        self.root.addSpacing(8)

    def set_lang(self, lang: Lang) -> None:
        """Every text in ``lang``."""
        self.lang = lang
        self.title.setText(tr(f"section.{self.key}", lang))
        self.subtitle.setText(tr(f"section.{self.key}.sub", lang))
        self.retranslate()

    def retranslate(self) -> None:
        """Page-specific texts (override)."""

    def on_show(self) -> None:
        """The page became visible: load fresh data (override)."""

    def on_hide(self) -> None:
        """The page was left or the panel closed (override)."""


# --------------------------------------------------------------------------- demos


class DemoRowWidget(QFrame):
    """One demo: title and state, self-test, move up/down, on/off."""

    def __init__(self, row: DemoRow, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Row")
        self.row = row
        outer = QHBoxLayout(self)
        outer.setContentsMargins(28, 18, 20, 18)
        outer.setSpacing(14)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        self.title = label(row.title.get(lang), "RowTitle", self)
        self.state = label("", "RowSub", self, wrap=True)
        self.result = label("", "RowOk", self, wrap=True)
        self.result.hide()
        texts.addWidget(self.title)
        texts.addWidget(self.state)
        texts.addWidget(self.result)
        outer.addLayout(texts, 1)
        self.test_button = button(tr("demos.test", lang), "QuietButton", self)
        self.test_button.setEnabled(row.ready)
        self.up_button = button("▲", "StepButton", self)
        self.down_button = button("▼", "StepButton", self)
        self.up_button.setAccessibleName(tr("demos.up", lang))
        self.down_button.setAccessibleName(tr("demos.down", lang))
        self.toggle = Toggle(tr("demos.on", lang), tr("demos.off", lang), self)
        self.toggle.setChecked(row.enabled and row.ready and not row.auto_disabled)
        self.toggle.setEnabled(row.ready)
        for w in (self.test_button, self.up_button, self.down_button, self.toggle):
            outer.addWidget(w, 0, Qt.AlignmentFlag.AlignVCenter)
        if not row.ready:
            self.state.setObjectName("RowWarn")
            state = tr("demos.broken", lang)
        elif row.auto_disabled:
            self.state.setObjectName("RowWarn")
            state = tr("demos.auto_off", lang)
        elif not row.enabled:
            state = tr("demos.hidden", lang)
        else:
            state = tr("demos.visible", lang)
        reasons = "\n".join(f"• {said(r, lang)}" for r in row.reasons)
        self.state.setText(f"{row.demo_id} · {state}" + (f"\n{reasons}" if reasons else ""))

    def show_result(self, text: str, ok: bool | None) -> None:
        """A self-test outcome (None: still running)."""
        self.result.setObjectName("RowOk" if ok or ok is None else "RowBad")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.result.setText(text)
        self.result.show()


class DemosPage(Page):
    """Enable, order and test demos."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("demos", *args, **kwargs)
        self.area, self.list = scroll_list(self)
        self.root.addWidget(self.area, 1)
        self.status = label("", "StatusBad", self, wrap=True)
        self.root.addWidget(self.status)
        self.rows: dict[str, DemoRowWidget] = {}
        self.results: dict[str, tuple[str, bool | None]] = {}
        self.demos: list[DemoRow] = []

    def on_show(self) -> None:
        self.reload()

    def retranslate(self) -> None:
        if self.isVisible():
            self.reload()

    def reload(self) -> None:
        """Rebuild the rows from the services."""
        try:
            self.demos = list(self.services.list_demos())
        except Exception as exc:  # the panel must survive whatever the app reports
            log.exception("listing demos failed")
            self.status.setText(tr("demos.failed", self.lang, error=_first_line(exc)))
            return
        clear_layout(self.list)
        self.rows = {}
        if not self.demos:
            empty = label(tr("demos.none", self.lang), "BodyText", self)
            self.list.insertWidget(0, empty)
        for i, demo in enumerate(self.demos):
            row = DemoRowWidget(demo, self.lang)
            row.up_button.setEnabled(i > 0)
            row.down_button.setEnabled(i < len(self.demos) - 1)
            row.toggle.clicked.connect(
                lambda checked=False, d=demo.demo_id: self.set_enabled(d, checked))
            row.up_button.clicked.connect(lambda _=False, d=demo.demo_id: self.move_demo(d, -1))
            row.down_button.clicked.connect(lambda _=False, d=demo.demo_id: self.move_demo(d, 1))
            row.test_button.clicked.connect(lambda _=False, d=demo.demo_id: self.test(d))
            if demo.demo_id in self.results:
                row.show_result(*self.results[demo.demo_id])
            self.list.insertWidget(self.list.count() - 1, row)
            self.rows[demo.demo_id] = row

    def set_enabled(self, demo_id: str, enabled: bool) -> None:
        """Switch ``demo_id`` on or off for visitors."""
        self._change(lambda: self.services.set_demo_enabled(demo_id, enabled))
        self.services.log_event("staff_demo_enabled", {"demo": demo_id, "enabled": enabled})

    def move_demo(self, demo_id: str, delta: int) -> None:
        """Move ``demo_id`` up (-1) or down (+1) on the home screen."""
        ids = [d.demo_id for d in self.demos]
        i = ids.index(demo_id)
        j = i + delta
        if not 0 <= j < len(ids):
            return
        ids[i], ids[j] = ids[j], ids[i]
        self._change(lambda: self.services.set_demo_order(ids))

    def _change(self, action: Callable[[], None]) -> None:
        try:
            action()
        except Exception as exc:
            log.exception("staff change failed")
            self.status.setText(tr("demos.failed", self.lang, error=_first_line(exc)))
        else:
            self.status.setText("")
        self.reload()

    def test(self, demo_id: str) -> asyncio.Future[None]:
        """Run the demo's self-test in the background; the row shows the outcome."""
        return self.runner.start(self._test(demo_id))

    async def _test(self, demo_id: str) -> None:
        self._result(demo_id, tr("demos.testing", self.lang), None)
        try:
            result: ActionResult = await Runner.blocking(self.services.self_test, demo_id)
        except Exception as exc:
            log.exception("self-test of %s raised", demo_id)
            result = ActionResult(False, _first_line(exc))
        key = "demos.test.ok" if result.ok else "demos.test.failed"
        self._result(demo_id, tr(key, self.lang, detail=said(result.message, self.lang)),
                     result.ok)
        self.services.log_event("staff_self_test", {"demo": demo_id, "ok": result.ok})

    def _result(self, demo_id: str, text: str, ok: bool | None) -> None:
        self.results[demo_id] = (text, ok)
        row = self.rows.get(demo_id)
        if row is not None:
            row.show_result(text, ok)


# --------------------------------------------------------------------------- import


class ImportPage(Page):
    """Pick a folder, .zip or .onnx on a USB stick by touch and import it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("import", *args, **kwargs)
        self.browser = FolderBrowser(self.lang, roots=self.services.media_roots,
                                     files=IMPORTABLE, file_action="import.file", parent=self)
        self.browser.file_chosen.connect(self.import_path)
        self.browser.folder_changed.connect(lambda _: self._update_button())
        self.root.addWidget(self.browser, 1)
        # Before a place is chosen the list is empty: say what to do there instead.
        self.steps = label("", "BodyText", self, wrap=True)
        self.steps.setObjectName("ImportSteps")
        self.root.addWidget(self.steps)
        self.import_button = button("", "PrimaryButton", self)
        self.import_button.clicked.connect(lambda: self.import_path(self.browser.folder))
        self.root.addWidget(self.import_button)
        self.result = label("", "StatusOk", wrap=True)
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # A failed import can list many problems: they scroll instead of pushing the page.
        self.result_area = QScrollArea(self)
        self.result_area.setWidgetResizable(True)
        self.result_area.setMaximumHeight(220)
        self.result_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        result_body = QWidget()
        result_body.setObjectName("StaffScrollBody")
        QVBoxLayout(result_body).addWidget(self.result)
        self.result_area.setWidget(result_body)
        self.result_area.hide()
        touch_scroll(self.result_area)
        self.root.addWidget(self.result_area)

    # Shortcuts for tests and the app: the browser's parts.
    @property
    def folder(self) -> Path | None:
        """The folder shown."""
        return self.browser.folder

    @property
    def root_dir(self) -> Path | None:
        """The place (stick or home folder) browsed."""
        return self.browser.root_dir

    @property
    def entry_buttons(self) -> dict[str, QPushButton]:
        """Buttons of the listed sub-folders and files, by name."""
        return self.browser.entry_buttons

    def retranslate(self) -> None:
        self.browser.set_lang(self.lang)
        self._update_button()

    def on_show(self) -> None:
        self.browser.load_roots()

    def _update_button(self) -> None:
        folder = self.browser.folder
        # no placeholder button: it appears once there is a folder to import
        self.import_button.setVisible(folder is not None)
        self.steps.setVisible(folder is None)
        self.steps.setText(tr("import.steps", self.lang))
        self.import_button.setEnabled(folder is not None and not self.runner.busy)
        if folder is not None:
            name = folder.name or str(folder)
            self.import_button.setText(tr("import.this", self.lang, name=name))

    def import_path(self, path: object) -> asyncio.Future[None] | None:
        """Import ``path`` (a folder, .zip or .onnx) in the background."""
        if not isinstance(path, Path) or self.runner.busy:
            return None
        return self.runner.start(self._import(path))

    async def _import(self, path: Path) -> None:
        self._say(tr("import.running", self.lang, name=path.name or str(path)), True)
        self.import_button.setEnabled(False)
        self.browser.set_busy(True)
        try:
            result: ActionResult = await Runner.blocking(self.services.import_pack, path)
        except Exception as exc:
            log.exception("import of %s raised", path)
            result = ActionResult(False, _first_line(exc))
        key = "import.ok" if result.ok else "import.failed"
        self._say(tr(key, self.lang, message=said(result.message, self.lang)), result.ok)
        self.services.log_event("staff_import", {"ok": result.ok})
        # The runner counts this task until it has returned: re-enable just after that.
        QTimer.singleShot(0, self, self._idle)  # not after the page is gone (tear-down)

    def _idle(self) -> None:
        self.browser.set_busy(False)
        self._update_button()

    def _say(self, text: str, ok: bool) -> None:
        self.result.setObjectName("StatusOk" if ok else "StatusBad")
        self.result.style().unpolish(self.result)
        self.result.style().polish(self.result)
        self.result.setText(text)
        self.result_area.setVisible(bool(text))


# --------------------------------------------------------------------------- settings


class SettingRow(QFrame):
    """Title and explanation on the left, the control on the right."""

    def __init__(self, control: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Row")
        h = QHBoxLayout(self)
        h.setContentsMargins(28, 14, 20, 14)
        v = QVBoxLayout()
        v.setSpacing(2)
        self.title = label("", "RowTitle", self)
        self.sub = label("", "RowSub", self, wrap=True)
        v.addWidget(self.title)
        v.addWidget(self.sub)
        h.addLayout(v, 1)
        h.addWidget(control, 0, Qt.AlignmentFlag.AlignVCenter)
        self.control = control

    def set_texts(self, title: str, sub: str) -> None:
        """Both lines."""
        self.title.setText(title)
        self.sub.setText(sub)


class SettingsPage(Page):
    """Idle timeout, starting language, staff timeout, pointer, kiosk id, PIN."""

    change_pin = Signal()
    changed = Signal(object)  # the new Settings

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("settings", *args, **kwargs)
        self.stack = QStackedWidget(self)
        self.root.addWidget(self.stack, 1)
        rows_page = QWidget()
        rows = QVBoxLayout(rows_page)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(12)
        s = self.services.get_settings()
        self.idle = Stepper(IDLE_STEPS, s.idle_timeout, lambda v: duration(v, self.lang))
        self.lang_choice = Segmented([("de", "Deutsch"), ("en", "English")])
        self.staff = Stepper(STAFF_STEPS, s.staff_timeout, lambda v: duration(v, self.lang))
        self.pointer = Stepper(CURSOR_STEPS, s.cursor_hide_seconds, self._cursor_text)
        self.performance = Toggle("", "")
        id_box = QWidget()
        id_row = QHBoxLayout(id_box)
        id_row.setContentsMargins(0, 0, 0, 0)
        id_row.setSpacing(16)
        self.kiosk_id = label("", "StepValue", id_box)
        self.change_id = button("", "QuietButton", id_box)
        id_row.addWidget(self.kiosk_id)
        id_row.addWidget(self.change_id)
        self.pin_button = button("", "QuietButton")
        self.rows = {
            "idle": SettingRow(self.idle), "lang": SettingRow(self.lang_choice),
            "staff": SettingRow(self.staff), "cursor": SettingRow(self.pointer),
            "performance": SettingRow(self.performance),
            "kiosk_id": SettingRow(id_box), "pin": SettingRow(self.pin_button),
        }
        for row in self.rows.values():
            # natural height: on a short screen the list scrolls instead of squashing rows
            row.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            rows.addWidget(row)
        rows.addStretch(1)
        rows_area = QScrollArea()
        rows_area.setWidgetResizable(True)
        rows_area.setFrameShape(QFrame.Shape.NoFrame)
        rows_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        rows_area.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget "
                                "{ background: transparent; }")
        rows_area.setWidget(rows_page)
        touch_scroll(rows_area)
        self.stack.addWidget(rows_area)
        self.keyboard = MiniKeyboard()
        kb_page = QWidget()
        kb_layout = QVBoxLayout(kb_page)
        kb_layout.setContentsMargins(0, 0, 0, 0)
        kb_layout.addWidget(self.keyboard, 0, Qt.AlignmentFlag.AlignTop)
        kb_layout.addStretch(1)
        self.stack.addWidget(kb_page)
        self.status = label("", "StatusOk", self, wrap=True)
        self.root.addWidget(self.status)

        self.idle.changed.connect(lambda v: self._set(idle_timeout=v))
        self.staff.changed.connect(lambda v: self._set(staff_timeout=v))
        self.pointer.changed.connect(lambda v: self._set(cursor_hide_seconds=v))
        self.performance.clicked.connect(lambda on: self._set(show_performance_overlay=on))
        self.lang_choice.changed.connect(lambda code: self._set(lang=code))
        self.change_id.clicked.connect(self._edit_id)
        self.keyboard.accepted.connect(self._id_entered)
        self.keyboard.cancelled.connect(lambda: self.stack.setCurrentIndex(0))
        self.pin_button.clicked.connect(self.change_pin)

    def _cursor_text(self, v: float) -> str:
        return tr("settings.never", self.lang) if v <= 0 else duration(v, self.lang)

    def retranslate(self) -> None:
        lang = self.lang
        for key, row in self.rows.items():
            row.set_texts(tr(f"settings.{key}", lang), tr(f"settings.{key}.sub", lang))
        self.change_id.setText(tr("settings.change", lang))
        self.performance.set_texts(tr("demos.on", lang), tr("demos.off", lang))
        self.pin_button.setText(tr("settings.pin.change", lang))
        self.keyboard.set_layout(lang)
        self.keyboard.ok_button.setText(tr("keyboard.ok", lang))
        self.keyboard.cancel_button.setText(tr("keyboard.cancel", lang))
        for stepper in (self.idle, self.staff, self.pointer):
            stepper.retranslate()

    def on_show(self) -> None:
        self.stack.setCurrentIndex(0)
        self.status.setText("")
        self.load(self.services.get_settings())

    def load(self, s: Settings) -> None:
        """Show the values of ``s``."""
        self.idle.set_value(s.idle_timeout)
        self.staff.set_value(s.staff_timeout)
        self.pointer.set_value(s.cursor_hide_seconds)
        self.performance.setChecked(s.show_performance_overlay)
        self.lang_choice.select(s.lang)
        self.kiosk_id.setText(s.kiosk_id)

    def _set(self, **change: Any) -> None:
        current = self.services.get_settings()
        new = replace(current, **change)
        problems = check_settings(new)
        try:
            if problems:
                raise SettingsError(problems)
            self.services.set_settings(new)
        except Exception as exc:
            log.warning("settings not saved: %s", exc)
            self._say(tr("settings.failed", self.lang, error=error_text(exc)), False)
            self.load(self.services.get_settings())
            return
        self._say(tr("settings.saved", self.lang), True)
        self.services.log_event("staff_settings", {"changed": sorted(change)})
        self.load(new)
        self.changed.emit(new)

    def _edit_id(self) -> None:
        self.keyboard.start(self.services.get_settings().kiosk_id)
        self.stack.setCurrentIndex(1)

    def _id_entered(self, text: str) -> None:
        self.stack.setCurrentIndex(0)
        self._set(kiosk_id=text)

    def _say(self, text: str, ok: bool) -> None:
        self.status.setObjectName("StatusOk" if ok else "StatusBad")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setText(text)


# --------------------------------------------------------------------------- statistics


class StatsPage(Page):
    """Hosts the visitor-statistics widget the app provides (made on first view)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("stats", *args, **kwargs)
        self.widget: QWidget | None = None
        self.placeholder = label("", "BodyText", self, wrap=True)
        self.root.addWidget(self.placeholder)
        self.root.addStretch(1)

    def retranslate(self) -> None:
        self.placeholder.setText(tr("stats.none", self.lang))
        if self.widget is not None and hasattr(self.widget, "set_lang"):
            self.widget.set_lang(self.lang)

    def on_show(self) -> None:
        factory = self.services.stats_widget
        if self.widget is None and factory is not None:
            try:
                self.widget = factory(self.lang, self)
            except Exception as exc:
                log.exception("statistics widget failed")
                self.placeholder.setText(tr("health.failed", self.lang,
                                            error=_first_line(exc)))
                return
            # The dashboard brings its own title; ours would say the same twice.
            for w in (self.title, self.subtitle, self.placeholder):
                w.hide()
            self.root.setContentsMargins(0, 0, 0, 0)
            # all the height to the dashboard (it scrolls): the placeholder's stretch goes
            for i in reversed(range(self.root.count())):
                item = self.root.itemAt(i)
                if item is not None and item.spacerItem() is not None:
                    self.root.takeAt(i)
            self.root.insertWidget(0, self.widget, 1)
            self.widget.show()  # made after the page was shown: Qt does not show it itself
        if self.widget is not None and hasattr(self.widget, "start_refresh"):
            self.widget.start_refresh()


# --------------------------------------------------------------------------- health


class Kpi(QFrame):
    """Caption, value, explanation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Row")
        v = QVBoxLayout(self)
        v.setContentsMargins(26, 18, 26, 18)
        v.setSpacing(2)
        self.caption = label("", "KpiCaption", self)
        self.value = label("", "KpiValue", self)
        self.sub = label("", "KpiSub", self)
        for w in (self.caption, self.value, self.sub):
            v.addWidget(w)

    def set_values(self, caption: str, value: str, sub: str = "") -> None:
        """All three lines."""
        self.caption.setText(caption.upper())
        self.value.setText(value)
        self.sub.setText(sub)


class HealthPage(Page):
    """Uptime, free disk, errors, frame rates, notices and the last crash log."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("health", *args, **kwargs)
        kpis = QGridLayout()
        kpis.setSpacing(18)
        self.uptime, self.disk, self.errors = Kpi(self), Kpi(self), Kpi(self)
        self.version, self.camera = Kpi(self), Kpi(self)
        for i, k in enumerate((self.uptime, self.disk, self.errors)):
            kpis.addWidget(k, 0, i)
            kpis.setColumnStretch(i, 1)
        kpis.addWidget(self.version, 1, 0)
        kpis.addWidget(self.camera, 1, 1, 1, 2)
        self.sync = Kpi(self)  # shown only when a central database is configured
        self.sync.hide()
        kpis.addWidget(self.sync, 2, 0, 1, 3)
        self.root.addLayout(kpis)
        grid = QGridLayout()
        grid.setSpacing(18)
        self.fps_title = label("", "SectionTitle", self)
        self.fps_text = label("", "BodyText", self, wrap=True)
        self.fps_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.runtime_title = label("", "SectionTitle", self)
        self.runtime_text = label("", "BodyText", self, wrap=True)
        self.notes_title = label("", "SectionTitle", self)
        self.notes_text = label("", "BodyText", self, wrap=True)
        self.notes_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.crash_title = label("", "SectionTitle", self)
        self.crash_area = QScrollArea(self)
        self.crash_area.setWidgetResizable(True)
        self.crash_text = label("", "MonoText", wrap=True)
        self.crash_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.crash_text.setContentsMargins(16, 12, 16, 12)
        crash_box = QFrame()
        crash_box.setObjectName("Row")
        cb = QVBoxLayout(crash_box)
        cb.setContentsMargins(0, 0, 0, 0)
        cb.addWidget(self.crash_text)
        cb.addStretch(1)
        self.crash_area.setWidget(crash_box)
        touch_scroll(self.crash_area)
        left = QVBoxLayout()
        left.setSpacing(10)
        for w in (self.fps_title, self.fps_text):
            left.addWidget(w)
        left.addSpacing(16)
        for w in (self.runtime_title, self.runtime_text):
            left.addWidget(w)
        left.addSpacing(16)
        for w in (self.notes_title, self.notes_text):
            left.addWidget(w)
        left.addStretch(1)
        grid.addLayout(left, 0, 0)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addWidget(self.crash_title)
        self.no_crash = label("", "BodyText", self, wrap=True)  # instead of an empty box
        right.addWidget(self.no_crash)
        right.addWidget(self.crash_area, 1)
        self.crash_spacer = QWidget(self)
        right.addWidget(self.crash_spacer, 1)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 2)
        grid.setColumnStretch(1, 3)
        self.root.addLayout(grid, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(2000)
        self.timer.timeout.connect(self.refresh)
        self.extra_problems: list[str | Text] = []

    def retranslate(self) -> None:
        self.fps_title.setText(tr("health.fps", self.lang))
        self.runtime_title.setText(tr("health.runtime", self.lang))
        self.notes_title.setText(tr("health.problems", self.lang))
        self.crash_title.setText(tr("health.crash", self.lang))
        self.refresh()

    def on_show(self) -> None:
        self.refresh()
        self.timer.start()

    def on_hide(self) -> None:
        self.timer.stop()

    def refresh(self) -> None:
        """Ask the app how it is doing and show it."""
        lang = self.lang
        try:
            h = self.services.health()
        except Exception as exc:
            log.exception("health snapshot failed")
            self.notes_text.setText(tr("health.failed", lang, error=_first_line(exc)))
            return
        unknown = tr("health.unknown", lang)
        self.uptime.set_values(tr("health.uptime", lang), duration(h.uptime_s, lang))
        free = size(h.disk_free_bytes, lang) if h.disk_free_bytes is not None else unknown
        total = (tr("health.disk.sub", lang, total=size(h.disk_total_bytes, lang))
                 if h.disk_total_bytes else "")
        self.disk.set_values(tr("health.disk", lang), free, total)
        self.errors.set_values(tr("health.errors", lang), str(len(h.errors)),
                               h.errors[-1][:80] if h.errors else "")
        self.sync.setVisible(h.sync is not None)
        if h.sync is not None:
            self.sync.set_values(tr("health.sync", lang),
                                 *sync_line(h.sync, lang, time.monotonic()))
        if h.fps:
            self.fps_text.setText("\n".join(
                tr("health.fps.value", lang, demo=demo,
                   fps=f"{fps:.1f}".replace(".", "," if lang == "de" else "."))
                for demo, fps in sorted(h.fps.items())))
        else:
            self.fps_text.setText(tr("health.fps.none", lang))
        lines = [tr("health.runtime.value", lang, demo=demo, provider=r.get("provider", "?"),
                    threads=r.get("threads", "?"), precision=r.get("precision", "?"))
                 for demo, r in sorted(h.runtime.items())] or [tr("health.runtime.none", lang)]
        if h.providers:
            lines.append(tr("health.runtime.providers", lang, providers=", ".join(h.providers)))
        self.runtime_text.setText("\n".join(lines))
        sync = sync_note(h.sync, lang) if h.sync is not None else None
        sync_problem = [sync] if sync else []
        notes = [said(n, lang) for n in (*h.problems, *self.extra_problems)]
        notes += [*sync_problem, *h.errors[-5:]]
        # the same settings problem reaches this page from the app and from the panel's notices
        notes = list(dict.fromkeys(notes))
        if h.disk_problem in ("read_only", "full"):  # first: it explains most of the rest
            notes.insert(0, tr(f"health.disk.{h.disk_problem}", lang, path=h.data_dir))
        self.notes_text.setText("\n".join(f"• {n}" for n in notes) if notes
                                else tr("health.problems.none", lang))
        self.crash_text.setText(h.last_crash or "")
        self.no_crash.setText(tr("health.crash.none", lang))
        self.no_crash.setVisible(not h.last_crash)
        self.crash_area.setVisible(bool(h.last_crash))
        self.crash_spacer.setVisible(not h.last_crash)
        self.version.set_values(tr("health.version", lang), h.version or unknown)
        cam = h.camera
        cam_name = (tr("health.camera.index", lang, n=cam) if cam.isdigit() else
                    tr("health.camera.sample", lang) if cam in ("", "sample") else Path(cam).name)
        self.camera.set_values(tr("health.camera", lang), cam_name,
                               tr(f"health.camera.{h.camera_state}", lang)
                               if h.camera_state in ("live", "fallback", "unopened") else "")


# --------------------------------------------------------------------------- the panel


RAIL_COMPACT_BELOW = 900  # px of screen height: below it the rail packs tighter
RAIL_COMPACT_STYLE = """
QFrame#StaffRail[compact="true"] QPushButton#NavButton { min-height: 46px; border-radius: 16px; }
"""


class StaffPanel(QWidget):
    """The whole staff panel as an overlay over the kiosk window."""

    close_requested = Signal()
    restart_requested = Signal()
    exit_requested = Signal()
    change_pin_requested = Signal()
    settings_changed = Signal(object)

    def __init__(self, services: StaffServices, lang: Lang, parent: QWidget, *,
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StaffRoot")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE + RAIL_COMPACT_STYLE)
        self.services = services
        self.lang: Lang = lang
        self.runner = Runner()
        self.section = SECTIONS[0]
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        self.rail = rail = QFrame(self)
        rail.setObjectName("StaffRail")
        rail.setFixedWidth(360)
        rail.setProperty("compact", False)
        self.rail_col = col = QVBoxLayout(rail)
        col.setContentsMargins(24, 36, 24, 28)
        col.setSpacing(10)
        self.rail_title = label("", "RailTitle", rail)
        self.rail_sub = label("", "RailSub", rail)
        col.addWidget(self.rail_title)
        col.addWidget(self.rail_sub)
        col.addSpacing(18)
        self.nav: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        for key in SECTIONS:
            b = button("", "NavButton", rail)
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, k=key: self.show_section(k))
            group.addButton(b)
            col.addWidget(b)
            self.nav[key] = b
        col.addStretch(1)
        self.timeout_note = label("", "RailSub", rail, wrap=True)
        col.addWidget(self.timeout_note)
        self.lang_switch = LanguageSwitch(lang, rail)
        self.lang_switch.changed.connect(lambda code: self.set_lang(code))
        col.addWidget(self.lang_switch, 0, Qt.AlignmentFlag.AlignLeft)
        col.addSpacing(8)
        self.back_button = button("", "PrimaryButton", rail)
        self.back_button.clicked.connect(self.close_requested)
        col.addWidget(self.back_button)
        clock = clock or time.monotonic
        self.restart_button = ConfirmButton(rail, clock=clock)
        self.restart_button.confirmed.connect(self.restart_requested)
        self.exit_button = ConfirmButton(rail, clock=clock)
        self.exit_button.confirmed.connect(self.exit_requested)
        col.addWidget(self.restart_button)
        col.addWidget(self.exit_button)
        outer.addWidget(rail)

        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        self.notice = label("", "Notice", self, wrap=True)
        self.notice.hide()
        self._notices: list[str | Text] = []
        notice_box = QHBoxLayout()
        notice_box.setContentsMargins(48, 24, 48, 0)
        notice_box.addWidget(self.notice)
        right.addLayout(notice_box)
        self.stack = QStackedWidget(self)
        args = (services, self.runner, lang)
        from kiosk.ui.staff.camera_page import CameraPage  # it builds on Page: import late

        self.pages: dict[str, Page] = {
            "demos": DemosPage(*args), "import": ImportPage(*args),
            "camera": CameraPage(*args), "settings": SettingsPage(*args),
            "stats": StatsPage(*args), "health": HealthPage(*args),
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        right.addWidget(self.stack, 1)
        outer.addLayout(right, 1)
        settings_page = self.pages["settings"]
        assert isinstance(settings_page, SettingsPage)
        settings_page.change_pin.connect(self.change_pin_requested)
        settings_page.changed.connect(self._settings_changed)
        self.hide()
        self.set_lang(lang)

    @property
    def busy(self) -> bool:
        """True while a self-test or an import runs (staff mode must not time out then)."""
        return self.runner.busy

    def page(self, key: str) -> Page:
        """The page of section ``key``."""
        return self.pages[key]

    def open(self, lang: Lang | None = None) -> None:
        """Show the panel (on the first section) over everything."""
        if lang is not None:
            self.set_lang(lang)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.show_section(SECTIONS[0])

    def close_panel(self) -> None:
        """Hide the panel and stop what only runs while it is seen (preview, refresh)."""
        self.pages[self.section].on_hide()
        self.restart_button.disarm()
        self.exit_button.disarm()
        self.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.set_compact(self.height() < RAIL_COMPACT_BELOW)

    def set_compact(self, compact: bool) -> None:
        """A rail for short screens: on 1280×720 its buttons were drawn over each other,
        "Exit kiosk" over "Restart app"."""
        if compact == self.rail.property("compact"):
            return
        self.rail.setProperty("compact", compact)
        for b in self.nav.values():
            refresh_style(b)
        self.rail_col.setContentsMargins(24, 20 if compact else 36, 24, 16 if compact else 28)
        self.rail_col.setSpacing(4 if compact else 10)
        self.timeout_note.setVisible(not compact)  # "closes after 2 min": nice, not needed

    def show_section(self, key: str) -> None:
        """Switch to section ``key``."""
        if key != self.section:
            self.pages[self.section].on_hide()
        self.section = key
        self.nav[key].setChecked(True)
        self.stack.setCurrentWidget(self.pages[key])
        self.pages[key].on_show()

    def set_lang(self, lang: str) -> None:
        """Every staff text in ``lang`` (staff's choice; visitors are not affected)."""
        self.lang = "en" if lang == "en" else "de"
        self.lang_switch.set_lang(self.lang)
        self.rail_title.setText(tr("panel.title", self.lang))
        for key, b in self.nav.items():
            b.setText(tr(f"section.{key}", self.lang))
        self.back_button.setText(tr("panel.back", self.lang))
        self.restart_button.set_texts(tr("panel.restart", self.lang),
                                      tr("panel.restart.confirm", self.lang))
        self.exit_button.set_texts(tr("panel.exit", self.lang),
                                   tr("panel.exit.confirm", self.lang))
        self._update_rail()
        self.notice.setText("\n".join(said(n, self.lang) for n in self._notices))
        for page in self.pages.values():
            page.set_lang(self.lang)

    def _update_rail(self) -> None:
        try:
            s = self.services.get_settings()
        except Exception:
            log.exception("settings unavailable")
            return
        self.rail_sub.setText(tr("panel.kiosk", self.lang, id=s.kiosk_id))
        self.timeout_note.setText(tr("panel.timeout", self.lang,
                                     time=duration(s.staff_timeout, self.lang)))

    def _settings_changed(self, settings: Settings) -> None:
        self._update_rail()
        self.settings_changed.emit(settings)

    def set_notices(self, notices: Sequence[str | Text]) -> None:
        """Problems staff must know about (a damaged settings file …): a banner on every page."""
        self._notices = list(notices)
        self.notice.setText("\n".join(said(n, self.lang) for n in notices))
        self.notice.setVisible(bool(notices))
        health = self.pages["health"]
        assert isinstance(health, HealthPage)
        health.extra_problems = list(notices)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.notice.isVisible() and self.notice.geometry().contains(event.position().toPoint()):
            self.notice.hide()  # read: tap it away
        event.accept()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        p.end()

