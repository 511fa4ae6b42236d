"""The greeting on the attract screen when someone steps up (wake on approach).

A card with "Hallo! Tippe, um zu starten" and a live mirrored preview floats over the attract
animation while the presence watcher sees somebody; it goes when they leave. The watcher runs
on its own thread: :class:`PresenceBridge` carries its news onto the GUI thread.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from kiosk.core.i18n import STRINGS
from kiosk.ui.widgets import VideoView


class PresenceBridge(QObject):
    """Thread-safe hop from the watcher's thread to the GUI thread (queued signals)."""

    changed = Signal(bool)
    preview = Signal(object)

    def push_change(self, present: bool) -> None:
        """Called on the watcher's thread."""
        self.changed.emit(present)

    def push_preview(self, frame: np.ndarray) -> None:
        """Called on the watcher's thread."""
        self.preview.emit(frame)


class Greeting(QFrame):
    """The welcome card: both languages at once (nobody has chosen one yet) and a preview."""

    touched = Signal()

    def __init__(self, attract: QWidget) -> None:
        super().__init__(attract)
        self.setObjectName("Greeting")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#Greeting { background: #141B33; border: 2px solid #5EEAD4; border-radius: 32px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(36, 28, 36, 28)
        layout.setSpacing(14)
        self.hello = QLabel(STRINGS["greeting.hello"].de, self)
        self.hello.setObjectName("DemoTitle")
        self.hello.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hello_en = QLabel(STRINGS["greeting.hello"].en, self)
        self.hello_en.setObjectName("SectionTitle")
        self.hello_en.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.video = VideoView(self)
        layout.addWidget(self.hello)
        layout.addWidget(self.hello_en)
        layout.addWidget(self.video, 1)
        self.hide()
        attract.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        w, h = parent.width(), parent.height()
        width = int(min(w * 0.5, 900))
        height = int(min(h * 0.62, width * 0.9))
        self.setGeometry((w - width) // 2, int(h * 0.2), width, height)

    def set_present(self, present: bool) -> None:
        """Show the card (someone came) or hide it (they left)."""
        if present:
            self._place()
            self.show()
            self.raise_()
        else:
            self.hide()
            self.video.set_frame(None)

    def show_preview(self, frame: np.ndarray) -> None:
        """The newest camera picture, shown mirrored like a mirror."""
        if self.isVisible():
            self.video.set_frame(frame, True)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.touched.emit()
        event.accept()
