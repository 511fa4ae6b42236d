"""Object detection: letterbox preprocessing and decoding of YOLO-style ONNX outputs.

Three output layouts are understood, all with box coordinates in model-input pixels:

- ``yolov8`` — Ultralytics YOLOv8 / YOLO11 (and YOLOv5u): ``(1, 4 + nc, N)``, rows
  ``cx, cy, w, h`` then one score per class; needs non-maximum suppression (NMS).
- ``yolov5`` — the original YOLOv5 repository: ``(1, N, 5 + nc)``, columns ``cx, cy, w, h,
  objectness`` then class scores (a box's score is objectness x class score); needs NMS.
- ``end2end`` — NMS-free exports (YOLOv10, YOLO26, ``nms=True`` exports): ``(1, N, 6)`` with
  ``x1, y1, x2, y2, score, class``; already suppressed.

:func:`detect_format` picks the layout from the output shape and the class count where that
is unambiguous; otherwise the manifest names it (``output_format``). Boxes are mapped back
through the letterbox to frame pixels the way Ultralytics' ``scale_boxes`` does, so the kiosk
draws exactly where ``yolo predict`` would.

No Qt, no onnxruntime: the model output arrives as a numpy array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from kiosk.core.manifest import ManifestProblem
from kiosk.core.problems import msg
from kiosk.core.tasks.base import JsonDict
from kiosk.core.tasks.params import ParamReader

OutputFormat = Literal["yolov5", "yolov8", "end2end"]
FORMATS: tuple[str, ...] = ("auto", "yolov5", "yolov8", "end2end")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

DEFAULT_SIZE = 640  # Ultralytics' default imgsz, used when neither manifest nor model says
# Candidates kept for NMS: bounds the worst case (a model firing everywhere on a noisy frame)
# to a few milliseconds; Ultralytics uses the same cap (max_nms).
MAX_NMS_CANDIDATES = 3000

# German names for the 80 COCO classes most public detectors are trained on: a pack with an
# Ultralytics COCO model then speaks German to visitors without a labels file.
COCO_DE: dict[str, str] = {
    "person": "Person", "bicycle": "Fahrrad", "car": "Auto", "motorcycle": "Motorrad",
    "airplane": "Flugzeug", "bus": "Bus", "train": "Zug", "truck": "Lastwagen", "boat": "Boot",
    "traffic light": "Ampel", "fire hydrant": "Hydrant", "stop sign": "Stoppschild",
    "parking meter": "Parkuhr", "bench": "Bank", "bird": "Vogel", "cat": "Katze", "dog": "Hund",
    "horse": "Pferd", "sheep": "Schaf", "cow": "Kuh", "elephant": "Elefant", "bear": "Bär",
    "zebra": "Zebra", "giraffe": "Giraffe", "backpack": "Rucksack", "umbrella": "Regenschirm",
    "handbag": "Handtasche", "tie": "Krawatte", "suitcase": "Koffer", "frisbee": "Frisbee",
    "skis": "Ski", "snowboard": "Snowboard", "sports ball": "Ball", "kite": "Drachen",
    "baseball bat": "Baseballschläger", "baseball glove": "Baseballhandschuh",
    "skateboard": "Skateboard", "surfboard": "Surfbrett", "tennis racket": "Tennisschläger",
    "bottle": "Flasche", "wine glass": "Weinglas", "cup": "Tasse", "fork": "Gabel",
    "knife": "Messer", "spoon": "Löffel", "bowl": "Schüssel", "banana": "Banane",
    "apple": "Apfel", "sandwich": "Sandwich", "orange": "Orange", "broccoli": "Brokkoli",
    "carrot": "Karotte", "hot dog": "Hotdog", "pizza": "Pizza", "donut": "Donut",
    "cake": "Kuchen", "chair": "Stuhl", "couch": "Sofa", "potted plant": "Topfpflanze",
    "bed": "Bett", "dining table": "Esstisch", "toilet": "Toilette", "tv": "Fernseher",
    "laptop": "Laptop", "mouse": "Maus", "remote": "Fernbedienung", "keyboard": "Tastatur",
    "cell phone": "Handy", "microwave": "Mikrowelle", "oven": "Backofen", "toaster": "Toaster",
    "sink": "Waschbecken", "refrigerator": "Kühlschrank", "book": "Buch", "clock": "Uhr",
    "vase": "Vase", "scissors": "Schere", "teddy bear": "Teddybär", "hair drier": "Föhn",
    "toothbrush": "Zahnbürste",
}


@dataclass(frozen=True)
class DetectionParams:
    """How a detector wants its input and how its output is read (``[params]``)."""

    size: tuple[int, int] | None = None  # (height, width); None: model metadata / input shape
    letterbox: bool = True  # keep the aspect ratio and pad (Ultralytics); False: stretch
    pad_value: int = 114  # grey of the letterbox bars, as Ultralytics trains with
    scale: float = 1.0 / 255.0
    colour: Literal["RGB", "BGR"] = "RGB"
    layout: Literal["NCHW", "NHWC"] = "NCHW"  # the input tensor's memory layout
    output_format: str = "auto"  # one of FORMATS
    output: str | None = None  # output name; None: the first output
    score_threshold: float = 0.35
    iou_threshold: float = 0.5
    max_detections: int = 50
    agnostic_nms: bool = False  # True: one box per place even across classes
    labels_en: str | None = None  # file; None: the model's ``names`` metadata
    labels_de: str | None = None  # file; None: built-in German COCO names, else English


class _Reader(ParamReader):
    """:class:`ParamReader` plus the true/false fields detection needs."""

    def flag(self, key: str, default: bool) -> bool:
        self._seen.add(key)
        value = self._params.get(key, default)
        if not isinstance(value, bool):
            self.bad(key, msg("param.not_allowed", value=repr(value)),
                     msg("param.fix.bool", key=key))
            return default
        return value


def read_params(
    params: Mapping[str, Any], file: str
) -> tuple[DetectionParams, list[ManifestProblem]]:
    """Typed detection parameters from a manifest's ``[params]`` table."""
    r = _Reader(params, file)
    d = DetectionParams()
    size_given = "size" in params
    size = r.numbers("size", (DEFAULT_SIZE, DEFAULT_SIZE), 2, 32, 4096)
    if size_given and not all(float(s).is_integer() for s in size):
        r.problems.append(ManifestProblem(
            file, "params.size", msg("param.fractions", value=list(size)),
            msg("param.fix.whole_pixels")))
    out = DetectionParams(
        size=(int(size[0]), int(size[1])) if size_given else None,
        letterbox=r.flag("letterbox", d.letterbox),
        pad_value=r.integer("pad_value", d.pad_value, 0, 255),
        scale=r.number("scale", d.scale, 1e-9, 1000.0),
        colour="BGR" if r.text("colour", d.colour, ("RGB", "BGR")) == "BGR" else "RGB",
        layout="NHWC" if r.text("layout", d.layout, ("NCHW", "NHWC")) == "NHWC" else "NCHW",
        output_format=r.text("output_format", d.output_format, FORMATS),
        output=r.optional_text("output"),
        score_threshold=r.number("score_threshold", d.score_threshold, 0.0, 1.0),
        iou_threshold=r.number("iou_threshold", d.iou_threshold, 0.0, 1.0),
        max_detections=r.integer("max_detections", d.max_detections, 1, 300),
        agnostic_nms=r.flag("agnostic_nms", d.agnostic_nms),
        labels_en=r.optional_text("labels_en"),
        labels_de=r.optional_text("labels_de"),
    )
    return out, r.finish()


