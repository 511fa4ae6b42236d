"""Task runners: a manifest's task type turned into something that processes frames.

Each task kind (see :mod:`kiosk.core.tasks.spec`) has a module here defining ``KIND``: a static
check (its ``[params]`` and the files they name) and a builder that loads the models. Builders
block (reading files, creating onnxruntime sessions): call them from an executor, never on the
GUI thread.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.core.manifest import Manifest, ManifestProblem
from kiosk.core.tasks.spec import TASK_SPECS
from kiosk.runtime.pipeline import TaskRunner

ModelPath = Callable[[str], Path]  # model name in the manifest → resolved file


@dataclass(frozen=True)
class TaskKind:
    """How one task type is checked and built."""

    name: str
    check: Callable[[Manifest], list[ManifestProblem]]
    build: Callable[[Manifest, ModelPath], TaskRunner]


_KINDS: dict[str, TaskKind] = {}


def task_kind(name: str) -> TaskKind | None:
    """The task type ``name`` (its module imported on first use), or ``None`` when unknown."""
    kind = _KINDS.get(name)
    spec = TASK_SPECS.get(name)
    if kind is None and spec is not None:
        kind = importlib.import_module(spec.runner).KIND
        _KINDS[name] = kind
    return kind


def result_json(output: Any) -> Any:
    """A task output as JSON-ready data."""
    to_json = getattr(output, "to_json", None)
    return to_json() if callable(to_json) else output
