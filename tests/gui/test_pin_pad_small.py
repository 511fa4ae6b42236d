"""The staff PIN pad on a short screen, and its wrong-PIN message in plain words."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QPushButton

from tests.gui.test_staff import PIN, make_staff  # noqa: F401  (the fixture)


def test_the_whole_pad_fits_a_1280x720_screen(make_staff: Any, qtbot: Any) -> None:  # noqa: F811
    for height in (720, 800, 1080):
        s = make_staff()
        s.window.resize(1280, height)
        qtbot.waitUntil(lambda h=height: s.window.height() == h)  # noqa: B023
        s.mode.pad.open()
        pad = s.mode.pad
        qtbot.waitUntil(pad.isVisible)
        card = pad.card.geometry()
        assert pad.rect().contains(card), (height, card)
        for b in pad.card.findChildren(QPushButton):
            if b.isVisible():
                assert b.height() >= 64, (height, b.text(), b.height())  # still a fingertip
        assert pad.card.property("compact") is (height < 900)


def test_wrong_pin_counts_tries_in_words(make_staff: Any, qtbot: Any) -> None:  # noqa: F811
    s = make_staff()
    pad = s.mode.pad
    pad.open()
    seen = []
    for lang in ("en", "de"):
        pad.set_lang(lang)  # type: ignore[arg-type]
        for _ in range(2):
            for d in "9999":
                pad.press(d)
            pad.submit()
            qtbot.waitUntil(lambda: not pad.checking, timeout=10_000)
            seen.append(pad.message.text())
    assert seen[:2] == ["Wrong PIN. 2 more tries before the pad locks.",
                        "Wrong PIN. One more try before the pad locks."]
    assert all("/" not in text and "(e)" not in text for text in seen), seen
