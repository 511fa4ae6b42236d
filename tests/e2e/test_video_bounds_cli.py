"""``kiosk run-demo --source VIDEO`` with a 4K and an 8K video: shrunk, or refused in words."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.conftest import write_video
from tests.e2e.test_cli import DEMO, kiosk


def test_run_demo_on_4k_and_8k_videos(tmp_path: Path, data_dir: Path,
                                      photos: dict[str, np.ndarray]) -> None:
    uhd = write_video(tmp_path / "uhd.avi", photos["coffee"], (3840, 2160), frames=2)
    out = kiosk("run-demo", DEMO, "--source", str(uhd), "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 2
    assert {(r["width"], r["height"]) for r in records} == {(1280, 720)}
    assert records[0]["result"]["top"][0]["label_en"] == "espresso"

    mirrored = kiosk("run-demo", DEMO, "--source", str(uhd), "--json", "--mirror",
                     data_dir=data_dir)
    assert mirrored.returncode == 0, mirrored.stderr
    first = json.loads(mirrored.stdout.splitlines()[0])
    assert (first["width"], first["height"], first["mirrored"]) == (1280, 720, True)

    huge = write_video(tmp_path / "8k.avi", photos["coffee"], (7680, 4320), frames=1)
    refused = kiosk("run-demo", DEMO, "--source", str(huge), "--json", data_dir=data_dir)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "8k.avi is 7680x4320 pixels, larger than 4096 pixels on a side" in refused.stderr
    assert "Traceback" not in refused.stderr
