"""Train the "Draw a digit" CNN on scikit-learn's handwritten digits and export it to ONNX.

Data: ``sklearn.datasets.load_digits`` (1,797 images, 8×8, values 0–16; the UCI "optical
recognition of handwritten digits" test set). A stratified 80/20 split with a fixed seed
(:data:`SPLIT_SEED`) keeps 360 images aside; ``tests/unit/test_digits.py`` repeats the same
``train_test_split`` call to check the committed model.

Input: the model keeps the data's 8×8 grid, ``input`` = ``[N, 1, 8, 8]`` float32 in 0–16 (it
divides by 16 itself). Upsampling to 16×16 or 28×28 was not used: the data has no detail beyond
8×8, and a visitor's drawing is brought onto exactly that grid by
``kiosk.core.tasks.digits.normalise_drawing``, so a larger input would only add a mismatch.
Output: ``probabilities`` = ``[N, 10]`` (softmax inside the model).

Augmentation bridges handwriting on paper and a finger on a touch screen. Each training image is
upsampled to a 64×64 shape, then randomly rotated (±15°), sheared, stretched, elastically warped,
then either made thicker/thinner or thinned to its skeleton (sometimes losing short side
branches such as crossbars and serifs) and re-drawn with a uniform round pen (how a finger stroke
looks), and finally passed through the kiosk's own ``normalise_drawing`` (with a jittered ink
coverage), so training sees exactly the preprocessing the kiosk applies; a fifth of the copies
also lose a random 2×2 patch. The original images stay in the mix (twice), so the model still
reads the UCI data as it is.

Needs torch==2.13.0 (CPU), scikit-learn, scikit-image, opencv-python-headless, onnx and
onnxruntime. Run from the repository root::

    python build/models/train_digits.py

Deterministic for a given seed and ``--torch-threads``: per-image random generators make the
augmented data independent of ``--workers``; torch runs seeded with deterministic algorithms.
About 2 minutes on 2 cores (the augmentation uses both, training one thread).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import torch
from skimage.morphology import skeletonize
from sklearn.datasets import load_digits
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split
from torch import nn

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from kiosk.core.tasks.digits import TARGET_INK_FRACTION, normalise_drawing  # noqa: E402

SPLIT_SEED = 0
"""``random_state`` of the stratified 80/20 split; the unit test repeats it."""

TEST_SIZE = 0.2
UP = 64
"""Side of the upsampled training shape (8 px per cell)."""
PAD = 16


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fixed stratified split: ``x_train, x_test, y_train, y_test`` (images 8×8, 0–16)."""
    digits = load_digits()
    x = digits.images.astype(np.float32)
    y = digits.target.astype(np.int64)
    parts = train_test_split(x, y, test_size=TEST_SIZE, stratify=y, random_state=SPLIT_SEED)
    return parts[0], parts[1], parts[2], parts[3]


def upsample(img8: np.ndarray) -> np.ndarray:
    """A smooth binary shape (uint8 0/255, ``UP + 2·PAD`` square) whose 4×4 counts match img8."""
    up = cv2.resize(img8 / 16.0, (UP, UP), interpolation=cv2.INTER_CUBIC)
    shape = (up >= 0.5).astype(np.uint8) * 255
    return cv2.copyMakeBorder(shape, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=0)


