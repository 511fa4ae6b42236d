"""Finding the cameras that are really there (kiosk.runtime.cameras)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.runtime.cameras import (
    FoundCamera,
    candidate_indices,
    device_exists,
    device_name,
    opens,
    probe_cameras,
)


def test_linux_candidates_are_the_video_device_nodes(tmp_path: Path) -> None:
    for name in ("video2", "video0", "video10", "videox", "vcs", "media0"):
        (tmp_path / name).touch()
    assert candidate_indices(tmp_path, platform="linux") == [0, 2, 10]
    assert candidate_indices(tmp_path / "missing", platform="linux") == []


def test_other_systems_try_the_first_few_indices(tmp_path: Path) -> None:
    assert candidate_indices(tmp_path, platform="win32") == [0, 1, 2, 3]


def test_the_driver_name_is_read_when_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "video0").mkdir()
    (tmp_path / "video0" / "name").write_text("HD Pro Webcam C920\n", encoding="utf-8")
    assert device_name(0, tmp_path) == "HD Pro Webcam C920"
    assert device_name(1, tmp_path) == ""


def test_only_cameras_that_open_are_found() -> None:
    # a webcam's second (metadata) node cannot deliver pictures: video1 fails to open
    working = {0, 2}
    found = probe_cameras([0, 1, 2], try_open=lambda i: i in working,
                          name=lambda i: f"cam{i}")
    assert found == [FoundCamera(0, "cam0"), FoundCamera(2, "cam2")]


def test_a_probe_that_raises_counts_as_not_found() -> None:
    def try_open(index: int) -> bool:
        if index == 1:
            raise RuntimeError("driver exploded")
        return True

    assert [c.index for c in probe_cameras([0, 1], try_open=try_open, name=str)] == [0]


def test_a_hung_camera_does_not_hold_up_the_search() -> None:
    release = threading.Event()
    readings = iter([0.0, 0.0])  # the deadline, then camera 0's wait: both in time

    def try_open(index: int) -> bool:
        if index == 3:
            release.wait(30)  # like a half-unplugged USB camera
        return True

    def clock() -> float:  # ... and by the time camera 3's turn comes, time is up
        return next(readings, 100.0)

    try:
        found = probe_cameras([0, 3], try_open=try_open, name=str, time_limit_s=5.0,
                              clock=clock)
    finally:
        release.set()
    assert [c.index for c in found] == [0]


def test_opencv_probe_on_a_real_video_and_on_no_video(sample_video: Path,
                                                      tmp_path: Path) -> None:
    assert opens(str(sample_video)) is True
    text = tmp_path / "notes.mp4"
    text.write_text("not a video", encoding="utf-8")
    assert opens(str(text)) is False


def test_no_camera_on_a_machine_without_video_devices(tmp_path: Path) -> None:
    assert probe_cameras(candidate_indices(tmp_path, platform="linux")) == []


def test_a_plugged_in_camera_has_a_device_node(tmp_path: Path) -> None:
    (tmp_path / "video0").touch()
    assert device_exists(0, tmp_path, platform="linux")
    assert not device_exists(1, tmp_path, platform="linux")
    assert not device_exists(0, tmp_path, platform="win32")  # no way to tell: not claimed


def test_staff_see_the_saved_camera_as_busy_not_missing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from kiosk import app as kiosk_app
    from kiosk.core.settings import Settings
    from kiosk.runtime import cameras

    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "video0").touch()  # camera 0 is plugged in, but a closing demo still holds it
    monkeypatch.setattr(cameras, "DEV", dev)
    monkeypatch.setattr(cameras, "opens", lambda _: False)  # held: it delivers no picture
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "loop.mp4").touch()
    fake_app = SimpleNamespace(state=tmp_path,
                               settings=kiosk_app.RunSettings(Settings(camera="0")))
    backend = kiosk_app.StaffBackend(fake_app)  # type: ignore[arg-type]
    values = [c.value for c in backend.camera_choices()]
    assert values == ["0", "sample", str(tmp_path / "media" / "loop.mp4")]
    fake_app.settings.saved = Settings(camera="2")  # not plugged in: stays off the list
    assert next(c.value for c in backend.camera_choices()) == "sample"
