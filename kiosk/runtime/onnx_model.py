"""onnxruntime sessions behind a small callable interface (see ``core.tasks.base.ModelFn``)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


class ModelLoadError(Exception):
    """A model file is missing, altered or not loadable; the message is for staff."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_sha256(path: Path, expected: str) -> None:
    """Raise :class:`ModelLoadError` unless ``path`` exists and has the ``expected`` sha256."""
    try:
        actual = sha256_of(path)
    except FileNotFoundError:
        raise ModelLoadError(f"Model file {path.name} is missing.") from None
    except OSError as exc:
        raise ModelLoadError(f"Model file {path.name} cannot be read ({exc.strerror}).") from None
    if actual != expected:
        raise ModelLoadError(
            f"Model file {path.name} has changed (sha256 {actual[:12]}…, expected "
            f"{expected[:12]}…): copy the original file again or update the pack's sha256.")


def import_onnxruntime() -> Any:
    """onnxruntime with its telemetry off, so the kiosk writes nothing outside its data dir.

    Official builds otherwise create a persistent device id and queue telemetry events under
    ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/`` (and a ``.ses`` file in the temp
    folder) as soon as the module is imported; ``ORT_DISABLE_TELEMETRY`` must be set before
    that first import. ``disable_telemetry_events`` covers builds that also report per event.
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime as ort

    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    return ort


class OnnxModel:
    """One model on the CPU; calling it runs inference on its single input."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        ort = import_onnxruntime()
        opts = ort.SessionOptions()
        # Small models run faster on one thread beside a capture thread and the GUI (measured).
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.path = path
        try:
            self.session = ort.InferenceSession(
                str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises several unrelated types here
            text = str(exc).strip()
            first = text.splitlines()[0][:160] if text else type(exc).__name__
            raise ModelLoadError(f"Model file {path.name} cannot be loaded: {first}") from None
        inputs = self.session.get_inputs()
        self.input_name: str = inputs[0].name
        self.input_shape: list[Any] = list(inputs[0].shape)
        self.output_names: list[str] = [o.name for o in self.session.get_outputs()]

    def metadata(self) -> dict[str, str]:
        """The model's custom metadata (e.g. Ultralytics ``names``, OCR ``character``)."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        """All outputs for input ``x``."""
        return list(self.session.run(None, {self.input_name: x}))

    def run(self, outputs: list[str] | None, x: np.ndarray) -> list[np.ndarray]:
        """Selected outputs for input ``x``."""
        return list(self.session.run(outputs, {self.input_name: x}))
