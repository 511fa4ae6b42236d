"""Runners that smooth or follow over frames start afresh on a new scene (the next sample
photo), with their real models on real photos: the first result on the new picture is the
one a fresh runner gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kiosk.core.paths import demos_dir, sample_media_dir
from kiosk.runtime.demos import check_demo, load_runner
from kiosk.runtime.sources import load_image


def runner(demo: str) -> Any:
    return load_runner(check_demo(demos_dir() / demo))


def photo(name: str) -> np.ndarray:
    img = load_image(sample_media_dir() / name)
    assert img is not None
    return img


def test_the_background_mask_of_the_last_photo_is_not_blended_in() -> None:
    astronaut, rocket = photo("04-astronaut.jpg"), photo("03-rocket.jpg")
    seg = runner("magic-background")
    seg.process(astronaut)
    seg.new_scene()
    after, _ = seg.process(rocket)
    fresh, _ = runner("magic-background").process(rocket)
    assert np.array_equal(after.mask, fresh.mask)


@pytest.mark.parametrize("demo", ["body-pose", "ai-reads", "hand-signs"])
def test_a_tracking_demo_looks_afresh(demo: str) -> None:
    first = photo("04-astronaut.jpg" if demo != "hand-signs" else "06-hand-pointing.jpg")
    second = photo("05-sign.jpg" if demo == "ai-reads" else "07-hand-fist.jpg")
    r = runner(demo)
    r.process(first)
    r.new_scene()
    after, _ = r.process(second)
    fresh, _ = runner(demo).process(second)
    assert after.to_json() == fresh.to_json()
