"""The attract screen is cheap to keep alive all day (the figure: `kiosk bench-idle`)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from kiosk.ui.attract import AttractScreen
from kiosk.ui.theme import apply_theme


def test_attract_animates_slowly_and_stops_when_hidden(qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    apply_theme(qapp)
    screen = AttractScreen()
    qtbot.addWidget(screen)
    screen.resize(960, 540)
    screen.show()
    assert screen._timer.isActive()
    assert screen._timer.interval() >= 100  # at most 10 frames a second, not 30
    qtbot.waitUntil(lambda: screen.frames_painted >= 3, timeout=5000)
    screen.hide()
    assert not screen._timer.isActive()


def test_only_every_second_frame_moves_the_network(qapp: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    apply_theme(qapp)
    screen = AttractScreen()
    qtbot.addWidget(screen)
    screen.resize(960, 540)
    positions = []
    for _ in range(4):
        screen._advance()
        positions.append(screen._node_xy(0, 960, 540))
    assert positions[0] != positions[1] and positions[1] == positions[2]
    assert positions[2] != positions[3]
