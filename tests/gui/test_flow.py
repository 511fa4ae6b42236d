"""The visitor flow in the real window: attract → home → demo → idle → reset; languages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from kiosk.core.session import Screen
from kiosk.ui.controller import SourceChoice
from tests.conftest import write_rgb
from tests.gui.conftest import FailingSource, photo_source, unavailable

DEMO = "image-classification"


def test_touch_opens_home_and_tiles_show_demos(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk()
    assert k.window.current_screen() is Screen.ATTRACT
    qtbot.mouseClick(k.window.attract, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.HOME
    assert k.types() == ["session_start"]
    tile = k.window.home.tile(DEMO)
    assert tile.width() >= 48 and tile.height() >= 48
    assert k.window.home.done_button.height() >= 48


def test_demo_shows_live_picture_and_real_guesses(make_kiosk, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                  photos: dict[str, np.ndarray]) -> None:
    write_rgb(tmp_path / "coffee.png", photos["coffee"])
    k = make_kiosk(source=lambda: photo_source(tmp_path))
    k.controller.activity()
    qtbot.mouseClick(k.window.home.tile(DEMO), Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.DEMO
    assert k.window.demo.status == "loading"
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 3, timeout=30_000)
    assert k.window.demo.status is None
    assert k.window.demo.frames_shown >= 1
    assert k.window.demo.panel.top_labels()[0] == "Espresso"  # type: ignore[attr-defined]
    assert not k.window.demo.badge.isVisible()
    qtbot.mouseClick(k.window.demo.back_button, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.HOME
    assert k.types() == ["session_start", "demo_open", "demo_close"]


def test_language_switch_changes_every_visible_text(make_kiosk, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                     photos: dict[str, np.ndarray]) -> None:
    write_rgb(tmp_path / "coffee.png", photos["coffee"])
    k = make_kiosk(source=lambda: photo_source(tmp_path))
    k.controller.activity()
    assert k.window.home.title.text() == "Wähle eine Demo"
    qtbot.mouseClick(k.window.home.lang_switch.button("en"), Qt.MouseButton.LeftButton)
    assert k.window.home.title.text() == "Choose a demo"
    assert k.window.home.tile(DEMO).accessibleName() == "What does the AI see?"
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    assert k.window.demo.back_button.text().endswith("Back")
    assert k.window.demo.panel.top_labels()[0] == "Espresso"  # type: ignore[attr-defined]
    qtbot.mouseClick(k.window.demo.lang_switch.button("de"), Qt.MouseButton.LeftButton)
    assert k.window.demo.title.text() == "Was sieht die KI?"
    assert k.window.demo.panel.top_labels()[0] == "Espresso"  # type: ignore[attr-defined]
    assert [e.payload for e in k.events if e.type == "language_change"] == [
        {"lang": "en"}, {"lang": "de"}]


def test_idle_countdown_then_reset_to_attract(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk(lang="de")
    k.controller.activity()
    k.controller.set_lang("en")
    k.controller.open_demo(DEMO)
    k.clock.advance(74)
    k.controller.tick()
    assert not k.window.idle.isVisible()
    k.clock.advance(2)
    k.controller.tick()
    assert k.window.idle.isVisible()
    assert 13 < k.window.idle.seconds_left <= 14
    k.clock.advance(14)
    k.controller.tick()
    assert k.window.current_screen() is Screen.ATTRACT
    assert not k.window.idle.isVisible()
    assert k.controller.lang == "de"  # the next visitor starts in the default language
    assert k.types()[-2:] == ["demo_close", "session_end"]
    assert k.events[-1].payload["reason"] == "idle"


def test_touching_the_countdown_keeps_the_visitor(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk()
    k.controller.activity()
    k.clock.advance(80)
    k.controller.tick()
    assert k.window.idle.isVisible()
    qtbot.mouseClick(k.window.idle.button, Qt.MouseButton.LeftButton)
    assert not k.window.idle.isVisible()
    k.clock.advance(60)
    k.controller.tick()
    assert k.window.current_screen() is Screen.HOME


def test_done_ends_the_session(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk()
    k.controller.activity()
    qtbot.mouseClick(k.window.home.done_button, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.ATTRACT
    assert k.events[-1].type == "session_end" and k.events[-1].payload["reason"] == "done"


def test_no_camera_falls_back_to_samples_with_badge(make_kiosk, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = make_kiosk()  # default chooser in the fixture: sample media, no camera
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 1, timeout=30_000)
    assert k.window.demo.badge.isVisible()
    assert k.window.demo.badge.text() == "Demo-Modus: keine Kamera"


def test_camera_lost_shows_friendly_screen_and_recovers(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                        photos: dict[str, np.ndarray]) -> None:
    attempts = {"n": 0}

    def reopen() -> FailingSource:
        attempts["n"] += 1
        if attempts["n"] < 2:
            unavailable()
        return FailingSource(photos["coffee"], frames=10_000)

    def choose() -> SourceChoice:
        return SourceChoice(FailingSource(photos["coffee"], frames=5), reopen,  # type: ignore[arg-type]
                            no_camera=False, mirror=True)

    k = make_kiosk(source=choose)
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.status == "lost", timeout=30_000)
    assert k.window.demo.overlay.isVisible()
    assert "Kamera" in k.window.demo.overlay.title.text()
    qtbot.waitUntil(lambda: k.window.demo.status is None, timeout=30_000)
    assert attempts["n"] == 2


def test_broken_model_shows_a_friendly_screen(make_kiosk, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from kiosk.core.paths import demos_dir, models_dir
    from kiosk.runtime.demos import discover

    demo = tmp_path / "demos" / DEMO
    shutil.copytree(demos_dir() / DEMO, demo)
    model = models_dir() / "mobilenet_v2_imagenet.onnx"
    (demo / model.name).write_bytes(model.read_bytes()[:1000])  # truncated copy
    k = make_kiosk(entries=discover([tmp_path / "demos"]))
    k.controller.activity()
    k.controller.open_demo(DEMO)
    qtbot.waitUntil(lambda: k.window.demo.status == "failed", timeout=30_000)
    assert k.window.demo.overlay.title.text() == "Diese Demo macht gerade Pause"
    qtbot.mouseClick(k.window.demo.back_button, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.HOME
