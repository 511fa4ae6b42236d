"""Details seen in screenshots: readable explanations, labels, staff pages, pack pictures."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from kiosk.core.i18n import Text
from kiosk.ui.demo_view import lead_sentence
from kiosk.ui.home import TileInfo, paint_generated_thumbnail
from kiosk.ui.panel_classification import display_label

SHOTS = os.environ.get("KIOSK_TEST_SHOTS")  # a folder: keep the pictures to look at


def test_english_class_names_start_with_a_capital_like_the_german_ones() -> None:
    assert display_label("tabby cat") == "Tabby cat"
    assert display_label("espresso") == "Espresso"
    assert display_label("iPod") == "iPod" and display_label("Egyptian Mau") == "Egyptian Mau"


def test_how_it_works_shows_a_short_lead_and_the_rest_behind_learn_more(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    demo = k.window.demo
    assert demo.how_text.text() == "Three small neural networks (MTCNN) work in turn."
    assert demo.how_text.font().pixelSize() >= 22
    assert demo.about_button.text() == "Learn more" and demo.about_button.isVisibleTo(demo)
    demo.about_button.click()
    bodies = [body.text() for _, body in demo.about.sections if body.isVisibleTo(demo.about)]
    assert bodies[0].startswith("Three small neural networks (MTCNN) work in turn: the first")
    assert any("MIT" in b for b in bodies)
    qtbot.waitUntil(demo.about.isVisible)
    assert demo.about.geometry().bottom() <= demo.height()
    if SHOTS:
        k.window.grab().save(str(Path(SHOTS) / "about.png"))


def test_lead_sentence() -> None:
    assert lead_sentence("One. Two.") == "One."
    assert lead_sentence("Short: yes. Next.") == "Short: yes."
    long = "Three nets work in turn: " + "word " * 40 + ". Next."
    assert lead_sentence(long) == "Three nets work in turn."


def test_a_pack_without_thumbnail_gets_its_initial_and_a_task_icon(qapp) -> None:  # type: ignore[no-untyped-def]
    image = QImage(400, 240, QImage.Format.Format_ARGB32)
    p = QPainter(image)
    paint_generated_thumbnail(p, QRectF(0, 0, 400, 240), "Fruit finder", "detection")
    p.end()
    # the gradient, plus white strokes of the letter and the icon
    whites = sum(1 for x in range(0, 400, 4) for y in range(0, 240, 4)
                 if image.pixelColor(x, y).lightness() > 240)
    assert whites > 100
    assert TileInfo("x", Text("a", "a"), Text("b", "b"), None, "ocr").task == "ocr"


def test_result_card_is_as_tall_as_its_content(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.window.resize(1920, 1080)
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    card = k.window.demo.result_card
    qtbot.waitUntil(lambda: card.height() > 0)
    assert card.height() <= card.sizeHint().height() + 8  # no large empty area below
