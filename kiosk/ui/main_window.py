"""The kiosk window: a stack of visitor screens plus the idle countdown on top."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QResizeEvent, QScreen
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
        self._followed: QScreen | None = None  # whose size changes showFullScreen follows

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

    def showFullScreen(self) -> None:
        """Full screen, also where no window manager carries the request out.

        Qt only asks the window manager for full screen. A kiosk often runs without one
        (``xinit`` straight into the app), and then the window would keep its default size
        in the top-left corner. So the window is also sized to its screen here, and again
        whenever that screen's size changes (a monitor swapped at the fair).
        """
        super().showFullScreen()
        self.fill_screen()
        screen = self.screen()
        if screen is not None and screen is not self._followed:
            if self._followed is not None:
                self._followed.geometryChanged.disconnect(self._screen_changed)
            screen.geometryChanged.connect(self._screen_changed)
            self._followed = screen

    def fill_screen(self) -> None:
        """Cover the whole screen the window is on (a no-op when it already does)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        target = screen.geometry()
        if self.geometry() != target:
            self.setGeometry(target)

    def _screen_changed(self, _: QRect) -> None:
        if self.isFullScreen():
            self.fill_screen()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.idle.isVisible():
            self.idle.setGeometry(self.stack.rect())
