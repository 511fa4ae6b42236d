"""Shared fixtures: real photos from scikit-image, a small sample video, a data dir."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Two shared cores: timing-based health checks would flake, not find bugs.
settings.register_profile(
    "kiosk", deadline=None, max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("kiosk")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    """Real RGB photos that ship inside the scikit-image wheel."""
    from skimage import data

    return {
        "coffee": np.asarray(data.coffee()),
        "chelsea": np.asarray(data.chelsea()),
        "rocket": np.asarray(data.rocket()),
        "astronaut": np.asarray(data.astronaut()),
    }


@pytest.fixture(scope="session")
def sample_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two seconds of the sample photos as a 640×480 30 fps video."""
    from kiosk.runtime.sample_video import write_sample_video

    out = tmp_path_factory.mktemp("video") / "sample.mp4"
    write_sample_video(out, seconds=2.0, fps=30.0)
    return out


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty kiosk data dir."""
    d = tmp_path / "kiosk-data"
    d.mkdir()
    return d


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    """Save an RGB array as an image file."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))
    return path


def write_video(path: Path, rgb: np.ndarray, size: tuple[int, int], frames: int = 3,
                fps: float = 30.0) -> Path:
    """A real Motion-JPEG video of ``rgb`` stretched to ``size`` (width, height)."""
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened(), f"OpenCV cannot write a {size[0]}x{size[1]} video"
    picture = cv2.resize(np.ascontiguousarray(rgb[:, :, ::-1]), size,
                         interpolation=cv2.INTER_LINEAR)
    for _ in range(frames):
        writer.write(picture)
    writer.release()
    return path
