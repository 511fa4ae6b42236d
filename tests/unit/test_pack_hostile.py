"""Hostile and careless packs (issue 12): every one is a pack problem with a fix, never an
uncaught exception, a read outside the pack, a hang or a memory blow-up."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest

from kiosk.core.events import Event, problems_of
from kiosk.core.manifest import load_manifest
from kiosk.runtime.demos import DemoState, discover, load_runner
from kiosk.runtime.onnx_model import ModelLoadError
from kiosk.runtime.pack_import import propose
from kiosk.runtime.packs import PackInstaller, validate

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


def _hostile_pack(parent: Path, name: str, pack_id: str = "hostile") -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    pack = classifier_pack(parent, pack_id)
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


# -- 12.1 nothing outside the pack is read ---------------------------------------------------


def _secret(tmp_path: Path, lines: int = 1000) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("".join(f"SECRET-{i}\n" for i in range(lines)), encoding="utf-8")
    return secret


def _nothing_secret_under(folder: Path) -> bool:
    return not any(p.is_file() and b"SECRET" in p.read_bytes() for p in folder.rglob("*"))


@pytest.mark.parametrize("link", ["labels.txt", "labels_en.txt", "labels_de.txt"])
def test_zero_config_import_does_not_follow_a_labels_link(tmp_path: Path, link: str) -> None:
    secret = _secret(tmp_path)
    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copyfile(MODEL, stick / "animals.onnx")
    if link == "labels_de.txt":
        shutil.copyfile(BUILTIN / "labels_en.txt", stick / "labels.txt")
    (stick / link).symlink_to(secret)
    data = tmp_path / "data"
    result = PackInstaller(data).install(stick / "animals.onnx")
    proposal = propose(stick / "animals.onnx")
    assert all("SECRET" not in str(v) for v in proposal.write_files.values())
    assert all(p.resolve() != secret for p in proposal.copy_files.values())
    if data.exists():
        assert _nothing_secret_under(data)
    if link != "labels_de.txt":
        assert not result.ok
        assert any("labels" in str(p) for p in result.report.problems), result.report.problems


def test_a_linked_model_next_to_labels_is_not_imported(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(MODEL, outside / "real.onnx")
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "model.onnx").symlink_to(outside / "real.onnx")
    shutil.copyfile(BUILTIN / "labels_en.txt", stick / "labels.txt")
    prop = propose(stick)
    assert not prop.ok
    assert prop.model is None


def test_a_manifest_that_is_a_link_is_not_read(tmp_path: Path) -> None:
    pack = classifier_pack(tmp_path)
    real = tmp_path / "elsewhere.toml"
    (pack / "demo.toml").replace(real)
    (pack / "demo.toml").symlink_to(real)
    manifest, problems = load_manifest(pack)
    assert manifest is None and "link" in str(problems[0])


def test_labels_named_by_a_manifest_are_not_read_through_a_link(tmp_path: Path) -> None:
    secret = _secret(tmp_path)
    packs = tmp_path / "packs"
    packs.mkdir()
    pack = classifier_pack(packs)
    (pack / "labels_en.txt").unlink()
    (pack / "labels_en.txt").symlink_to(secret)
    entry = {e.folder.name: e for e in discover([packs])}["my-classifier"]
    assert entry.state is DemoState.ERROR
    with pytest.raises(ModelLoadError):
        load_runner(entry)
    assert not validate(pack, smoke=False).ok


# -- 13.5 a changed model is broken at discovery, not when tapped --------------------------------


def test_a_model_changed_after_install_is_broken_in_packs_list(tmp_path: Path) -> None:
    data = tmp_path / "data"
    installer = PackInstaller(data)
    assert installer.install(classifier_pack(tmp_path / "src")).ok
    model = data / "packs" / "my-classifier" / MODEL.name
    info = {i.id: i for i in installer.list()}["my-classifier"]
    assert info.state == "ready"
    with model.open("r+b") as fh:  # one flipped byte deep inside the weights
        fh.seek(model.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    info = {i.id: i for i in installer.list()}["my-classifier"]
    assert info.state == "error"
    assert any("sha256" in r for r in info.reasons), info.reasons
    entry = {e.id: e for e in discover([data / "packs"])}["my-classifier"]
    assert entry.state is DemoState.ERROR


def test_a_thumbnail_bomb_breaks_its_pack(tmp_path: Path) -> None:
    from tests.unit.test_pack_hostile_images import png_bomb

    packs = tmp_path / "packs"
    packs.mkdir()
    pack = classifier_pack(packs)
    png_bomb(pack / "thumbnail.png", side=20000)
    edit_toml(pack, 'thumbnail = "thumbnail.jpg"', 'thumbnail = "thumbnail.png"')
    entry = {e.id: e for e in discover([packs])}["my-classifier"]
    assert entry.state is DemoState.ERROR
    assert any("20000x20000" in str(p) for p in entry.problems), entry.problems


# -- 12.7 a power cut between two renames is undone on the next start --------------------------


class PowerCut(BaseException):
    """The machine stops: nothing after this point runs (not even ``except OSError``)."""


class CutAfter(PackInstaller):
    """A real installer whose power fails right after its ``n``-th rename."""

    def __init__(self, data: Path, n: int) -> None:
        super().__init__(data)
        self.left = n

    def _rename(self, src: Path, dest: Path) -> None:  # type: ignore[override]
        src.replace(dest)
        self.left -= 1
        if self.left == 0:
            raise PowerCut


def _installed_version(data: Path, pack_id: str = "my-classifier") -> str | None:
    info = {i.id: i for i in PackInstaller(data).list()}.get(pack_id)
    return info.version if info and info.state == "ready" else None


def _with_version(parent: Path, version: str) -> Path:
    pack = classifier_pack(parent / version)
    edit_toml(pack, 'version = "1.0.0"', f'version = "{version}"')
    return pack


@pytest.mark.parametrize("cut_after", [1, 2])
def test_a_power_cut_during_an_upgrade_keeps_a_working_version(
    tmp_path: Path, cut_after: int,
) -> None:
    data = tmp_path / "data"
    assert PackInstaller(data).install(_with_version(tmp_path, "1.0.0")).ok
    with pytest.raises(PowerCut):
        CutAfter(data, cut_after).install(_with_version(tmp_path, "2.0.0"))
    # on the next start (or `kiosk packs list`) an installed version is there: the old one
    # when the cut came between the two renames, the new one when it came after the second
    assert _installed_version(data) == ("1.0.0" if cut_after == 1 else "2.0.0")
    assert not (data / "packs" / ".journal" / "my-classifier.json").exists()
    # and the installer works normally afterwards
    assert PackInstaller(data).install(_with_version(tmp_path, "3.0.0")).ok
    assert _installed_version(data) == "3.0.0"


@pytest.mark.parametrize("cut_after", [1, 2])
def test_a_power_cut_during_a_rollback_keeps_both_versions(
    tmp_path: Path, cut_after: int,
) -> None:
    data = tmp_path / "data"
    assert PackInstaller(data).install(_with_version(tmp_path, "1.0.0")).ok
    assert PackInstaller(data).install(_with_version(tmp_path, "2.0.0")).ok
    with pytest.raises(PowerCut):
        CutAfter(data, cut_after).rollback("my-classifier")
    installed = _installed_version(data)
    assert installed in ("1.0.0", "2.0.0")
    info = {i.id: i for i in PackInstaller(data).list()}["my-classifier"]
    assert {info.version, info.previous_version} == {"1.0.0", "2.0.0"}


# -- 12.3 the command line keeps working with any one pack broken --------------------------------


def test_packs_list_remove_and_self_test_survive_broken_packs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from kiosk.cli import main

    data = tmp_path / "data"
    names = ["deep-nesting", "huge-int", "long-name", "wrong-types", "binary", "params-big-int"]
    for name in names:
        _hostile_pack(data / "packs", name, pack_id=f"broken-{name}")
    assert main(["packs", "list", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert all(f"broken-{name}" in out for name in names) and "image-classification" in out
    code = main(["self-test", "--data-dir", str(data), "--json"])
    report = capsys.readouterr()
    assert code == 1 and "Traceback" not in report.err  # the broken packs fail their checks …
    checks = {c["name"]: c["ok"] for c in json.loads(report.out)["checks"]}
    assert checks["demo.image-classification"]  # … and the built-ins still pass
    for name in names:
        assert main(["packs", "remove", f"broken-{name}", "--data-dir", str(data)]) == 0
        assert not (data / "packs" / f"broken-{name}").exists()


def test_a_400_mib_labels_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    pack = classifier_pack(packs)
    (pack / "labels_en.txt").unlink()
    with (pack / "labels_en.txt").open("wb") as fh:  # sparse: 400 MiB of nothing on disk
        fh.truncate(400 * 1024 * 1024)
    report = validate(pack, smoke=False)
    assert any("400.0 MiB" in str(p) for p in report.problems), report.problems
    entry = {e.id: e for e in discover([packs])}["my-classifier"]
    with pytest.raises(ModelLoadError, match=r"400\.0 MiB"):
        load_runner(entry)
