"""A mirrored live camera in the real window: models see the picture as taken, and the boxes
drawn over the mirrored picture land on the face / the text the visitor sees."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage

from kiosk.ui import theme
from kiosk.ui.controller import SourceChoice
from kiosk.ui.widgets import VideoView
from tests.gui.test_demos_gui import SwitchableSource


def off_centre(photo: np.ndarray, height: int, width: int) -> np.ndarray:
    """``photo`` scaled to ``height`` and pasted at the left edge of a plain grey picture."""
    h, w = photo.shape[:2]
    small = cv2.resize(photo, (round(w * height / h), height), interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 128, np.uint8)
    canvas[:, : small.shape[1]] = small
    return canvas


def pen_pixels_in_source_x(video: VideoView, colour: tuple[int, int, int]) -> np.ndarray:
    """x (in the source frame's pixels, as the model saw it) of every pixel painted in
    ``colour``, undoing the display's mirroring."""
    shot = video.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = shot.width(), shot.height()
    arr = np.frombuffer(shot.constBits(), np.uint8, shot.bytesPerLine() * h)
    arr = arr.reshape(h, shot.bytesPerLine())[:, : w * 3].reshape(h, w, 3)
    near = np.abs(arr.astype(int) - np.asarray(colour)).sum(axis=2) < 30
    _, xs = np.nonzero(near)
    rect = video.image_rect()
    dpr = shot.width() / video.width()
    scale = rect.width() / video.frame_size[0]  # type: ignore[index]
    shown_x = (xs / dpr - rect.x()) / scale
    return video.frame_size[0] - shown_x  # type: ignore[index,no-any-return]


def teal() -> tuple[int, int, int]:
    c = theme.TEAL_LIGHT
    return c.red(), c.green(), c.blue()


def test_face_box_follows_the_mirrored_picture(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                               photos: dict[str, np.ndarray]) -> None:
    picture = off_centre(photos["astronaut"], 480, 960)
    src = SwitchableSource(picture)
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True))  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("face-privacy")
    qtbot.waitUntil(lambda: k.window.demo.results_shown >= 2, timeout=30_000)
    panel = k.window.demo.panel
    (face,) = panel.shown_faces()  # type: ignore[attr-defined]
    x1, _, x2, _ = face.box
    assert x2 < 480  # the model saw the face on the left, where the camera has it
    assert k.window.demo.video.mirrored
    panel.switch.setChecked(False)  # type: ignore[attr-defined]  # plain boxes
    xs = pen_pixels_in_source_x(k.window.demo.video, teal())
    assert xs.size > 100
    inside = (xs >= x1 - 12) & (xs <= x2 + 12)
    assert inside.mean() > 0.9, (x1, x2, np.percentile(xs, [5, 50, 95]))


def test_text_boxes_follow_the_mirrored_picture(make_kiosk, qtbot,  # type: ignore[no-untyped-def]
                                                photos: dict[str, np.ndarray]) -> None:
    from kiosk.core.paths import sample_media_dir
    from kiosk.runtime.sources import load_image

    sign = load_image(sample_media_dir() / "05-sign.jpg")
    assert sign is not None
    src = SwitchableSource(off_centre(sign, 480, 1200))
    k = make_kiosk(source=lambda: SourceChoice(src, None, False, True))  # type: ignore[arg-type]
    k.controller.activity()
    k.controller.open_demo("ai-reads")
    panel = k.window.demo.panel
    qtbot.waitUntil(lambda: len(panel.lines) >= 3, timeout=60_000)  # type: ignore[attr-defined]
    texts = " ".join(line.text for line in panel.lines)  # type: ignore[attr-defined]
    assert "Welcome" in texts  # read as printed, not mirrored
    boxes = np.array([p for line in panel.lines for p in line.box])  # type: ignore[attr-defined]
    xs = pen_pixels_in_source_x(k.window.demo.video, teal())
    assert xs.size > 100
    inside = (xs >= boxes[:, 0].min() - 10) & (xs <= boxes[:, 0].max() + 10)
    assert inside.mean() > 0.9
