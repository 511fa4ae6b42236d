"""Shared types for task processing: how a task calls a model, and JSON-ready results.

Task code in ``kiosk.core.tasks`` never imports onnxruntime: it receives models as
plain callables, so the same code runs with onnxruntime sessions in the app and with
small fakes in unit tests.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np


class ModelFn(Protocol):
    """A loaded model: feeds its single input, returns all outputs in declared order."""

    def __call__(self, x: np.ndarray) -> list[np.ndarray]: ...


JsonDict = dict[str, Any]


def is_finite_json(value: Any) -> bool:
    """No NaN or infinity anywhere in a JSON-ready result (a sign of a broken model)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(is_finite_json(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(is_finite_json(v) for v in value)
    return True
