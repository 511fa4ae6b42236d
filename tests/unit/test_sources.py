"""Frame sources: files, folders, videos, and clear errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kiosk.core.paths import sample_media_dir
from kiosk.runtime.sources import (
    ImageFolderSource,
    SourceError,
    VideoFileSource,
    image_files,
    open_sample_source,
    open_source,
)
from tests.conftest import write_rgb


def test_image_file_and_folder(tmp_path: Path, photos: dict[str, np.ndarray]) -> None:
    write_rgb(tmp_path / "a.png", photos["coffee"])
    write_rgb(tmp_path / "b.jpg", photos["chelsea"])
    (tmp_path / "notes.txt").write_text("not an image", encoding="utf-8")
    single = open_source(str(tmp_path / "a.png"))
    frame = single.read()
    assert frame is not None and frame.shape == photos["coffee"].shape
    assert np.array_equal(frame, photos["coffee"])  # RGB order kept (PNG is lossless)
    folder = ImageFolderSource.from_folder(tmp_path, seconds_per_image=1, fps=1)
    assert len(folder.paths) == 2
    shapes = [folder.read().shape for _ in range(3)]  # type: ignore[union-attr]
    assert shapes == [photos["coffee"].shape, photos["chelsea"].shape, photos["coffee"].shape]


def test_video_loops(sample_video: Path) -> None:
    src = open_source(str(sample_video))
    assert isinstance(src, VideoFileSource) and src.fps == pytest.approx(30.0)
    frames = [src.read() for _ in range(70)]  # the video has 60 frames: it must wrap
    assert all(f is not None and f.shape == (480, 640, 3) for f in frames)
    src.close()
    once = VideoFileSource(sample_video, loop=False)
    count = 0
    while once.read() is not None:
        count += 1
    assert count == 60


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.mp4", "does not exist"),
    (lambda p: p, "holds no images"),
    (lambda p: (p / "broken.jpg", (p / "broken.jpg").write_bytes(b"nope"))[0],
     "No readable image"),
    (lambda p: (p / "broken.mp4", (p / "broken.mp4").write_bytes(b"nope" * 100))[0],
     "cannot be opened"),
    (lambda p: (p / "data.bin", (p / "data.bin").write_bytes(b"\0" * 100))[0],
     "neither an image nor a video"),
])
def test_bad_sources_say_what_is_wrong(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SourceError, match=message):
        open_source(str(make(tmp_path)))


def test_missing_camera_index_is_a_clear_error() -> None:
    with pytest.raises(SourceError, match="Camera 7 is not available"):
        open_source("7")


def test_sample_media_is_animated() -> None:
    src = open_sample_source()
    a, b = src.read(), src.read()
    assert a is not None and b is not None and a.shape == (480, 640, 3)
    assert not np.array_equal(a, b)  # a slow pan: consecutive frames differ


def test_sample_slideshow_starts_with_a_demos_pictures(tmp_path: Path,
                                                        photos: dict[str, np.ndarray]) -> None:
    own = tmp_path / "own.png"
    write_rgb(own, photos["rocket"])
    src = open_sample_source([own, sample_media_dir() / "04-astronaut.jpg"])
    assert [p.name for p in src.paths[:2]] == ["own.png", "04-astronaut.jpg"]
    assert len(src.paths) == len(image_files(sample_media_dir())) + 1  # nothing lost, no twins
    assert np.array_equal(src.picture(0), photos["rocket"])
    plain = open_sample_source()
    assert plain.paths[0].name == "01-coffee.jpg"


def test_a_big_folder_is_shown_without_holding_every_picture(
        tmp_path: Path, photos: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    import cv2

    from kiosk.runtime import sources

    small = cv2.resize(photos["chelsea"], (64, 48))
    for i in range(40):
        write_rgb(tmp_path / f"{i:03d}.png", np.roll(small, i, axis=1))
    (tmp_path / "020.png").write_bytes(b"broken")  # met on the way: left out, no gap
    src = ImageFolderSource.from_folder(tmp_path, seconds_per_image=1, fps=1)
    assert len(src._cache) == 1  # only the first picture is decoded up front
    frames = [src.read() for _ in range(45)]
    assert all(f is not None and f.shape == (48, 64, 3) for f in frames)
    assert len(src.paths) == 39 and len(src._cache) <= sources.CACHED_PICTURES
    assert np.array_equal(frames[20], np.roll(small, 21, axis=1))  # 020 skipped
    monkeypatch.setattr(sources, "MAX_FOLDER_PICTURES", 10)
    assert len(ImageFolderSource.from_folder(tmp_path).paths) == 10


@pytest.mark.parametrize("slide", [0, 1])  # the pan runs one way on even slides, back on odd
def test_the_sample_pan_never_cuts_the_astronauts_face(slide: int) -> None:
    """Demo mode's first second of face privacy and body pose: her whole face is in view,
    as the real face detector finds it, all through the slide's zoom and pan."""
    from kiosk.core.tasks.faces import FaceDetector, FaceParams
    from kiosk.runtime.onnx_model import OnnxModel

    models = Path(__file__).resolve().parents[2] / "models"
    detector = FaceDetector(*(OnnxModel(models / f"mtcnn_{n}.onnx")
                              for n in ("pnet", "rnet", "onet")), FaceParams())
    astronaut = sample_media_dir() / "04-astronaut.jpg"
    first = [sample_media_dir() / "01-coffee.jpg", astronaut] if slide else [astronaut]
    src = open_sample_source(first)
    n = src.frames_per_image
    for k in range(0, n, n // 6):
        src._n = slide * n + k
        frame = src.read()
        assert frame is not None
        faces = detector.detect(frame)
        assert len(faces) == 1, (k, faces)
        x1, y1, x2, y2 = faces[0].box
        h, w = frame.shape[:2]
        # the detector clips boxes to the picture: a cut face would touch an edge
        assert 8 <= x1 < x2 <= w - 8 and 8 <= y1 < y2 <= h - 8, (k, faces[0].box)


def test_a_slideshow_counts_its_cuts_and_a_video_its_loops(sample_video: Path) -> None:
    src = open_sample_source()
    n = src.frames_per_image
    scenes = []
    for _ in range(2 * n + 1):
        src.read()
        scenes.append(src.scene)
    assert scenes == [0] * n + [1] * n + [2]  # one cut per new picture, none within one
    video = VideoFileSource(sample_video)
    loops = []
    for _ in range(70):  # 60 frames: it starts over once
        video.read()
        loops.append(video.scene)
    assert loops == [0] * 60 + [1] * 10
