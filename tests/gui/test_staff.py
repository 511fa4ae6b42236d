"""Staff mode in the real window: gesture, PIN pad and lockout, panel, timeout, lock-down.

Time is a fake clock everywhere (gesture hold, PIN lockout, staff timeout, pointer hiding);
input goes through the window's native ``QWindow`` as real touches and clicks do.
"""

from __future__ import annotations

import asyncio
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from kiosk.core.i18n import Text
from kiosk.core.pin import PIN_FILE, PinState, PinStore
from kiosk.core.problems import msg
from kiosk.core.session import Screen
from kiosk.core.settings import Settings, SettingsError, load_settings, save_settings
from kiosk.ui.main_window import KioskWindow
from kiosk.ui.staff.camera_page import CameraPage
from kiosk.ui.staff.folders import FolderPicker, choose_folder
from kiosk.ui.staff.integration import PAD_TIMEOUT, StaffMode, install_staff_mode
from kiosk.ui.staff.pin_pad import PinMode, PinPad
from kiosk.ui.staff.services import (
    ActionResult,
    CameraChoice,
    DemoRow,
    HealthSnapshot,
    StaffServices,
    default_media_roots,
)
from kiosk.ui.staff.staff_panel import SECTIONS, ImportPage, SettingsPage
from kiosk.ui.staff.texts import TEXTS
from kiosk.ui.theme import apply_theme
from tests.gui.conftest import FakeClock

COST = 2**10  # scrypt cost for tests; the file format and the checks are the same
PIN = "2580"
CORNER = QPoint(12, 12)
LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


class FakeSource:
    """A camera for the preview: small frames, and it remembers being closed."""

    live = True
    fps = 30.0
    description = "fake camera"

    def __init__(self) -> None:
        self.closed = False
        self.reads = 0

    def read(self) -> np.ndarray:
        self.reads += 1
        return np.full((48, 64, 3), self.reads % 255, np.uint8)

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeApp:
    """The app behind StaffServices: demos, settings saved for real, calls recorded."""

    folder: Path
    usb: Path
    settings: Settings = field(default_factory=Settings)
    order: list[str] = field(default_factory=lambda: ["classify", "faces", "broken"])
    disabled: set[str] = field(default_factory=set)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_save: bool = False
    import_gate: threading.Event | None = None
    sources: list[FakeSource] = field(default_factory=list)
    roots: list[Path] | None = None

    def demos(self) -> list[DemoRow]:
        titles = {"classify": Text("Was sieht die KI?", "What does the AI see?"),
                  "faces": Text("Gesichter", "Faces"), "broken": Text("Kaputt", "Broken")}
        return [DemoRow(d, titles[d], d not in self.disabled, ready=d != "broken",
                        reasons=["demo.toml: task 'x' is not supported"] if d == "broken"
                        else []) for d in self.order]

    def set_enabled(self, demo_id: str, enabled: bool) -> None:
        self.calls.append(("enabled", (demo_id, enabled)))
        (self.disabled.discard if enabled else self.disabled.add)(demo_id)

    def set_order(self, ids: list[str]) -> None:
        self.calls.append(("order", ids))
        self.order = list(ids)

    def set_settings(self, new: Settings) -> None:
        if self.fail_save:
            raise SettingsError([msg("settings.not_saved", path=self.folder,
                                     detail="Read-only file system")])
        save_settings(self.folder, new)
        self.settings = new

    def import_pack(self, path: Path) -> ActionResult:
        if self.import_gate is not None:
            assert self.import_gate.wait(10)
        self.calls.append(("import", path))
        if not any(path.iterdir()) if path.is_dir() else False:
            return ActionResult(False, f"{path.name}: no demo.toml and no .onnx model")
        return ActionResult(True, f"{path.name} 1.0")

    def open_preview(self, value: str) -> FakeSource:
        source = FakeSource()
        self.sources.append(source)
        return source

    def services(self) -> StaffServices:
        return StaffServices(
            list_demos=self.demos, set_demo_enabled=self.set_enabled,
            set_demo_order=self.set_order,
            self_test=lambda d: ActionResult(True, f"{d}: 3 frames, 12 ms"),
            import_pack=self.import_pack,
            camera_choices=lambda: [CameraChoice(str(i), Text(f"Kamera {i}", f"Camera {i}"))
                                    for i in range(4)]
            + [CameraChoice("sample", Text("Beispielfotos", "Sample photos"))],
            get_settings=lambda: self.settings, set_settings=self.set_settings,
            health=lambda: HealthSnapshot(
                uptime_s=3725, fps={"classify": 29.5}, errors=["camera lost"],
                disk_free_bytes=12_300_000_000, disk_total_bytes=64_000_000_000,
                last_crash="2025-01-01 03:00:00\nUnhandled exception:\nRuntimeError: boom",
                runtime={"classify": {"provider": "OpenVINO", "threads": 1, "precision": "int8"}},
                providers=["OpenVINO", "CPU"]),
            restart=lambda: self.calls.append(("restart", None)),
            exit_kiosk=lambda: self.calls.append(("exit", None)),
            log_event=lambda kind, payload: self.events.append((kind, payload)),
            open_preview=self.open_preview,
            media_roots=lambda: list(self.roots if self.roots is not None else [self.usb]),
            on_staff_mode=lambda on: self.calls.append(("staff_mode", on)),
        )


