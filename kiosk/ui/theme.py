"""The kiosk's look: bundled fonts, the style sheet, and colours used in custom painting."""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.core.paths import assets_dir

log = logging.getLogger(__name__)

BACKGROUND = QColor("#0B1020")
CARD = QColor("#141B33")
CARD_BORDER = QColor("#232C4D")
TEXT = QColor("#F4F6FB")
MUTED = QColor("#AEB6CC")
TEAL = QColor("#14B8A6")
TEAL_LIGHT = QColor("#5EEAD4")
VIOLET = QColor("#7C3AED")
AMBER = QColor("#FCD34D")
#: a scroll area that shows only its content (and a slim bar when the content is taller)
SCROLL_STYLE = (
    "QScrollArea, QScrollArea > QWidget, QScrollArea > QWidget > QWidget "
    "{ background: transparent; }"
    "QScrollBar:vertical { background: transparent; width: 18px; margin: 4px 0 4px 6px; }"
    "QScrollBar::handle:vertical { background: #2A3560; border-radius: 6px; min-height: 60px; }"
    "QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }"
    "QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: transparent; }"
)


def load_fonts() -> None:
    """Register the bundled Inter fonts so every machine renders the same type."""
    for path in sorted((assets_dir() / "fonts").glob("*.otf")):
        if QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("font %s could not be loaded", path.name)


def apply_theme(app: QApplication) -> None:
    """Fonts and style sheet for the whole application."""
    load_fonts()
    font = QFont("Inter")
    font.setPixelSize(22)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    app.setFont(font)
    qss = assets_dir() / "theme" / "kiosk.qss"
    try:
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    except OSError:
        log.warning("theme %s missing; using Qt's default look", qss)


def display_font(pixel_size: int, weight: QFont.Weight = QFont.Weight.Black) -> QFont:
    """The headline font at ``pixel_size``."""
    font = QFont("Inter Display")
    font.setPixelSize(pixel_size)
    font.setWeight(weight)
    return font


def body_font(pixel_size: int, weight: QFont.Weight = QFont.Weight.Normal) -> QFont:
    """The text font at ``pixel_size``."""
    font = QFont("Inter")
    font.setPixelSize(pixel_size)
    font.setWeight(weight)
    return font
