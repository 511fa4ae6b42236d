"""What visitors are told about privacy is true, readable, and free of developer figures."""

from __future__ import annotations

from kiosk.core.i18n import STRINGS
from kiosk.core.settings import Settings, settings_from_dict


def test_home_says_what_is_stored_not_that_nothing_is() -> None:
    sub = STRINGS["home.subtitle"]
    assert "nichts gespeichert" not in sub.de and "Nothing is stored" not in sub.en
    assert "anonyme Zählungen" in sub.de and "anonymous counts" in sub.en
    assert "Nothing is stored" not in STRINGS["faces.privacy"].en


def test_fps_only_with_the_staff_overlay_and_a_visible_camera_notice(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="en")
    k.controller.activity()
    k.controller.open_demo("image-classification")
    demo = k.window.demo
    qtbot.waitUntil(lambda: demo.results_shown >= 3, timeout=30_000)
    assert "frames/s" in demo.stats.text() and not demo.stats.isVisible()
    demo.set_performance_overlay(True)
    assert demo.stats.isVisible()
    assert demo.privacy.isVisible() and demo.privacy.font().pixelSize() >= 20
    assert demo.privacy.objectName() == "PrivacyNote"


def test_the_overlay_is_a_setting_and_off_by_default() -> None:
    assert Settings().show_performance_overlay is False
    on, problems = settings_from_dict({"show_performance_overlay": True})
    assert on.show_performance_overlay and problems == []
    _, problems = settings_from_dict({"show_performance_overlay": "yes"})
    assert problems and "true or false" in str(problems[0])


def test_the_longer_wording_never_widens_the_window(make_kiosk) -> None:  # type: ignore[no-untyped-def]
    for lang in ("de", "en"):
        k = make_kiosk(lang=lang)
        k.controller.activity()
        assert k.window.minimumSizeHint().width() <= 1280, lang
