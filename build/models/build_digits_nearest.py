"""Build ``models/digits_nearest.onnx``: how far a drawing is from every training digit.

The digit CNN has no "not a digit": a scribble becomes some digit, often at 90 % or more.
Its softmax alone could not tell scribbles from real digits (measured: at any threshold
that keeps 97 % of held-out digits sure, a quarter of random scribbles stay sure too). The
distance to the nearest real digits can: this "model" holds the training digits of the
digit CNN's own split, each passed through the kiosk's ``normalise_drawing`` exactly as a
drawing is, and returns the mean Euclidean distance from the input to its 3 nearest ones.

Output ``models/digits_nearest.onnx`` (opset 17): input ``input`` float32 [N, 1, 8, 8]
(0–16, like the digit CNN), output ``distance`` float32 [N]. Deterministic; rebuild with::

    python build/models/build_digits_nearest.py            # writes the model, prints sha256
    python build/models/build_digits_nearest.py --measure  # + the threshold table

Requirements: numpy, opencv-python-headless, scikit-learn, onnx, onnxruntime and the
kiosk package itself (for ``normalise_drawing``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from kiosk.core.tasks.digits import (  # noqa: E402
    DigitReader,
    normalise_drawing,
    strokes_to_image,
)

OUT = REPO_ROOT / "models" / "digits_nearest.onnx"
SPLIT_SEED = 0  # the digit CNN's split (build/models/train_digits.py)
K = 3
QUANT = 4.0  # stored in quarter steps of 0–16: exact enough, and byte-reproducible


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digit CNN's stratified 80/20 split of ``load_digits``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    parts = train_test_split(d.images.astype(np.float32), d.target, test_size=0.2,
                             stratify=d.target, random_state=SPLIT_SEED)
    return parts[0], parts[1], parts[2], parts[3]


def as_drawing(img8: np.ndarray) -> np.ndarray:
    """A data digit blown up to a 'drawing' (as the unit tests do) and normalised again."""
    big = cv2.resize(img8 / 16.0, (64, 64), interpolation=cv2.INTER_CUBIC)
    shape = cv2.copyMakeBorder(((big >= 0.5) * 255).astype(np.uint8), 20, 20, 20, 20,
                               cv2.BORDER_CONSTANT, value=0)
    x = normalise_drawing(shape)
    assert x is not None
    return x[0, 0]


def reference() -> np.ndarray:
    """The training digits as the kiosk would see them, ``[M, 64]`` float32."""
    x_train, _, _, _ = split()
    ref = np.stack([as_drawing(i).ravel() for i in x_train])
    return (np.round(ref * QUANT) / QUANT).astype(np.float32)


def build(ref: np.ndarray) -> onnx.ModelProto:
    """input [N,1,8,8] → mean distance to the K nearest rows of ``ref`` → [N]."""
    ref_t = numpy_helper.from_array(ref, "reference")
    ref_sq = numpy_helper.from_array((ref ** 2).sum(axis=1)[None].astype(np.float32), "ref_sq")
    shape = numpy_helper.from_array(np.array([-1, 64], np.int64), "flat")
    k = numpy_helper.from_array(np.array([K], np.int64), "k")
    zero = numpy_helper.from_array(np.array(0.0, np.float32), "zero")
    axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
    nodes = [
        helper.make_node("Reshape", ["input", "flat"], ["x"]),
        # |x − r|² = |x|² − 2 x·r + |r|², for all reference rows at once
        helper.make_node("Mul", ["x", "x"], ["xx"]),
        helper.make_node("ReduceSum", ["xx", "axes"], ["x_sq"], keepdims=1),
        helper.make_node("Gemm", ["x", "reference"], ["xr"], alpha=-2.0, transB=1),
        helper.make_node("Add", ["xr", "x_sq"], ["d1"]),
        helper.make_node("Add", ["d1", "ref_sq"], ["d2"]),
        helper.make_node("Max", ["d2", "zero"], ["d3"]),
        helper.make_node("Sqrt", ["d3"], ["dist"]),
        helper.make_node("TopK", ["dist", "k"], ["near", "near_idx"], largest=0, sorted=1),
        helper.make_node("ReduceMean", ["near"], ["distance"], axes=[1], keepdims=0),
    ]
    graph = helper.make_graph(
        nodes, "digits_nearest",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("distance", TensorProto.FLOAT, ["batch"])],
        [ref_t, ref_sq, shape, k, zero, axes])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="build_digits_nearest")
    model.ir_version = 8
    for key, value in {
        "task": "drawing-distance",
        "source": "scikit-learn load_digits (UCI optdigits test part), the digit CNN's "
                  "training split (seed 0), re-normalised with normalise_drawing",
        "output": f"mean Euclidean distance to the {K} nearest training digits (0-16 scale)",
    }.items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model)
    return model


def measure(path: Path) -> None:
    """Threshold table: held-out digits sure and correct vs random scribbles and noise."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    cnn = ort.InferenceSession(str(REPO_ROOT / "models" / "digits_cnn.onnx"),
                               providers=["CPUExecutionProvider"])
    reader = DigitReader(lambda x: list(cnn.run(None, {"input": x})))

    def dist(x: np.ndarray) -> float:
        return float(sess.run(None, {"input": x})[0][0])

    _, x_test, _, y_test = split()
    digits = []
    for img, label in zip(x_test, y_test, strict=True):
        x = as_drawing(img)[None, None].astype(np.float32)
        digits.append((dist(x), reader.predict_input(x).digit == label))
    rng = np.random.default_rng(0)
    scribbles = []
    for _ in range(300):
        strokes = [[(float(rng.uniform(20, 380)), float(rng.uniform(20, 380)))
                    for _ in range(int(rng.integers(2, 8)))]
                   for _ in range(int(rng.integers(1, 5)))]
        x = normalise_drawing(strokes_to_image(strokes, 400, 400, 30))
        scribbles.append(np.inf if x is None else dist(x))
    noise = []
    for _ in range(100):
        img = (rng.random((200, 200)) < rng.uniform(0.05, 0.5)).astype(np.uint8) * 255
        x = normalise_drawing(img)
        noise.append(np.inf if x is None else dist(x))
    print("| threshold | held-out digits sure and correct | scribbles unsure | noise unsure |")
    print("|---|---|---|---|")
    for t in (24, 26, 27, 28, 29, 30, 32):
        ok = np.mean([d < t and c for d, c in digits])
        print(f"| {t} | {ok:.1%} | {np.mean(np.array(scribbles) >= t):.1%} | "
              f"{np.mean(np.array(noise) >= t):.1%} |")


def main() -> None:
    """Build, save, print the sha256; ``--measure`` prints the threshold table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", action="store_true")
    args = parser.parse_args()
    onnx.save(build(reference()), str(OUT))
    print(f"wrote {OUT.relative_to(REPO_ROOT)} sha256 "
          f"{hashlib.sha256(OUT.read_bytes()).hexdigest()} ({OUT.stat().st_size} bytes)")
    if args.measure:
        measure(OUT)


if __name__ == "__main__":
    main()
