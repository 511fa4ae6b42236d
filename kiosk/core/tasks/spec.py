"""One spec per task kind, registered once: the single list every layer reads.

A task kind spans three layers that must not import each other upwards: the manifest check and
runner live in ``kiosk.runtime``, the panel in ``kiosk.ui``, the result type in
``kiosk.core.tasks``. The spec names each part by its import path, so this Qt-free module can
hold the whole list; each layer imports only the part it needs, when a demo of that kind is
first used. ``tests/unit/test_task_specs.py`` checks that every kind is complete. Adding a kind
is one core module, one runtime module, one panel — and one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TaskSpec:
    """Everything the kiosk needs to know about one task kind."""

    name: str  # the manifest's ``task = "…"``
    runner: str  # module defining ``KIND`` (manifest check + runner factory)
    panel: str  # "module:Class" of the result panel
    result: str  # "module:Class" of the result type the runner returns
    #: What a demo of this kind needs to show itself without a camera (the built-in demos
    #: name their best picture with ``sample_media``); shown to staff in ``packs validate``.
    sample_hint: str


TASK_SPECS: dict[str, TaskSpec] = {spec.name: spec for spec in (
    TaskSpec("classification", "kiosk.runtime.task_classification",
             "kiosk.ui.panel_classification:ClassificationPanel",
             "kiosk.core.tasks.classification:ClassificationResult",
             "a photo of one of the model's classes, filling the picture"),
    TaskSpec("detection", "kiosk.runtime.task_detection",
             "kiosk.ui.panel_detection:DetectionPanel",
             "kiosk.core.tasks.detection:DetectionResult",
             "a photo with several of the model's objects in it"),
    TaskSpec("faces", "kiosk.runtime.task_faces", "kiosk.ui.panel_faces:FacesPanel",
             "kiosk.runtime.task_faces:FacesResult",
             "a photo with one or more faces"),
    TaskSpec("ocr", "kiosk.runtime.task_ocr", "kiosk.ui.panel_ocr:OcrPanel",
             "kiosk.runtime.task_ocr:OcrResult",
             "a sign or card with large printed text"),
    TaskSpec("drawing", "kiosk.runtime.task_drawing", "kiosk.ui.panel_drawing:DrawingPanel",
             "kiosk.runtime.task_drawing:DrawingResult",
             "none: visitors draw on the screen (needs_camera = false)"),
    TaskSpec("few-shot", "kiosk.runtime.task_few_shot", "kiosk.ui.panel_teach:TeachPanel",
             "kiosk.core.tasks.few_shot:TeachResult",
             "two or more different things, one after the other"),
    TaskSpec("pose", "kiosk.runtime.task_pose", "kiosk.ui.panel_pose:PosePanel",
             "kiosk.core.tasks.pose:PoseResult",
             "a person seen at least down to the hips"),
    TaskSpec("segmentation", "kiosk.runtime.task_segmentation",
             "kiosk.ui.panel_background:BackgroundPanel",
             "kiosk.core.tasks.segmentation:SegmentationResult",
             "a person in front of a room"),
    TaskSpec("hands", "kiosk.runtime.task_hands", "kiosk.ui.panel_hands:HandsPanel",
             "kiosk.core.tasks.hands:HandsResult",
             "a live camera: no bundled photo shows a hand"),
)}

TASK_NAMES: tuple[str, ...] = tuple(TASK_SPECS)


def split_ref(ref: str) -> tuple[str, str]:
    """``"module:Name"`` → ``("module", "Name")``."""
    module, _, name = ref.partition(":")
    return module, name
