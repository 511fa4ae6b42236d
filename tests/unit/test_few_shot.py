"""Few-shot learning: the learner alone, and taught on real photos through MobileNetV2."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.core.tasks.few_shot import ExampleBank, TeachResult, augment, normalise, read_params
from kiosk.runtime.demos import DemoEntry
from kiosk.runtime.task_few_shot import TeachRunner

ROOT = Path(__file__).resolve().parents[2]


def test_bank_needs_two_classes_and_forgets() -> None:
    bank = ExampleBank(max_classes=3, max_examples=2)
    bank.add(0, np.array([1.0, 0.0]))
    assert bank.fit() is None  # one class: nothing to tell apart
    bank.add(1, np.array([0.0, 1.0]))
    model = bank.fit(temperature=0.05)
    assert model is not None
    cls, scores = model.predict(np.array([0.9, 0.1]))
    assert cls == 0 and scores[0] > 0.99 and sum(scores.values()) == pytest.approx(1.0)
    for _ in range(5):
        bank.add(1, np.array([0.0, 1.0]))
    assert bank.count(1) == 2  # bounded per class
    bank.clear()
    assert bank.count(0) == 0 and bank.fit() is None
    with pytest.raises(ValueError):
        bank.add(3, np.ones(2))


def test_normalise_and_json() -> None:
    assert np.linalg.norm(normalise(np.array([3.0, 4.0]))) == pytest.approx(1.0)
    assert normalise(np.zeros(3)).tolist() == [0, 0, 0]
    r = TeachResult(np.zeros(2), 1, {0: 0.2, 1: 0.8}, ["cup", "cat"])
    assert r.to_json() == {"predicted": "cat", "predicted_index": 1,
                           "scores": {"cup": 0.2, "cat": 0.8}, "trained": True,
                           "unsure": False}
    assert TeachResult(np.zeros(2)).to_json()["trained"] is False


def test_params_are_checked() -> None:
    _, problems = read_params({"burst": 0, "temprature": 1}, "t/demo.toml")
    assert sorted(p.field for p in problems) == ["params.burst", "params.temprature"]


@pytest.fixture(scope="module")
def runner() -> TeachRunner:
    from kiosk.runtime.demos import check_demo, load_runner

    entry: DemoEntry = check_demo(ROOT / "demos" / "teach-ai")
    assert entry.problems == []
    r = load_runner(entry)
    assert isinstance(r, TeachRunner)
    return r


def test_two_different_things_are_told_apart_after_ten_examples(
        runner: TeachRunner, photos: dict[str, np.ndarray]) -> None:
    learn_ms = runner.learn_from_images(
        {"cup": [photos["coffee"]], "cat": [photos["chelsea"]]}, per_class=10, seed=1)
    assert learn_ms <= 200  # the bound for the learning step
    rng = random.Random(99)  # fresh views the learner never saw
    right = 0
    for name, photo in (("cup", photos["coffee"]), ("cat", photos["chelsea"])):
        for _ in range(10):
            result, _ = runner.process(augment(photo, rng))
            right += result.to_json()["predicted"] == name
    assert right >= 19
    runner.forget()
    result, _ = runner.process(photos["coffee"])
    assert result.predicted is None


def test_learning_step_is_fast() -> None:
    bank = ExampleBank(3, 60)
    rng = np.random.default_rng(0)
    for c in range(3):
        for _ in range(60):
            bank.add(c, rng.random(1280))
    t0 = time.perf_counter()
    model = bank.fit()
    assert model is not None and (time.perf_counter() - t0) < 0.2
