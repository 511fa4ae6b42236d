"""Classification pre/post-processing, and the real MobileNetV2 on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kiosk.core.tasks.classification import (
    ClassificationParams,
    ClassificationResult,
    Guess,
    ScoreSmoother,
    preprocess,
    probabilities,
    read_labels,
    read_params,
    top_k,
)
from kiosk.runtime.demos import check_demo, load_runner
from kiosk.runtime.task_classification import ClassificationRunner

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demos" / "image-classification"
CATS = set(range(281, 286))  # tabby, tiger cat, Persian, Siamese, Egyptian Mau


def test_preprocess_centre_crops_and_normalises() -> None:
    rgb = np.zeros((480, 640, 3), np.uint8)
    rgb[:, 320:] = 255  # right half white: the centre crop holds both halves
    x = preprocess(rgb, ClassificationParams())
    assert x.shape == (1, 3, 224, 224) and x.dtype == np.float32
    assert x[0, 0, 0, 0] == pytest.approx((0 - 0.485) / 0.229, abs=1e-5)
    assert x[0, 0, 0, -1] == pytest.approx((1 - 0.485) / 0.229, abs=1e-5)


def test_preprocess_bgr_nhwc_plain_resize() -> None:
    rgb = np.zeros((100, 50, 3), np.uint8)
    rgb[..., 0] = 200  # red
    p = ClassificationParams(size=(32, 32), resize_shorter=None, colour="BGR", layout="NHWC",
                             mean=(0, 0, 0), std=(1, 1, 1), scale=1.0)
    x = preprocess(rgb, p)
    assert x.shape == (1, 32, 32, 3)
    assert x[0, 0, 0, 2] == 200 and x[0, 0, 0, 0] == 0


def test_top_k_orders_and_labels() -> None:
    p = ClassificationParams(top_k=3)
    logits = np.array([[0.0, 3.0, 1.0, 2.0]])
    r = top_k(logits, p, ["a", "b", "c", "d"], ["A", "B", "C", "D"])
    assert [g.index for g in r.top] == [1, 3, 2]
    assert [g.label_de for g in r.top] == ["B", "D", "C"]
    assert sum(probabilities(logits, "softmax")) == pytest.approx(1.0)


@given(arrays(np.float32, st.integers(2, 50), elements=st.floats(-30, 30, width=32)))
def test_softmax_top_k_properties(logits: np.ndarray) -> None:
    labels = [str(i) for i in range(logits.size)]
    r = top_k(logits, ClassificationParams(top_k=5), labels)
    scores = [g.score for g in r.top]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    probs = probabilities(logits, "softmax")
    assert probs[r.top[0].index] == probs.max()


def test_sigmoid_and_none() -> None:
    assert probabilities(np.array([0.0]), "sigmoid")[0] == pytest.approx(0.5)
    assert probabilities(np.array([0.3, 0.7]), "none").tolist() == [0.3, 0.7]


def test_smoother_steadies_flicker() -> None:
    s = ScoreSmoother(keep=0.6)
    steady = ClassificationResult((Guess(1, "a", "A", 0.8), Guess(2, "b", "B", 0.1)))
    blip = ClassificationResult((Guess(3, "c", "C", 0.9), Guess(1, "a", "A", 0.05)))
    for _ in range(10):
        s.update(steady)
    out = s.update(blip)
    assert out.top[0].index == 1  # one odd frame does not flip the winner
    s.reset()
    assert s.update(blip).top[0].index == 3


def test_read_labels_and_params() -> None:
    assert read_labels("a\nb\n\n") == ["a", "b"]
    params, problems = read_params({"top_k": 3, "colour": "BGR"}, "x/demo.toml")
    assert problems == [] and params.top_k == 3 and params.colour == "BGR"
    _, problems = read_params({"top_k": 0, "colur": "BGR", "mean": [1, 2]}, "x/demo.toml")
    fields = sorted(p.field for p in problems)
    assert fields == ["params.colur", "params.mean", "params.top_k"]


def test_labels_files_have_1000_distinct_lines() -> None:
    for name in ("labels_en.txt", "labels_de.txt"):
        labels = read_labels((DEMO / name).read_text(encoding="utf-8"))
        assert len(labels) == 1000 and all(labels)
    de = read_labels((DEMO / "labels_de.txt").read_text(encoding="utf-8"))
    assert de[967] == "Espresso" and "Katze" in de[281]


@pytest.fixture(scope="module")
def runner() -> ClassificationRunner:
    entry = check_demo(DEMO)
    assert entry.problems == []
    r = load_runner(entry)
    assert isinstance(r, ClassificationRunner)
    return r


def test_real_model_on_real_photos(runner: ClassificationRunner,
                                   photos: dict[str, np.ndarray]) -> None:
    coffee, _ = runner.process(photos["coffee"])
    assert coffee.top[0].label_en == "espresso" and coffee.top[0].score > 0.5
    assert coffee.top[0].label_de == "Espresso"
    cat, _ = runner.process(photos["chelsea"])
    assert cat.top[0].index in CATS
    assert sum(g.score for g in cat.top if g.index in CATS) > 0.6
    rocket, _ = runner.process(photos["rocket"])
    top5 = {g.label_en for g in rocket.top}
    assert top5 & {"space shuttle", "missile", "projectile"}


def test_real_model_is_calm_on_a_blank_frame(runner: ClassificationRunner) -> None:
    result, timings = runner.process(np.zeros((480, 640, 3), np.uint8))
    assert result.top[0].score < 0.9  # no confident answer from nothing
    assert set(timings) == {"preprocess", "model", "postprocess"}
