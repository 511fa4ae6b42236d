"""Tests for the OCR task (``kiosk.core.tasks.ocr``): geometry and decoding on small fakes, then
the real PP-OCRv4 models on text rendered here with a real font.

Fonts: the app's bundled Inter (``assets/fonts``) first, else the TrueType font Pillow carries
inside its wheel (Aileron), so the tests never depend on fonts installed on the machine.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from kiosk.core.tasks.base import ModelFn
from kiosk.core.tasks.ocr import (
    CTC_BLANK,
    LiveParams,
    LiveReader,
    OcrLine,
    OcrParams,
    Quad,
    TextBox,
    TextReader,
    characters_from_metadata,
    crop_quad,
    ctc_greedy_decode,
    order_quad,
    unclip_rect,
)

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
DET_PATH = MODELS / "ppocrv4_det.onnx"
REC_PATH = MODELS / "ppocrv4_rec.onnx"

INK = (25, 25, 35)
PAPER = (245, 244, 238)

# --------------------------------------------------------------------------- helpers


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def no_spaces(text: str) -> str:
    # the recogniser often drops the space between words (a known limit, see the model card);
    # accuracy is measured on the characters, every other character counts exactly
    return re.sub(r"\s+", "", text)


def char_accuracy(expected: Sequence[str], lines: Sequence[OcrLine]) -> float:
    """1 - (summed edit distance / summed length), each expected line against its best match."""
    got = [no_spaces(line.text) for line in lines]
    errors = 0
    total = 0
    for text in expected:
        want = no_spaces(text)
        total += len(want)
        errors += min((edit_distance(want, g) for g in got), default=len(want))
    return 1.0 - errors / total


def find_font_file() -> Path | None:
    fonts = REPO / "assets" / "fonts"
    preferred = fonts / "Inter-Regular.otf"
    if preferred.is_file():
        return preferred
    candidates = sorted([*fonts.glob("*.ttf"), *fonts.glob("*.otf")])
    return candidates[0] if candidates else None


def load_font(size: int) -> ImageFont.FreeTypeFont:
    path = find_font_file()
    if path is not None:
        return ImageFont.truetype(str(path), size)
    builtin = ImageFont.load_default(size=size)
    if not isinstance(builtin, ImageFont.FreeTypeFont):
        pytest.skip("no TrueType font: assets/fonts is empty and Pillow was built without FreeType")
    return builtin


def text_patch(text: str, size: int, angle: float = 0.0) -> Image.Image:
    """Transparent RGBA patch with ``text``, turned ``angle`` degrees counter-clockwise."""
    font = load_font(size)
    _, _, right, bottom = font.getbbox(text)
    patch = Image.new("RGBA", (int(right) + 16, int(bottom) + 16), (0, 0, 0, 0))
    ImageDraw.Draw(patch).text((8, 8), text, font=font, fill=(*INK, 255))
    if angle:
        patch = patch.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    return patch


def render_page(
    items: Sequence[tuple[str, tuple[int, int], float]],
    size: int = 34,
    shape: tuple[int, int] = (480, 640),
    paper: tuple[int, int, int] = PAPER,
) -> np.ndarray:
    """RGB uint8 image with each (text, top-left, angle) pasted on plain paper."""
    page = Image.new("RGB", (shape[1], shape[0]), paper)
    for text, origin, angle in items:
        patch = text_patch(text, size, angle)
        page.paste(patch, origin, patch)
    return np.asarray(page).copy()


def render_centred(text: str, angle: float = 0.0, size: int = 40) -> np.ndarray:
    patch = text_patch(text, size, angle)
    page = Image.new("RGB", (640, 480), PAPER)
    page.paste(patch, ((640 - patch.width) // 2, (480 - patch.height) // 2), patch)
    return np.asarray(page).copy()


def session_fn(path: Path) -> tuple[ort.InferenceSession, ModelFn]:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name

    def run(x: np.ndarray) -> list[np.ndarray]:
        return [np.asarray(o) for o in sess.run(None, {name: x})]

    return sess, run


def rect_quad(x0: float, y0: float, x1: float, y1: float) -> Quad:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


# --------------------------------------------------------------------------- without models


def one_hot_probs(indices: Sequence[int], classes: int, p: float = 0.9) -> np.ndarray:
    probs = np.full((1, len(indices), classes), (1.0 - p) / (classes - 1), dtype=np.float32)
    for t, k in enumerate(indices):
        probs[0, t, k] = p
    return probs


def test_ctc_decode_merges_repeats_and_drops_blanks() -> None:
    chars = [CTC_BLANK, "a", "l", "o", " "]
    # "a a _ l l _ l o" -> "allo": the blank between the two l's keeps the double letter
    probs = one_hot_probs([1, 1, 0, 2, 2, 0, 2, 3], len(chars))
    [(text, score)] = ctc_greedy_decode(probs, chars)
    assert text == "allo"
    assert score == pytest.approx(0.9)


def test_ctc_decode_of_only_blanks_is_empty_with_zero_score() -> None:
    chars = [CTC_BLANK, "a", " "]
    assert ctc_greedy_decode(one_hot_probs([0, 0, 0], 3), chars) == [("", 0.0)]


def test_ctc_decode_rejects_a_character_list_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="classes"):
        ctc_greedy_decode(one_hot_probs([1], 4), [CTC_BLANK, "a", " "])


def test_characters_from_metadata_adds_blank_and_space() -> None:
    assert characters_from_metadata("a\nb\r\nc\n") == [CTC_BLANK, "a", "b", "c", " "]
    with pytest.raises(ValueError):
        characters_from_metadata("")


def test_params_reject_nonsense_and_report_every_problem() -> None:
    with pytest.raises(ValueError) as info:
        OcrParams(box_thresh=2.0, rec_batch=0, det_limit_side=10)
    message = str(info.value)
    assert "box_thresh" in message
    assert "rec_batch" in message
    assert "det_limit_side" in message


def test_unclip_grows_every_side_by_area_times_ratio_over_perimeter() -> None:
    (cx, cy), (w, h), angle = unclip_rect(((50.0, 20.0), (100.0, 10.0), 7.0), 1.6)
    distance = 100 * 10 * 1.6 / 220
    assert (cx, cy, angle) == (50.0, 20.0, 7.0)
    assert w == pytest.approx(100 + 2 * distance)
    assert h == pytest.approx(10 + 2 * distance)


@settings(max_examples=200, deadline=None)
@given(
    cx=st.floats(-500, 500),
    cy=st.floats(-500, 500),
    length=st.floats(30, 600),
    aspect=st.floats(1.6, 20),
    angle=st.floats(-85, 85),
    roll=st.integers(0, 3),
)
def test_order_quad_starts_top_left_of_the_text_and_runs_clockwise(
    cx: float, cy: float, length: float, aspect: float, angle: float, roll: int
) -> None:
    points = cv2.boxPoints(((cx, cy), (length, length / aspect), angle))
    ordered = order_quad(np.roll(points, roll, axis=0))
    top = ordered[1] - ordered[0]
    side = ordered[3] - ordered[0]
    assert top[0] > 0  # reads left to right
    assert np.hypot(*top) == pytest.approx(length, rel=1e-3)  # along the long side
    assert top[0] * side[1] - top[1] * side[0] > 0  # clockwise on screen (y down)
    assert sorted(map(tuple, ordered.tolist())) == sorted(map(tuple, points.tolist()))


def test_order_quad_on_an_axis_aligned_box() -> None:
    points = np.array([[10, 50], [10, 40], [90, 40], [90, 50]], dtype=np.float32)
    assert order_quad(points).tolist() == [[10, 40], [90, 40], [90, 50], [10, 50]]


def test_crop_quad_straightens_a_rotated_box() -> None:
    image = np.zeros((200, 300, 3), np.uint8)
    rect = ((150.0, 100.0), (160.0, 40.0), 20.0)
    cv2.fillPoly(image, [cv2.boxPoints(rect).astype(np.int32)], (255, 255, 255))
    crop = crop_quad(image, order_quad(cv2.boxPoints(rect)))
    assert abs(crop.shape[1] - 160) <= 1
    assert abs(crop.shape[0] - 40) <= 1
    assert crop[5:-5, 5:-5].min() > 200  # all inside the filled box


class FakeDet:
    """Detector fake: a probability map with one rectangle of 'text' at a fixed place."""

    def __init__(self, rect_fraction: tuple[float, float, float, float]) -> None:
        self.rect_fraction = rect_fraction
        self.inputs: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.inputs.append(x)
        _, _, h, w = x.shape
        fx0, fy0, fx1, fy1 = self.rect_fraction
        prob = np.zeros((1, 1, h, w), np.float32)
        prob[0, 0, round(fy0 * h) : round(fy1 * h), round(fx0 * w) : round(fx1 * w)] = 0.9
        return [prob]


class FakeRec:
    """Recogniser fake: reads 'ok' in every crop."""

    chars = (CTC_BLANK, "o", "k", " ")

    def __init__(self) -> None:
        self.inputs: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.inputs.append(x)
        steps = x.shape[3] // 8
        indices = [1, 0, 2] + [0] * (steps - 3)
        return [np.repeat(one_hot_probs(indices, len(self.chars)), x.shape[0], axis=0)]


def test_pipeline_plumbing_with_fakes() -> None:
    det = FakeDet((0.25, 0.40, 0.75, 0.50))
    rec = FakeRec()
    reader = TextReader(det, rec, FakeRec.chars)
    rgb = np.zeros((720, 1280, 3), np.uint8)
    rgb[..., 0] = 200  # red in RGB: must reach the models as the last (R) channel of BGR

    lines = reader.read(rgb)

    [blob] = det.inputs
    assert blob.shape == (1, 3, 352, 640)  # longest side 640, both sides multiples of 32
    assert blob.dtype == np.float32
    assert blob[0, 2].max() == pytest.approx(200 / 127.5 - 1)  # R is the third channel
    assert blob[0, 0].min() == pytest.approx(-1.0)
    [rec_in] = rec.inputs
    assert rec_in.shape[1:3] == (3, 48)
    assert rec_in.shape[3] >= 320
    [line] = lines
    assert line.text == "ok"
    xs = [p[0] for p in line.box]
    ys = [p[1] for p in line.box]
    # the fake 320x35 blob at (160, 141) of the 640x352 map, grown by DB's unclip and scaled
    # back to the frame (x2 across, 720/352 down)
    grow = 320 * 35 * 1.6 / (2 * (320 + 35))
    assert min(xs) == pytest.approx((160 - grow) * 2, abs=6)
    assert max(xs) == pytest.approx((480 + grow) * 2, abs=6)
    assert min(ys) == pytest.approx((141 - grow) * 720 / 352, abs=6)
    assert max(ys) == pytest.approx((176 + grow) * 720 / 352, abs=6)
    assert line.to_json()["text"] == "ok"


def test_recognise_drops_boxes_where_nothing_is_read() -> None:
    class Rec:
        def __call__(self, x: np.ndarray) -> list[np.ndarray]:
            steps = x.shape[3] // 8
            return [np.repeat(one_hot_probs([0] * steps, 3), x.shape[0], axis=0)]

    reader = TextReader(FakeDet((0, 0, 0, 0)), Rec(), [CTC_BLANK, "a", " "])
    boxes = [TextBox(rect_quad(10, 10, 100, 30), 0.9)]
    assert reader.recognise(np.full((64, 128, 3), 128, np.uint8), boxes) == []


def test_lines_come_in_reading_order() -> None:
    # three boxes: a row of two (given right one first) and one line below
    class Det:
        def __call__(self, x: np.ndarray) -> list[np.ndarray]:
            prob = np.zeros((1, 1, *x.shape[2:]), np.float32)
            prob[0, 0, 100:120, 300:400] = 0.9  # row 1, right
            prob[0, 0, 102:122, 50:200] = 0.9  # row 1, left, a little lower
            prob[0, 0, 200:220, 60:300] = 0.9  # row 2
            return [prob]

    reader = TextReader(Det(), FakeRec(), FakeRec.chars)
    boxes = reader.detect(np.tile(np.arange(640, dtype=np.uint8)[None, :, None] // 3, (480, 1, 3)))
    lefts = [min(p[0] for p in b.box) for b in boxes]
    tops = [min(p[1] for p in b.box) for b in boxes]
    assert len(boxes) == 3
    assert lefts[0] < lefts[1]  # row 1 left to right
    assert tops[2] > max(tops[:2])  # then row 2


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((480, 640, 3), np.uint8),
        np.full((480, 640, 3), 255, np.uint8),
        np.zeros((3, 3, 3), np.uint8),
        np.zeros((0, 0, 3), np.uint8),
        np.zeros((1, 500, 3), np.uint8),
    ],
    ids=["black", "white", "3x3", "empty", "one-row"],
)
def test_blank_or_tiny_frames_skip_the_models(image: np.ndarray) -> None:
    det = FakeDet((0.1, 0.1, 0.9, 0.9))
    reader = TextReader(det, FakeRec(), FakeRec.chars)
    assert reader.read(image) == []
    assert reader.detect(image) == []
    assert det.inputs == []


class NoiseDet:
    """Detector fake: a random probability map, for robustness checks."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        coarse = self.rng.random((1 + x.shape[2] // 16, 1 + x.shape[3] // 16), np.float32)
        prob = cv2.resize(coarse, (x.shape[3], x.shape[2]), interpolation=cv2.INTER_NEAREST)
        return [prob[np.newaxis, np.newaxis]]


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 300),
    width=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_frame_size_and_any_detector_map_give_valid_lines(
    height: int, width: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    reader = TextReader(NoiseDet(seed), FakeRec(), FakeRec.chars, OcrParams(max_lines=5))
    lines = reader.read(rgb)
    assert len(lines) <= 5
    for line in lines:
        assert line.text == "ok"
        assert all(0 <= x <= width - 1 and 0 <= y <= height - 1 for x, y in line.box)


def test_degenerate_boxes_do_not_crash_recognition() -> None:
    reader = TextReader(FakeDet((0, 0, 0, 0)), FakeRec(), FakeRec.chars)
    flat = TextBox(((5.0, 5.0), (50.0, 5.0), (50.0, 5.0), (5.0, 5.0)), 0.9)
    point = TextBox(((5.0, 5.0),) * 4, 0.9)
    reader.recognise(np.full((64, 64, 3), 90, np.uint8), [flat, point])


def test_wrong_image_types_are_refused() -> None:
    reader = TextReader(FakeDet((0, 0, 0, 0)), FakeRec(), FakeRec.chars)
    with pytest.raises(ValueError, match="uint8"):
        reader.read(np.zeros((64, 64, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        reader.read(np.zeros((64, 64, 2), np.uint8))


# --------------------------------------------------------------------------- real models

PAGE_LINES = ["Hello Showroom 2026", "KI liest mit", "Offline AI Demo 4711", "0123456789"]
ROTATED_LINE = "Rotated text reads"


@pytest.fixture(scope="module")
def rec_session() -> tuple[ort.InferenceSession, ModelFn]:
    return session_fn(REC_PATH)


@pytest.fixture(scope="module")
def reader(
    rec_session: tuple[ort.InferenceSession, ModelFn],
) -> TextReader:
    sess, rec = rec_session
    characters = characters_from_metadata(sess.get_modelmeta().custom_metadata_map["character"])
    _, det = session_fn(DET_PATH)
    return TextReader(det, rec, characters)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    items = [(text, (30, 24 + 66 * i), 0.0) for i, text in enumerate(PAGE_LINES)]
    items.append((ROTATED_LINE, (60, 300), 12.0))
    return render_page(items)


def test_model_files_match_sha256sums() -> None:
    sums: dict[str, str] = {}
    for line in (MODELS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*")] = digest
    for path in (DET_PATH, REC_PATH):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sums[path.name]


def test_character_list_matches_the_recogniser_outputs(
    rec_session: tuple[ort.InferenceSession, ModelFn],
) -> None:
    sess, _ = rec_session
    characters = characters_from_metadata(sess.get_modelmeta().custom_metadata_map["character"])
    assert len(characters) == 6625
    assert sess.get_outputs()[0].shape[-1] == len(characters)
    assert characters[0] == CTC_BLANK
    assert characters[-1] == " "
    assert all(len(c) == 1 for c in characters[1:])


def test_reads_a_page_of_rendered_text(reader: TextReader, page: np.ndarray) -> None:
    lines = reader.read(page)
    expected = [*PAGE_LINES, ROTATED_LINE]
    assert char_accuracy(expected, lines) >= 0.95, [line.text for line in lines]
    assert len(lines) == len(expected)
    # reading order: top to bottom, as rendered
    for want, got in zip(expected, lines, strict=True):
        assert edit_distance(no_spaces(want), no_spaces(got.text)) <= 2
    for line in lines:
        assert 0.5 <= line.score <= 1.0
        assert all(0 <= x < 640 and 0 <= y < 480 for x, y in line.box)


def test_rotated_line_box_follows_the_text(reader: TextReader, page: np.ndarray) -> None:
    rotated = reader.read(page)[-1]
    (x0, y0), (x1, y1) = rotated.box[0], rotated.box[1]
    slope = math.degrees(math.atan2(y0 - y1, x1 - x0))  # text rises to the right
    assert 8 < slope < 16


def test_detect_then_recognise_equals_read(reader: TextReader, page: np.ndarray) -> None:
    boxes = reader.detect(page)
    assert len(boxes) == len(PAGE_LINES) + 1
    assert all(0.5 <= b.score <= 1 for b in boxes)
    assert reader.recognise(page, boxes) == reader.read(page)


def test_reads_upside_down_and_vertical_text(reader: TextReader) -> None:
    for angle in (180.0, 90.0, -90.0):
        lines = reader.read(render_centred("Showroom 2026", angle=angle))
        assert [line.text for line in lines] == ["Showroom 2026"], angle


def test_reads_dim_text_on_a_very_dark_frame(reader: TextReader) -> None:
    dark = render_centred("KI liest mit")
    dark = (dark.astype(np.float32) * 0.12).astype(np.uint8)  # paper ~29, ink ~3
    lines = reader.read(dark)
    assert len(lines) == 1
    assert char_accuracy(["KI liest mit"], lines) >= 0.9  # I/l look alike in sans-serif fonts


def test_grey_and_rgba_frames_are_accepted(reader: TextReader) -> None:
    rgb = render_centred("0123456789")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert [line.text for line in reader.read(grey)] == ["0123456789"]
    assert [line.text for line in reader.read(rgba)] == ["0123456789"]


def test_no_text_in_photos_or_noise(reader: TextReader) -> None:
    from skimage import data

    rng = np.random.default_rng(7)
    noise = np.clip(rng.normal(20, 12, (480, 640, 3)), 0, 255).astype(np.uint8)
    photos: list[np.ndarray] = [data.astronaut(), data.chelsea()]  # type: ignore[no-untyped-call]
    for image in (*photos, noise):
        assert reader.read(image) == []


# --------------------------------------------------------------------------- live reading


class CountingRec:
    """The real recogniser, counting the lines it is asked to read."""

    def __init__(self, rec: ModelFn) -> None:
        self.rec = rec
        self.lines = 0

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        self.lines += x.shape[0]
        return self.rec(x)


def shifted(image: np.ndarray, dx: float, dy: float, zoom: float = 1.0) -> np.ndarray:
    """The picture moved by (dx, dy) and zoomed about its centre, as a hand-held card moves."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0.0, zoom)
    m[:, 2] += np.array([dx, dy])
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=PAPER)


@pytest.fixture()
def live_parts(
    rec_session: tuple[ort.InferenceSession, ModelFn],
) -> tuple[LiveReader, CountingRec]:
    from dataclasses import replace

    sess, rec = rec_session
    characters = characters_from_metadata(sess.get_modelmeta().custom_metadata_map["character"])
    _, det = session_fn(DET_PATH)
    counting = CountingRec(rec)
    params = replace(OcrParams(), det_limit_side=320, max_lines=8, retry_turned=False)
    return LiveReader(TextReader(det, counting, characters, params)), counting


def run_live(live: LiveReader, frames: Sequence[np.ndarray]) -> list[OcrLine]:
    lines: list[OcrLine] = []
    for frame in frames:
        lines = live.step(frame)
    return lines


def test_live_reading_of_a_moving_page_matches_the_full_reading(
    live_parts: tuple[LiveReader, CountingRec], reader: TextReader, page: np.ndarray,
) -> None:
    live, counting = live_parts
    frames = [shifted(page, 0.7 * i, -0.4 * i, 1.0 + 0.002 * i) for i in range(24)]
    lines = run_live(live, frames)
    expected = [*PAGE_LINES, ROTATED_LINE]
    full = reader.read(frames[-1])
    assert char_accuracy(expected, lines) >= char_accuracy(expected, full) - 1e-9, (
        [line.text for line in lines], [line.text for line in full])
    assert len(lines) == len(expected)
    # the boxes followed the page: each live box lies on the fully read line of the last frame
    for got, want in zip(lines, full, strict=True):
        assert np.abs(np.asarray(got.box) - np.asarray(want.box)).max() < 12
    # five lines in 24 frames: read once when found and once more after reread_every frames,
    # not on every frame (120 reads)
    assert counting.lines <= 2 * len(expected) + 2


def test_live_reading_reads_again_when_the_text_changes(
    live_parts: tuple[LiveReader, CountingRec],
) -> None:
    live, counting = live_parts
    first = render_centred("Hello Showroom 2026")
    run_live(live, [first] * 4)
    reads = counting.lines
    second = render_centred("Welcome to 2026 Demo")  # same place, another text
    lines = run_live(live, [second] * 3)
    assert counting.lines > reads
    assert [line.text for line in lines] == ["Welcome to 2026 Demo"]


def test_live_reading_of_rotated_and_long_lines(
    live_parts: tuple[LiveReader, CountingRec], reader: TextReader,
) -> None:
    live, _ = live_parts
    long_line = "Offline AI Showroom 0123456789 Demo"
    for text, angle, size in ((ROTATED_LINE, 20.0, 40), (long_line, 0.0, 26),
                              (long_line, -8.0, 24)):
        live.reset()
        image = render_centred(text, angle=angle, size=size)
        frames = [shifted(image, 0.5 * i, 0.3 * i) for i in range(8)]
        got = run_live(live, frames)
        full = reader.read(frames[-1])
        assert char_accuracy([text], got) >= min(0.95, char_accuracy([text], full)), (
            text, [line.text for line in got], [line.text for line in full])


def test_live_reading_forgets_text_that_left_the_picture(
    live_parts: tuple[LiveReader, CountingRec],
) -> None:
    live, _ = live_parts
    assert [line.text for line in run_live(live, [render_centred("0123456789")] * 3)] == [
        "0123456789"]
    blank = np.full((480, 640, 3), PAPER, np.uint8)
    assert run_live(live, [blank] * (live.params.detect_every + 1)) == []


def test_live_params_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        LiveParams(detect_every=0)
    with pytest.raises(ValueError):
        LiveParams(track_side=8)


def test_the_ai_reads_runner_tracks_live_and_reads_a_freeze_in_full(page: np.ndarray,
                                                                   tmp_path: Path) -> None:
    """The built-in demo as the app loads it: live frames go through the tracker (the detector
    only every few frames), the freeze button still gets the thorough reading."""
    from kiosk.app import demo_dirs
    from kiosk.runtime.demos import discover, load_runner

    entry = next(e for e in discover(demo_dirs(tmp_path)) if e.id == "ai-reads")
    runner = load_runner(entry)
    detections = 0
    result = None
    for i in range(12):
        result, timings = runner.process(shifted(page, 0.5 * i, 0.0))  # type: ignore[attr-defined]
        assert set(timings) == {"track", "detect", "recognise", "model"}
        detections += timings["detect"] > 0
    assert result is not None and not result.full_quality
    assert 1 <= detections <= 3  # frame 1, then every detect_every-th frame
    expected = [*PAGE_LINES, ROTATED_LINE]
    assert char_accuracy(expected, result.lines) >= 0.95
    full = runner.read_full(page)  # type: ignore[attr-defined]
    assert full.full_quality and char_accuracy(expected, full.lines) >= 0.95
