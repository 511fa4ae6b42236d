"""The kiosk window: a stack of visitor screens plus the idle countdown on top."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from kiosk.core.i18n import Lang
from kiosk.core.session import Screen
from kiosk.ui.attract import AttractScreen
from kiosk.ui.demo_view import DemoScreen
from kiosk.ui.home import HomeScreen
from kiosk.ui.idle_overlay import IdleOverlay


class KioskWindow(QMainWindow):
    """Holds the screens; the controller decides which one is visible."""

    def __init__(self, lang: Lang, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KioskWindow")
        self.setWindowTitle("Showroom Kiosk")
        self.stack = QStackedWidget(self)
        self.attract = AttractScreen()
        self.home = HomeScreen(lang)
        self.demo = DemoScreen(lang)
        for screen in (self.attract, self.home, self.demo):
            self.stack.addWidget(screen)
        self.setCentralWidget(self.stack)
        self.idle = IdleOverlay(lang, self.stack)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def show_screen(self, screen: Screen) -> None:
        """Make ``screen`` visible."""
        widget = {Screen.ATTRACT: self.attract, Screen.HOME: self.home,
                  Screen.DEMO: self.demo}[screen]
        self.stack.setCurrentWidget(widget)

    def current_screen(self) -> Screen:
        """Which screen is visible."""
        widget = self.stack.currentWidget()
        if widget is self.home:
            return Screen.HOME
        if widget is self.demo:
            return Screen.DEMO
        return Screen.ATTRACT

    def set_lang(self, lang: Lang) -> None:
        """Every visitor text in ``lang``."""
        self.home.set_lang(lang)
        self.demo.set_lang(lang)
        self.idle.set_lang(lang)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.idle.isVisible():
            self.idle.setGeometry(self.stack.rect())
