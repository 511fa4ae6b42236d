"""Rebuild the thumbnails and background scenes of the body demos from real photos.

Run: .venv/bin/python build/make_body_media.py
Photos come from scikit-image's and scikit-learn's wheels (see demos/magic-background/README.md
for each scene's source and licence) and, for the hands, from assets/sample (see its README).
Thumbnails are made by the demos' real models, so they show what the demo does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from skimage import data

ROOT = Path(__file__).resolve().parents[1]
DEMOS = ROOT / "demos"


def _model(name: str) -> Callable[[np.ndarray], list[np.ndarray]]:
    import onnxruntime as ort

    sess = ort.InferenceSession(str(ROOT / "models" / name), providers=["CPUExecutionProvider"])
    input_name = sess.get_inputs()[0].name
    return lambda x: sess.run(None, {input_name: x})


def cover(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale and centre-crop to exactly ``width`` × ``height``."""
    h, w = rgb.shape[:2]
    s = max(width / w, height / h)
    resized = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    top = (resized.shape[0] - height) // 2
    left = (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])


def scenes() -> dict[str, np.ndarray]:
    """Background scenes for the magic-background demo (RGB, 960×540)."""
    from sklearn.datasets import load_sample_image

    return {
        "space.jpg": cover(np.asarray(data.hubble_deep_field()), 960, 540),
        "launch.jpg": cover(np.asarray(data.rocket()), 960, 540),
        "temple.jpg": cover(np.asarray(load_sample_image("china.jpg")), 960, 540),
    }


def pose_thumbnail() -> np.ndarray:
    """The astronaut with the skeleton the real pose model finds."""
    from kiosk.core.tasks.pose import SKELETON, PoseTracker

    img = np.ascontiguousarray(data.astronaut())
    tracker = PoseTracker(_model("mp_pose_detection.onnx"), _model("mp_pose_landmark_full.onnx"))
    person = tracker.process(img).people[0]
    out = img.copy()
    for a, b in SKELETON:
        pa, pb = person.point(a, 0.5), person.point(b, 0.5)
        if pa and pb:
            cv2.line(out, tuple(round(v) for v in pa), tuple(round(v) for v in pb),
                     (94, 234, 212), 7, cv2.LINE_AA)
    for kp in person.keypoints:
        if kp.score >= 0.5:
            cv2.circle(out, (round(kp.x), round(kp.y)), 7, (167, 139, 250), -1, cv2.LINE_AA)
    return cover(out[:400], 640, 400)


def background_thumbnail(space: np.ndarray) -> np.ndarray:
    """The astronaut in front of the Hubble deep field, cut out by the real mask."""
    from kiosk.core.tasks.segmentation import Segmenter

    img = np.ascontiguousarray(data.astronaut())
    mask = Segmenter(_model("mp_selfie_segmentation_landscape.onnx")).process(img).full_mask()
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    back = cover(space, img.shape[1], img.shape[0]).astype(np.float32)
    out = (img.astype(np.float32) * alpha + back * (1 - alpha)).astype(np.uint8)
    return cover(out[:400], 640, 400)


def hands_thumbnail() -> np.ndarray:
    """The two sample photos of a hand, pointing and a fist, with the 21 keypoints the real
    models find on them."""
    from kiosk.core.tasks.hands import BONES, HandTracker

    halves = []
    for name in ("06-hand-pointing.jpg", "07-hand-fist.jpg"):
        img = np.ascontiguousarray(cv2.imread(str(ROOT / "assets" / "sample" / name))[:, :, ::-1])
        tracker = HandTracker(_model("mp_palm_detection_lite.onnx"),
                              _model("mp_hand_landmark_lite.onnx"))
        hand = tracker.process(img).hands[0]
        pts = [tuple(round(v) for v in p) for p in hand.points]
        out = img.copy()
        for a, b in BONES:
            cv2.line(out, pts[a], pts[b], (94, 234, 212), 7, cv2.LINE_AA)
        for p in pts:
            cv2.circle(out, p, 8, (167, 139, 250), -1, cv2.LINE_AA)
        halves.append(cover(out, 316, 400))
    gap = np.full((400, 8, 3), (11, 16, 32), np.uint8)
    return np.hstack([halves[0], gap, halves[1]])


def write(path: Path, rgb: np.ndarray) -> None:
    """A JPEG as the demos ship them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    print("wrote", path.relative_to(ROOT), rgb.shape)


def main() -> None:
    made = scenes()
    for name, rgb in made.items():
        write(DEMOS / "magic-background" / name, rgb)
    write(DEMOS / "magic-background" / "thumbnail.jpg", background_thumbnail(made["space.jpg"]))
    write(DEMOS / "body-pose" / "thumbnail.jpg", pose_thumbnail())
    write(DEMOS / "hand-signs" / "thumbnail.jpg", hands_thumbnail())


if __name__ == "__main__":
    main()
