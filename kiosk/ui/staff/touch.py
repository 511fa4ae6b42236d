"""Touch controls for staff mode: steppers, switches, segmented choices, a tiny keyboard.

Nothing here needs a keyboard or precise pointing: every target is at least 64 px, values
change by steps from a fixed list instead of typing, and lists scroll with a finger.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEasingCurve, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScroller,
    QScrollerProperties,
    QVBoxLayout,
    QWidget,
)

STYLE = """
#StaffRoot, #StaffPage, #StaffScrollBody { background: #0B1020; }
QFrame#StaffRail { background: #10162B; border-right: 1px solid #232C4D; }
QLabel#RailTitle { font-family: "Inter Display"; font-size: 30px; font-weight: 800; }
QLabel#RailSub { color: #8C95AD; font-size: 17px; }
QPushButton#NavButton { text-align: left; padding: 0 24px; min-height: 68px; border-radius: 20px;
    background: transparent; color: #AEB6CC; font-size: 22px; font-weight: 700; }
QPushButton#NavButton:checked { background: #1E2747; color: #F4F6FB;
    border-left: 6px solid #14B8A6; }
QPushButton#DangerButton { background: #3A1620; color: #FCA5A5; border: 2px solid #7F1D1D; }
QPushButton#DangerButton:pressed { background: #5B1A28; }
QPushButton#DangerButton[armed="true"] { background: #B91C1C; color: #FFFFFF;
    border: 2px solid #FCA5A5; }
QPushButton#QuietButton { background: #1E2747; }
QPushButton#QuietButton:disabled, QPushButton#PrimaryButton:disabled {
    background: #161D36; color: #5B647E; }
QPushButton#StepButton { min-width: 72px; max-width: 72px; min-height: 72px; max-height: 72px;
    padding: 0; border-radius: 36px; font-size: 34px; font-weight: 800; background: #1E2747; }
QPushButton#StepButton:disabled { color: #3E4763; }
QLabel#StepValue { font-family: "Inter Display"; font-size: 30px; font-weight: 800; }
QPushButton#Toggle { min-width: 132px; min-height: 64px; border-radius: 32px;
    background: #2A3149; color: #AEB6CC; font-weight: 800; }
QPushButton#Toggle:checked { background: #14B8A6; color: #04231F; }
QPushButton#Toggle:disabled { background: #1A2038; color: #4B5470; }
QFrame#Segmented { background: #1E2747; border-radius: 36px; }
QPushButton#SegmentButton { min-height: 64px; min-width: 100px; padding: 0 22px;
    border-radius: 32px; background: transparent; color: #AEB6CC; font-weight: 700; }
QPushButton#SegmentButton:checked { background: #F4F6FB; color: #0B1020; }
QPushButton#ChoiceButton { text-align: left; padding: 0 26px; min-height: 72px;
    border-radius: 20px; background: #141B33; border: 2px solid #232C4D; font-weight: 600; }
QPushButton#ChoiceButton:checked { border: 2px solid #14B8A6; background: #13223A; }
QPushButton#ChoiceButton[missing="true"] { color: #FCD34D; }
QPushButton#ChoiceButton[missing="true"]:checked { border: 2px solid #FCD34D; }
QLabel#PreviewNote { background: #141B33; border-radius: 20px; color: #AEB6CC;
    font-size: 24px; font-weight: 600; padding: 24px; }
QPushButton#KeyButton { min-width: 64px; min-height: 64px; padding: 0; border-radius: 16px;
    font-size: 26px; font-weight: 700; }
QFrame#Row { background: #141B33; border: 1px solid #232C4D; border-radius: 20px; }
QLabel#RowTitle { font-size: 24px; font-weight: 700; }
QLabel#RowSub { color: #8C95AD; font-size: 18px; }
QLabel#RowWarn { color: #FCD34D; font-size: 18px; }
QLabel#RowOk { color: #5EEAD4; font-size: 18px; }
QLabel#RowBad { color: #FCA5A5; font-size: 18px; }
QLabel#Notice { background: rgba(252, 211, 77, 30); color: #FCD34D; border: 2px solid #FCD34D;
    border-radius: 14px; padding: 10px 18px; font-size: 19px; font-weight: 600; }