# --------------------------------------------------------------------------- letterbox


@dataclass(frozen=True)
class Letterbox:
    """Where a frame lands in the model input: ``input = frame * scale + pad``."""

    src_w: int
    src_h: int
    dst_w: int
    dst_h: int
    scale_x: float
    scale_y: float
    pad_x: int
    pad_y: int
    new_w: int  # size of the resized frame inside the input
    new_h: int

    def to_input(self, boxes: npt.ArrayLike) -> FloatArray:
        """Frame-pixel ``xyxy`` boxes → model-input pixels."""
        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        b[:, [0, 2]] = b[:, [0, 2]] * self.scale_x + self.pad_x
        b[:, [1, 3]] = b[:, [1, 3]] * self.scale_y + self.pad_y
        return b

    def to_frame(self, boxes: npt.ArrayLike) -> FloatArray:
        """Model-input ``xyxy`` boxes → frame pixels, clipped to the frame."""
        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        b[:, [0, 2]] = ((b[:, [0, 2]] - self.pad_x) / self.scale_x).clip(0.0, self.src_w)
        b[:, [1, 3]] = ((b[:, [1, 3]] - self.pad_y) / self.scale_y).clip(0.0, self.src_h)
        return b


def letterbox_geometry(
    src_w: int, src_h: int, dst_w: int, dst_h: int, letterbox: bool = True
) -> Letterbox:
    """The geometry Ultralytics' ``LetterBox`` (auto=False, scaleup=True) uses.

    The rounding (``round(d - 0.1)`` for the top/left pad) is copied on purpose: boxes then
    map back to the same pixels as in ``yolo predict``.
    """
    if src_w < 1 or src_h < 1 or dst_w < 1 or dst_h < 1:
        raise ValueError(f"empty picture or input: {src_w}x{src_h} → {dst_w}x{dst_h}")
    if not letterbox:
        return Letterbox(src_w, src_h, dst_w, dst_h, dst_w / src_w, dst_h / src_h, 0, 0,
                         dst_w, dst_h)
    r = min(dst_h / src_h, dst_w / src_w)
    # at least one pixel: a 1×10000 strip would otherwise shrink to nothing
    new_w, new_h = max(1, round(src_w * r)), max(1, round(src_h * r))
    dw, dh = (dst_w - new_w) / 2, (dst_h - new_h) / 2
    return Letterbox(src_w, src_h, dst_w, dst_h, r, r, round(dw - 0.1), round(dh - 0.1),
                     new_w, new_h)


