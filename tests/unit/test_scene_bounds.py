"""Magic-background scene pictures in a pack: links out of the pack and decompression
bombs are refused before anything is decoded; big honest photos are shrunk."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from kiosk.core.paths import demos_dir
from kiosk.runtime.demos import check_demo
from kiosk.runtime.onnx_model import ModelLoadError
from kiosk.runtime.task_segmentation import MAX_SCENE_SIDE, load_scene
from tests.conftest import write_rgb


def bomb_png(path: Path, side: int) -> Path:
    """A real, valid 1-bit PNG of ``side``×``side`` black pixels: a few KB on disk, and
    ``side``² × 3 bytes once OpenCV decodes it as colour."""
    row = b"\x00" + bytes((side + 7) // 8)
    raw = zlib.compress(row * side, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side,
                                                                         1, 0, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "packs" / "magic-background"
    shutil.copytree(demos_dir() / "magic-background", folder)
    return folder


def test_an_honest_big_photo_is_shrunk(tmp_path: Path, photos: dict[str, np.ndarray]) -> None:
    import cv2

    big = cv2.resize(photos["astronaut"], (4000, 4000), interpolation=cv2.INTER_LINEAR)
    scene = load_scene(write_rgb(tmp_path / "big.jpg", big))
    assert scene.shape == (MAX_SCENE_SIDE, MAX_SCENE_SIDE, 3)


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    bomb = bomb_png(tmp_path / "bomb.png", 12_000)  # 432 MB once decoded
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ModelLoadError, match=r"bomb\.png cannot be used"):
        load_scene(bomb)


def test_a_scene_that_links_out_of_the_pack_is_refused(pack: Path, tmp_path: Path,
                                                       photos: dict[str, np.ndarray]) -> None:
    outside = write_rgb(tmp_path / "private" / "holiday.jpg", photos["chelsea"])
    (pack / "space.jpg").unlink()
    (pack / "space.jpg").symlink_to(outside)
    with pytest.raises(ModelLoadError, match=r"space\.jpg cannot be used"):
        load_scene(pack / "space.jpg")
    entry = check_demo(pack)
    assert any("params.scenes" in str(p) and "space.jpg" in str(p) for p in entry.problems)
