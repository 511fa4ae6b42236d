"""Rebuild the bundled sample photos (camera-less mode) from scikit-image's data set.

Run: .venv/bin/python build/make_sample_media.py
The photos are public-domain / CC0 images that ship inside the scikit-image wheel;
see assets/sample/README.md for each one's source and licence.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from skimage import data

ROOT = Path(__file__).resolve().parents[1]


def fit(rgb: np.ndarray, width: int = 800) -> np.ndarray:
    """Shrink to ``width`` px wide (never enlarge)."""
    h, w = rgb.shape[:2]
    if w <= width:
        return rgb
    return cv2.resize(rgb, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)


def make_sign() -> np.ndarray:
    """A card with large printed text on a desk, for the reading demo without a camera."""
    from PIL import Image, ImageDraw, ImageFont

    fonts = ROOT / "assets" / "fonts"
    w, h = 800, 600
    rng = np.random.default_rng(3)
    desk = np.zeros((h, w, 3), np.float32)
    desk[:] = (92, 70, 52)
    desk += rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    img = Image.fromarray(np.clip(desk, 0, 255).astype(np.uint8))
    card = Image.new("RGB", (620, 380), (246, 244, 238))
    draw = ImageDraw.Draw(card)
    big = ImageFont.truetype(str(fonts / "Inter-Bold.otf"), 64)
    mid = ImageFont.truetype(str(fonts / "Inter-SemiBold.otf"), 44)
    draw.text((40, 40), "KI-Labor", font=big, fill=(20, 24, 40))
    draw.text((40, 140), "Welcome to the", font=mid, fill=(20, 24, 40))
    draw.text((40, 200), "AI lab", font=mid, fill=(20, 24, 40))
    draw.text((40, 280), "Raum 2026", font=mid, fill=(124, 58, 237))
    card = card.rotate(4, expand=True, fillcolor=(92, 70, 52), resample=Image.Resampling.BICUBIC)
    img.paste(card, ((w - card.width) // 2, (h - card.height) // 2))
    return np.asarray(img)


def _privacy_thumbnail() -> np.ndarray:
    """The astronaut with her face pixelated by the real detector: what the demo does."""
    import onnxruntime as ort

    from kiosk.core.tasks.faces import FaceDetector, pixelate

    def net(name: str):  # type: ignore[no-untyped-def]
        sess = ort.InferenceSession(str(ROOT / "models" / f"mtcnn_{name}.onnx"))
        return lambda x: sess.run(None, {sess.get_inputs()[0].name: x})

    img = np.asarray(data.astronaut())
    faces = FaceDetector(net("pnet"), net("rnet"), net("onet")).detect(img)
    return pixelate(img, faces, blocks=9, margin=0.25)[20:340]


SAMPLES = {
    "01-coffee.jpg": data.coffee,
    "02-chelsea-cat.jpg": data.chelsea,
    "03-rocket.jpg": data.rocket,
    "04-astronaut.jpg": data.astronaut,
    "05-sign.jpg": make_sign,
}

def _teach_thumbnail() -> np.ndarray:
    """Two different things side by side: what a visitor teaches the AI to tell apart."""
    left = cover(np.asarray(data.coffee()), 316, 400)
    right = cover(np.asarray(data.chelsea()), 316, 400)
    gap = np.full((400, 8, 3), (11, 16, 32), np.uint8)
    return np.hstack([left, gap, right])


def _digit_thumbnail() -> np.ndarray:
    """A finger-drawn 7 and 3 on the dark board, as the draw demo shows them."""
    img = np.zeros((400, 640, 3), np.uint8)
    img[:] = (11, 16, 32)
    cv2.rectangle(img, (40, 30), (600, 370), (5, 7, 15), -1)
    ink = (244, 246, 251)
    seven = np.array([[130, 90], [290, 90], [200, 320]], np.int32)
    cv2.polylines(img, [seven], False, ink, 26, cv2.LINE_AA)
    three = [(370, 110), (420, 80), (480, 95), (495, 150), (440, 195), (500, 240),
             (490, 300), (430, 325), (370, 300)]
    cv2.polylines(img, [np.array(three, np.int32)], False, ink, 26, cv2.LINE_AA)
    return img  # colours above are RGB


THUMBNAILS = {
    "image-classification": data.chelsea,
    "face-privacy": _privacy_thumbnail,
    "ai-reads": make_sign,
    "teach-ai": _teach_thumbnail,
    "draw-digit": _digit_thumbnail,
}


def cover(rgb: np.ndarray, width: int = 640, height: int = 400) -> np.ndarray:
    """Scale and centre-crop to exactly ``width`` × ``height``."""
    h, w = rgb.shape[:2]
    s = max(width / w, height / h)
    resized = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    top = (resized.shape[0] - height) // 2
    left = (resized.shape[1] - width) // 2
    return resized[top : top + height, left : left + width]


def main() -> None:
    out = ROOT / "assets" / "sample"
    out.mkdir(parents=True, exist_ok=True)
    for name, loader in SAMPLES.items():
        rgb = fit(np.asarray(loader()))
        cv2.imwrite(str(out / name), rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 88])
        print("wrote", out / name, rgb.shape)
    for demo, loader in THUMBNAILS.items():
        target = ROOT / "demos" / demo / "thumbnail.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(target), cover(np.asarray(loader()))[:, :, ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 85])
        print("wrote", target)


if __name__ == "__main__":
    main()
