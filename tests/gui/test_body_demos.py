"""The body demos in the real window: skeleton and pose game, magic background, hand signs."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from kiosk.core.tasks.segmentation import SegmentationResult
from kiosk.ui.controller import SourceChoice
from tests.gui.test_demos_gui import SwitchableSource

WALL = (190, 196, 204)


def placed_astronaut(photos: dict[str, np.ndarray]) -> np.ndarray:
    import cv2

    img = np.full((480, 640, 3), WALL, np.uint8)
    img[180:480, 300:600] = cv2.resize(photos["astronaut"], (300, 300),
                                       interpolation=cv2.INTER_AREA)
    return img


def test_body_pose_draws_a_skeleton_and_clears_it_when_nobody_is_there(
    make_kiosk, qtbot, photos: dict[str, np.ndarray],  # type: ignore[no-untyped-def]
) -> None:
    src = SwitchableSource(placed_astronaut(photos))
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True), lang="en")  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("body-pose")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    panel = k.window.demo.panel
    assert panel.person is not None  # type: ignore[attr-defined]
    nose = panel.person.point("nose", 0.5)  # type: ignore[attr-defined]
    assert nose is not None and 300 < nose[0] < 600  # in the unmirrored frame's pixels
    assert panel.challenge.text() == "Both arms up!"  # type: ignore[attr-defined]
    before = k.window.demo.video.grab().toImage()
    src.image = np.full((480, 640, 3), WALL, np.uint8)
    qtbot.waitUntil(lambda: panel.person is None, timeout=30_000)  # type: ignore[attr-defined]
    assert "Stand in front of the camera" in panel.challenge.text()  # type: ignore[attr-defined]
    assert not before.isNull()


def test_magic_background_swaps_blurs_and_shows_the_mask(
    make_kiosk, qtbot, photos: dict[str, np.ndarray],  # type: ignore[no-untyped-def]
) -> None:
    src = SwitchableSource(placed_astronaut(photos))
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True))  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("magic-background")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    panel = k.window.demo.panel
    assert len(panel.scenes) == 3  # type: ignore[attr-defined]
    assert isinstance(panel.result, SegmentationResult)  # type: ignore[attr-defined]
    assert panel.status.text() == "Die KI hat dich vom Hintergrund getrennt."  # type: ignore[attr-defined]
    video = k.window.demo.video
    # The wall top-left becomes the scene; the picture changes there.
    shots = {}
    for mode in ("off", "scene:0", "blur", "mask"):
        button = panel.mode_button(mode)  # type: ignore[attr-defined]
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert panel.mode == mode and button.isChecked()  # type: ignore[attr-defined]
        shots[mode] = video.grab().toImage()
    # A point on the wall, inside the picture (it is fitted into the view, centred).
    fit = min(video.width() / 640, video.height() / 480)
    corner = (round((video.width() - 640 * fit) / 2 + 320 * fit),
              round((video.height() - 480 * fit) / 2 + 60 * fit))
    assert shots["off"].pixelColor(*corner) != shots["scene:0"].pixelColor(*corner)
    assert shots["mask"].pixelColor(*corner).value() < 40  # room: black in the mask view
    kinds = [e.payload.get("kind") for e in k.events if e.type == "interaction"]
    assert kinds.count("toggle") == 4


def test_hand_signs_says_show_your_hand_without_a_hand(
    make_kiosk, qtbot, photos: dict[str, np.ndarray],  # type: ignore[no-untyped-def]
) -> None:
    src = SwitchableSource(photos["coffee"])
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True), lang="en")  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("hand-signs")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    panel = k.window.demo.panel
    assert panel.sign.text() == "Show your hand to the camera."  # type: ignore[attr-defined]
    qtbot.mouseClick(panel.teach_a, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert panel.status.text() == "Hold your sign still …"  # type: ignore[attr-defined]
    panel.lang = "de"  # type: ignore[attr-defined]
    panel.set_lang("de")  # type: ignore[attr-defined]
    assert panel.sign.text() == "Zeig der Kamera deine Hand."  # type: ignore[attr-defined]


def test_wake_on_approach_greets_then_a_touch_starts(
    make_kiosk, qtbot,  # type: ignore[no-untyped-def]
) -> None:
    from kiosk.bench_wake import SceneSource
    from kiosk.core.paths import models_dir
    from kiosk.core.session import Screen
    from kiosk.runtime.presence import open_watcher

    opened = []

    def presence(on_change, on_preview):  # type: ignore[no-untyped-def]
        watcher = open_watcher(SceneSource(0.5, 60.0, 60.0),
                               models_dir() / "mp_pose_detection.onnx", on_change, on_preview)
        opened.append(watcher)
        return watcher

    k = make_kiosk(presence=presence)
    k.controller.start()
    greeting = k.controller.greeting
    qtbot.waitUntil(lambda: greeting.isVisible(), timeout=30_000)
    assert greeting.hello.text() == "Hallo! Tippe, um zu starten"
    qtbot.waitUntil(lambda: greeting.video.frame is not None, timeout=30_000)
    assert greeting.video.mirrored  # like a mirror
    assert [e.type for e in k.events] == ["presence"]
    assert k.events[0].session_id is None and k.events[0].payload == {}
    qtbot.mouseClick(greeting, Qt.MouseButton.LeftButton)
    assert k.window.current_screen() is Screen.HOME and not greeting.isVisible()
    assert len(opened) == 1
    qtbot.waitUntil(lambda: opened[0].stopped, timeout=30_000)  # the camera is free for demos
