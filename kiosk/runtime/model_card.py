"""A visitor model card for demos whose pack brings none: made from what the files say.

Zero-config packs (a classifier ONNX and a labels file) have no ``[about]`` table. Their
card is generated from the ONNX metadata (producer, Ultralytics ``names``/``task``,
``description``, ``author``, ``license``), the model's size and the number of labels, so
the "About the model" button works in every demo. Reads files: call it off the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.core.i18n import Text
from kiosk.core.manifest import About, Manifest
from kiosk.core.safe_read import FileRefused, is_regular_file, read_text_bounded
from kiosk.runtime.onnx_weights import model_metadata

_LABEL_FILES = ("labels_en.txt", "labels.txt")


def _count_labels(folder: Path, params: dict[str, object]) -> int | None:
    names = [str(params["labels_en"])] if "labels_en" in params else list(_LABEL_FILES)
    for name in names:
        path = folder / name
        if is_regular_file(path):  # never a link out of the pack
            try:
                lines = read_text_bounded(path, what="Labels file").splitlines()
            except FileRefused:
                return None
            return sum(1 for line in lines if line.strip())
    return None


def generated_about(manifest: Manifest, model_path: Path) -> About:
    """A plain, honest card for ``manifest``'s main model, from the files alone."""
    meta = model_metadata(model_path)
    size_mb = model_path.stat().st_size / 1e6 if model_path.is_file() else 0.0
    kind = meta.get("task") or manifest.task
    model = meta.get("description") or f"{model_path.name} · {kind}"
    producer = " ".join(v for v in (meta.get("producer"), meta.get("producer_version")) if v)
    named = meta.get("author") or meta.get("source")
    mb_de = f"{size_mb:.1f}".replace(".", ",")
    source = Text(named, named) if named else Text(
        f"ONNX-Datei {model_path.name} ({mb_de} MB)"
        + (f", exportiert mit {producer}" if producer else ""),
        f"ONNX file {model_path.name} ({size_mb:.1f} MB)"
        + (f", exported by {producer}" if producer else ""))
    licence = meta.get("license") or meta.get("licence") or "—"
    classes = _count_labels(manifest.folder, dict(manifest.params))
    if classes is None and meta.get("names"):
        classes = meta["names"].count(":")  # Ultralytics: "{0: 'person', 1: ...}"
    if classes:
        limits = Text(
            f"Kennt nur die {classes} Dinge, die es gelernt hat – alles andere ordnet es "
            "einem davon zu. Diese Karte wurde aus der Modelldatei erzeugt: Die Demo hat "
            "keine eigene Beschreibung.",
            f"Knows only the {classes} things it learned – it files everything else under "
            "one of them. This card was made from the model file: the demo brings no "
            "description of its own.")
    else:
        limits = Text(
            "Diese Karte wurde aus der Modelldatei erzeugt: Die Demo hat keine eigene "
            "Beschreibung.",
            "This card was made from the model file: the demo brings no description of "
            "its own.")
    return About(Text(model, model), source, Text(licence, licence), limits)
