"""The touch PIN pad: enter the staff PIN, or set one on first start.

A full-window overlay with big digit keys and masked dots. Modes:

- *enter*: check the PIN (in the executor: scrypt takes a noticeable moment); wrong PINs
  count towards the lockout kept by :class:`kiosk.core.pin.PinStore`, whose countdown the
  pad shows while the keys are disabled;
- *new* → *confirm*: no PIN yet (or staff chose "change PIN"): type it twice;
- *broken*: the PIN file is damaged; only IT can help (``kiosk set-pin``).

The digits typed live only in this widget until they are checked, and are cleared right
after, on cancel and on close.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang, failure
from kiosk.core.pin import MAX_DIGITS, MIN_DIGITS, PinCheck, PinError, PinState, PinStore
from kiosk.core.pin import pin_rule_broken as rule_broken
from kiosk.ui import theme
from kiosk.ui.staff.texts import duration, tr
from kiosk.ui.staff.touch import STYLE, button, label, refresh_style

log = logging.getLogger(__name__)

RULE_TEXTS = {
    "digits": ("Nur Ziffern.", "Digits only."),
    "length": (f"Die PIN braucht {MIN_DIGITS} bis {MAX_DIGITS} Ziffern.",
               f"The PIN needs {MIN_DIGITS} to {MAX_DIGITS} digits."),
    "repeated": ("Bitte nicht nur eine Ziffer wiederholen.", "Please do not repeat one digit."),
    "sequence": ("Bitte keine einfache Folge wie 1234.", "Please no simple sequence like 1234."),
}

PAD_STYLE = STYLE + """
QFrame#PinCard { background: #141B33; border: 1px solid #232C4D; border-radius: 32px; }
QPushButton#DigitButton { min-width: 140px; max-width: 140px; min-height: 96px;
    max-height: 96px; padding: 0; border-radius: 48px; font-family: "Inter Display";
    font-size: 40px; font-weight: 700; background: #1E2747; }
QPushButton#DigitButton:pressed { background: #2A3560; }
QPushButton#DigitButton:disabled { color: #3E4763; background: #161D36; }
QPushButton#PinOk { min-width: 140px; max-width: 140px; min-height: 96px; max-height: 96px;
    padding: 0; border-radius: 48px; font-size: 30px; font-weight: 800;
    background: qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 #14B8A6, stop:1 #7C3AED); }
QPushButton#PinOk:pressed {
    background: qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 #0F9488, stop:1 #6429CC); }
QPushButton#PinOk:disabled { background: #161D36; color: #5B647E; }
QLabel#PinMessage { font-size: 20px; font-weight: 600; color: #FCD34D; }
QFrame#PinCard[compact="true"] QPushButton#DigitButton,
QFrame#PinCard[compact="true"] QPushButton#PinOk { min-height: 68px; max-height: 68px;
    border-radius: 34px; }
