"""The idle warning says what the reset really does, the same in both languages."""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics

from kiosk.core.i18n import tr
from kiosk.core.session import Screen
from kiosk.ui import theme


def test_the_idle_warning_announces_the_start_screen_it_leads_to(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.controller.activity()
    k.controller.open_demo("image-classification")
    k.clock.advance(90)
    k.controller.tick()
    # the reset closes the demo and shows the start screen: nothing restarts
    assert k.window.current_screen() is Screen.ATTRACT
    de, en = tr("idle.body", "de"), tr("idle.body", "en")
    assert "Startbildschirm" in de and "start screen" in en
    assert "neu" not in de.split() and "restart" not in en
    # drawn on one line: it must fit the smallest supported screen
    metrics = QFontMetrics(theme.body_font(28))
    assert max(metrics.horizontalAdvance(de), metrics.horizontalAdvance(en)) < 1280 - 80
