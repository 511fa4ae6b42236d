"""``kiosk bench-faces``: how many faces the privacy filter hides, and how fast.

Real faces, reproducible: scikit-image's ``lfw_subset`` (100 grey 25x25 face crops from
Labeled Faces in the Wild) enlarged to 100-200 px and set six to a 640x480 frame on a grey
wall, like visitors at different distances:

- ``mixed``: every face once; every second one darkened to 30-50 % brightness;
- ``dark``: every face at 30-50 % brightness;
- ``glasses``: the faces wearing glasses, twice, one of each pair at 45 % brightness;
- ``very_dark`` (reported, not a target): every face at 15-30 % brightness.

A face counts as hidden when the pixelated area (the boxes plus the mosaic margin the demo
draws) covers at least 90 % of the middle of its crop (eyes, nose, mouth). Photos without
people (coffee, chelsea, rocket) must get no box at all. Needs scikit-image (a development
dependency: ``pip install -e .[dev]``); the detector itself is the demo's own.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.tasks.faces import Face, FaceDetector, FaceParams

FRAME_W, FRAME_H = 640, 480
PER_FRAME = 6  # 3 x 2 cells
WALL = 110  # grey of the background
COVER = 0.9  # share of a face's middle that must be pixelated
MARGIN = 0.2  # the mosaic reaches this far beyond a box (kiosk.core.tasks.faces.pixelate)
# lfw_subset faces wearing glasses (picked by eye from the 100 crops)
GLASSES = (5, 9, 10, 25, 34, 35, 39, 58, 59, 61, 69, 70, 76, 81, 85, 88, 89)
NO_PEOPLE = ("coffee", "chelsea", "rocket")
GRIDS = ("mixed", "dark", "glasses", "very_dark")
TARGET_GRIDS = ("mixed", "dark", "glasses")
TARGET_RECALL = 0.98


@dataclass(frozen=True)
class Grid:
    """One 640x480 frame of faces and where each face crop lies."""

    image: np.ndarray
    faces: tuple[int, ...]  # lfw_subset indices
    crops: tuple[tuple[int, int, int, int], ...]


@dataclass
class GridScore:
    """Faces hidden in one kind of grid."""

    faces: int = 0
    hidden: int = 0
    missed: list[int] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of faces hidden."""
        return self.hidden / self.faces if self.faces else 1.0


def lfw_faces() -> np.ndarray:
    """The 100 face crops of ``lfw_subset`` as uint8 (it also holds 100 non-faces)."""
    try:
        from skimage import data
    except ImportError as exc:
        raise RuntimeError("bench-faces needs scikit-image: pip install -e '.[dev]'") from exc
    return np.asarray(data.lfw_subset()[:100] * 255, dtype=np.uint8)  # type: ignore[no-untyped-call]


def photo(name: str) -> np.ndarray:
    """A people-free scikit-image photo as RGB."""
    from skimage import data

    return np.asarray(getattr(data, name)())


def make_grid(faces: np.ndarray, ids: Sequence[int], sizes: Sequence[int],
              brightness: Sequence[float]) -> Grid:
    """Up to six faces, each at its size (px) and brightness (1 = as photographed)."""
    import cv2

    canvas = np.full((FRAME_H, FRAME_W), WALL, dtype=np.uint8)
    crops = []
    for k, (i, size, light) in enumerate(zip(ids, sizes, brightness, strict=True)):
        row, col = divmod(k, 3)
        cx, cy = int(FRAME_W / 3 * (col + 0.5)), int(FRAME_H / 2 * (row + 0.5))
        face = cv2.resize(faces[i], (size, size), interpolation=cv2.INTER_CUBIC)
        x1, y1 = cx - size // 2, cy - size // 2
        canvas[y1:y1 + size, x1:x1 + size] = np.clip(face * light, 0, 255).astype(np.uint8)
        crops.append((x1, y1, x1 + size, y1 + size))
    return Grid(np.repeat(canvas[:, :, None], 3, axis=2), tuple(ids), tuple(crops))


