"""Finding a folder on a USB stick by touch: a browser widget and a blocking picker.

:class:`FolderBrowser` lists the places (mounted sticks, the home folder) on the left and
the current folder's sub-folders — and, if asked, files of given types — on the right, as
big rows to tap. Staff never type a path.

:func:`choose_folder` shows the browser over the kiosk window and returns the folder staff
chose (or None). It blocks like a dialog, so it fits callbacks such as the statistics
dashboard's ``choose_folder`` for its CSV export; unlike the platform's file dialog it
stays inside the kiosk window, which in kiosk mode is fullscreen and always on top.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.i18n import Lang
from kiosk.ui.staff.services import default_media_roots
from kiosk.ui.staff.texts import tr
from kiosk.ui.staff.touch import STYLE, button, label, touch_scroll

log = logging.getLogger(__name__)

MAX_ENTRIES = 300  # a folder listing longer than this is not where packs or exports go


def scroll_list(parent: QWidget) -> tuple[QScrollArea, QVBoxLayout]:
    """A finger-scrollable column; returns the area and the layout to fill."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = QWidget()
    body.setObjectName("StaffScrollBody")
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 12, 0)
    layout.setSpacing(12)
    layout.addStretch(1)
    area.setWidget(body)
    touch_scroll(area)
    return area, layout


def clear_layout(layout: QVBoxLayout) -> None:
    """Remove every row (keeps the final stretch)."""
    while layout.count() > 1:
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class FolderBrowser(QWidget):
    """Places on the left, the current folder on the right; everything is a tap.

    ``files`` are suffixes (``.zip``) listed with an action button that emits
    :attr:`file_chosen`; ``file_action`` is that button's text key.
    """

    folder_changed = Signal(object)  # the folder now shown (Path) or None

    file_chosen = Signal(object)  # Path of a listed file whose button was pressed

    def __init__(
        self, lang: Lang, *, roots: Callable[[], list[Path]] = default_media_roots,
        files: Sequence[str] = (), file_action: str = "import.file",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lang: Lang = lang
        self._roots_provider = roots
        self.files = tuple(s.lower() for s in files)
        self.file_action = file_action
        self.busy = False
        self.roots: list[Path] = []
        self.root_dir: Path | None = None
        self.folder: Path | None = None
        self.entry_buttons: dict[str, QPushButton] = {}
        self.error = ""

        body = QHBoxLayout(self)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(28)
        left = QVBoxLayout()
        left.setSpacing(12)
        self.places_title = label("", "SectionTitle", self)
        left.addWidget(self.places_title)
        self.places_area, self.places = scroll_list(self)
        left.addWidget(self.places_area, 1)
        self.refresh_button = button("", "QuietButton", self)
        self.refresh_button.clicked.connect(self.load_roots)
        left.addWidget(self.refresh_button)
        body.addLayout(left, 2)
        right = QVBoxLayout()
        right.setSpacing(12)
        top = QHBoxLayout()
        self.up_button = button("", "QuietButton", self)
        self.up_button.clicked.connect(self.go_up)
        self.path_label = label("", "RowSub", self, wrap=True)
        self.path_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.up_button)
        top.addWidget(self.path_label, 1)
        right.addLayout(top)
        self.entries_area, self.entries = scroll_list(self)
        right.addWidget(self.entries_area, 1)
        body.addLayout(right, 5)
        self.set_lang(lang)

    def set_lang(self, lang: Lang) -> None:
        """Texts in ``lang``."""
        self.lang = lang
        self.places_title.setText(tr("import.places", lang))
        self.refresh_button.setText(tr("import.refresh", lang))
        self.up_button.setText("↑  " + tr("import.up", lang))
        if self.isVisible():
            self.load_roots()

    def set_busy(self, busy: bool) -> None:
        """While something runs, the file buttons wait."""
        self.busy = busy
        self.show_folder()

    # -- places ---------------------------------------------------------------------------------
    def load_roots(self) -> None:
        """List USB sticks and the home folder; open a stick that just appeared."""
        try:
            self.roots = list(self._roots_provider())
            self.error = ""
        except Exception as exc:  # a browser that cannot list places still must not crash
            log.exception("listing media failed")
            self.roots = []
            self.error = str(exc)
        clear_layout(self.places)
        home = Path.home()
        media = [r for r in self.roots if r != home]
        if not media:
            self.places.insertWidget(0, label(tr("import.no_media", self.lang), "RowWarn",
                                              wrap=True))
        for root in self.roots:
            text = tr("import.home", self.lang) if root == home else (root.name or str(root))
            b = button(("⌂  " if root == home else "⏏  ") + text, "ChoiceButton")
            b.setCheckable(True)
            b.setChecked(root == self.root_dir)
            b.setToolTip(str(root))
            b.clicked.connect(lambda _=False, r=root: self.open_root(r))
            self.places.insertWidget(self.places.count() - 1, b)
        if self.root_dir not in self.roots:
            self.root_dir = self.folder = None
            if media:
                self.open_root(media[0])  # a stick was just plugged in: that is what staff want
                return
            self.show_folder()
            self.folder_changed.emit(None)  # the stick is gone: nothing left to import
            return
        self.show_folder()

    def open_root(self, root: Path) -> None:
        """Start browsing at ``root``."""
        self.root_dir = root
        for i in range(self.places.count() - 1):
            item = self.places.itemAt(i)
            w = item.widget() if item is not None else None
            if isinstance(w, QPushButton):
                w.setChecked(w.toolTip() == str(root))
        self.open_folder(root)

    def open_folder(self, folder: Path) -> None:
        """Go into ``folder``."""
        self.folder = folder
        self.show_folder()
        self.folder_changed.emit(folder)

    def go_up(self) -> None:
        """One folder up, never above the chosen place."""
        if self.folder is not None and self.root_dir is not None and self.folder != self.root_dir:
            self.open_folder(self.folder.parent)

    # -- listing --------------------------------------------------------------------------------
    def show_folder(self) -> None:
        """List the current folder: sub-folders to open, chosen file types to act on."""
        clear_layout(self.entries)
        self.entry_buttons = {}
        folder = self.folder
        self.up_button.setEnabled(folder is not None and folder != self.root_dir)
        if folder is None:
            self.path_label.setText(tr("import.pick", self.lang))
            return
        root = self.root_dir or folder
        try:
            parts = folder.relative_to(root).parts
        except ValueError:
            parts = ()
        self.path_label.setText("  ›  ".join([root.name or str(root), *parts]))
        self.path_label.setToolTip(str(folder))
        try:
            with os.scandir(folder) as it:
                items = sorted((e for e in it if not e.name.startswith(".")),
                               key=lambda e: (not e.is_dir(), e.name.lower()))[:MAX_ENTRIES]
        except OSError as exc:
            self.entries.insertWidget(0, label(
                tr("import.unreadable", self.lang, error=exc.strerror or str(exc)),
                "RowWarn", wrap=True))
            return
        for entry in items:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                b = button("▸  " + entry.name, "ChoiceButton")
                b.clicked.connect(lambda _=False, p=path: self.open_folder(p))
                self.entries.insertWidget(self.entries.count() - 1, b)
                self.entry_buttons[entry.name] = b
            elif path.suffix.lower() in self.files:
                row = QFrame()
                row.setObjectName("Row")
                h = QHBoxLayout(row)
                h.setContentsMargins(26, 8, 10, 8)
                h.addWidget(label(entry.name, "RowTitle", row), 1)
                b = button(tr(self.file_action, self.lang), "PrimaryButton", row)
                b.setEnabled(not self.busy)
                b.clicked.connect(lambda _=False, p=path: self.file_chosen.emit(p))
                h.addWidget(b)
                self.entries.insertWidget(self.entries.count() - 1, row)
                self.entry_buttons[entry.name] = b
        if not self.entry_buttons:
            key = "import.empty" if self.files else "folders.empty"
            self.entries.insertWidget(0, label(tr(key, self.lang), "RowSub", wrap=True))