"""


COMPACT_BELOW = 900  # px of screen height: below it the pad uses smaller keys


class PinMode(enum.Enum):
    """What the pad is asking for."""

    ENTER = "enter"
    NEW = "new"
    CONFIRM = "confirm"
    BROKEN = "broken"


class PinDots(QWidget):
    """Masked digits: a filled dot per digit typed, hollow ones up to the minimum length."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.count = 0
        self.error = False
        self.setFixedHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_count(self, count: int, error: bool = False) -> None:
        """Show ``count`` digits (red after a wrong PIN)."""
        self.count = count
        self.error = error
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        shown = max(MIN_DIGITS, self.count)
        r, gap = 12.0, 22.0
        total = shown * 2 * r + (shown - 1) * gap
        x = (self.width() - total) / 2
        y = self.height() / 2
        colour = QColor("#FCA5A5") if self.error else theme.TEAL_LIGHT
        for i in range(shown):
            rect = QRectF(x + i * (2 * r + gap), y - r, 2 * r, 2 * r)
            if i < self.count:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(colour)
            else:
                p.setPen(QPen(colour if self.error else theme.MUTED, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(rect.adjusted(1.5, 1.5, -1.5, -1.5))
        p.end()


class PinPad(QWidget):
    """The PIN overlay; :attr:`accepted` when the right PIN was entered or a new one saved."""

    accepted = Signal()
    cancelled = Signal()

    def __init__(
        self, store: PinStore, lang: Lang, parent: QWidget, *,
        log_event: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PinPad")
        self.setStyleSheet(PAD_STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.store = store
        self.lang: Lang = lang
        self.mode = PinMode.ENTER
        self.first_start = False
        self.checking = False
        self.last_check: PinCheck | None = None
        self._log = log_event or (lambda kind, payload: None)
        self._entry = ""
        self._first = ""  # the new PIN while it is being confirmed
        self._message: tuple[str, dict[str, object]] | None = None
        self._raw_message: tuple[str, str] | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self.tick)

        self.card = QFrame(self)
        self.card.setObjectName("PinCard")
        self.card.setFixedWidth(600)
        self.card.setProperty("compact", False)
        self.col = col = QVBoxLayout(self.card)
        col.setContentsMargins(48, 40, 48, 36)
        col.setSpacing(14)
        self.title = label("", "DemoTitle", self.card)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt = label("", "BodyText", self.card, wrap=True)
        self.prompt.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.dots = PinDots(self.card)
        self.message = label("", "PinMessage", self.card, wrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setMinimumHeight(56)
        col.addWidget(self.title)
        col.addWidget(self.prompt)
        col.addSpacing(6)
        col.addWidget(self.dots)
        col.addWidget(self.message)
        self.grid = grid = QGridLayout()
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(16)
        self.digits: dict[str, QPushButton] = {}
        for i, d in enumerate("123456789"):
            self.digits[d] = self._digit(d)
            grid.addWidget(self.digits[d], i // 3, i % 3)
        self.delete_button = self._digit("⌫")
        self.delete_button.clicked.disconnect()
        self.delete_button.clicked.connect(self.delete)
        self.digits["0"] = self._digit("0")
        self.ok_button = button("", "PinOk", self.card)
        self.ok_button.clicked.connect(self.submit)
        grid.addWidget(self.delete_button, 3, 0)
        grid.addWidget(self.digits["0"], 3, 1)
        grid.addWidget(self.ok_button, 3, 2)
        col.addLayout(grid)
        col.addSpacing(6)
        row = QHBoxLayout()
        self.cancel_button = button("", "QuietButton", self.card)
        self.cancel_button.clicked.connect(self.cancel)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        col.addLayout(row)
        self.hide()

    def _digit(self, text: str) -> QPushButton:
        b = button(text, "DigitButton", self.card)
        b.clicked.connect(lambda _=False, d=text: self.press(d))
        return b

    # -- opening -------------------------------------------------------------------------------
    def open(self, *, change: bool = False, first_start: bool = False) -> None:
        """Show the pad: enter the PIN, or set one (no PIN yet, or ``change``)."""
        state = self.store.state()
        self.first_start = first_start
        self._clear()
        self._first = ""
        self._message = None
        self._raw_message = None
        if change or state is PinState.NONE:
            self.mode = PinMode.NEW
        elif state is PinState.BROKEN:
            self.mode = PinMode.BROKEN
        else:
            self.mode = PinMode.ENTER
        self._place()
        self.show()
        self.raise_()
        self.setFocus()
        self.timer.start()
        self._refresh()

    def close_pad(self) -> None:
        """Hide and forget every digit."""
        self._clear()
        self._first = ""
        self.timer.stop()
        self.hide()

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        self._refresh()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self._fit_height(self.height() < COMPACT_BELOW)
        self.card.adjustSize()
        self.card.move(int((self.width() - self.card.width()) / 2),
                       int((self.height() - self.card.height()) / 2))

    def resizeEvent(self, event: object) -> None:
        self._place()

    def _fit_height(self, compact: bool) -> None:
        # the full pad is about 850 px tall: on a 1280×720 or ×800 screen its title and
        # "Cancel" were cut off; smaller keys (still 68 px, a fingertip) keep it whole
        if compact == self.card.property("compact"):
            return
        self.card.setProperty("compact", compact)
        for widget in (self.card, *self.card.findChildren(QPushButton)):
            refresh_style(widget)
        self.col.setContentsMargins(48, 24 if compact else 40, 48, 20 if compact else 36)
        self.col.setSpacing(8 if compact else 14)
        self.grid.setVerticalSpacing(12 if compact else 16)
        self.message.setMinimumHeight(44 if compact else 56)

    # -- typing --------------------------------------------------------------------------------
    def press(self, digit: str) -> None:
        """Type ``digit``."""
        if self.checking or self.locked_for() > 0 or self.mode is PinMode.BROKEN:
            return
        if len(self._entry) < MAX_DIGITS:
            self._entry += digit
            self._message = None
            self._raw_message = None
            self._refresh()

    def delete(self) -> None:
        """Remove the last digit."""
        self._entry = self._entry[:-1]
        self._refresh()

    def cancel(self) -> None:
        """Close without access."""
        self.close_pad()
        self.cancelled.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text.isdigit() and text.isascii():
            self.press(text)
        elif event.key() == Qt.Key.Key_Backspace:
            self.delete()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the dimmed area is not the kiosk below: touches stop here

    def locked_for(self) -> float:
        """Seconds the pad stays locked (entering mode only)."""
        return self.store.locked_for() if self.mode is PinMode.ENTER else 0.0

    # -- submitting ----------------------------------------------------------------------------
    def submit(self) -> None:
        """OK: check the PIN, or go on with setting a new one."""
        if self.checking or len(self._entry) < MIN_DIGITS:
            return
        entry, self._entry = self._entry, ""
        if self.mode is PinMode.ENTER:
            self._start(self._check(entry))
        elif self.mode is PinMode.NEW:
            rule = rule_broken(entry)
            if rule:
                de, en = RULE_TEXTS[rule]
                self._raw_message = (de, en)
            else:
                self._first = entry
                self.mode = PinMode.CONFIRM
            self._refresh()
        elif self.mode is PinMode.CONFIRM:
            if entry != self._first:
                self._first = ""
                self.mode = PinMode.NEW
                self._message = ("pin.mismatch", {})
                self._refresh()
            else:
                self._start(self._save(entry))

    def _start(self, coro: Any) -> None:
        self.checking = True
        self._refresh()
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _check(self, pin: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self.store.verify, pin)
        finally:
            self.checking = False
        self.last_check = result
        if result.ok:
            self._log("staff_pin_ok", {})
            self.close_pad()
            self.accepted.emit()
            return
        self._log("staff_pin_wrong", {"failures": result.failures,
                                      "locked_s": round(result.locked_for)})
        if result.locked_for > 0:
            self._message = ("pin.wrong.locked", {})
        else:
            key = "pin.wrong.one" if result.tries_left == 1 else "pin.wrong"
            self._message = (key, {"n": result.tries_left})
        self.dots.set_count(0, error=True)
        self._refresh(error=True)

    async def _save(self, pin: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.store.set_pin, pin)
        except PinError as exc:
            self.checking = False
            self._first = ""
            self.mode = PinMode.NEW
            # the file could not be written: say why in the staff's language
            cause = exc.__cause__
            error = failure(cause) if isinstance(cause, OSError) else str(exc)
            self._message = ("pin.set_failed", {"error": error})
            self._refresh()
            return
        self.checking = False
        self._log("staff_pin_set", {})
        self.close_pad()
        self.accepted.emit()

    def _clear(self) -> None:
        self._entry = ""

    # -- showing -------------------------------------------------------------------------------
    def tick(self) -> None:
        """Update the lockout countdown."""
        if self.isVisible():
            self._refresh(error=self.dots.error)

    def _refresh(self, error: bool = False) -> None:
        lang = self.lang
        self.title.setText(tr("pin.title", lang))
        prompts = {PinMode.ENTER: "pin.enter", PinMode.NEW:
                   "pin.new.first" if self.first_start or self.store.state() is PinState.NONE
                   else "pin.new", PinMode.CONFIRM: "pin.confirm", PinMode.BROKEN: "pin.broken"}
        self.prompt.setText(tr(prompts[self.mode], lang))
        locked = self.locked_for()
        parts: list[str] = []
        if self._raw_message is not None:
            parts.append(self._raw_message[0] if lang == "de" else self._raw_message[1])
        elif self._message is not None:
            key, values = self._message
            parts.append(tr(key, lang, **values))
        if locked > 0:
            parts.append(tr("pin.locked", lang, time=duration(math.ceil(locked), lang)))
        elif self.checking:
            parts.append(tr("pin.checking", lang))
        self.message.setText("\n".join(parts))
        usable = self.mode is not PinMode.BROKEN and locked <= 0 and not self.checking
        for b in (*self.digits.values(), self.delete_button):
            b.setEnabled(usable)
        self.ok_button.setEnabled(usable and len(self._entry) >= MIN_DIGITS)
        self.ok_button.setText(tr("pin.ok", lang))
        self.dots.setVisible(self.mode is not PinMode.BROKEN)
        if self._entry or not error:
            self.dots.set_count(len(self._entry))
        self.cancel_button.setText(tr("pin.later" if self.first_start else "pin.cancel", lang))
        self.card.adjustSize()
        self._place()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(5, 8, 18, 230))
        p.end()

