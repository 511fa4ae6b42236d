"""Hostile and careless packs (issue 12): every one is a pack problem with a fix, never an
uncaught exception, a read outside the pack, a hang or a memory blow-up."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from kiosk.core.events import Event, problems_of
from kiosk.core.manifest import load_manifest
from kiosk.runtime.demos import DemoState, discover
from kiosk.runtime.packs import validate

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "demos" / "image-classification"
MODEL = ROOT / "models" / "mobilenet_v2_imagenet.onnx"


def classifier_pack(parent: Path, pack_id: str = "my-classifier") -> Path:
    """The built-in classifier as a stand-alone pack (model copied, never linked)."""
    dest = parent / pack_id
    shutil.copytree(BUILTIN, dest)
    shutil.copyfile(MODEL, dest / MODEL.name)
    toml = (dest / "demo.toml").read_text(encoding="utf-8")
    (dest / "demo.toml").write_text(
        toml.replace('id = "image-classification"', f'id = "{pack_id}"'), encoding="utf-8")
    return dest


def edit_toml(pack: Path, old: str, new: str) -> None:
    path = pack / "demo.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- 12.4 ids are matched in full ------------------------------------------------------------


def test_a_demo_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    pack = classifier_pack(tmp_path)
    edit_toml(pack, 'id = "my-classifier"', 'id = "my-classifier\\n"')
    manifest, problems = load_manifest(pack)
    assert manifest is None
    assert any(p.field == "id" for p in problems)


@pytest.mark.parametrize("field, value", [
    ("demo_id", "image-classification\n"),
    ("session_id", "0123456789abcdef\n"),
    ("ts", "2024-05-01T09:30:00.250Z\n"),
])
def test_event_ids_with_a_trailing_newline_are_refused(field: str, value: str) -> None:
    base = dict(uuid=str(uuid.uuid4()), ts="2024-05-01T09:30:00.250Z", kiosk_id="k1",
                session_id="0123456789abcdef", demo_id="image-classification",
                type="interaction", payload={"kind": "predict", "label": "espresso"})
    assert problems_of(Event(**base)) == []  # type: ignore[arg-type]
    base[field] = value
    assert problems_of(Event(**base))  # type: ignore[arg-type]


# -- 12.3 any manifest problem is that pack's problem ----------------------------------------


# name → (line of the built-in demo.toml, what replaces it)
HOSTILE_TOMLS: dict[str, tuple[str, str]] = {
    "deep-nesting": ("order = 10", "order = " + "[" * 1200 + "]" * 1200),
    "deep-tables": ("order = 10", "order = " + "{a = " * 1200 + "1" + "}" * 1200),
    "huge-int": ("order = 10", "order = " + "9" * 5000),
    "big-int": ("order = 10", "order = " + "9" * 4000),
    "long-name": ('thumbnail = "thumbnail.jpg"', 'thumbnail = "' + "a" * 300 + '.jpg"'),
    "long-label-name": ('labels_en = "labels_en.txt"', 'labels_en = "' + "b" * 300 + '.txt"'),
    "long-model-name": ('file = "mobilenet_v2_imagenet.onnx"', 'file = "' + "c" * 300
                        + '.onnx"'),
    "long-text": ('de = "Was sieht die KI?"', 'de = "' + "W" * 100_000 + '"'),
    "wrong-types": ("[title]", "title = 3\n[titel]"),
    "params-wrong-types": ("size = [224, 224]", 'size = "big"\nscale = 1e400'),
    "params-big-int": ("top_k = 5", "top_k = " + "7" * 4000),
    "mean-wrong-types": ("mean = [0.485, 0.456, 0.406]", 'mean = [1, "a", {}]'),
    "nul-in-name": ('thumbnail = "thumbnail.jpg"', 'thumbnail = "a\\u0000b.jpg"'),
    "device-name": ('labels_en = "labels_en.txt"', 'labels_en = "NUL.txt"'),
    "device-thumbnail": ('thumbnail = "thumbnail.jpg"', 'thumbnail = "com1.jpg"'),
    "version-newline": ('version = "1.0.0"', 'version = "1.0.0\\nINSTALLED"'),
    "binary": ("[title]", "\x00\x01\x02 [title]"),
    "models-wrong-type": ("[models.main]", "[models.main.deeper]"),
}


def _hostile_pack(parent: Path, name: str) -> Path:
    pack = classifier_pack(parent, "hostile")
    old, new = HOSTILE_TOMLS[name]
    edit_toml(pack, old, new)
    return pack


@pytest.mark.parametrize("name", sorted(HOSTILE_TOMLS))
def test_a_hostile_manifest_breaks_only_its_own_pack(tmp_path: Path, name: str) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    _hostile_pack(packs, name)
    classifier_pack(packs, "good-one")
    report = validate(packs / "hostile", smoke=False)
    assert not report.ok and report.problems
    entries = {e.folder.name: e for e in discover([packs])}
    assert entries["hostile"].state is DemoState.ERROR
    assert entries["hostile"].problems
    assert entries["good-one"].state is DemoState.READY, entries["good-one"].problems