def distort(shape: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random rotation, shear, stretch and elastic warp of a binary shape."""
    size = shape.shape[0]
    centre = size / 2.0
    angle = np.deg2rad(rng.uniform(-15.0, 15.0))
    shear = rng.uniform(-0.2, 0.2)
    sx, sy = np.exp(rng.uniform(-0.15, 0.15, size=2))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    lin = rot @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])
    offset = np.array([centre, centre]) - lin @ np.array([centre, centre])
    matrix = np.hstack([lin, offset[:, None]]).astype(np.float32)
    warped = cv2.warpAffine(
        shape.astype(np.float32), matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=0.0
    )
    if rng.random() < 0.6:
        # Elastic: a coarse random displacement grid, smoothly interpolated (≈ ±3 px at 8 px/cell).
        grid = rng.normal(0.0, 2.5, size=(2, 4, 4)).astype(np.float32)
        dx = cv2.resize(grid[0], (size, size), interpolation=cv2.INTER_CUBIC)
        dy = cv2.resize(grid[1], (size, size), interpolation=cv2.INTER_CUBIC)
        xs, ys = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
        warped = cv2.remap(warped, xs + dx, ys + dy, cv2.INTER_LINEAR, borderValue=0.0)
    return (warped >= 127.5).astype(np.uint8) * 255


def branch_points(skeleton: np.ndarray) -> np.ndarray:
    """Pixels of a 1-px skeleton where three or more branches meet (crossing number ≥ 3)."""
    p = np.pad(skeleton > 0, 1)
    h, w = skeleton.shape
    # The 8 neighbours in circular order; counting off→on steps around the ring tells a
    # junction from a corner, which a plain neighbour count cannot.
    ring = [(0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]
    nb = [p[dy : dy + h, dx : dx + w] for dy, dx in ring]
    steps = sum((~nb[k] & nb[(k + 1) % 8]).astype(np.uint8) for k in range(8))
    return (skeleton > 0) & (steps >= 3)


def drop_spurs(skeleton: np.ndarray, rng: np.random.Generator, share: float = 0.5) -> np.ndarray:
    """Randomly remove short side branches: crossbars of 7s, feet and flags of 1s, serifs.

    The UCI writers crossed most 7s; visitors often do not. Dropping such branches teaches the
    model that a digit keeps its class without them.
    """
    on = skeleton > 0
    junctions = branch_points(skeleton)
    if not junctions.any():
        return skeleton
    near = cv2.dilate(junctions.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    pieces = (on & ~near).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(pieces, connectivity=8)
    neighbours = cv2.filter2D(
        on.astype(np.float32), -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT
    )
    ends = on & (neighbours == 2)  # itself plus one neighbour
    spur_labels = np.unique(labels[ends & (labels > 0)])
    total = int(on.sum())
    out = skeleton.copy()
    for label in spur_labels:
        if stats[label, cv2.CC_STAT_AREA] < 0.13 * total and rng.random() < share:
            out[labels == label] = 0
    return out


def pen_style(shape: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thin to the centre line, re-draw with a uniform round pen: how a finger stroke looks."""
    skeleton = skeletonize(shape > 0).astype(np.uint8)
    if rng.random() < 0.5:
        skeleton = drop_spurs(skeleton, rng)
    radius = int(rng.integers(1, 5))
    pen = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(skeleton * 255, pen)


def thickness(shape: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thicker or thinner strokes on the upsampled shape (erosion only if it leaves ink)."""
    step = int(rng.integers(-2, 4))
    if step == 0:
        return shape
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(step) + 1, 2 * abs(step) + 1))
    if step > 0:
        return cv2.dilate(shape, kernel)
    thinner = cv2.erode(shape, kernel)
    return thinner if np.count_nonzero(thinner) > 0.4 * np.count_nonzero(shape) else shape


def augment_one(args: tuple[np.ndarray, int, int, int, float]) -> np.ndarray:
    """One augmented 8×8 image (0–16) for training image ``index``, copy ``copy``."""
    img8, seed, index, copy, erase = args
    rng = np.random.default_rng([seed, index, copy])
    shape = upsample(img8)
    if copy > 0:
        shape = distort(shape, rng)
        shape = pen_style(shape, rng) if rng.random() < 0.5 else thickness(shape, rng)
    fraction = TARGET_INK_FRACTION if copy == 0 else rng.uniform(0.26, 0.35)
    x = normalise_drawing(shape, ink_fraction=fraction)
    if x is None:
        # A distortion can (very rarely) leave no usable ink; fall back to the original image.
        return img8
    out = x[0, 0]
    if copy > 0 and rng.random() < erase:
        # Erase a random 2×2 patch so no single stroke decides the class (visitors leave out
        # strokes the UCI writers drew, e.g. the crossbar of a 7).
        r, c = rng.integers(0, 7, size=2)
        out[r : r + 2, c : c + 2] = 0.0
    return out


def augment(x: np.ndarray, copies: int, seed: int, workers: int, erase: float = 0.0) -> np.ndarray:
    """``copies + 1`` images per input: copy 0 only re-normalised, the rest distorted too.

    Returns ``[len(x) * (copies + 1), 8, 8]`` ordered by copy, then image. Per-image seeds make
    the result independent of how the work is spread over processes.
    """
    jobs = [(x[i], seed, i, c, erase) for c in range(copies + 1) for i in range(len(x))]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, initializer=_single_threaded) as pool:
            out: Iterable[np.ndarray] = list(pool.map(augment_one, jobs, chunksize=256))
    else:
        out = [augment_one(j) for j in jobs]
    return np.stack(list(out)).astype(np.float32)


def _single_threaded() -> None:
    # Two workers with OpenCV's own thread pools each would fight over two cores.
    cv2.setNumThreads(1)


class DigitsCNN(nn.Module):
    """Small CNN on the 8×8 grid (≈ 63 k weights): conv-conv-pool, conv-pool, dense; logits."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.3),
            nn.Linear(64 * 2 * 2, 128),
            nn.ReLU(),
            nn.Dropout(0.3),
            nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # The model owns the scaling so callers feed the data's own 0–16 range.
        return self.classifier(self.features(x / 16.0))


class WithSoftmax(nn.Module):
    """Export wrapper: probabilities instead of logits."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=1)


def predict(net: nn.Module, x: np.ndarray) -> np.ndarray:
    """Class predictions of ``net`` for ``[N, 8, 8]`` images."""
    net.eval()
    with torch.no_grad():
        logits = net(torch.from_numpy(x[:, None].astype(np.float32)))
    return logits.argmax(dim=1).numpy()


def train(
    net: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch: int,
    lr: float,
    seed: int,
) -> None:
    """AdamW + one-cycle schedule, label smoothing; shuffles with a seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy(x[:, None])
    yt = torch.from_numpy(y)
    steps = (len(x) + batch - 1) // batch
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.2
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for s in range(steps):
            idx = order[s * batch : (s + 1) * batch]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(f"epoch {epoch + 1:2d}/{epochs}  loss {total / len(x):.4f}", flush=True)


def export(net: nn.Module, path: Path) -> None:
    """ONNX opset 17, ``input`` [N,1,8,8] → ``probabilities`` [N,10], with metadata."""
    import onnx

    wrapped = WithSoftmax(net).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        wrapped,
        (torch.zeros(1, 1, 8, 8),),
        str(path),
        dynamo=False,
        opset_version=17,
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
    )
    model = onnx.load(str(path))
    model.doc_string = (
        "Handwritten digit classifier for the kiosk 'Draw a digit' demo. "
        "Input: 8x8 grey image, values 0-16 (ink), as sklearn load_digits. "
        "Output: softmax probabilities for digits 0-9."
    )
    meta = {
        "task": "drawing",
        "labels": ",".join(str(d) for d in range(10)),
        "input_range": "0-16",
        "preprocessing": "kiosk.core.tasks.digits.normalise_drawing",
        "source": "scikit-learn load_digits (UCI optical recognition of handwritten digits)",
    }
    del model.metadata_props[:]
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def onnx_predict(path: Path, x: np.ndarray) -> np.ndarray:
    """Probabilities from the exported file via onnxruntime (what the kiosk will run)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = session.run(["probabilities"], {"input": x[:, None].astype(np.float32)})[0]
    return np.asarray(out)


def update_sums(sums: Path, model: Path, digest: str) -> None:
    """Replace (or add) this model's line in a sha256sum file, keeping every other line."""
    name = model.name
    lines = sums.read_text().splitlines() if sums.exists() else []
    kept = [ln for ln in lines if ln.split()[-1:] != [name] and ln.strip()]
    kept.append(f"{digest}  {name}")
    sums.write_text("\n".join(kept) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "models" / "digits_cnn.onnx")
    parser.add_argument("--sums", type=Path, default=REPO / "models" / "SHA256SUMS")
    parser.add_argument("--no-sums", action="store_true", help="do not touch SHA256SUMS")
    parser.add_argument("--seed", type=int, default=0, help="augmentation and training seed")
    parser.add_argument("--copies", type=int, default=16, help="augmented copies per image")
    parser.add_argument(
        "--erase", type=float, default=0.2, help="share of copies with a 2×2 patch erased"
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--workers", type=int, default=2, help="augmentation processes")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="one is faster for this small net on a busy 2-core box, and the result depends on it",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.torch_threads)
    torch.use_deterministic_algorithms(True)
    cv2.setNumThreads(1)

    x_train, x_test, y_train, y_test = split()
    print(f"split: {len(x_train)} train / {len(x_test)} held out (seed {SPLIT_SEED})")

    augmented = augment(x_train, args.copies, args.seed, args.workers, args.erase)
    y_aug = np.tile(y_train, args.copies + 1)
    # The raw images appear as often as the re-normalised ones so the model stays exact on the
    # UCI data, while the distorted copies teach it finger drawings.
    x_all = np.concatenate([np.tile(x_train, (2, 1, 1)), augmented])
    y_all = np.concatenate([np.tile(y_train, 2), y_aug])
    data_digest = hashlib.sha256(x_all.tobytes()).hexdigest()[:16]
    elapsed = time.perf_counter() - started
    print(f"augmented: {len(x_all)} images (sha256 {data_digest}…) in {elapsed:.0f} s", flush=True)

    net = DigitsCNN()
    train(net, x_all, y_all, args.epochs, args.batch, args.lr, args.seed)
    print(f"trained after {time.perf_counter() - started:.0f} s", flush=True)

    pred = predict(net, x_test)
    acc = float((pred == y_test).mean())
    renorm = augment(x_test, 0, args.seed, 1)
    acc_renorm = float((predict(net, renorm) == y_test).mean())
    print(f"held-out accuracy (torch): {acc:.4f}; re-normalised held-out: {acc_renorm:.4f}")

    export(net, args.out)
    probs = onnx_predict(args.out, x_test)
    acc_onnx = float((probs.argmax(axis=1) == y_test).mean())
    print(f"held-out accuracy (onnxruntime): {acc_onnx:.4f} ({len(y_test)} images)")
    cm = confusion_matrix(y_test, probs.argmax(axis=1), labels=list(range(10)))
    print("confusion matrix (rows = true digit):")
    print(cm)
    mistakes = [f"{t}→{p}: {cm[t, p]}" for t in range(10) for p in range(10) if t != p and cm[t, p]]
    print("mistakes:", ", ".join(mistakes) or "none")

    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{digest}  {args.out.name}")
    if not args.no_sums:
        update_sums(args.sums, args.out, digest)
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0 if acc_onnx >= 0.97 else 1


if __name__ == "__main__":
    raise SystemExit(main())