QLabel#StatusOk { color: #5EEAD4; font-size: 20px; font-weight: 600; }
QLabel#StatusBad { color: #FCA5A5; font-size: 20px; font-weight: 600; }
QLabel#PageTitle { font-family: "Inter Display"; font-size: 46px; font-weight: 800; }
QLabel#MonoText { font-family: "DejaVu Sans Mono", "Consolas", monospace; font-size: 16px;
    color: #C9CFDF; }
QLabel#KpiCaption { color: #5EEAD4; font-size: 17px; font-weight: 700; letter-spacing: 1px; }
QLabel#KpiValue { font-family: "Inter Display"; font-size: 44px; font-weight: 800; }
QLabel#KpiSub { color: #AEB6CC; font-size: 17px; }
QScrollBar:vertical { background: transparent; width: 18px; margin: 4px; }
QScrollBar::handle:vertical { background: #2A3560; border-radius: 5px; min-height: 60px; }
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: transparent; }
QScrollArea { background: transparent; border: none; }
"""


def label(text: str, name: str, parent: QWidget | None = None, wrap: bool = False) -> QLabel:
    """A QLabel with a theme object name."""
    widget = QLabel(text, parent)
    widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


def button(text: str, name: str = "", parent: QWidget | None = None) -> QPushButton:
    """A QPushButton with a theme object name (and no keyboard focus: it is a touch UI)."""
    widget = QPushButton(text, parent)
    if name:
        widget.setObjectName(name)
    widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return widget


def touch_scroll(area: QAbstractScrollArea) -> None:
    """Scroll ``area`` by dragging a finger (touch only: mouse clicks stay clicks)."""
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    scroller = QScroller.scroller(area.viewport())
    props = scroller.scrollerProperties()
    props.setScrollMetric(QScrollerProperties.ScrollMetric.OvershootDragResistanceFactor, 0.3)
    props.setScrollMetric(QScrollerProperties.ScrollMetric.ScrollingCurve,
                          QEasingCurve(QEasingCurve.Type.OutCubic))
    scroller.setScrollerProperties(props)


def refresh_style(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class Stepper(QFrame):
    """− value + over a fixed list of values; emits :attr:`changed` with the new value."""

    changed = Signal(float)

    def __init__(self, values: Sequence[float], value: float,
                 fmt: Callable[[float], str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = list(values)
        self.fmt = fmt
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.minus = button("−", "StepButton", self)
        self.plus = button("+", "StepButton", self)
        self.value_label = label("", "StepValue", self)
        self.value_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value_label.setMinimumWidth(190)
        layout.addWidget(self.minus)
        layout.addWidget(self.value_label)
        layout.addWidget(self.plus)
        self.minus.clicked.connect(lambda: self.step(-1))
        self.plus.clicked.connect(lambda: self.step(1))
        self.value = value
        self.set_value(value)

    def set_value(self, value: float) -> None:
        """Show ``value`` (added to the list when it is not one of the steps)."""
        if value not in self.values:
            self.values = sorted({*self.values, value})
        self.value = value
        self.value_label.setText(self.fmt(value))
        i = self.values.index(value)
        self.minus.setEnabled(i > 0)
        self.plus.setEnabled(i < len(self.values) - 1)

    def retranslate(self) -> None:
        """Re-format the value (after a language switch)."""
        self.value_label.setText(self.fmt(self.value))

    def step(self, direction: int) -> None:
        """One step down (-1) or up (+1)."""
        i = self.values.index(self.value) + direction
        if 0 <= i < len(self.values):
            self.set_value(self.values[i])
            self.changed.emit(self.value)


class Toggle(QPushButton):
    """An on/off switch with words on it (On/Off reads better than a tiny slider)."""

    def __init__(self, on_text: str, off_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Toggle")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.on_text, self.off_text = on_text, off_text
        self.toggled.connect(lambda _=False: self._label())
        self._label()

    def set_texts(self, on_text: str, off_text: str) -> None:
        """New words (language switch)."""
        self.on_text, self.off_text = on_text, off_text
        self._label()

    def _label(self) -> None:
        self.setText(self.on_text if self.isChecked() else self.off_text)


class Segmented(QFrame):
    """A pill of mutually exclusive options; emits :attr:`changed` with the option's key."""

    changed = Signal(str)

    def __init__(self, options: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Segmented")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QPushButton] = {}
        for key, text in options:
            b = button(text, "SegmentButton", self)
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, k=key: self.changed.emit(k))
            self.group.addButton(b)
            layout.addWidget(b)
            self.buttons[key] = b

    def select(self, key: str) -> None:
        """Show ``key`` as chosen without emitting."""
        if key in self.buttons:
            self.buttons[key].setChecked(True)