def grids(kind: str, faces: np.ndarray, seed: int = 0) -> Iterator[Grid]:
    """The frames of one grid kind (see the module docstring); deterministic for a seed."""
    rng = np.random.default_rng(seed)
    ids = list(GLASSES) * 2 if kind == "glasses" else list(range(len(faces)))
    for start in range(0, len(ids), PER_FRAME):
        chunk = ids[start:start + PER_FRAME]
        sizes = [int(s) for s in rng.integers(100, 201, len(chunk))]
        dim = [0.3 + 0.2 * float(rng.random()) for _ in chunk]
        if kind == "mixed":
            light = [d if k % 2 else 1.0 for k, d in enumerate(dim)]
        elif kind == "dark":
            light = dim
        elif kind == "glasses":
            light = [1.0 if (start + k) % 2 else 0.45 for k in range(len(chunk))]
        elif kind == "very_dark":
            light = [0.15 + 0.15 * float(rng.random()) for _ in chunk]
        else:
            raise ValueError(f"unknown grid {kind!r}: use one of {', '.join(GRIDS)}")
        yield make_grid(faces, chunk, sizes, light)


def hidden_share(found: Sequence[Face], crop: tuple[int, int, int, int]) -> float:
    """How much of the middle of ``crop`` the pixelated boxes cover (0-1)."""
    x1, y1, x2, y2 = crop
    inset = 0.2 * (x2 - x1)
    ix1, iy1, ix2, iy2 = (int(x1 + inset), int(y1 + inset), int(x2 - inset), int(y2 - inset))
    mask = np.zeros((iy2 - iy1, ix2 - ix1), dtype=bool)
    for f in found:
        a, b, c, d = f.box
        mx, my = (c - a) * MARGIN, (d - b) * MARGIN
        ax, ay = max(int(a - mx) - ix1, 0), max(int(b - my) - iy1, 0)
        cx, cy = int(c + mx) + 1 - ix1, int(d + my) + 1 - iy1
        if cx > 0 and cy > 0:
            mask[ay:max(cy, 0), ax:max(cx, 0)] = True
    return float(mask.mean()) if mask.size else 0.0


def score(detector: FaceDetector, kind: str, faces: np.ndarray,
          times: list[float] | None = None) -> GridScore:
    """Run ``detector`` over one grid kind; milliseconds per frame go to ``times``."""
    result = GridScore()
    for grid in grids(kind, faces):
        t0 = time.perf_counter()
        found = detector.detect(grid.image)
        if times is not None:
            times.append((time.perf_counter() - t0) * 1000)
        for face_id, crop in zip(grid.faces, grid.crops, strict=True):
            result.faces += 1
            if hidden_share(found, crop) >= COVER:
                result.hidden += 1
            else:
                result.missed.append(face_id)
    return result


def load_detector(params: FaceParams, models: Path | None = None) -> FaceDetector:
    """The demo's MTCNN cascade (onnxruntime, the committed models)."""
    from kiosk.core.paths import models_dir
    from kiosk.runtime.onnx_model import OnnxModel

    folder = models or models_dir()
    nets = [OnnxModel(folder / f"mtcnn_{n}.onnx") for n in ("pnet", "rnet", "onet")]
    return FaceDetector(nets[0], nets[1], nets[2], params)


def run(params: FaceParams, kinds: Sequence[str] = GRIDS) -> dict[str, Any]:
    """Every figure for ``params``: recall per grid, boxes on people-free photos, ms/frame."""
    detector = load_detector(params)
    faces = lfw_faces()
    times: list[float] = []
    report: dict[str, Any] = {
        "params": {"min_face": params.min_face, "thresholds": list(params.thresholds),
                   "equalise": params.equalise},
        "grids": {},
    }
    for kind in kinds:
        s = score(detector, kind, faces, times)
        report["grids"][kind] = {"faces": s.faces, "hidden": s.hidden,
                                 "recall": round(s.recall, 4), "missed": s.missed}
    report["boxes_on_photos_without_people"] = {
        name: len(detector.detect(photo(name))) for name in NO_PEOPLE}
    report["ms_per_640x480_frame_median"] = round(statistics.median(times), 1)
    targets = [k for k in TARGET_GRIDS if k in report["grids"]]
    hidden = sum(report["grids"][k]["hidden"] for k in targets)
    total = sum(report["grids"][k]["faces"] for k in targets)
    report["target_recall"] = round(hidden / total, 4) if total else None
    report["meets_targets"] = bool(
        total and hidden / total >= TARGET_RECALL
        and not any(report["boxes_on_photos_without_people"].values()))
    return report
