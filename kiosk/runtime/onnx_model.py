"""onnxruntime sessions behind a small callable interface (see ``core.tasks.base.ModelFn``)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.core.problems import Msg, msg

log = logging.getLogger(__name__)


class ModelLoadError(Exception):
    """A model file is missing, altered or not loadable; the message is for staff.

    ``msg`` is the message in both languages; ``short`` (when set) is the same without
    naming the model file, for a line that names the file already.
    """

    def __init__(self, message: str | Msg, short: Msg | None = None) -> None:
        super().__init__(message)
        self.msg = message if isinstance(message, Msg) else msg("detail", detail=message)
        self.short = short or self.msg

    def __str__(self) -> str:
        return self.msg.text("en")


def _file_error(path: Path, key: str, **values: object) -> ModelLoadError:
    short = msg(key, **values)
    return ModelLoadError(msg("model.file", name=path.name, problem=short.both()), short)


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
        raise _file_error(path, "model.missing") from None
    except OSError as exc:
        raise _file_error(path, "model.unreadable", detail=exc.strerror) from None
    if actual != expected:
        raise _file_error(path, "model.changed", actual=actual[:12], expected=expected[:12])


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
    """One model; calling it runs inference on its single input.

    Provider, threads and precision come from the machine's tuning (``runtime.tuning``), the
    CPU with one thread otherwise. A provider that fails to load or to run falls back to the
    CPU with a note for staff.
    """

    def __init__(self, path: Path, threads: int | None = None) -> None:
        from kiosk.runtime import tuning

        self.path = path
        plan = tuning.plan_for(path, threads)
        try:
            self._open(plan)
        except ModelLoadError:
            if plan.provider == tuning.CPU and plan.precision == "fp32":
                raise
            tuning.note(msg("tuning.fallback_load", file=path.name,
                            provider=tuning.SHORT_NAMES.get(plan.provider, plan.provider),
                            precision=plan.precision).both())
            self._open(tuning.plan_for(path, plan.threads))
        inputs = self.session.get_inputs()
        self.input_name: str = inputs[0].name
        self.input_shape: list[Any] = list(inputs[0].shape)
        self.output_names: list[str] = [o.name for o in self.session.get_outputs()]

    def _open(self, plan: Any) -> None:
        from kiosk.runtime.tuning import session_options

        ort = import_onnxruntime()

        try:
            # Small models run faster on one thread beside a capture thread and the GUI
            # (measured), hence the default of one.
            self.session = ort.InferenceSession(
                str(plan.path), sess_options=session_options(plan.threads),
                providers=[plan.provider])
        except Exception as exc:  # onnxruntime raises several unrelated types here
            text = str(exc).strip()
            first = text.splitlines()[0][:160] if text else type(exc).__name__
            raise _file_error(plan.path, "model.cannot_load", detail=first) from None
        self.provider: str = plan.provider
        self.threads: int = plan.threads
        self.precision: str = plan.precision

    def _fallback(self, exc: Exception) -> bool:
        """After a run-time error: reopen on the CPU (True) unless already there."""
        from kiosk.runtime import tuning

        if self.provider == tuning.CPU and self.precision == "fp32":
            return False
        tuning.note(msg("tuning.fallback_run", file=self.path.name, provider=self.provider,
                        precision=self.precision, error=type(exc).__name__).both())
        self._open(tuning.plan_for(self.path, self.threads))
        return True

    def metadata(self) -> dict[str, str]:
        """The model's custom metadata (e.g. Ultralytics ``names``, OCR ``character``)."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        """All outputs for input ``x``."""
        return self.run(None, x)

    def run(self, outputs: list[str] | None, x: np.ndarray) -> list[np.ndarray]:
        """Selected outputs for input ``x``."""
        try:
            return list(self.session.run(outputs, {self.input_name: x}))
        except Exception as exc:
            if not self._fallback(exc):
                raise
            return list(self.session.run(outputs, {self.input_name: x}))
