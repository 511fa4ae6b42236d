"""The "Draw a digit" task: the committed CNN, stroke rendering and drawing normalisation.

Runs the real ``models/digits_cnn.onnx`` through onnxruntime on the real held-out digits of
scikit-learn's ``load_digits`` and on hand-made finger strokes for every digit.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from kiosk.core.tasks.base import ModelFn
from kiosk.core.tasks.digits import (
    INPUT_MAX,
    INPUT_SIZE,
    TARGET_INK_FRACTION,
    DigitPrediction,
    DigitReader,
    normalise_drawing,
    strokes_to_image,
)
from kiosk.runtime.onnx_model import OnnxModel

MODELS = Path(__file__).resolve().parents[2] / "models"
MODEL = MODELS / "digits_cnn.onnx"
SPLIT_SEED = 0
"""Must match ``SPLIT_SEED`` in build/models/train_digits.py (the split is repeated, not shared)."""
CANVAS = 400

Point = tuple[float, float]
Stroke = list[Point]


def session_fn(path: Path) -> ModelFn:
    """The model as the app loads it: a callable onnxruntime session on one thread."""
    return OnnxModel(path)


@pytest.fixture(scope="module")
def model() -> ModelFn:
    return session_fn(MODEL)


@pytest.fixture(scope="module")
def reader(model: ModelFn) -> DigitReader:
    return DigitReader(model)


# --- hand-made strokes, in a unit box (x right, y down), as a person draws each digit ----------


def arc(
    cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 24
) -> Stroke:
    """Points on an ellipse from angle ``start`` to ``end`` (degrees, 0 = right, 90 = down)."""
    ts = np.deg2rad(np.linspace(start, end, n))
    return [(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in ts]


DIGITS: dict[int, list[Stroke]] = {
    0: [arc(0.5, 0.5, 0.45, 0.5, -90, -450, 40)],
    1: [[(0.5, 0.0), (0.5, 1.0)]],
    2: [[*arc(0.5, 0.27, 0.42, 0.27, 190, 380, 20), (0.05, 1.0), (0.98, 1.0)]],
    3: [arc(0.45, 0.25, 0.42, 0.25, 210, 450, 20) + arc(0.45, 0.74, 0.48, 0.26, -90, 150, 20)],
    4: [[(0.7, 0.0), (0.0, 0.68), (1.0, 0.68)], [(0.72, 0.3), (0.72, 1.0)]],
    5: [[(0.92, 0.0), (0.15, 0.0), (0.1, 0.45), *arc(0.5, 0.69, 0.45, 0.31, -140, 150, 24)]],
    6: [[(0.8, 0.0), (0.45, 0.2), *arc(0.5, 0.7, 0.42, 0.3, 200, 540, 30)]],
    7: [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]],
    8: [arc(0.5, 0.24, 0.34, 0.24, 90, 450, 28), arc(0.5, 0.74, 0.44, 0.26, -90, 270, 30)],
    9: [[*arc(0.5, 0.28, 0.45, 0.28, 0, 360, 28), (0.95, 0.28), (0.9, 1.0)]],
}
"""Digit shapes in a unit box that is drawn ``ASPECT`` times as wide as it is tall."""

ASPECT = 0.65

VARIANTS: dict[str, tuple[int, list[Stroke]]] = {
    "1 with a flag": (1, [[(0.15, 0.3), (0.6, 0.0), (0.6, 1.0)]]),
    "1 slanted": (1, [[(0.7, 0.0), (0.3, 1.0)]]),
    "7 with a crossbar": (7, [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)], [(0.3, 0.5), (0.9, 0.5)]]),
    "4 open top": (4, [[(0.15, 0.0), (0.05, 0.6), (1.0, 0.6)], [(0.75, 0.0), (0.75, 1.0)]]),
    "5 top bar last": (
        5,
        [
            [(0.15, 0.0), (0.1, 0.45), *arc(0.5, 0.69, 0.45, 0.31, -140, 150, 24)],
            [(0.15, 0.0), (0.92, 0.0)],
        ],
    ),
    "9 curved tail": (
        9,
        [
            [
                *arc(0.5, 0.28, 0.45, 0.28, 0, 360, 28),
                (0.95, 0.28),
                (0.9, 0.8),
                (0.6, 1.0),
                (0.2, 0.95),
            ]
        ],
    ),
    "2 with a loop": (
        2,
        [
            [
                *arc(0.5, 0.27, 0.42, 0.27, 190, 380, 20),
                (0.05, 1.0),
                (0.3, 0.85),
                (0.2, 0.95),
                (0.98, 1.0),
            ]
        ],
    ),
}
"""Other common ways to write a digit (each the same class as in ``DIGITS``)."""

PLACEMENTS: dict[str, tuple[float, float, float]] = {
    "big centred": (200.0, 200.0, 300.0),
    "small top-left": (80.0, 90.0, 110.0),
    "medium bottom-right": (290.0, 280.0, 180.0),
}
"""Centre x, centre y and height of the digit on the 400×400 canvas."""

PENS = {"thin": 5.0, "thick": 26.0}


def place(strokes: Sequence[Stroke], cx: float, cy: float, height: float) -> list[Stroke]:
    """Map unit-box strokes onto the canvas: ``height`` px tall, centred at (cx, cy)."""
    width = height * ASPECT
    return [[(cx + (x - 0.5) * width, cy + (y - 0.5) * height) for x, y in s] for s in strokes]


def draw(digit: int, placement: str = "big centred", pen: str = "thin") -> np.ndarray:
    cx, cy, h = PLACEMENTS[placement]
    return strokes_to_image(place(DIGITS[digit], cx, cy, h), CANVAS, CANVAS, PENS[pen])


def as_photo(canvas: np.ndarray, seed: int) -> np.ndarray:
    """The same drawing as a phone photo of paper: dark grey ink on light, uneven, noisy."""
    rng = np.random.default_rng(seed)
    ink = cv2.GaussianBlur(canvas.astype(np.float32) / 255.0, (0, 0), 1.5)
    paper = 215.0 + np.linspace(-15, 15, canvas.shape[1], dtype=np.float32)[None, :]
    photo = paper - ink * 160.0 + rng.normal(0.0, 12.0, canvas.shape).astype(np.float32)
    return np.asarray(np.clip(photo, 0, 255), dtype=np.uint8)


# --- the model on the held-out data -------------------------------------------------------------


def held_out() -> tuple[np.ndarray, np.ndarray]:
    digits = load_digits()
    x = digits.images.astype(np.float32)
    y = digits.target
    _, x_test, _, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=SPLIT_SEED
    )
    return x_test, y_test


def test_sha256_matches_sums_file() -> None:
    digest = hashlib.sha256(MODEL.read_bytes()).hexdigest()
    sums = {
        line.split()[-1].lstrip("*"): line.split()[0]
        for line in (MODELS / "SHA256SUMS").read_text().splitlines()
        if line.strip()
    }
    assert sums[MODEL.name] == digest


def test_model_interface() -> None:
    sess = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"])
    (inp,) = sess.get_inputs()
    (out,) = sess.get_outputs()
    assert inp.name == "input"
    assert inp.shape[1:] == [1, INPUT_SIZE, INPUT_SIZE]
    assert out.name == "probabilities"
    assert out.shape[1:] == [10]


def test_held_out_accuracy(model: ModelFn) -> None:
    x_test, y_test = held_out()
    assert len(y_test) == 360
    (probs,) = model(x_test[:, None])
    assert probs.shape == (360, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    accuracy = float((probs.argmax(axis=1) == y_test).mean())
    assert accuracy >= 0.97


def test_held_out_accuracy_after_renormalising(reader: DigitReader) -> None:
    """The data itself, blown up to a 'drawing' and normalised again, still reads the same."""
    x_test, y_test = held_out()
    hits = 0
    for img, label in zip(x_test, y_test, strict=True):
        big = cv2.resize(img / INPUT_MAX, (64, 64), interpolation=cv2.INTER_CUBIC)
        shape = cv2.copyMakeBorder(
            ((big >= 0.5) * 255).astype(np.uint8), 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=0
        )
        pred = reader.predict(shape)
        hits += pred is not None and pred.digit == label
    assert hits / len(y_test) >= 0.95


# --- drawings -------------------------------------------------------------------------------


@pytest.mark.parametrize("digit", range(10))
@pytest.mark.parametrize("placement", PLACEMENTS)
@pytest.mark.parametrize("pen", PENS)
def test_drawn_digit_is_read(reader: DigitReader, digit: int, placement: str, pen: str) -> None:
    pred = reader.predict(draw(digit, placement, pen))
    assert pred is not None
    assert pred.digit == digit, f"read {pred.to_json()}"


@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("pen", PENS)
def test_other_writing_styles_are_read(reader: DigitReader, name: str, pen: str) -> None:
    digit, strokes = VARIANTS[name]
    image = strokes_to_image(place(strokes, 200.0, 200.0, 300.0), CANVAS, CANVAS, PENS[pen])
    pred = reader.predict(image)
    assert pred is not None
    assert pred.digit == digit, f"read {pred.to_json()}"


@pytest.mark.parametrize("digit", range(10))
def test_photo_reads_like_canvas(reader: DigitReader, digit: int) -> None:
    canvas = draw(digit, "big centred", "thick")
    on_canvas = reader.predict(canvas)
    on_paper = reader.predict(as_photo(canvas, seed=digit))
    assert on_canvas is not None and on_paper is not None
    assert on_paper.digit == on_canvas.digit == digit
    x_canvas = normalise_drawing(canvas)
    x_paper = normalise_drawing(as_photo(canvas, seed=digit))
    assert x_canvas is not None and x_paper is not None
    assert float(np.abs(x_canvas - x_paper).mean()) < 1.5


def test_normalised_input_looks_like_the_data() -> None:
    x = normalise_drawing(draw(0, "small top-left", "thin"))
    assert x is not None
    assert x.shape == (1, 1, INPUT_SIZE, INPUT_SIZE)
    assert x.dtype == np.float32
    assert float(x.min()) >= 0.0 and float(x.max()) <= INPUT_MAX
    grid = x[0, 0]
    # Like load_digits: the digit spans the full height and is centred left-right.
    assert grid[0].max() > 4 and grid[-1].max() > 4
    assert grid[:, 0].max() < 4 and grid[:, -1].max() < 4
    coverage = float(grid.sum()) / (INPUT_SIZE * INPUT_SIZE * INPUT_MAX)
    assert coverage == pytest.approx(TARGET_INK_FRACTION, abs=0.03)


def test_size_position_and_pen_do_not_change_the_input() -> None:
    """The normalisation removes where, how big and with which pen a digit was drawn."""
    reference = normalise_drawing(draw(3, "big centred", "thin"))
    assert reference is not None
    for placement in PLACEMENTS:
        for pen in PENS:
            x = normalise_drawing(draw(3, placement, pen))
            assert x is not None
            assert float(np.abs(x - reference).mean()) < 1.5, (placement, pen)


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((400, 400), np.uint8),
        np.full((300, 200), 255, np.uint8),
        np.full((50, 50), 0.5, np.float32),
    ],
    ids=["black canvas", "white paper", "grey float"],
)
def test_blank_is_none(reader: DigitReader, image: np.ndarray) -> None:
    assert normalise_drawing(image) is None
    assert reader.predict(image) is None


def test_blank_noisy_paper_is_none() -> None:
    assert normalise_drawing(as_photo(np.zeros((400, 400), np.uint8), seed=1)) is None


def test_no_strokes_and_empty_strokes_are_blank(reader: DigitReader) -> None:
    assert reader.predict_strokes([], 400, 400, 8.0) is None
    assert reader.predict_strokes([[]], 400, 400, 8.0) is None


def test_colour_and_float_images_are_accepted(reader: DigitReader) -> None:
    canvas = draw(7)
    bgr = cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)
    as_float = canvas.astype(np.float32) / 255.0
    as_bool = canvas > 127
    for image in (bgr, as_float, as_bool):
        pred = reader.predict(image)
        assert pred is not None and pred.digit == 7


def test_bad_inputs_are_rejected() -> None:
    with pytest.raises(ValueError, match="2-D"):
        normalise_drawing(np.zeros(400, np.uint8))
    with pytest.raises(ValueError, match="ink_fraction"):
        normalise_drawing(draw(1), ink_fraction=1.5)


@settings(max_examples=60, deadline=None)
@given(
    strokes=st.lists(
        st.lists(
            st.tuples(st.floats(-50, 450, allow_nan=False), st.floats(-50, 450, allow_nan=False)),
            max_size=12,
        ),
        max_size=4,
    ),
    pen=st.floats(0.5, 60.0),
)
def test_any_scribble_gives_a_valid_input_or_none(strokes: list[Stroke], pen: float) -> None:
    x = normalise_drawing(strokes_to_image(strokes, CANVAS, CANVAS, pen))
    if x is None:
        return
    assert x.shape == (1, 1, INPUT_SIZE, INPUT_SIZE)
    assert np.all(np.isfinite(x))
    assert float(x.min()) >= 0.0 and float(x.max()) <= INPUT_MAX + 1e-4


def test_speck_of_noise_is_ignored() -> None:
    clean = draw(1)
    specked = clean.copy()
    cv2.circle(specked, (20, 380), 2, 255, -1)
    a, b = normalise_drawing(clean), normalise_drawing(specked)
    assert a is not None and b is not None
    np.testing.assert_allclose(a, b)


# --- rendering ------------------------------------------------------------------------------


def test_strokes_to_image_renders_round_caps() -> None:
    img = strokes_to_image([[(100.0, 100.0), (300.0, 100.0)]], 400, 200, 20.0)
    assert img.shape == (200, 400) and img.dtype == np.uint8
    assert img[100, 200] == 255 and img[0, 0] == 0
    # Round cap: ink reaches ~pen/2 beyond the end point on the axis, but not at the corner.
    assert img[100, 307] > 128 and img[92, 308] < 128
    dot = strokes_to_image([[(50.0, 50.0)]], 100, 100, 10.0)
    assert dot[50, 50] == 255 and dot[50, 58] == 0


def test_strokes_to_image_skips_bad_points_and_clips() -> None:
    img = strokes_to_image([[(math.nan, 3.0), (-50.0, 50.0), (450.0, 50.0)]], 400, 100, 6.0)
    assert img[50].min() == 255


@pytest.mark.parametrize(("w", "h", "pen"), [(0, 10, 1.0), (10, 10, 0.0), (10, 10, math.inf)])
def test_strokes_to_image_rejects_bad_arguments(w: int, h: int, pen: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        strokes_to_image([], w, h, pen)


# --- results -------------------------------------------------------------------------------


def test_prediction_json_and_top_k(reader: DigitReader) -> None:
    pred = reader.predict(draw(4))
    assert isinstance(pred, DigitPrediction)
    assert len(pred.probabilities) == 10
    assert math.isclose(sum(pred.probabilities), 1.0, abs_tol=1e-4)
    data = json.loads(json.dumps(pred.to_json(top_k=3)))
    assert data["digit"] == pred.digit == 4
    assert next(t["digit"] for t in data["top"]) == 4
    assert len(data["top"]) == 3
    scores = [t["score"] for t in data["top"]]
    assert scores == sorted(scores, reverse=True)


def test_logits_from_a_replacement_model_become_probabilities() -> None:
    logits = np.array([[0.0, 5.0, 1.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], np.float32)

    def fake(x: np.ndarray) -> list[np.ndarray]:
        assert x.shape == (1, 1, INPUT_SIZE, INPUT_SIZE)
        return [logits]

    pred = DigitReader(fake).predict(draw(1))
    assert pred is not None and pred.digit == 1
    assert math.isclose(sum(pred.probabilities), 1.0, rel_tol=1e-6)
    assert min(pred.probabilities) > 0


def test_wrong_output_shape_is_reported() -> None:
    def fake(x: np.ndarray) -> list[np.ndarray]:
        return [np.zeros((1, 3), np.float32)]

    with pytest.raises(ValueError, match="10 scores"):
        DigitReader(fake).predict(draw(1))


# --- speed --------------------------------------------------------------------------------------


def median_ms(fn: Callable[[], object], runs: int = 200) -> float:
    for _ in range(10):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1000.0)


def test_prediction_latency(reader: DigitReader) -> None:
    """Budget 5 ms per drawing (normalise + model); asserted loosely so a busy CI box passes."""
    canvas = draw(8)
    assert median_ms(lambda: reader.predict(canvas)) <= 20.0
