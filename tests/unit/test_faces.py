"""Face detector (MTCNN cascade) and pixelation, run with the real ONNX models on real photos."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage import data

from kiosk.core.tasks.base import ModelFn
from kiosk.core.tasks.faces import (
    LANDMARK_NAMES,
    Face,
    FaceDetector,
    FaceParams,
    nms,
    pixelate,
    pyramid_scales,
)
from kiosk.runtime.onnx_model import OnnxModel

MODELS = Path(__file__).resolve().parents[2] / "models"
NETS = ("pnet", "rnet", "onet")
LFW_CELL = 100
LFW_GAP = 40


def session_fn(path: Path) -> ModelFn:
    """The model as the app loads it: a callable onnxruntime session on one thread."""
    return OnnxModel(path)


@pytest.fixture(scope="module")
def nets() -> tuple[ModelFn, ModelFn, ModelFn]:
    pnet, rnet, onet = (session_fn(MODELS / f"mtcnn_{n}.onnx") for n in NETS)
    return pnet, rnet, onet


@pytest.fixture(scope="module")
def detector(nets: tuple[ModelFn, ModelFn, ModelFn]) -> FaceDetector:
    return FaceDetector(*nets, FaceParams())


@pytest.fixture(scope="module")
def astronaut() -> npt.NDArray[np.uint8]:
    return np.asarray(data.astronaut(), dtype=np.uint8)


@pytest.fixture(scope="module")
def astronaut_faces(detector: FaceDetector, astronaut: npt.NDArray[np.uint8]) -> list[Face]:
    return detector.detect(astronaut)


def lfw_canvas(
    indices: list[int], cell: int = LFW_CELL
) -> tuple[npt.NDArray[np.uint8], list[tuple[int, int, int, int]]]:
    """Tile 25x25 LFW crops, upscaled to ``cell`` px, four per row on a mid-gray RGB canvas."""
    crops = data.lfw_subset()
    cols = 4
    rows = (len(indices) + cols - 1) // cols
    step = cell + LFW_GAP
    canvas = np.full((rows * step + LFW_GAP, cols * step + LFW_GAP), 128, dtype=np.uint8)
    cells = []
    for k, i in enumerate(indices):
        r, c = divmod(k, cols)
        x, y = LFW_GAP + c * step, LFW_GAP + r * step
        crop = np.round(crops[i] * 255).astype(np.uint8)
        canvas[y : y + cell, x : x + cell] = cv2.resize(
            crop, (cell, cell), interpolation=cv2.INTER_CUBIC
        )
        cells.append((x, y, x + cell, y + cell))
    return np.repeat(canvas[:, :, np.newaxis], 3, axis=2), cells


def centre(face: Face) -> tuple[float, float]:
    x1, y1, x2, y2 = face.box
    return (x1 + x2) / 2, (y1 + y2) / 2


def in_cell(face: Face, cell: tuple[int, int, int, int]) -> bool:
    cx, cy = centre(face)
    return cell[0] <= cx <= cell[2] and cell[1] <= cy <= cell[3]


# --- real photos -------------------------------------------------------------------------


def test_astronaut_has_exactly_one_face_around_her_face(astronaut_faces: list[Face]) -> None:
    assert len(astronaut_faces) == 1
    face = astronaut_faces[0]
    cx, cy = centre(face)
    # Eileen Collins' face spans about x 180-265, y 60-175 in the 512x512 photo.
    assert 200 <= cx <= 250
    assert 95 <= cy <= 145
    assert 60 <= face.width <= 130
    assert 60 <= face.height <= 150
    assert face.score > 0.95


def test_astronaut_landmarks_are_anatomically_ordered(astronaut_faces: list[Face]) -> None:
    (face,) = astronaut_faces
    assert len(face.landmarks) == len(LANDMARK_NAMES) == 5
    pts = dict(zip(LANDMARK_NAMES, face.landmarks, strict=True))
    eyes_y = max(pts["left_eye"][1], pts["right_eye"][1])
    mouth_y = min(pts["mouth_left"][1], pts["mouth_right"][1])
    assert eyes_y < pts["nose"][1] < mouth_y
    assert pts["left_eye"][0] < pts["right_eye"][0]
    assert pts["mouth_left"][0] < pts["mouth_right"][0]
    assert pts["left_eye"][0] < pts["nose"][0] < pts["right_eye"][0]
    x1, y1, x2, y2 = face.box
    for x, y in face.landmarks:
        assert x1 <= x <= x2
        assert y1 <= y <= y2


@pytest.mark.parametrize("name", ["coffee", "chelsea"])
def test_photos_without_people_give_no_face(detector: FaceDetector, name: str) -> None:
    assert detector.detect(getattr(data, name)()) == []


@pytest.mark.parametrize("cell", [LFW_CELL, 48])
def test_most_lfw_faces_on_a_canvas_are_found(detector: FaceDetector, cell: int) -> None:
    # Every sixth of the 100 face crops: different people, poses and lighting. 48 px is just
    # above the default min_face of 40 (the crops are tight, so face size ~ crop size).
    image, cells = lfw_canvas(list(range(0, 96, 6)), cell)
    faces = detector.detect(image)
    found = sum(any(in_cell(f, cell) for f in faces) for cell in cells)
    assert found >= 0.8 * len(cells)
    # Nothing on the gray gaps between the crops.
    assert all(any(in_cell(f, cell) for cell in cells) for f in faces)


def test_lfw_non_faces_are_mostly_rejected(detector: FaceDetector) -> None:
    image, _ = lfw_canvas(list(range(100, 196, 6)))
    assert len(detector.detect(image)) <= 2


def test_max_faces_keeps_the_best_scores(nets: tuple[ModelFn, ModelFn, ModelFn]) -> None:
    image, _ = lfw_canvas(list(range(0, 48, 6)))
    everything = FaceDetector(*nets, FaceParams()).detect(image)
    capped = FaceDetector(*nets, FaceParams(max_faces=3)).detect(image)
    assert len(everything) > 3
    assert len(capped) == 3
    scores = [f.score for f in everything]
    assert scores == sorted(scores, reverse=True)
    assert [f.score for f in capped] == pytest.approx(scores[:3])


# --- awkward inputs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [(480, 640, 3), (5, 5, 3), (11, 11, 3), (12, 12, 3), (0, 0, 3), (1, 640, 3), (39, 39, 3)],
)
def test_blank_and_tiny_images_give_no_face(
    detector: FaceDetector, shape: tuple[int, int, int]
) -> None:
    assert detector.detect(np.zeros(shape, dtype=np.uint8)) == []
    assert detector.detect(np.full(shape, 255, dtype=np.uint8)) == []


def test_very_dark_frame_does_not_crash(
    detector: FaceDetector, astronaut: npt.NDArray[np.uint8]
) -> None:
    for factor in (0.15, 0.03):
        faces = detector.detect(np.asarray(astronaut * factor, dtype=np.uint8))
        assert len(faces) <= 1


def test_grayscale_images_in_every_layout(
    detector: FaceDetector, astronaut: npt.NDArray[np.uint8]
) -> None:
    gray = np.asarray(cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    three = detector.detect(np.repeat(gray[:, :, np.newaxis], 3, axis=2))
    assert len(three) == 1
    assert detector.detect(gray) == three
    assert detector.detect(gray[:, :, np.newaxis]) == three


def test_non_contiguous_and_rgba_inputs(
    detector: FaceDetector, astronaut: npt.NDArray[np.uint8], astronaut_faces: list[Face]
) -> None:
    mirrored = astronaut[:, ::-1]
    assert not mirrored.flags.c_contiguous
    (face,) = detector.detect(mirrored)
    (orig,) = astronaut_faces
    assert centre(face)[0] == pytest.approx(512 - centre(orig)[0], abs=8)

    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    assert detector.detect(rgba) == astronaut_faces
    assert detector.detect(np.asfortranarray(astronaut)) == astronaut_faces


@pytest.mark.parametrize("cut", [200, 225])
def test_face_cut_by_the_frame_edge_is_clipped(
    detector: FaceDetector, astronaut: npt.NDArray[np.uint8], cut: int
) -> None:
    image = astronaut[80:, cut:]
    faces = detector.detect(image)
    assert len(faces) == 1
    h, w = image.shape[:2]
    x1, y1, x2, y2 = faces[0].box
    assert 0 <= x1 < x2 <= w
    assert 0 <= y1 < y2 <= h
    assert x1 == 0 and y1 == 0


def test_wrong_inputs_are_refused(detector: FaceDetector) -> None:
    with pytest.raises(ValueError, match="uint8"):
        detector.detect(np.zeros((64, 64, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        detector.detect(np.zeros((64, 64, 2), dtype=np.uint8))


# --- models as callables -----------------------------------------------------------------


def reversed_outputs(fn: ModelFn) -> ModelFn:
    def run(x: np.ndarray) -> list[np.ndarray]:
        return fn(x)[::-1]

    return run


def test_outputs_are_matched_by_shape_not_order(
    nets: tuple[ModelFn, ModelFn, ModelFn],
    astronaut: npt.NDArray[np.uint8],
    astronaut_faces: list[Face],
) -> None:
    pnet, rnet, onet = nets
    swapped = FaceDetector(reversed_outputs(pnet), reversed_outputs(rnet), reversed_outputs(onet))
    assert swapped.detect(astronaut) == astronaut_faces


def test_a_model_with_unexpected_outputs_is_reported(
    nets: tuple[ModelFn, ModelFn, ModelFn], astronaut: npt.NDArray[np.uint8]
) -> None:
    pnet, rnet, _ = nets

    def broken_onet(x: np.ndarray) -> list[np.ndarray]:
        return [np.zeros((len(x), 7), dtype=np.float32)]

    with pytest.raises(ValueError, match="O-net"):
        FaceDetector(pnet, rnet, broken_onet).detect(astronaut)


# --- parameters, geometry helpers, JSON --------------------------------------------------


def test_params_are_validated_with_every_problem_listed() -> None:
    with pytest.raises(ValueError) as info:
        FaceParams(min_face=5, factor=1.5, max_faces=0)
    message = str(info.value)
    assert "min_face" in message and "factor" in message and "max_faces" in message
    with pytest.raises(ValueError, match="3 values"):
        FaceParams(thresholds=(0.5, 0.5))  # type: ignore[arg-type]
    # Lists (as a TOML manifest gives them) become tuples, keeping the dataclass hashable.
    params = FaceParams(thresholds=[0.5, 0.6, 0.7])  # type: ignore[arg-type]
    assert params.thresholds == (0.5, 0.6, 0.7)
    hash(params)


def test_pyramid_covers_faces_from_min_face_up() -> None:
    scales = pyramid_scales(480, 640, 40, 0.709)
    assert scales[0] == pytest.approx(12 / 40)
    assert min(480, 640) * scales[-1] >= 12
    assert min(480, 640) * scales[-1] * 0.709 < 12
    assert pyramid_scales(30, 30, 40, 0.709) == []


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 200),
            st.floats(0, 200),
            st.floats(1, 80),
            st.floats(1, 80),
            st.floats(0, 1),
        ),
        max_size=25,
    ),
    st.floats(0.1, 0.9),
    st.booleans(),
)
def test_nms_keeps_best_and_leaves_no_big_overlaps(
    rows: list[tuple[float, float, float, float, float]], threshold: float, use_min: bool
) -> None:
    arr = np.array([[x, y, x + w, y + h] for x, y, w, h, _ in rows], dtype=np.float32)
    arr = arr.reshape(-1, 4)
    scores = np.array([s for *_, s in rows], dtype=np.float32)
    keep = nms(arr, scores, threshold, use_min=use_min)
    assert len(set(keep.tolist())) == len(keep)
    if rows:
        assert scores[keep[0]] == scores.max()
    for a_i, a in enumerate(keep):
        for b in keep[a_i + 1 :]:
            ix = max(0.0, min(arr[a, 2], arr[b, 2]) - max(arr[a, 0], arr[b, 0]))
            iy = max(0.0, min(arr[a, 3], arr[b, 3]) - max(arr[a, 1], arr[b, 1]))
            inter = ix * iy
            area = [float((r[2] - r[0]) * (r[3] - r[1])) for r in (arr[a], arr[b])]
            denom = min(area) if use_min else sum(area) - inter
            assert inter / max(denom, 1e-6) <= threshold + 1e-5


def test_face_json_round_trips(astronaut_faces: list[Face]) -> None:
    payload = json.loads(json.dumps([f.to_json() for f in astronaut_faces]))
    assert payload[0].keys() == {"box", "score", "landmarks"}
    assert len(payload[0]["box"]) == 4
    assert len(payload[0]["landmarks"]) == 5


# --- pixelation --------------------------------------------------------------------------


def test_pixelate_hides_the_face_and_leaves_the_rest(
    astronaut: npt.NDArray[np.uint8], astronaut_faces: list[Face]
) -> None:
    before = astronaut.copy()
    out = pixelate(astronaut, astronaut_faces, blocks=12)
    assert np.array_equal(astronaut, before), "input must not be modified"
    assert out.shape == astronaut.shape and out.dtype == np.uint8

    x1, y1, x2, y2 = (round(v) for v in astronaut_faces[0].box)
    inside = (slice(y1, y2), slice(x1, x2))
    assert np.mean(out[inside] != astronaut[inside]) > 0.5
    # A mosaic has few distinct colours: at most one per cell of the enlarged region.
    colours = np.unique(out[inside].reshape(-1, 3), axis=0)
    assert len(colours) <= 13 * 13

    # Outside the box plus the 20 % margin (and a pixel of rounding) nothing changes.
    mx, my = int(0.2 * (x2 - x1)) + 2, int(0.2 * (y2 - y1)) + 2
    mask = np.ones(astronaut.shape[:2], dtype=bool)
    mask[max(0, y1 - my) : y2 + my, max(0, x1 - mx) : x2 + mx] = False
    assert np.array_equal(out[mask], astronaut[mask])


def test_pixelate_edge_cases(astronaut: npt.NDArray[np.uint8]) -> None:
    assert np.array_equal(pixelate(astronaut, []), astronaut)
    outside = Face(box=(600.0, 600.0, 700.0, 700.0), score=1.0, landmarks=())
    assert np.array_equal(pixelate(astronaut, [outside]), astronaut)
    corner = Face(box=(-20.0, -20.0, 30.0, 30.0), score=1.0, landmarks=())
    out = pixelate(astronaut[:, ::-1], [corner], blocks=1)
    assert np.all(out[0:30, 0:30] == out[0, 0])
    gray = pixelate(astronaut[:, :, 0], [corner])
    assert gray.shape == (512, 512)
    with pytest.raises(ValueError):
        pixelate(astronaut, [corner], blocks=0)


# --- model files -------------------------------------------------------------------------


def read_sums() -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in (MODELS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip("*").strip()] = digest
    return sums


@pytest.mark.parametrize("net", NETS)
def test_onnx_file_matches_its_sha256(net: str) -> None:
    name = f"mtcnn_{net}.onnx"
    digest = hashlib.sha256((MODELS / name).read_bytes()).hexdigest()
    assert read_sums()[name] == digest


def test_detector_accepts_any_model_callable() -> None:
    # A fake that never fires: the cascade must stop cleanly after P-net.
    calls: list[tuple[int, ...]] = []

    def silent_pnet(x: np.ndarray) -> list[np.ndarray]:
        calls.append(x.shape)
        h, w = (x.shape[2] - 12) // 2 + 1, (x.shape[3] - 12) // 2 + 1
        prob = np.zeros((1, 2, h, w), dtype=np.float32)
        return [np.zeros((1, 4, h, w), dtype=np.float32), prob]

    def unreachable(x: np.ndarray) -> list[np.ndarray]:
        pytest.fail("R-net and O-net must not run when P-net finds nothing")

    detector = FaceDetector(silent_pnet, unreachable, unreachable)
    assert detector.detect(np.zeros((100, 120, 3), dtype=np.uint8)) == []
    assert calls[0] == (1, 3, 30, 36)
    assert all(s[0] == 1 and s[1] == 3 and min(s[2:]) >= 12 for s in calls)