@dataclass
class Staff:
    """A kiosk window with staff mode installed, and everything behind it."""

    window: KioskWindow
    mode: StaffMode
    app: FakeApp
    clock: FakeClock
    pins: PinStore

    @property
    def pad(self) -> PinPad:
        return self.mode.pad

    def corner_press(self) -> None:
        QTest.mousePress(self.window.windowHandle(), LEFT, NO_MOD, CORNER)

    def corner_release(self) -> None:
        QTest.mouseRelease(self.window.windowHandle(), LEFT, NO_MOD, CORNER)

    def tap(self, pos: QPoint = CORNER) -> None:
        QTest.mouseClick(self.window.windowHandle(), LEFT, NO_MOD, pos)

    def hold_corner(self, seconds: float = 3.0) -> None:
        self.corner_press()
        self.clock.advance(seconds)
        self.mode.gesture.tick()
        self.corner_release()


@pytest.fixture
def make_staff(qapp: QApplication, qloop: asyncio.AbstractEventLoop, qtbot: Any,
               tmp_path: Path) -> Iterator[Callable[..., Staff]]:
    if not qapp.styleSheet():
        apply_theme(qapp)  # re-applying restyles every widget alive: slow, and not needed
    made: list[Staff] = []
    usb = tmp_path / "USB"
    (usb / "my-pack").mkdir(parents=True)
    (usb / "my-pack" / "demo.toml").write_text("id = 'x'\n", encoding="utf-8")
    (usb / "empty").mkdir()
    (usb / "model.onnx").write_bytes(b"onnx")
    data = tmp_path / "data"
    data.mkdir()

    def make(*, kiosk_mode: bool = False, pin: str | None = PIN,
             notices: list[str | Text] | None = None, clock: FakeClock | None = None,
             first_start_prompt: bool | None = None, lang: str | None = None) -> Staff:
        clock = clock or FakeClock()
        app = FakeApp(data, usb)
        pins = PinStore(data, clock=clock, cost=COST)
        if pin is not None and pins.state() is PinState.NONE:
            pins.set_pin(pin)
        window = KioskWindow("de")
        window.resize(1280, 800)
        if not kiosk_mode:
            window.show()
        mode = install_staff_mode(window, app.services(), kiosk_mode=kiosk_mode,
                                  data_dir=data, clock=clock, wall_clock=clock, pins=pins,
                                  notices=notices or [], first_start_prompt=first_start_prompt,
                                  lang=lang)  # type: ignore[arg-type]
        qtbot.waitExposed(window)
        staff = Staff(window, mode, app, clock, pins)
        made.append(staff)
        return staff

    yield make
    for staff in made:
        staff.mode.close("test over")
        if staff.mode.lockdown is not None:
            staff.mode.lockdown.release()
        for task in staff.mode.panel.runner.tasks | staff.mode.pad._tasks:
            task.cancel()
        staff.window.close()
        # Deleted now, not "later": a window left alive is re-styled by every later test.
        shiboken6.delete(staff.window)


def enter(qtbot: Any, pad: PinPad, pin: str) -> None:
    for digit in pin:
        qtbot.mouseClick(pad.digits[digit], LEFT)
    qtbot.mouseClick(pad.ok_button, LEFT)
    qtbot.waitUntil(lambda: not pad.checking, timeout=10_000)


# --------------------------------------------------------------------------- texts


def test_every_staff_text_has_both_languages_and_the_same_placeholders() -> None:
    fields = string.Formatter()
    for key, text in TEXTS.items():
        assert text.de.strip() and text.en.strip(), key
        de = {f for _, f, _, _ in fields.parse(text.de) if f}
        en = {f for _, f, _, _ in fields.parse(text.en) if f}
        assert de == en, key


# --------------------------------------------------------------------------- gesture


