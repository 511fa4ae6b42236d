"""Every demo on a short screen (1280×720, 1366×768, 1280×800): nothing drawn over anything.

Seen from outside: on a 1280×800 touch screen the classification demo drew "where is the AI
looking?" over its own confidence bars, and teach-the-AI cut its hold buttons in half.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLayout, QPushButton, QWidget

from kiosk.core.i18n import tr

SHOTS = os.environ.get("KIOSK_TEST_SHOTS")  # a folder: keep the pictures to look at
DEMOS = ("image-classification", "face-privacy", "ai-reads", "teach-ai", "draw-digit",
         "body-pose", "hand-signs", "magic-background")


def _visible_items(layout: QLayout) -> list[tuple[QWidget | None, QRect]]:
    """The visible widgets and sub-layouts of ``layout`` with their places."""
    out: list[tuple[QWidget | None, QRect]] = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        widget = item.widget()
        if widget is not None and widget.isVisible() and widget.height() > 0:
            out.append((widget, widget.geometry()))
        elif item.layout() is not None and not item.geometry().isEmpty():
            out.append((None, item.geometry()))
    return out


def _overlaps(layout: QLayout) -> list[str]:
    """Pairs of items of ``layout`` (and of its sub-layouts) drawn over each other."""
    found: list[str] = []
    items = _visible_items(layout)
    for a in range(len(items)):
        for b in range(a + 1, len(items)):
            if items[a][1].intersects(items[b][1]):
                found.append(f"{items[a][0]!r} / {items[b][0]!r}")
    for i in range(layout.count()):
        sub = layout.itemAt(i).layout()
        if sub is not None:
            found += _overlaps(sub)
    return found


def _open(k, qtbot, demo_id: str) -> None:  # type: ignore[no-untyped-def]
    k.controller.open_demo(demo_id)
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.status is None, timeout=30_000)
    # a camera demo is fully started (its pipeline running) once a result is on screen
    camera = demo.info is not None and demo.info.needs_camera
    qtbot.waitUntil(lambda: not camera or demo.results_shown >= 1, timeout=30_000)
    qtbot.wait(30)  # the deferred width fit after the panel's first show


def test_every_demo_fits_a_1280x720_screen_without_overlaps(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.window.resize(1280, 720)
    k.controller.activity()
    for demo_id in DEMOS:
        _open(k, qtbot, demo_id)  # each demo once: both languages on the same open demo
        demo = k.window.demo
        for lang in ("de", "en"):
            k.controller.set_lang(lang)
            qtbot.wait(30)  # the deferred width fit after the texts changed
            assert k.window.minimumSizeHint().height() <= 720, (demo_id, lang)
            assert k.window.height() == 720, (demo_id, lang)
            panel_layout = demo.panel.layout()
            assert panel_layout is not None
            assert _overlaps(panel_layout) == [], (demo_id, lang)
            # the cards' column is as wide as its content: it scrolls down, never sideways
            assert demo.result_card.width() >= demo.result_card.minimumSizeHint().width(), \
                (demo_id, lang)
            assert demo.result_card.geometry().right() < demo.side_scroll.viewport().width()
            if SHOTS:
                k.window.grab().save(str(Path(SHOTS) / f"small-{demo_id}-{lang}.png"))
        k.controller.set_lang("de")
    _close(k, qtbot)


def _close(k, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Back to the attract screen, and wait until the demo's threads have stopped."""
    k.controller.finish()
    stopping = k.controller._stopping
    qtbot.waitUntil(lambda: stopping is None or stopping.done(), timeout=30_000)


