"""Export the MTCNN face detector (P-, R-, O-net) from facenet-pytorch weights to ONNX.

Run with a Python that has ``torch==2.13.0`` (CPU), ``onnx``, ``onnxruntime`` and the
weights-only install ``pip install --no-deps facenet-pytorch==2.6.0``::

    python build/models/export_mtcnn.py            # writes models/mtcnn_{pnet,rnet,onet}.onnx

Only the three state dicts (``data/pnet.pt``, ``rnet.pt``, ``onet.pt``) are taken from the
wheel. facenet-pytorch's own code imports torchvision, which does not import beside this torch
build, so the networks are redefined here with the same parameter names.

Layout note: the weights were converted from the original Caffe MTCNN, which worked on
transposed (W, H) images. facenet-pytorch compensates inside R-net and O-net by permuting the
feature map to (N, W, H, C) before flattening into the dense layers. That permute is part of
the exported graph, so the ONNX models take ordinary NCHW RGB input with H = image rows.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "models"
PACKAGE = "facenet_pytorch"
PACKAGE_VERSION = "2.6.0"
OPSET = 17
PREPROCESSING = "RGB, NCHW float32, (pixel - 127.5) / 128"


class PNet(nn.Module):
    """Proposal net: fully convolutional, 12x12 window, stride 2."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        prob = self.softmax4_1(self.conv4_1(x))
        reg = self.conv4_2(x)
        return reg, prob


class RNet(nn.Module):
    """Refine net: 24x24 crops."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        # The dense weights expect Caffe's transposed flatten order (W, H, C).
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu4(self.dense4(x.reshape(x.shape[0], -1)))
        prob = self.softmax5_1(self.dense5_1(x))
        reg = self.dense5_2(x)
        return reg, prob


class ONet(nn.Module):
    """Output net: 48x48 crops, box regression, 5 landmarks, face probability."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        # The dense weights expect Caffe's transposed flatten order (W, H, C).
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.reshape(x.shape[0], -1)))
        prob = self.softmax6_1(self.dense6_1(x))
        reg = self.dense6_2(x)
        landmarks = self.dense6_3(x)
        return reg, landmarks, prob


class NetSpec(NamedTuple):
    """What to export for one net and how to check it."""

    name: str
    net: nn.Module
    example: torch.Tensor
    outputs: list[str]
    dynamic_axes: dict[str, dict[int, str]]
    checks: list[torch.Tensor]
    doc: str


def weights_dir() -> Path:
    """Return the ``data`` folder of the installed facenet-pytorch wheel."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise SystemExit(
            f"{PACKAGE} is not installed: pip install --no-deps facenet-pytorch=={PACKAGE_VERSION}"
        )
    return Path(spec.origin).parent / "data"


def load_net(net: nn.Module, path: Path) -> nn.Module:
    """Load a state dict strictly (every key must match) and switch to inference mode."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return net.eval()


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_one(
    net: nn.Module,
    example: torch.Tensor,
    out_path: Path,
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
    doc: str,
) -> None:
    """Export ``net`` to ``out_path`` with the TorchScript exporter and stamp metadata."""
    with torch.no_grad(), warnings.catch_warnings():
        # The legacy exporter is chosen on purpose: it writes exactly opset 17.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            net,
            (example,),
            str(out_path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input"],
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            do_constant_folding=True,
        )
    model = onnx.load(str(out_path))
    model.doc_string = doc
    meta = {
        "source": f"facenet-pytorch {PACKAGE_VERSION} (data/*.pt), MIT licence",
        "preprocessing": PREPROCESSING,
        "outputs": ", ".join(output_names),
    }
    del model.metadata_props[:]
    for key, value in meta.items():
        prop = model.metadata_props.add()
        prop.key = key
        prop.value = value
    onnx.checker.check_model(model)
    onnx.save(model, str(out_path))


def verify(net: nn.Module, out_path: Path, inputs: list[torch.Tensor], tol: float) -> float:
    """Compare onnxruntime with torch on several input shapes; return the max abs diff."""
    sess = ort.InferenceSession(str(out_path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for x in inputs:
        with torch.no_grad():
            expected = [t.numpy() for t in net(x)]
        got = sess.run(None, {"input": x.numpy()})
        for e, g in zip(expected, got, strict=True):
            if e.shape != g.shape:
                raise SystemExit(f"{out_path.name}: shape {g.shape} != torch {e.shape}")
            worst = max(worst, float(np.max(np.abs(e - g))))
    if worst > tol:
        raise SystemExit(f"{out_path.name}: max abs diff {worst:.2e} exceeds {tol:.0e}")
    return worst


def main(argv: list[str] | None = None) -> int:
    """Export, verify and report sha256 of the three nets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--out-dir", type=Path, default=MODELS_DIR, help="where to write the ONNX files"
    )
    parser.add_argument("--tol", type=float, default=1e-4, help="max abs diff vs torch allowed")
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    data = weights_dir()

    # Inputs in the normalised range the cascade feeds, (x - 127.5) / 128 in about [-1, 1].
    def rand(*shape: int) -> torch.Tensor:
        return torch.rand(*shape) * 2.0 - 1.0

    jobs = [
        NetSpec(
            "pnet",
            PNet(),
            rand(1, 3, 48, 64),
            ["reg", "prob"],
            {
                "input": {0: "batch", 2: "height", 3: "width"},
                "reg": {0: "batch", 2: "out_height", 3: "out_width"},
                "prob": {0: "batch", 2: "out_height", 3: "out_width"},
            },
            [rand(1, 3, 12, 12), rand(1, 3, 145, 193), rand(2, 3, 31, 17)],
            "MTCNN P-net. input [N,3,H,W] (H,W >= 12); reg [N,4,H',W'] box offsets; "
            "prob [N,2,H',W'] softmax (index 1 = face). Stride 2, 12x12 window.",
        ),
        NetSpec(
            "rnet",
            RNet(),
            rand(4, 3, 24, 24),
            ["reg", "prob"],
            {"input": {0: "batch"}, "reg": {0: "batch"}, "prob": {0: "batch"}},
            [rand(1, 3, 24, 24), rand(37, 3, 24, 24)],
            "MTCNN R-net. input [N,3,24,24]; reg [N,4] box offsets; prob [N,2] (index 1 = face).",
        ),
        NetSpec(
            "onet",
            ONet(),
            rand(4, 3, 48, 48),
            ["reg", "landmarks", "prob"],
            {
                "input": {0: "batch"},
                "reg": {0: "batch"},
                "landmarks": {0: "batch"},
                "prob": {0: "batch"},
            },
            [rand(1, 3, 48, 48), rand(23, 3, 48, 48)],
            "MTCNN O-net. input [N,3,48,48]; reg [N,4] box offsets; landmarks [N,10] "
            "(x0..x4, y0..y4 as fractions of the box); prob [N,2] (index 1 = face).",
        ),
    ]
    for job in jobs:
        net = load_net(job.net, data / f"{job.name}.pt")
        out_path = out_dir / f"mtcnn_{job.name}.onnx"
        export_one(net, job.example, out_path, job.outputs, job.dynamic_axes, job.doc)
        diff = verify(net, out_path, job.checks, args.tol)
        print(f"{out_path.name}: max abs diff vs torch {diff:.2e}")
        print(f"{sha256_of(out_path)}  {out_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
