"""Hostile and degenerate pictures (issue 12, items 6 and 11): refused by their declared size
before decoding, and strips, dots and slivers never crash a demo's preprocessing."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.core.image_header import image_size, too_large
from kiosk.core.tasks import detection as det
from kiosk.runtime.sources import ImageFolderSource, SourceError, load_image

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "assets" / "sample"
# every built-in demo (the first five of issue 12 and those added since)
BUILTIN_DEMOS = sorted(p.name for p in (ROOT / "demos").iterdir() if (p / "demo.toml").is_file())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(path: Path, side: int = 30000) -> Path:
    """A real, valid 1-bit PNG of side × side white pixels: ~100 KB on disk, side² × 3 bytes
    (2.7 GB at 30000) once OpenCV decodes it to 8-bit colour."""
    row = b"\x00" + b"\xff" * ((side + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body)
                     + _chunk(b"IEND", b""))
    return path


def bmp_claiming(path: Path, w: int, h: int) -> Path:
    """A BMP header declaring w × h 24-bit pixels, followed by a few bytes only."""
    header = b"BM" + struct.pack("<IHHI", 54, 0, 0, 54)
    header += struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, 0, 2835, 2835, 0, 0)
    path.write_bytes(header + b"\0" * 1024)
    return path


# -- header parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".webp", ".tiff"])
def test_header_sizes_match_what_opencv_decodes(tmp_path: Path, ext: str) -> None:
    img = np.random.default_rng(1).integers(0, 255, (37, 53, 3), dtype=np.uint8)
    path = tmp_path / f"x{ext}"
    assert cv2.imwrite(str(path), img)
    assert image_size(path.read_bytes()) == (53, 37)


def test_header_sizes_of_the_real_sample_photos() -> None:
    photos = sorted(p for p in SAMPLES.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    assert photos
    for photo in photos:
        decoded = cv2.imread(str(photo))
        assert image_size(photo.read_bytes()) == (decoded.shape[1], decoded.shape[0]), photo


def test_gif_and_truncated_headers() -> None:
    assert image_size(b"GIF89a" + struct.pack("<HH", 640, 480) + b"\0" * 8) == (640, 480)
    assert image_size(b"\x89PNG\r\n\x1a\n\0\0") is None
    assert image_size(b"\xff\xd8\xff\xe0") is None
    assert image_size(b"not a picture") is None
    assert too_large(None) and too_large((30000, 30000)) and not too_large((4000, 3000))


# -- 12.6 memory bombs are refused before decoding ---------------------------------------------


def test_a_png_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = png_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 3 * 1024 * 1024
    assert load_image(bomb) is None
    with pytest.raises(SourceError):
        ImageFolderSource.from_folder(tmp_path)


def test_a_linked_picture_is_not_read(tmp_path: Path) -> None:
    photo = next(p for p in sorted(SAMPLES.iterdir()) if p.suffix == ".jpg")
    (tmp_path / "linked.jpg").symlink_to(photo)
    assert load_image(photo) is not None
    assert load_image(tmp_path / "linked.jpg") is None


# -- 12.11 degenerate pictures through every built-in demo ------------------------------------


@pytest.fixture(scope="module")
def odd_pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("odd")
    out = {}
    for name, shape in {"strip": (1, 10000), "column": (10000, 1), "dot": (1, 1)}.items():
        out[name] = folder / f"{name}.png"
        cv2.imwrite(str(out[name]), np.full((*shape, 3), 128, np.uint8))
    out["huge-bmp"] = bmp_claiming(folder / "huge.bmp", 60000, 60000)
    return out


@pytest.mark.parametrize("demo", BUILTIN_DEMOS)
def test_degenerate_pictures_never_crash_a_demo(
    demo: str, odd_pictures: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    data = ["--data-dir", str(tmp_path)]
    for name in ("strip", "column", "dot"):
        code = main(["run-demo", demo, "--source", str(odd_pictures[name]), "--json",
                     "--frames", "1", *data])
        out, err = capsys.readouterr()
        assert code == 0, (name, err)
        record = json.loads(out.splitlines()[-1])
        assert record["result"] is not None
    code = main(["run-demo", demo, "--source", str(odd_pictures["huge-bmp"]), "--frames", "1",
                 *data])
    _, err = capsys.readouterr()
    assert code != 0
    assert "unexpected" not in err and "huge.bmp" in err


@pytest.mark.parametrize("shape", [(1, 10000), (10000, 1), (1, 1)])
def test_detection_letterbox_keeps_a_strip_at_least_one_pixel(shape: tuple[int, int]) -> None:
    x, box = det.preprocess(np.full((*shape, 3), 200, np.uint8), det.DetectionParams(),
                            (640, 640))
    assert x.shape == (1, 3, 640, 640)
    assert box.new_w >= 1 and box.new_h >= 1