class FolderPicker(QWidget):
    """The browser as a full-window overlay with "choose this folder" and "cancel"."""

    done = Signal(object)  # the chosen folder, or None

    def __init__(self, parent: QWidget, lang: Lang, title: str, *,
                 roots: Callable[[], list[Path]] = default_media_roots) -> None:
        super().__init__(parent)
        self.setObjectName("FolderPicker")
        # Lists sit on the card here, not on the page background.
        self.setStyleSheet(STYLE + "\n#StaffScrollBody { background: #141B33; }")
        self.lang: Lang = lang
        self.card = QFrame(self)
        self.card.setObjectName("Row")
        col = QVBoxLayout(self.card)
        col.setContentsMargins(40, 32, 40, 32)
        col.setSpacing(18)
        self.title = label(title, "PageTitle", self.card, wrap=True)
        col.addWidget(self.title)
        self.browser = FolderBrowser(lang, roots=roots, parent=self.card)
        col.addWidget(self.browser, 1)
        row = QHBoxLayout()
        self.cancel_button = button(tr("keyboard.cancel", lang), "QuietButton", self.card)
        self.choose_button = button("", "PrimaryButton", self.card)
        self.cancel_button.clicked.connect(lambda: self.done.emit(None))
        self.choose_button.clicked.connect(lambda: self.done.emit(self.browser.folder))
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.choose_button)
        col.addLayout(row)
        self.browser.folder_changed.connect(self._update)
        self._update(None)

    def _update(self, folder: object) -> None:
        current = self.browser.folder
        self.choose_button.setEnabled(current is not None)
        name = (current.name or str(current)) if current is not None else "…"
        self.choose_button.setText(tr("folders.choose", self.lang, name=name))

    def open(self) -> None:
        """Cover the parent and list the places."""
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        margin = 60
        self.card.setGeometry(margin, margin, self.width() - 2 * margin,
                              self.height() - 2 * margin)
        self.show()
        self.raise_()
        self.browser.load_roots()
        self._update(None)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the dimmed area is not the panel below

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(5, 8, 18, 230))
        p.end()


def choose_folder(parent: QWidget, lang: Lang, title: str | None = None, *,
                  roots: Callable[[], list[Path]] = default_media_roots,
                  on_open: Callable[[FolderPicker], None] | None = None) -> Path | None:
    """Let staff pick a folder by touch over ``parent``'s window; blocks until they did.

    Runs a local event loop like a dialog (the GUI and the asyncio loop keep running).
    ``on_open`` gets the picker once it shows (tests drive it from there).
    """
    window = parent.window()
    picker = FolderPicker(window, lang, title or tr("folders.title", lang), roots=roots)
    result: list[Path | None] = [None]
    finished = [False]
    loop = QEventLoop()

    def finish(folder: object) -> None:
        result[0] = folder if isinstance(folder, Path) else None
        finished[0] = True
        loop.quit()

    picker.done.connect(finish)
    picker.open()
    if on_open is not None:
        on_open(picker)
    if not finished[0]:
        loop.exec()
    picker.hide()
    picker.deleteLater()
    return result[0]
