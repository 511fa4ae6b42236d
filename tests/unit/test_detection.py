"""Detection post-processing: YOLO output layouts, letterbox mapping and NMS, checked against
boxes computed by hand, plus property tests for decoding and the letterbox round trip."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.tasks import detection as det
from kiosk.runtime.task_detection import literal, parse_metadata

P = det.DetectionParams(score_threshold=0.3, iou_threshold=0.5)


def yolov8(cands: list[tuple[float, ...]], nc: int) -> np.ndarray:
    """(1, 4+nc, N) from rows (cx, cy, w, h, class, score)."""
    out = np.zeros((1, 4 + nc, len(cands)), dtype=np.float32)
    for i, (cx, cy, w, h, c, s) in enumerate(cands):
        out[0, :4, i] = (cx, cy, w, h)
        out[0, 4 + int(c), i] = s
    return out


def yolov5(cands: list[tuple[float, ...]], nc: int, obj: float = 1.0) -> np.ndarray:
    """(1, N, 5+nc) from the same rows; score = objectness x class score."""
    out = np.zeros((1, len(cands), 5 + nc), dtype=np.float32)
    for i, (cx, cy, w, h, c, s) in enumerate(cands):
        out[0, i, :5] = (cx, cy, w, h, obj)
        out[0, i, 5 + int(c)] = s / obj
    return out


# Candidates in model-input pixels (64 x 64), worked out by hand:
#   a: person 0.9 at (15, 15, 25, 25)
#   b: person 0.8 at (16, 15, 26, 25): IoU with a = 90 / 110 = 0.82 → suppressed
#   c: dog    0.7 at (16, 15, 26, 25): same place, other class → kept (class-wise NMS)
#   d: dog    0.6 at (44, 32, 52, 48)
#   e: person 0.1: below the threshold
CANDS = [
    (20, 20, 10, 10, 0, 0.9),
    (21, 20, 10, 10, 0, 0.8),
    (21, 20, 10, 10, 1, 0.7),
    (48, 40, 8, 16, 1, 0.6),
    (30, 50, 4, 4, 0, 0.1),
]
IDENTITY = det.letterbox_geometry(64, 64, 64, 64)


def boxes_of(result: det.DetectionResult) -> list[tuple[Any, ...]]:
    return [(d.label_en, d.index, tuple(round(v, 3) for v in d.box), round(d.score, 3))
            for d in result.detections]


EXPECTED = [
    ("person", 0, (15.0, 15.0, 25.0, 25.0), 0.9),
    ("dog", 1, (16.0, 15.0, 26.0, 25.0), 0.7),
    ("dog", 1, (44.0, 32.0, 52.0, 48.0), 0.6),
]


def test_yolov8_layout_decodes_with_classwise_nms() -> None:
    r = det.decode(yolov8(CANDS, 2), "yolov8", IDENTITY, P, ["person", "dog"], ["Person", "Hund"])
    assert boxes_of(r) == EXPECTED
    assert [d.label_de for d in r.detections] == ["Person", "Hund", "Hund"]
    assert [(c.label_en, c.count) for c in r.counts()] == [("dog", 2), ("person", 1)]


def test_yolov5_layout_multiplies_objectness() -> None:
    r = det.decode(yolov5(CANDS, 2, obj=0.95), "yolov5", IDENTITY, P, ["person", "dog"])
    assert boxes_of(r) == EXPECTED
    # objectness alone must not make a box: obj 0.9 x class 0.2 = 0.18 < 0.3
    out = yolov5([(10, 10, 4, 4, 0, 0.18)], 2, obj=0.9)
    assert det.decode(out, "yolov5", IDENTITY, P).detections == ()


def test_agnostic_nms_drops_overlaps_across_classes() -> None:
    p = det.DetectionParams(score_threshold=0.3, iou_threshold=0.5, agnostic_nms=True)
    r = det.decode(yolov8(CANDS, 2), "yolov8", IDENTITY, p, ["person", "dog"])
    assert [b[0] for b in boxes_of(r)] == ["person", "dog"]  # c overlaps a → gone


def test_end2end_layout_is_not_suppressed_again() -> None:
    out = np.array([[[15, 15, 25, 25, 0.9, 0], [16, 15, 26, 25, 0.8, 0],
                     [1, 1, 2, 2, 0.2, 1]]], dtype=np.float32)
    r = det.decode(out, "end2end", IDENTITY, P, ["person", "dog"])
    assert [b[2] for b in boxes_of(r)] == [(15, 15, 25, 25), (16, 15, 26, 25)]


def test_max_detections_and_unknown_class_labels() -> None:
    p = det.DetectionParams(score_threshold=0.3, max_detections=2)
    r = det.decode(yolov8(CANDS, 2), "yolov8", IDENTITY, p, None)
    assert len(r.detections) == 2
    assert r.detections[0].label_en == "class 0" and r.detections[0].label_de == "Klasse 0"


def test_letterbox_geometry_matches_ultralytics_by_hand() -> None:
    b = det.letterbox_geometry(640, 480, 640, 640)
    assert (b.scale_x, b.new_w, b.new_h, b.pad_x, b.pad_y) == (1.0, 640, 480, 0, 80)
    b = det.letterbox_geometry(1280, 720, 640, 640)
    assert (b.scale_x, b.new_w, b.new_h, b.pad_x, b.pad_y) == (0.5, 640, 360, 0, 140)
    # 100 x 51 → 64 x 64: r = 0.64, 64 x 33, 31 px of padding: 15 on top, 16 below
    b = det.letterbox_geometry(100, 51, 64, 64)
    assert (b.new_w, b.new_h, b.pad_x, b.pad_y) == (64, 33, 0, 15)
    s = det.letterbox_geometry(200, 100, 64, 32, letterbox=False)
    assert (s.scale_x, s.scale_y, s.pad_x, s.pad_y) == (0.32, 0.32, 0, 0)


def test_boxes_map_back_through_the_letterbox() -> None:
    # a 128 x 64 frame in a 64 x 64 input: r = 0.5, picture rows 16..47
    box = det.letterbox_geometry(128, 64, 64, 64)
    assert (box.scale_x, box.pad_x, box.pad_y) == (0.5, 0, 16)
    frame = box.to_frame([[15, 15, 25, 25], [44, 32, 52, 48], [2, 2, 8, 8]])
    assert frame.tolist() == [[30, 0, 50, 18], [88, 32, 104, 64], [4, 0, 16, 0]]
    r = det.decode(yolov8([*CANDS, (5, 5, 6, 6, 0, 0.95)], 2), "yolov8", box, P, ["p", "d"])
    # the box entirely inside the grey bar vanishes; the others are in frame pixels
    assert [b[2] for b in boxes_of(r)] == [(30, 0, 50, 18), (32, 0, 52, 18), (88, 32, 104, 64)]
    assert (r.width, r.height) == (128, 64)


def test_preprocess_pads_with_grey_and_keeps_the_picture() -> None:
    rgb = np.zeros((64, 128, 3), dtype=np.uint8)
    rgb[:, :, 0] = 255  # pure red
    x, _ = det.preprocess(rgb, det.DetectionParams(), (64, 64))
    assert x.shape == (1, 3, 64, 64) and x.dtype == np.float32
    assert np.allclose(x[0, :, :16, :], 114 / 255) and np.allclose(x[0, :, 48:, :], 114 / 255)
    assert np.allclose(x[0, 0, 16:48], 1.0) and np.allclose(x[0, 1:, 16:48], 0.0)
    xb, _ = det.preprocess(rgb, det.DetectionParams(colour="BGR", layout="NHWC"), (64, 64))
    assert xb.shape == (1, 64, 64, 3) and np.allclose(xb[0, 20, 5], [0, 0, 1])


@pytest.mark.parametrize("shape, nc, end2end, expected", [
    ((1, 84, 8400), 80, None, "yolov8"),
    ((1, 84, 8400), None, None, "yolov8"),
    ((1, 84, None), 80, None, "yolov8"),
    ((1, 25200, 85), 80, None, "yolov5"),
    ((1, 25200, 85), None, None, "yolov5"),
    ((1, 300, 6), 80, None, "end2end"),
    ((1, 300, 6), None, True, "end2end"),
    ((1, 300, 6), None, None, None),  # YOLOv5 with one class looks the same
    ((1, 8400, 6), 1, None, None),
    ((1, 8400, 6), 1, True, "end2end"),
    ((1, 8400, 6), 1, False, "yolov5"),
    ((1, 1000), None, None, None),
    ((2, 84, 8400), 80, None, None),
])
def test_layout_is_detected_only_when_unambiguous(
    shape: tuple[Any, ...], nc: int | None, end2end: bool | None, expected: str | None
) -> None:
    fmt, reason = det.detect_format(shape, nc, end2end)
    assert fmt == expected
    assert (reason == "") == (expected is not None)


def test_nms_by_hand() -> None:
    boxes = [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 10]]
    scores = [0.9, 0.8, 0.7, 0.6]
    assert det.iou(boxes[0], boxes[1])[0, 0] == pytest.approx(90 / 110)
    assert det.nms(boxes, scores, 0.5).tolist() == [0, 2]
    assert det.nms(boxes, scores, 0.85).tolist() == [0, 1, 2]
    assert det.nms(boxes, scores, 0.5, classes=[0, 1, 0, 0]).tolist() == [0, 1, 2]
    assert det.nms(np.zeros((0, 4)), [], 0.5).tolist() == []
    assert det.iou([0, 0, 0, 0], [0, 0, 0, 0])[0, 0] == 0.0  # degenerate: no division by 0


def test_read_params_reports_every_problem_and_unknown_keys() -> None:
    p, problems = det.read_params({"size": [640, 480], "output_format": "yolov8",
                                   "letterbox": False}, "x/demo.toml")
    assert problems == [] and p.size == (640, 480) and not p.letterbox
    _, problems = det.read_params({"score_threshold": 2, "letterbox": "yes", "sise": [1, 2],
                                   "output_format": "yolo9000"}, "x/demo.toml")
    assert {pr.field for pr in problems} == {"params.score_threshold", "params.letterbox",
                                             "params.sise", "params.output_format"}
    assert all(pr.fix for pr in problems)


def test_metadata_is_parsed_as_literals_never_executed() -> None:
    meta = parse_metadata({"names": "{0: 'person', 1: 'dog'}", "imgsz": "[480, 640]",
                           "task": "detect", "stride": "32", "end2end": "False"})
    assert meta.names == ["person", "dog"] and meta.imgsz == (480, 640)
    assert meta.task == "detect" and meta.stride == 32 and meta.end2end is False
    assert meta.ultralytics and meta.problems == []
    evil = parse_metadata({"names": "__import__('os').system('echo pwned')", "imgsz": "640",
                           "stride": "'x'"})
    assert evil.names is None and evil.imgsz == (640, 640) and evil.stride is None
    assert len(evil.problems) == 2
    assert parse_metadata({"names": "{0: 'a', 2: 'c'}"}).problems  # gap in class numbers
    with pytest.raises(ValueError):
        literal("x" * 2_000_000)


def test_coco_names_get_german_labels() -> None:
    assert det.german_labels(["person", "dog", "cell phone"]) == ["Person", "Hund", "Handy"]
    assert det.german_labels(["person", "widget"]) is None
    assert len(det.COCO_DE) == 80


def test_result_json() -> None:
    r = det.decode(yolov8(CANDS, 2), "yolov8", IDENTITY, P, ["person", "dog"])
    data = r.to_json()
    assert data["boxes"][0] == {"box": [15.0, 15.0, 25.0, 25.0], "score": 0.9, "class": 0,
                                "label_en": "person", "label_de": "person"}
    assert data["counts"][0] == {"class": 1, "label_en": "dog", "label_de": "dog", "count": 2}


# --------------------------------------------------------------------------- properties

coord = st.floats(0, 600, allow_nan=False, width=32)
cand = st.tuples(coord, coord, st.floats(1, 200, width=32), st.floats(1, 200, width=32),
                 st.integers(0, 2), st.floats(0, 1, width=32))


@given(st.lists(cand, max_size=40), st.floats(0.05, 0.95), st.floats(0.1, 0.9),
       st.integers(1, 20))
def test_decoding_is_layout_independent_and_well_formed(
    cands: list[tuple[float, ...]], thr: float, iou_thr: float, max_det: int
) -> None:
    p = det.DetectionParams(score_threshold=thr, iou_threshold=iou_thr, max_detections=max_det)
    box = det.letterbox_geometry(640, 640, 640, 640)
    a = det.decode(yolov8(cands, 3), "yolov8", box, p)
    b = det.decode(yolov5(cands, 3), "yolov5", box, p)
    assert boxes_of(a) == boxes_of(b)
    scores = [d.score for d in a.detections]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) <= max_det and all(s >= thr - 1e-6 for s in scores)
    for d in a.detections:
        x1, y1, x2, y2 = d.box
        assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 640
    for i, d in enumerate(a.detections):
        for e in a.detections[i + 1:]:
            if d.index == e.index:
                # kept boxes of one class overlap at most the threshold (before clipping)
                assert det.iou(d.box, e.box)[0, 0] <= iou_thr + 1e-6 or \
                    any(v in (0.0, 640.0) for v in (*d.box, *e.box))


@given(st.integers(1, 4000), st.integers(1, 4000), st.integers(1, 40), st.integers(1, 40),
       st.booleans(), st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1),
                                         st.floats(0, 1)), min_size=1, max_size=5))
def test_letterbox_round_trip(
    w: int, h: int, dw: int, dh: int, keep: bool, rel: list[tuple[float, float, float, float]]
) -> None:
    box = det.letterbox_geometry(w, h, dw * 32, dh * 32, keep)
    frame = np.array([[min(a, c) * w, min(b, d) * h, max(a, c) * w, max(b, d) * h]
                      for a, b, c, d in rel])
    there = box.to_input(frame)
    # the picture lands inside the input, within the resized area
    assert (there[:, [0, 2]] >= box.pad_x - 1e-6).all()
    assert (there[:, [0, 2]] <= box.pad_x + box.new_w + 1e-3 * box.new_w + 1).all()
    assert np.allclose(box.to_frame(there), frame, atol=1e-6 * max(w, h))
    if keep:
        assert box.scale_x == box.scale_y  # aspect ratio kept
        assert box.pad_x >= 0 and box.pad_y >= 0


@given(st.dictionaries(st.sampled_from([
    "size", "letterbox", "pad_value", "scale", "colour", "layout", "output_format", "output",
    "score_threshold", "iou_threshold", "max_detections", "agnostic_nms", "labels_en",
    "labels_de", "typo"]),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5000), st.floats(allow_nan=True),
              st.text(max_size=10), st.lists(st.integers(-10, 5000), max_size=3))))
def test_read_params_never_raises(params: dict[str, Any]) -> None:
    p, problems = det.read_params({k: v for k, v in params.items() if v is not None}, "x.toml")
    assert isinstance(p, det.DetectionParams)
    if "typo" in params and params["typo"] is not None:
        assert any(pr.field == "params.typo" for pr in problems)
    assert 0.0 <= p.score_threshold <= 1.0 and 1 <= p.max_detections <= 300