def test_a_short_screen_moves_learn_more_up_a_tall_one_keeps_the_card(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.controller.activity()
    k.window.resize(1280, 720)
    _open(k, qtbot, "image-classification")
    demo = k.window.demo
    assert demo.compact and not demo.how_card.isVisible()
    assert demo.about_button.isVisible() and demo.about_button.text() == "Learn more"
    card_top = demo.result_card.mapTo(demo, demo.result_card.rect().topLeft()).y()
    assert demo.about_button.mapTo(demo, demo.about_button.rect().bottomLeft()).y() < card_top
    # the explain toggle, the demo's main button, is on screen without scrolling
    toggle = demo.panel.explain  # type: ignore[attr-defined]
    bottom = toggle.mapTo(demo.side_scroll.viewport(), toggle.rect().bottomLeft()).y()
    assert bottom <= demo.side_scroll.viewport().height()
    k.window.resize(1920, 1080)
    qtbot.waitUntil(lambda: not demo.compact)
    assert demo.how_card.isVisible() and demo.how_text.isVisible()
    assert demo.about_button.parentWidget() is demo.how_card and demo.about_button.isVisible()


def test_teach_buttons_are_never_narrower_than_their_words(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.window.resize(1280, 720)
    k.controller.activity()
    _open(k, qtbot, "teach-ai")
    for row in k.window.demo.panel.rows:  # type: ignore[attr-defined]
        button: QPushButton = row.record
        assert button.text()
        words = button.fontMetrics().horizontalAdvance(button.text())
        assert button.width() >= words + 24, (button.width(), words)


def test_the_badge_and_the_buttons_on_the_picture_keep_apart(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.window.resize(1280, 720)
    k.controller.activity()
    _open(k, qtbot, "image-classification")
    demo = k.window.demo
    demo.set_no_camera(True)
    qtbot.waitUntil(lambda: demo.fool_button.isVisible(), timeout=10_000)
    demo.resize(demo.size())  # place again now that both buttons show
    demo._place_overlays()
    assert demo.badge.isVisible()
    assert not demo.badge.geometry().intersects(demo.tools.geometry())
    picture = demo.video.image_rect().translated(demo.video.pos()).toRect()
    assert picture.contains(demo.badge.geometry()) and picture.contains(demo.tools.geometry())


def test_draw_digit_buttons_sit_on_the_canvas_and_say_draw_first(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.controller.activity()
    _open(k, qtbot, "draw-digit")
    demo = k.window.demo
    canvas = demo.stage
    assert canvas is not None
    board = canvas.board().translated(canvas.pos().toPointF()).toRect()  # type: ignore[attr-defined]
    assert board.contains(demo.tools.geometry())
    demo.show_model_view()
    qtbot.waitUntil(demo.model_view.isVisible, timeout=10_000)
    assert demo.model_view.caption.text() == tr("modelview.draw_first", "en")
    assert "camera" not in demo.model_view.caption.text()


def test_a_demo_drawing_on_the_picture_says_so_not_nothing_to_show(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.controller.activity()
    _open(k, qtbot, "body-pose")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.current_frame() is not None, timeout=10_000)
    demo.show_model_view()
    qtbot.waitUntil(demo.model_view.isVisible, timeout=10_000)
    assert demo.model_view.caption.text() == tr("modelview.in_picture", "de")


def test_home_tiles_say_their_whole_sentence(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    for lang in ("de", "en"):
        k = make_kiosk(lang=lang)
        k.controller.activity()
        for size in ((1280, 720), (1920, 1080)):
            k.window.resize(*size)
            qtbot.waitUntil(lambda s=size: k.window.size().width() == s[0])  # noqa: B023
            k.window.grab()  # paints every tile
            tiles = k.window.home.tiles
            assert len(tiles) == 8
            cut = [t.info.demo_id for t in tiles if "…" in t.painted_subtitle]
            assert cut == [], (lang, size)
            if SHOTS:
                k.window.grab().save(str(Path(SHOTS) / f"home-{size[0]}-{lang}.png"))


def test_twelve_demos_on_1280x720_scroll_instead_of_growing_the_window(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    from kiosk.core.i18n import Text
    from kiosk.ui.home import HomeScreen, TileInfo
    from kiosk.ui.theme import apply_theme

    apply_theme(qapp)
    home = HomeScreen("de")
    qtbot.addWidget(home)
    home.set_demos([TileInfo(f"pack-{i}", Text(f"Demo {i}", f"Demo {i}"),
                             Text("Ein Satz.", "A sentence."), None, "detection")
                    for i in range(12)])
    home.resize(1280, 720)
    home.show()
    qtbot.waitExposed(home)
    assert home.minimumSizeHint().height() <= 720
    assert home.height() == 720
    bar = home.grid_area.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # the last row is one swipe away
    last = home.tiles[-1]
    home.grid_area.ensureWidgetVisible(last)
    top = last.mapTo(home.grid_area.viewport(), last.rect().topLeft()).y()
    assert top >= 0 and top + last.height() <= home.grid_area.viewport().height()


def test_eight_demos_fit_1280x720_without_scrolling(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    for lang in ("de", "en"):
        k = make_kiosk(lang=lang)
        k.window.resize(1280, 720)
        k.controller.activity()
        home = k.window.home
        qtbot.waitUntil(lambda h=home: h.grid_area.viewport().height() > 0)
        k.window.grab()
        assert len(home.tiles) == 8
        assert home.grid_area.verticalScrollBar().maximum() == 0, lang


def test_try_to_fool_it_shows_what_the_ai_gets_before_a_slider_moves(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.window.resize(1280, 720)
    k.controller.activity()
    _open(k, qtbot, "image-classification")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.fool_button.isVisible(), timeout=10_000)
    demo.fool_button.setChecked(True)
    fool = demo.fool_it
    qtbot.waitUntil(lambda: fool.preview.pixmap() is not None
                    and not fool.preview.pixmap().isNull(), timeout=30_000)
    assert demo.runner.perturb is None  # nothing changed yet: the model gets the plain picture
    title = fool.title
    assert title.wordWrap() or title.width() >= title.sizeHint().width()
    if SHOTS:
        k.window.grab().save(str(Path(SHOTS) / "fool-720.png"))
    demo.fool_button.setChecked(False)
    assert demo.runner.show_input is False


def test_a_demo_opened_from_another_stops_the_first_ones_threads(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    import threading

    k = make_kiosk(lang="de")
    k.controller.activity()
    _open(k, qtbot, "image-classification")
    _open(k, qtbot, "face-privacy")
    qtbot.waitUntil(lambda: sum(t.name == "kiosk-capture" for t in threading.enumerate()) == 1,
                    timeout=10_000)
    _close(k, qtbot)
    qtbot.waitUntil(lambda: not any(t.name == "kiosk-capture" for t in threading.enumerate()),
                    timeout=10_000)


def test_what_the_ai_gets_fits_1280x720_with_caption_and_close(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The card's picture shrinks before its caption or Close button would fall off the
    bottom of a short screen; a tall screen keeps the full-size picture."""
    k = make_kiosk(lang="de")
    k.controller.activity()
    for size, full in (((1280, 720), False), ((1920, 1080), True)):
        k.window.resize(*size)
        _open(k, qtbot, "image-classification")
        demo = k.window.demo
        qtbot.waitUntil(lambda: demo.current_frame() is not None, timeout=10_000)  # noqa: B023
        demo.show_model_view()
        qtbot.waitUntil(demo.model_view.isVisible, timeout=10_000)
        qtbot.wait(30)
        card = demo.model_view
        box = demo.video_box.rect()
        assert box.contains(card.geometry()), (size, card.geometry(), box)
        for part in (card.caption, card.close_button):
            assert card.rect().contains(part.geometry()), (size, part.geometry())
        picture = card.picture.pixmap().height()
        assert picture == 420 if full else 120 <= picture < 420, (size, picture)
        _close(k, qtbot)
