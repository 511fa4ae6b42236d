"""Video files and their frame size: 4K is shrunk to a working size, absurd sizes refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.runtime.sources import (
    MAX_SIDE,
    SourceError,
    VideoFileSource,
    fit_frame,
    frame_size_problem,
    open_source,
)
from tests.conftest import write_video


def test_a_4k_video_reaches_the_pipeline_at_working_size(tmp_path: Path,
                                                         photos: dict[str, np.ndarray]) -> None:
    video = write_video(tmp_path / "uhd.avi", photos["coffee"], (3840, 2160))
    src = open_source(str(video))
    assert isinstance(src, VideoFileSource)
    frames = [src.read() for _ in range(5)]  # it loops, each frame shrunk
    src.close()
    assert all(f is not None and f.shape == (720, 1280, 3) for f in frames)
    # the same picture, colours in RGB order: compare with the photo at that size
    import cv2

    expected = cv2.resize(photos["coffee"], (1280, 720), interpolation=cv2.INTER_AREA)
    assert frames[0] is not None
    assert np.abs(frames[0].astype(int) - expected.astype(int)).mean() < 8


def test_a_portrait_video_keeps_its_aspect(tmp_path: Path,
                                           photos: dict[str, np.ndarray]) -> None:
    video = write_video(tmp_path / "tall.avi", photos["coffee"], (1080, 1920))
    frame = open_source(str(video)).read()
    assert frame is not None and frame.shape == (MAX_SIDE, 720, 3)


@pytest.mark.parametrize("size, reason", [
    ((7680, 4320), "larger than 4096 pixels on a side"),  # 8K
    ((20000, 1), "larger than 4096 pixels on a side"),
    ((1, 2000), "smaller than 16 pixels on a side"),
    ((2000, 100), "more than 8 times wider than high"),
])
def test_absurd_videos_are_refused_with_a_clear_message(
        tmp_path: Path, photos: dict[str, np.ndarray], size: tuple[int, int],
        reason: str) -> None:
    video = write_video(tmp_path / "odd.avi", photos["coffee"], size, frames=1)
    with pytest.raises(SourceError) as err:
        open_source(str(video))
    message = str(err.value)
    assert f"odd.avi is {size[0]}x{size[1]} pixels, {reason}" in message
    assert "convert it" in message


def test_frame_size_rules() -> None:
    assert frame_size_problem(640, 480) is None
    assert frame_size_problem(4096, 2160) is None  # DCI 4K is still taken (and shrunk)
    assert frame_size_problem(4097, 2160) is not None
    assert frame_size_problem(16, 16) is None and frame_size_problem(15, 16) is not None
    assert frame_size_problem(800, 100) is None and frame_size_problem(801, 100) is not None
    small = np.zeros((480, 640, 3), np.uint8)
    assert fit_frame(small) is small  # nothing to do: no copy
    wide = fit_frame(np.zeros((1000, 4000, 3), np.uint8))
    assert wide is not None and wide.shape == (320, 1280, 3)
    assert fit_frame(np.zeros((20000, 1, 3), np.uint8)) is None
