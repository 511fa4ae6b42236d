"""Cards over the picture are solid, and the picture's buttons look like buttons."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage

from kiosk.ui.controller import SourceChoice
from tests.gui.conftest import unavailable


def _window_rect(widget, window) -> QRect:  # type: ignore[no-untyped-def]
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _difference(a: QImage, b: QImage) -> int:
    return sum(abs(x - y) for x, y in zip(a.pixelColor(0, 0).getRgb()[:3],
                                          b.pixelColor(0, 0).getRgb()[:3], strict=True))


def test_the_view_button_stands_out_while_the_demo_loads(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    # a camera that never answers: the demo stays on its empty picture card
    k = make_kiosk(source=lambda: SourceChoice(None, unavailable, False, False), lang="en")
    k.controller.activity()
    k.controller.open_demo("image-classification")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.runner is not None, timeout=60_000)  # loaded; no picture
    assert demo.current_frame() is None
    demo.set_status("loading")  # what the visitor sees until the first picture
    qtbot.waitUntil(lambda: demo.view_button.isVisible())
    button = _window_rect(demo.view_button, k.window)
    shot = k.window.grab().toImage()
    # inside the button's fill (below its rim, above its text) and the card beside it
    fill = shot.copy(button.center().x(), button.top() + 6, 1, 1)
    card = shot.copy(button.left() - 12, button.top() + 6, 1, 1)
    assert _difference(fill, card) > 15, (fill.pixelColor(0, 0).name(),
                                          card.pixelColor(0, 0).name())


def test_nothing_shows_through_the_model_card(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.controller.activity()
    k.controller.open_demo("image-classification")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.results_shown >= 1, timeout=60_000)
    demo.show_about()
    qtbot.waitUntil(lambda: demo.about.isVisible())
    inner = _window_rect(demo.about, k.window).adjusted(30, 30, -30, -30)
    with_tools = k.window.grab().toImage().copy(inner)
    demo.tools.hide()
    demo.badge.hide()
    without = k.window.grab().toImage().copy(inner)
    # the buttons and badge under the card (and the moving picture) must not change a pixel
    assert with_tools == without