def preprocess(
    rgb: np.ndarray, p: DetectionParams, size: tuple[int, int]
) -> tuple[np.ndarray, Letterbox]:
    """An RGB uint8 frame → the model's float32 input (batch of one) and its letterbox."""
    import cv2  # lazy: keeps start-up fast for screens that never detect

    h, w = rgb.shape[:2]
    box = letterbox_geometry(w, h, size[1], size[0], p.letterbox)
    img = rgb
    if (box.new_w, box.new_h) != (w, h):
        img = cv2.resize(rgb, (box.new_w, box.new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((size[0], size[1], 3), p.pad_value, dtype=np.uint8)
    canvas[box.pad_y : box.pad_y + box.new_h, box.pad_x : box.pad_x + box.new_w] = img
    if p.colour == "BGR":
        canvas = canvas[:, :, ::-1]
    x = canvas.astype(np.float32) * np.float32(p.scale)
    if p.layout == "NCHW":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[None]), box


# --------------------------------------------------------------------------- layouts


Dim = int | None  # a tensor dimension; None when the model leaves it open


def detect_format(
    shape: Sequence[Dim], num_classes: int | None = None, end2end: bool | None = None
) -> tuple[OutputFormat | None, str]:
    """The output layout a shape fits, or ``None`` with the reason when it is ambiguous.

    ``shape`` is the output's shape (batch first); ``num_classes`` comes from labels or model
    metadata when known; ``end2end`` is the metadata flag of NMS-free Ultralytics exports.
    """
    dims = list(shape)
    if len(dims) == 3:
        if dims[0] not in (1, None):
            return None, f"the output has batch size {dims[0]}; the kiosk needs batch 1"
        dims = dims[1:]
    if len(dims) != 2:
        return None, (f"the output has shape {list(shape)}; a detector gives (1, 4+classes, "
                      "boxes), (1, boxes, 5+classes) or (1, boxes, 6)")
    a, b = dims
    fits: list[OutputFormat] = []
    if num_classes is not None:
        if a == 4 + num_classes and b != 5 + num_classes:
            fits.append("yolov8")
        if b == 5 + num_classes and a != 4 + num_classes:
            fits.append("yolov5")
        if b == 6:
            fits.append("end2end")
    else:
        if a is not None and a > 4 and (b is None or b > a):
            fits.append("yolov8")
        if b is not None and b > 5 and (a is None or a > b):
            fits.append("yolov5")
        if b == 6 and (a is None or a > 6):
            fits.append("end2end")
    if end2end is True and "end2end" in fits:
        return "end2end", ""
    if end2end is False and "end2end" in fits and len(fits) > 1:
        fits.remove("end2end")
    if len(fits) == 1:
        return fits[0], ""
    if not fits:
        nc = f" with {num_classes} classes" if num_classes is not None else ""
        return None, f"the output shape {list(shape)} fits no known detector layout{nc}"
    return None, f"the output shape {list(shape)} fits several layouts ({', '.join(fits)})"


def classes_in_output(shape: Sequence[Dim], fmt: OutputFormat) -> int | None:
    """How many classes an output of layout ``fmt`` holds (``None`` if it cannot tell)."""
    dims = list(shape)[-2:]
    if len(dims) != 2:
        return None
    if fmt == "yolov8":
        return dims[0] - 4 if dims[0] is not None else None
    if fmt == "yolov5":
        return dims[1] - 5 if dims[1] is not None else None
    return None  # end2end carries a class index, not a column per class


def _as_2d(output: np.ndarray) -> FloatArray:
    out = np.asarray(output, dtype=np.float64)
    if out.ndim == 3:
        if out.shape[0] != 1:
            raise ValueError(f"output batch is {out.shape[0]}; the kiosk feeds one picture")
        out = out[0]
    if out.ndim != 2:
        raise ValueError(f"output has shape {list(np.shape(output))}; a detector output is 3-D")
    return out


def _xywh_to_xyxy(b: FloatArray) -> FloatArray:
    half_w, half_h = b[:, 2] / 2, b[:, 3] / 2
    return np.stack([b[:, 0] - half_w, b[:, 1] - half_h, b[:, 0] + half_w, b[:, 1] + half_h], 1)


def candidates(
    output: np.ndarray, fmt: OutputFormat
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Every box in a raw output: ``xyxy`` (input pixels), best score and its class."""
    out = _as_2d(output)
    if fmt == "yolov8":
        if out.shape[0] < 5:
            raise ValueError(f"yolov8 output needs at least 5 rows, it has {out.shape[0]}")
        rows = out.T
        cls_scores = rows[:, 4:]
        classes = cls_scores.argmax(1)
        scores = cls_scores[np.arange(len(rows)), classes]
        return _xywh_to_xyxy(rows[:, :4]), scores, classes.astype(np.intp)
    if fmt == "yolov5":
        if out.shape[1] < 6:
            raise ValueError(f"yolov5 output needs at least 6 columns, it has {out.shape[1]}")
        cls_scores = out[:, 5:] * out[:, 4:5]
        classes = cls_scores.argmax(1)
        scores = cls_scores[np.arange(len(out)), classes]
        return _xywh_to_xyxy(out[:, :4]), scores, classes.astype(np.intp)
    if out.shape[1] < 6:
        raise ValueError(f"end2end output needs 6 columns, it has {out.shape[1]}")
    classes = np.rint(out[:, 5]).astype(np.intp)
    return out[:, :4].copy(), out[:, 4].copy(), classes


def iou(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Intersection over union of every box in ``a`` with every box in ``b`` (``xyxy``)."""
    a_ = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b_ = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    iw = np.minimum(a_[:, None, 2], b_[None, :, 2]) - np.maximum(a_[:, None, 0], b_[None, :, 0])
    ih = np.minimum(a_[:, None, 3], b_[None, :, 3]) - np.maximum(a_[:, None, 1], b_[None, :, 1])
    inter = np.maximum(iw, 0.0) * np.maximum(ih, 0.0)
    area_a = np.maximum(a_[:, 2] - a_[:, 0], 0.0) * np.maximum(a_[:, 3] - a_[:, 1], 0.0)
    area_b = np.maximum(b_[:, 2] - b_[:, 0], 0.0) * np.maximum(b_[:, 3] - b_[:, 1], 0.0)
    union = area_a[:, None] + area_b[None, :] - inter
    # Zero-area boxes would divide by zero; they overlap nothing.
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def nms(
    boxes: npt.ArrayLike, scores: npt.ArrayLike, iou_threshold: float,
    classes: npt.ArrayLike | None = None,
) -> IntArray:
    """Greedy non-maximum suppression, per class when ``classes`` is given.

    Returns the indices of the kept boxes, best score first. A box is dropped when it overlaps
    a better box of the same class by more than ``iou_threshold``.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(b) == 0:
        return np.empty(0, dtype=np.intp)
    c = (np.zeros(len(b), dtype=np.intp) if classes is None
         else np.asarray(classes, dtype=np.intp).reshape(-1))
    order = np.argsort(-s, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        same = c[rest] == c[i]
        overlap = iou(b[i], b[rest])[0]
        order = rest[~same | (overlap <= iou_threshold)]
    return np.asarray(keep, dtype=np.intp)


def select(
    boxes: FloatArray, scores: FloatArray, classes: IntArray, p: DetectionParams,
    suppress: bool = True,
) -> IntArray:
    """Indices of the boxes to show: above the threshold, suppressed, at most ``max``."""
    ok = np.flatnonzero(np.isfinite(scores) & (scores >= p.score_threshold)
                        & np.isfinite(boxes).all(1))
    ok = ok[np.argsort(-scores[ok], kind="stable")][:MAX_NMS_CANDIDATES]
    if suppress and ok.size:
        kept = nms(boxes[ok], scores[ok], p.iou_threshold,
                   None if p.agnostic_nms else classes[ok])
        ok = ok[kept]
    return ok[: p.max_detections]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Detection:
    """One found thing, its box in frame pixels ``(x1, y1, x2, y2)``."""

    box: tuple[float, float, float, float]
    score: float
    index: int
    label_en: str
    label_de: str

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"box": [round(v, 2) for v in self.box], "score": round(self.score, 5),
                "class": self.index, "label_en": self.label_en, "label_de": self.label_de}


@dataclass(frozen=True)
class ClassCount:
    """How many things of one class are in the picture."""

    index: int
    label_en: str
    label_de: str
    count: int

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"class": self.index, "label_en": self.label_en, "label_de": self.label_de,
                "count": self.count}


@dataclass(frozen=True)
class DetectionResult:
    """Everything found in one frame, best first, with the frame size the boxes refer to."""

    detections: tuple[Detection, ...]
    width: int
    height: int

    def counts(self) -> tuple[ClassCount, ...]:
        """Things per class, most frequent first (ties: the class seen with more confidence)."""
        found: dict[int, list[Detection]] = {}
        for d in self.detections:  # detections are best first, so dict order ranks ties
            found.setdefault(d.index, []).append(d)
        ranked = sorted(found.values(), key=lambda ds: -len(ds))
        return tuple(ClassCount(ds[0].index, ds[0].label_en, ds[0].label_de, len(ds))
                     for ds in ranked)

    def to_json(self) -> JsonDict:
        """JSON-ready form."""
        return {"width": self.width, "height": self.height,
                "boxes": [d.to_json() for d in self.detections],
                "counts": [c.to_json() for c in self.counts()]}


def label_for(index: int, labels: Sequence[str] | None, lang: Literal["de", "en"]) -> str:
    """A class label, or a numbered stand-in when the model has more classes than labels."""
    if labels is not None and 0 <= index < len(labels) and labels[index]:
        return labels[index]
    return f"Klasse {index}" if lang == "de" else f"class {index}"


def german_labels(labels_en: Sequence[str]) -> list[str] | None:
    """German labels for COCO-named classes (``None`` unless every name is known)."""
    if not labels_en or not all(name in COCO_DE for name in labels_en):
        return None
    return [COCO_DE[name] for name in labels_en]


def decode(
    output: np.ndarray, fmt: OutputFormat, box: Letterbox, p: DetectionParams,
    labels_en: Sequence[str] | None = None, labels_de: Sequence[str] | None = None,
) -> DetectionResult:
    """A raw model output → the detections to show, in frame pixels."""
    boxes, scores, classes = candidates(output, fmt)
    keep = select(boxes, scores, classes, p, suppress=fmt != "end2end")
    frame_boxes = box.to_frame(boxes[keep])
    de = labels_de if labels_de is not None else labels_en
    found = []
    for row, i in zip(frame_boxes, keep, strict=True):
        x1, y1, x2, y2 = (float(v) for v in row)
        if x2 - x1 <= 0 or y2 - y1 <= 0:
            continue  # entirely outside the picture (in the letterbox bars)
        cls = int(classes[i])
        found.append(Detection((x1, y1, x2, y2), float(scores[i]), cls,
                               label_for(cls, labels_en, "en"), label_for(cls, de, "de")))
    return DetectionResult(tuple(found), box.src_w, box.src_h)