class ConfirmButton(QPushButton):
    """A dangerous action: the first tap arms it, a second tap within a few seconds fires.

    A dialog would need a second screen; arming in place keeps the finger where it is.
    """

    confirmed = Signal()

    def __init__(self, parent: QWidget | None = None, *, seconds: float = 4.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("DangerButton")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.seconds = seconds
        self.clock = clock
        self.text_idle = ""
        self.text_armed = ""
        self._armed_at: float | None = None
        self.setProperty("armed", False)
        self.clicked.connect(self._tap)
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.tick)

    def set_texts(self, idle: str, armed: str) -> None:
        """The resting and the armed label."""
        self.text_idle, self.text_armed = idle, armed
        self.setText(armed if self.armed else idle)

    @property
    def armed(self) -> bool:
        """True between the first and the second tap."""
        return self._armed_at is not None

    def _tap(self) -> None:
        if self._armed_at is not None and self.clock() - self._armed_at < self.seconds:
            self.disarm()
            self.confirmed.emit()
            return
        self._armed_at = self.clock()
        self.setProperty("armed", True)
        self.setText(self.text_armed)
        refresh_style(self)
        self._timer.start()

    def tick(self) -> None:
        """Disarm after the time ran out."""
        if self._armed_at is not None and self.clock() - self._armed_at >= self.seconds:
            self.disarm()

    def disarm(self) -> None:
        """Back to the resting state."""
        self._armed_at = None
        self._timer.stop()
        self.setProperty("armed", False)
        self.setText(self.text_idle)
        refresh_style(self)


KEY_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl-", "zxcvbnm._")


class MiniKeyboard(QFrame):
    """Letters, digits and ``-._`` for a kiosk id: the one thing staff ever type.

    Emits :attr:`accepted` with the text, or :attr:`cancelled`.
    """

    accepted = Signal(str)
    cancelled = Signal()

    def __init__(self, max_length: int = 40, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Row")
        self.max_length = max_length
        self.text = ""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(12)
        self.display = label("", "StepValue", self)
        self.display.setMinimumHeight(56)
        outer.addWidget(self.display)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(KEY_ROWS):
            for c, char in enumerate(row):
                b = button(char, "KeyButton", self)
                b.clicked.connect(lambda _=False, key=b: self.press(key.text()))
                grid.addWidget(b, r, c)
                self.keys[char] = b
        self.backspace = button("⌫", "KeyButton", self)
        self.backspace.clicked.connect(self.delete)
        grid.addWidget(self.backspace, 3, 9)
        outer.addLayout(grid)
        actions = QHBoxLayout()
        self.cancel_button = button("", "QuietButton", self)
        self.ok_button = button("", "PrimaryButton", self)
        self.cancel_button.clicked.connect(self.cancelled)
        self.ok_button.clicked.connect(lambda: self.accepted.emit(self.text))
        actions.addStretch(1)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.ok_button)
        outer.addLayout(actions)

    def set_layout(self, lang: str) -> None:
        """QWERTZ for German staff, QWERTY otherwise (only y and z trade places)."""
        y, z = ("z", "y") if lang == "de" else ("y", "z")
        self.keys["y"].setText(y)
        self.keys["z"].setText(z)

    def start(self, text: str) -> None:
        """Begin editing ``text``."""
        self.text = text[: self.max_length]
        self._show()

    def press(self, char: str) -> None:
        """Type ``char``."""
        if len(self.text) < self.max_length:
            self.text += char
            self._show()

    def delete(self) -> None:
        """Remove the last character."""
        self.text = self.text[:-1]
        self._show()

    def _show(self) -> None:
        self.display.setText(self.text + "▏")
        self.ok_button.setEnabled(bool(self.text))