def test_holding_the_corner_three_seconds_opens_the_pin_pad(make_staff: Any) -> None:
    s = make_staff()
    s.hold_corner(2.9)
    assert not s.mode.pad_open
    s.corner_press()
    s.clock.advance(3.0)
    s.mode.gesture.tick()
    assert s.mode.pad_open and s.pad.mode is PinMode.ENTER
    s.corner_release()
    assert s.window.current_screen() is Screen.ATTRACT  # nothing else happened


def test_sliding_out_of_the_corner_cancels_the_hold(make_staff: Any) -> None:
    s = make_staff()
    s.corner_press()
    QTest.mouseMove(s.window.windowHandle(), QPoint(400, 300))
    s.clock.advance(5)
    s.mode.gesture.tick()
    assert not s.mode.pad_open


def test_five_quick_taps_in_the_corner_open_the_pin_pad(make_staff: Any) -> None:
    s = make_staff()
    for _ in range(4):
        s.tap()
        s.clock.advance(0.7)
    assert not s.mode.pad_open
    s.tap()
    assert s.mode.pad_open


def test_slow_taps_or_taps_elsewhere_do_nothing(make_staff: Any) -> None:
    s = make_staff()
    for _ in range(6):
        s.tap()
        s.clock.advance(1.0)  # five taps take 4 s: too slow
    assert not s.mode.pad_open
    s.clock.advance(10)
    for i in range(5):
        s.tap(QPoint(600, 400) if i == 2 else CORNER)  # a tap elsewhere breaks the series
    assert not s.mode.pad_open


def test_touches_count_once(make_staff: Any) -> None:
    s = make_staff()
    device = QTest.createTouchDevice()
    handle = s.window.windowHandle()
    for _ in range(4):
        QTest.touchEvent(handle, device).press(0, CORNER, handle)
        QTest.touchEvent(handle, device).release(0, CORNER, handle)
    assert not s.mode.pad_open  # mouse events Qt synthesises from touches are not extra taps
    QTest.touchEvent(handle, device).press(0, CORNER, handle)
    QTest.touchEvent(handle, device).release(0, CORNER, handle)
    assert s.mode.pad_open


# --------------------------------------------------------------------------- PIN


