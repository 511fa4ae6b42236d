"""The body demos through ``kiosk run-demo``: keypoints, hands and masks as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import write_rgb
from tests.e2e.test_cli import kiosk


def records(out: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in out.splitlines()]


def test_body_pose_keypoints_in_source_pixels_also_mirrored(
    tmp_path: Path, data_dir: Path, photos: dict[str, np.ndarray],
) -> None:
    img = write_rgb(tmp_path / "astronaut.png", photos["astronaut"])
    plain = kiosk("run-demo", "body-pose", "--source", str(img), "--json", data_dir=data_dir)
    mirrored = kiosk("run-demo", "body-pose", "--source", str(img), "--json", "--mirror",
                     data_dir=data_dir)
    assert plain.returncode == 0 and mirrored.returncode == 0, plain.stderr + mirrored.stderr
    a, b = (records(o.stdout)[0]["result"]["people"][0]["keypoints"] for o in (plain, mirrored))
    assert [k["name"] for k in a][:2] == ["nose", "left_eye_inner"] and len(a) == 33
    assert set(a[0]) == {"name", "x", "y", "score"}
    # The mirrored live-camera path gives the model the same unmirrored picture.
    assert abs(a[0]["x"] - b[0]["x"]) < 1.0 and abs(a[0]["y"] - b[0]["y"]) < 1.0


def test_magic_background_fraction_and_mask_file(
    tmp_path: Path, data_dir: Path, photos: dict[str, np.ndarray],
) -> None:
    img = write_rgb(tmp_path / "astronaut.png", photos["astronaut"])
    mask_path = tmp_path / "mask.png"
    out = kiosk("run-demo", "magic-background", "--source", str(img), "--json", "--mask-out",
                str(mask_path), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    fraction = records(out.stdout)[0]["result"]["person_fraction"]
    assert 0.3 < fraction < 0.9
    mask = cv2.imread(str(mask_path), cv2.IMREAD_UNCHANGED)
    assert mask.shape == photos["astronaut"].shape[:2] and mask.dtype == np.uint8
    assert abs(float((mask > 127).mean()) - fraction) < 0.02
    wrong = kiosk("run-demo", "body-pose", "--source", str(img), "--mask-out",
                  str(tmp_path / "x.png"), data_dir=data_dir)
    assert wrong.returncode != 0 and "segmentation" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_hand_signs_json_shape_on_a_photo_without_hands(
    tmp_path: Path, data_dir: Path, photos: dict[str, np.ndarray],
) -> None:
    img = write_rgb(tmp_path / "coffee.jpg", photos["coffee"])
    out = kiosk("run-demo", "hand-signs", "--source", str(img), "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert records(out.stdout)[0]["result"] == {"count": 0, "hands": []}


def test_bench_wake_reports_idle_cost_and_greeting_time(data_dir: Path) -> None:
    out = kiosk("bench-wake", "--seconds", "5", "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["false_greetings"] == 0
    assert report["greeted_after_s"] is not None and report["greeted_after_s"] <= 1.0
    assert report["attract_again_after_s"] is not None
    assert 0 <= report["empty_cpu_percent_of_one_core"] < 100