def test_right_pin_opens_the_panel(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.hold_corner()
    enter(qtbot, s.pad, PIN)
    assert s.mode.panel_open and not s.mode.pad_open
    assert ("staff_mode", True) in s.app.calls
    assert [k for k, _ in s.app.events] == ["staff_pin_ok", "staff_open"]
    assert s.mode.panel.section == "demos"
    # While staff mode is open, the gesture sleeps.
    s.mode.close("staff")
    assert ("staff_mode", False) in s.app.calls
    s.hold_corner()
    assert s.mode.pad_open


def test_wrong_pins_lock_the_pad_with_growing_delays(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.hold_corner()
    enter(qtbot, s.pad, "1111")
    assert "Noch 2 Versuch" in s.pad.message.text()
    enter(qtbot, s.pad, "1112")
    enter(qtbot, s.pad, "1113")
    assert s.pad.locked_for() == 30
    assert "Gesperrt für 30 s" in s.pad.message.text()
    assert not s.pad.digits["2"].isEnabled() and not s.pad.ok_button.isEnabled()
    s.clock.advance(12)
    s.pad.tick()
    assert "Gesperrt für 18 s" in s.pad.message.text()
    s.clock.advance(18)
    s.pad.tick()
    assert s.pad.digits["2"].isEnabled()
    enter(qtbot, s.pad, "1114")
    assert s.pad.locked_for() == 60 and "1 min" in s.pad.message.text()
    wrong = [p for k, p in s.app.events if k == "staff_pin_wrong"]
    assert [w["failures"] for w in wrong] == [1, 2, 3, 4]
    assert [w["locked_s"] for w in wrong] == [0, 0, 30, 60]
    assert all(str(v) not in ("1111", PIN) for w in wrong for v in w.values())
    # Locked: the right PIN does not help, and a restart does not reset the lock.
    s.clock.advance(30)
    again = make_staff(clock=s.clock)
    again.hold_corner()  # takes 3 s of the remaining 30
    assert again.pad.locked_for() == pytest.approx(27)
    assert not again.pad.digits[PIN[0]].isEnabled()
    s.clock.advance(30)
    again.pad.tick()
    enter(qtbot, again.pad, PIN)
    assert again.mode.panel_open


def test_first_start_asks_staff_to_set_a_pin(make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True, pin=None)
    assert s.mode.pad_open and s.pad.mode is PinMode.NEW  # right at start, no gesture
    assert s.pad.cancel_button.text() == "Später"
    enter(qtbot, s.pad, "1234")
    assert s.pad.mode is PinMode.NEW and "1234" in s.pad.message.text()
    enter(qtbot, s.pad, PIN)
    assert s.pad.mode is PinMode.CONFIRM
    enter(qtbot, s.pad, "2581")
    assert s.pad.mode is PinMode.NEW and "stimmen nicht" in s.pad.message.text()
    enter(qtbot, s.pad, PIN)
    enter(qtbot, s.pad, PIN)
    qtbot.waitUntil(lambda: s.mode.panel_open, timeout=10_000)
    assert s.pins.state() is PinState.SET and s.pins.verify(PIN).ok
    assert PIN not in (s.app.folder / PIN_FILE).read_text(encoding="utf-8")
    assert "staff_pin_set" in [k for k, _ in s.app.events]


def test_first_start_pad_speaks_the_language_the_kiosk_was_started_in(
        make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True, pin=None, lang="en")  # `kiosk --lang en`, German settings
    assert s.app.settings.lang == "de"
    assert s.mode.pad_open and s.pad.cancel_button.text() == "Later"
    assert s.pad.prompt.text() == TEXTS["pin.new.first"].en
    enter(qtbot, s.pad, PIN)
    enter(qtbot, s.pad, PIN)
    qtbot.waitUntil(lambda: s.mode.panel_open, timeout=10_000)
    # the panel carries on in the pad's language
    assert s.mode.panel.lang == "en" and s.mode.panel.rail_title.text() == "Staff mode"
    s.mode.close("staff")
    s.hold_corner()  # later, by the gesture: the staff's language from the settings
    assert s.mode.pad_open and s.pad.cancel_button.text() == "Abbrechen"


def test_a_pin_that_cannot_be_saved_says_why_in_the_staff_language(
        make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True, pin=None)
    s.pins.path = Path("/proc/no-such-kiosk/staff_pin.json")  # /proc takes no new folders
    enter(qtbot, s.pad, PIN)
    enter(qtbot, s.pad, PIN)
    qtbot.waitUntil(lambda: "PIN nicht gespeichert" in s.pad.message.text(), timeout=10_000)
    assert "Der Ordner fehlt" in s.pad.message.text()
    s.pad.set_lang("en")
    assert "PIN not saved: The folder is missing" in s.pad.message.text()


def test_later_closes_the_first_start_pad(make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True, pin=None)
    qtbot.mouseClick(s.pad.cancel_button, LEFT)
    assert not s.mode.active and s.pins.state() is PinState.NONE


def test_damaged_pin_file_needs_it(make_staff: Any, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / PIN_FILE).write_text("{not json", encoding="utf-8")
    s = make_staff(pin=None)
    s.hold_corner()
    assert s.pad.mode is PinMode.BROKEN and "kiosk set-pin" in s.pad.prompt.text()
    assert not s.pad.digits["1"].isEnabled()


def test_pin_change_from_the_panel_keeps_the_panel(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("settings")
    page = s.mode.panel.page("settings")
    assert isinstance(page, SettingsPage)
    qtbot.mouseClick(page.pin_button, LEFT)
    assert s.mode.pad_open and s.pad.mode is PinMode.NEW
    qtbot.mouseClick(s.pad.cancel_button, LEFT)
    assert s.mode.panel_open and not s.mode.pad_open
    qtbot.mouseClick(page.pin_button, LEFT)
    enter(qtbot, s.pad, "8642")
    enter(qtbot, s.pad, "8642")
    qtbot.waitUntil(lambda: not s.mode.pad_open, timeout=10_000)
    assert s.mode.panel_open and s.pins.verify("8642").ok


# --------------------------------------------------------------------------- timeout


def test_staff_mode_closes_itself_after_inactivity(make_staff: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    limit = s.app.settings.staff_timeout
    s.clock.advance(limit - 1)
    s.mode.tick()
    assert s.mode.panel_open
    QTest.mouseMove(s.window.windowHandle(), QPoint(700, 500))  # staff are still there
    s.clock.advance(limit - 1)
    s.mode.tick()
    assert s.mode.panel_open
    s.clock.advance(1)
    s.mode.tick()
    assert not s.mode.panel_open
    assert s.app.events[-1] == ("staff_close", {"reason": "timeout"})
    assert ("staff_mode", False) in s.app.calls


def test_an_abandoned_pin_pad_goes_away(make_staff: Any) -> None:
    s = make_staff()
    s.hold_corner()
    s.clock.advance(PAD_TIMEOUT)
    s.mode.tick()
    assert not s.mode.active


def test_a_running_import_keeps_staff_mode_open(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.app.import_gate = threading.Event()
    s.mode.open_panel()
    s.mode.panel.show_section("import")
    page = s.mode.panel.page("import")
    assert isinstance(page, ImportPage)
    qtbot.mouseClick(page.import_button, LEFT)
    assert s.mode.panel.busy
    s.clock.advance(s.app.settings.staff_timeout * 3)
    s.mode.tick()
    assert s.mode.panel_open
    s.app.import_gate.set()
    qtbot.waitUntil(lambda: not s.mode.panel.busy, timeout=10_000)
    s.clock.advance(s.app.settings.staff_timeout)
    s.mode.tick()
    assert not s.mode.panel_open


# --------------------------------------------------------------------------- kiosk mode


class KeyRecorder(QWidget):
    """A focusable widget that records the keys it gets."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.keys: list[int] = []

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() not in (Qt.Key.Key_Alt, Qt.Key.Key_Control, Qt.Key.Key_Shift):
            self.keys.append(event.key())


def test_kiosk_mode_ignores_close_escape_shortcuts_and_context_menus(
        make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True)
    w = s.window
    # Fullscreen itself cannot be checked here: the offscreen test screen (800×800) is
    # smaller than the kiosk window's minimum size, so Qt keeps it a normal window.
    assert w.isVisible()
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert w.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    recorder = KeyRecorder(w.home)
    recorder.show()
    recorder.setFocus()
    menus: list[QPoint] = []
    w.home.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    w.home.customContextMenuRequested.connect(menus.append)
    combos = [(Qt.Key.Key_Escape, NO_MOD), (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
              (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_F11, NO_MOD),
              (Qt.Key.Key_Tab, Qt.KeyboardModifier.AltModifier)]
    overrides: list[bool] = []

    def attack() -> None:
        for key, mod in combos:
            QTest.keyClick(recorder, key, mod)
        # What Qt asks the focus widget before it fires a shortcut: accepted means "no".
        override = QKeyEvent(QEvent.Type.ShortcutOverride, Qt.Key.Key_Q,
                             Qt.KeyboardModifier.ControlModifier)
        override.ignore()
        QApplication.sendEvent(recorder, override)
        overrides.append(override.isAccepted())
        pos = QPoint(50, 50)
        QApplication.sendEvent(w.home, QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, pos, w.home.mapToGlobal(pos)))
        w.close()

    attack()
    assert w.isVisible() and recorder.keys == [] and menus == [] and overrides == [True]
    QTest.keyClicks(recorder, "42")  # plain keys are not shortcuts
    assert recorder.keys == [Qt.Key.Key_4, Qt.Key.Key_2]
    # The same attack without the lock-down: proof that it really was blocked.
    recorder.keys.clear()
    assert s.mode.lockdown is not None
    s.mode.lockdown.release()
    attack()
    assert recorder.keys == [key for key, _ in combos] and len(menus) == 1
    assert overrides == [True, False] and not w.isVisible()


def test_digits_still_reach_the_pin_pad_in_kiosk_mode(make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True)
    s.hold_corner()
    QTest.keyClicks(s.pad, "25")
    QTest.keyClick(s.pad, Qt.Key.Key_Escape)
    assert s.mode.pad_open and s.pad.dots.count == 2


def test_mouse_pointer_hides_when_still_and_returns_on_movement(make_staff: Any) -> None:
    s = make_staff(kiosk_mode=True)
    lock = s.mode.lockdown
    assert lock is not None
    s.clock.advance(s.app.settings.cursor_hide_seconds - 0.5)
    lock.tick()
    assert QApplication.overrideCursor() is None
    s.clock.advance(0.5)
    lock.tick()
    cursor = QApplication.overrideCursor()
    assert cursor is not None and cursor.shape() == Qt.CursorShape.BlankCursor
    QTest.mouseMove(s.window.windowHandle(), QPoint(300, 300))
    assert QApplication.overrideCursor() is None and not lock.cursor_hidden


def test_restart_and_exit_need_a_second_tap_and_lift_the_lockdown(
        make_staff: Any, qtbot: Any) -> None:
    s = make_staff(kiosk_mode=True)
    s.mode.open_panel()
    panel = s.mode.panel
    qtbot.mouseClick(panel.exit_button, LEFT)
    assert ("exit", None) not in s.app.calls and panel.exit_button.armed
    s.clock.advance(5)  # too late: disarmed
    panel.exit_button.tick()
    assert not panel.exit_button.armed
    qtbot.mouseClick(panel.restart_button, LEFT)
    qtbot.mouseClick(panel.restart_button, LEFT)
    assert ("restart", None) in s.app.calls
    assert s.mode.lockdown is not None and not s.mode.lockdown.active
    assert s.window.close()  # the app can quit now


# --------------------------------------------------------------------------- panel pages


def test_panel_sections_are_touch_sized_in_both_languages(make_staff: Any, qtbot: Any,
                                                         tmp_path: Path) -> None:
    s = make_staff()
    s.window.resize(1920, 1080)
    s.mode.open_panel()
    assert s.mode.panel.geometry() == s.window.rect()
    for lang in ("de", "en"):
        qtbot.mouseClick(s.mode.panel.lang_switch.button(lang), LEFT)
        for key in SECTIONS:
            s.mode.panel.show_section(key)
            QApplication.processEvents()
            page = s.mode.panel.page(key)
            assert page.title.text() == TEXTS[f"section.{key}"].get(lang) or key == "stats"
            small = [b.text() for b in page.findChildren(QPushButton)
                     if b.isVisible() and b.height() < 64]
            assert small == [], (key, small)
            assert not s.mode.panel.grab().isNull()


def test_demos_page_switches_orders_and_tests(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    page = s.mode.panel.page("demos")
    rows = page.rows  # type: ignore[attr-defined]
    assert list(rows) == ["classify", "faces", "broken"]
    assert not rows["broken"].toggle.isEnabled() and "Defekt" in rows["broken"].state.text()
    qtbot.mouseClick(rows["faces"].toggle, LEFT)
    assert ("enabled", ("faces", False)) in s.app.calls
    assert not page.rows["faces"].toggle.isChecked()  # type: ignore[attr-defined]
    qtbot.mouseClick(page.rows["classify"].down_button, LEFT)  # type: ignore[attr-defined]
    assert s.app.order == ["faces", "classify", "broken"]
    qtbot.mouseClick(page.rows["classify"].test_button, LEFT)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: "bestanden" in page.rows["classify"].result.text(),  # type: ignore[attr-defined]
                    timeout=10_000)


def test_import_page_browses_a_usb_stick_by_touch(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("import")
    page = s.mode.panel.page("import")
    assert isinstance(page, ImportPage)
    assert page.folder == s.app.usb  # the stick is opened right away
    assert set(page.entry_buttons) == {"my-pack", "empty", "model.onnx"}
    qtbot.mouseClick(page.entry_buttons["empty"], LEFT)
    assert page.folder == s.app.usb / "empty"
    assert "keine Unterordner" in page.browser.entries.itemAt(0).widget().text()
    qtbot.mouseClick(page.import_button, LEFT)
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=10_000)
    assert "Nicht importiert" in page.result.text()  # a folder without a pack: a message
    qtbot.mouseClick(page.browser.up_button, LEFT)
    qtbot.mouseClick(page.entry_buttons["my-pack"], LEFT)
    qtbot.mouseClick(page.import_button, LEFT)
    qtbot.waitUntil(lambda: "Importiert" in page.result.text(), timeout=10_000)
    assert ("import", s.app.usb / "my-pack") in s.app.calls
    qtbot.waitUntil(page.import_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(page.browser.up_button, LEFT)
    qtbot.mouseClick(page.entry_buttons["model.onnx"], LEFT)  # a bare model from the stick
    qtbot.waitUntil(lambda: ("import", s.app.usb / "model.onnx") in s.app.calls,
                    timeout=10_000)
    qtbot.waitUntil(lambda: not page.runner.busy, timeout=10_000)  # the import has finished
    qtbot.waitUntil(page.import_button.isEnabled, timeout=10_000)
    s.app.roots = []
    qtbot.mouseClick(page.browser.refresh_button, LEFT)
    assert "Kein USB-Stick" in page.browser.places.itemAt(0).widget().text()
    assert page.folder is None and not page.import_button.isEnabled()


def test_default_places_end_with_the_home_folder() -> None:
    roots = default_media_roots()
    assert roots[-1] == Path.home() and all(p.is_dir() for p in roots)


def test_touch_folder_picker_for_the_csv_export(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    seen: list[FolderPicker] = []

    def pick(picker: FolderPicker) -> None:
        seen.append(picker)
        assert picker.browser.folder == s.app.usb  # the stick, opened right away
        qtbot.mouseClick(picker.browser.entry_buttons["empty"], LEFT)
        qtbot.mouseClick(picker.choose_button, LEFT)

    roots = s.app.services().media_roots
    assert choose_folder(s.window.home, "de", roots=roots, on_open=pick) == s.app.usb / "empty"
    assert seen[0].choose_button.text() == "„empty“ wählen"

    def cancel(picker: FolderPicker) -> None:
        qtbot.mouseClick(picker.cancel_button, LEFT)

    assert choose_folder(s.window.home, "en", roots=roots, on_open=cancel) is None

    def later(picker: FolderPicker) -> None:  # staff take their time: a real nested loop
        QTimer.singleShot(50, lambda: qtbot.mouseClick(picker.choose_button, LEFT))

    assert choose_folder(s.window.home, "en", roots=roots, on_open=later) == s.app.usb


def test_camera_page_chooses_a_source_and_previews_it(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("camera")
    page = s.mode.panel.page("camera")
    assert isinstance(page, CameraPage)
    qtbot.waitUntil(lambda: page.found is not None, timeout=10_000)  # searched off the GUI
    assert page.buttons["0"].isChecked()
    qtbot.waitUntil(lambda: page.frames_shown >= 2, timeout=10_000)
    qtbot.mouseClick(page.buttons["1"], LEFT)
    assert s.app.settings.camera == "1"
    assert load_settings(s.app.folder)[0].camera == "1"
    qtbot.waitUntil(lambda: s.app.sources[0].closed and len(s.app.sources) == 2,
                    timeout=10_000)
    qtbot.mouseClick(page.mirror, LEFT)
    assert s.app.settings.mirror is False
    s.mode.panel.show_section("demos")  # leaving the page closes the preview
    qtbot.waitUntil(lambda: s.app.sources[-1].closed, timeout=10_000)


def test_settings_page_saves_each_change(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("settings")
    page = s.mode.panel.page("settings")
    assert isinstance(page, SettingsPage)
    qtbot.mouseClick(page.idle.plus, LEFT)
    qtbot.mouseClick(page.lang_choice.buttons["en"], LEFT)
    qtbot.mouseClick(page.pointer.minus, LEFT)
    qtbot.mouseClick(page.change_id, LEFT)
    for _ in range(2):
        qtbot.mouseClick(page.keyboard.backspace, LEFT)
    for char in "-7":
        qtbot.mouseClick(page.keyboard.keys[char], LEFT)
    qtbot.mouseClick(page.keyboard.ok_button, LEFT)
    saved, problems = load_settings(s.app.folder)
    assert problems == []
    assert (saved.idle_timeout, saved.lang, saved.cursor_hide_seconds, saved.kiosk_id) == (
        120.0, "en", 3.0, "kiosk-7")
    assert page.status.text() == "Gespeichert."
    assert s.mode.panel.rail_sub.text() == "Dieser Kiosk: kiosk-7"  # not "Kiosk kiosk-7"


def test_unwritable_data_dir_is_a_message_not_a_crash(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.app.fail_save = True
    s.mode.open_panel()
    s.mode.panel.show_section("settings")
    page = s.mode.panel.page("settings")
    assert isinstance(page, SettingsPage)
    qtbot.mouseClick(page.idle.plus, LEFT)
    assert "Nicht gespeichert" in page.status.text() and "Read-only" in page.status.text()
    assert "können nicht in" in page.status.text()  # the reason in German too
    assert page.idle.value == Settings.idle_timeout  # the control shows what really holds


def test_corrupted_settings_start_with_defaults_and_tell_staff(make_staff: Any,
                                                              tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "settings.toml").write_text("idle_timeout = [[[\n", encoding="utf-8")
    settings, problems = load_settings(data)
    assert settings == Settings() and problems
    s = make_staff(notices=[p.both() for p in problems])  # as the app passes them
    s.mode.open_panel()
    notice = s.mode.panel.notice
    assert notice.isVisible() and "settings.toml ist beschädigt" in notice.text()
    assert list(data.glob("settings.toml.broken-*"))
    s.mode.panel.show_section("health")
    health = s.mode.panel.page("health")
    assert "ist beschädigt" in health.notes_text.text()  # type: ignore[attr-defined]
    s.mode.panel.set_lang("en")
    assert "damaged" in notice.text() and "beschädigt" not in notice.text()
    assert "damaged" in health.notes_text.text()  # type: ignore[attr-defined]


def test_health_page_shows_uptime_and_last_crash(make_staff: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("health")
    page = s.mode.panel.page("health")
    assert page.uptime.value.text() == "1 Std. 02 min"  # type: ignore[attr-defined]
    assert page.disk.value.text() == "12,3 GB"  # type: ignore[attr-defined]
    assert "RuntimeError: boom" in page.crash_text.text()  # type: ignore[attr-defined]
    assert "29,5 Bilder/s" in page.fps_text.text()  # type: ignore[attr-defined]
    runtime = page.runtime_text.text()  # type: ignore[attr-defined]
    assert "classify: OpenVINO · Threads 1 · int8" in runtime
    assert "Verfügbar: OpenVINO, CPU" in runtime


def test_stats_page_hosts_the_given_widget(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    made: list[QWidget] = []

    def factory(lang: str, parent: QWidget) -> QWidget:
        widget = QWidget(parent)
        widget.set_lang = lambda code: made.append(widget)  # type: ignore[attr-defined]
        made.append(widget)
        return widget

    s.mode.services.stats_widget = factory
    s.mode.open_panel()
    s.mode.panel.show_section("stats")
    s.mode.panel.show_section("health")
    s.mode.panel.show_section("stats")
    assert len(made) == 1 and made[0].isVisible()
    qtbot.mouseClick(s.mode.panel.lang_switch.button("en"), LEFT)
    assert len(made) == 2  # set_lang was passed on


def test_staff_mode_over_the_real_visitor_flow(make_kiosk: Any, qtbot: Any,
                                               tmp_path: Path) -> None:
    k = make_kiosk()
    data = tmp_path / "kiosk-data"
    pins = PinStore(data, clock=k.clock, cost=COST)
    pins.set_pin(PIN)
    app = FakeApp(data, tmp_path)
    services = replace(app.services(), on_staff_mode=lambda on: k.controller.finish()
                       if on else None)
    mode = install_staff_mode(k.window, services, kiosk_mode=False, data_dir=data,
                              clock=k.clock, wall_clock=k.clock, pins=pins)
    qtbot.waitExposed(k.window)
    k.controller.activity()
    assert k.window.current_screen() is Screen.HOME
    for _ in range(5):
        QTest.mouseClick(k.window.windowHandle(), LEFT, NO_MOD, CORNER)
    assert mode.pad_open
    enter(qtbot, mode.pad, PIN)
    assert mode.panel_open and k.window.current_screen() is Screen.ATTRACT
    qtbot.mouseClick(mode.panel.back_button, LEFT)
    assert not mode.active


def test_health_page_names_version_and_camera_and_skips_an_empty_crash_box(
        make_staff: Any) -> None:
    s = make_staff()
    s.mode.services.health = lambda: HealthSnapshot(
        uptime_s=5, version="0.1.0 (abc1234)", camera="0", camera_state="fallback")
    s.mode.open_panel()
    s.mode.panel.set_lang("en")
    s.mode.panel.show_section("health")
    page = s.mode.panel.page("health")
    assert page.version.value.text() == "0.1.0 (abc1234)"  # type: ignore[attr-defined]
    assert page.camera.value.text() == "Camera 0"  # type: ignore[attr-defined]
    assert "sample photos" in page.camera.sub.text()  # type: ignore[attr-defined]
    assert not page.crash_area.isVisibleTo(page)  # type: ignore[attr-defined]
    assert page.no_crash.text() == "No crash recorded."  # type: ignore[attr-defined]


def test_import_page_has_no_placeholder_button_before_a_place_is_chosen(
        make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.app.roots = []
    s.mode.open_panel()
    s.mode.panel.show_section("import")
    page = s.mode.panel.page("import")
    assert isinstance(page, ImportPage) and page.folder is None
    assert not page.import_button.isVisibleTo(page) and "…" not in page.import_button.text()
    assert page.steps.isVisibleTo(page) and "USB" in page.steps.text()


def test_staff_switch_the_performance_overlay_on(make_staff: Any, qtbot: Any) -> None:
    s = make_staff()
    s.mode.open_panel()
    s.mode.panel.show_section("settings")
    page = s.mode.panel.page("settings")
    assert isinstance(page, SettingsPage) and not page.performance.isChecked()
    qtbot.mouseClick(page.performance, LEFT)
    assert s.app.settings.show_performance_overlay
    assert load_settings(s.app.folder)[0].show_performance_overlay


@pytest.mark.parametrize("problem, de, en", [
    ("read_only", "ist schreibgeschützt", "is read-only"),
    ("full", "ist voll", "is full"),
])
def test_health_page_says_the_disk_problem_once_in_both_languages(
        make_staff: Any, qtbot: Any, problem: str, de: str, en: str) -> None:
    s = make_staff()
    s.mode.open_panel()
    page = s.mode.panel.page("health")
    page.services = replace(page.services, health=lambda: HealthSnapshot(
        uptime_s=60, disk_problem=problem, data_dir="/srv/kiosk"))
    s.mode.panel.show_section("health")
    notes = page.notes_text.text()  # type: ignore[attr-defined]
    assert notes.startswith(f"• Der Datenordner /srv/kiosk {de}" if problem == "read_only"
                            else "• Der Datenträger mit dem Datenordner /srv/kiosk")
    assert notes.count(de) == 1
    qtbot.mouseClick(s.mode.panel.lang_switch.button("en"), LEFT)
    assert en in page.notes_text.text()  # type: ignore[attr-defined]
