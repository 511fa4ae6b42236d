"""Demo packs: the built-in classifier repackaged, a YOLO-style detector built here with the
``onnx`` helper API, and deliberately broken packs — every one reported with file and fix,
none of them touching what is already installed."""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kiosk.core.tasks.detection import DetectionResult
from kiosk.runtime.demos import DemoState, check_demo, discover, load_runner
from kiosk.runtime.onnx_model import sha256_of
from kiosk.runtime.pack_import import propose
from kiosk.runtime.packs import (
    InboxWatcher,
    InstallResult,
    Limits,
    PackError,
    PackInstaller,
    check_zip,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "demos" / "image-classification"
MODEL = ROOT / "models" / "mobilenet_v2_imagenet.onnx"

# ---------------------------------------------------------------------------- pack builders


def classifier_pack(parent: Path, pack_id: str = "my-classifier", version: str = "1.0.0",
                    edit: Callable[[str], str] = lambda t: t) -> Path:
    """The built-in classifier demo as a stand-alone pack (the model copied in, never linked:
    a test that damages the pack's model must not reach the real one)."""
    dest = parent / pack_id
    shutil.copytree(BUILTIN, dest)
    shutil.copyfile(MODEL, dest / MODEL.name)
    toml = (dest / "demo.toml").read_text(encoding="utf-8")
    toml = toml.replace('id = "image-classification"', f'id = "{pack_id}"')
    toml = toml.replace('version = "1.0.0"', f'version = "{version}"')
    (dest / "demo.toml").write_text(edit(toml), encoding="utf-8")
    return dest


def zip_folder(folder: Path, out: Path, top: bool = True) -> Path:
    """Zip a pack folder (with the folder itself as top-level entry, as Explorer does)."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder.parent if top else folder).as_posix()
            zf.write(path, rel)
    return out


def tree_digest(folder: Path) -> str:
    """A fingerprint of everything under ``folder`` (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(path.relative_to(folder).as_posix().encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


# Detector fixture: 64 x 64 input, classes person/dog, eight candidates (cx, cy, w, h, scores).
# Hand-worked expectations for a 128 x 64 frame (letterbox: scale 0.5, 16 px bars top/bottom)
# are in test_detection_pack_zero_config_import.
DET_NAMES = ["person", "dog"]
DET_CANDS = np.array([
    # cx  cy   w   h  person dog
    [20, 20, 10, 10, 0.90, 0.00],  # → person (30, 0, 50, 18)
    [21, 20, 10, 10, 0.80, 0.00],  # overlaps the first (IoU 0.82): suppressed
    [21, 20, 10, 10, 0.00, 0.70],  # same place, other class → dog (32, 0, 52, 18)
    [48, 40, 8, 16, 0.00, 0.60],   # → dog (88, 32, 104, 64)
    [30, 50, 4, 4, 0.10, 0.00],    # too weak
    [5, 5, 6, 6, 0.95, 0.00],      # inside the top grey bar: not in the picture
    [0, 0, 0, 0, 0.00, 0.00],      # two empty anchors: N = 8, so the shape (1, 6, 8) cannot
    [0, 0, 0, 0, 0.00, 0.00],      # be mistaken for the NMS-free (1, N, 6) layout
], dtype=np.float32)


def detector_onnx(path: Path, metadata: dict[str, str] | None = None, nc: int = 2,
                  layout: str = "yolov8") -> Path:
    """A real ONNX graph with the Ultralytics (1, 4+nc, N) output, or with ``layout="yolov5"``
    the original YOLOv5 (1, N, 5+nc) one (objectness 1).

    output = constant + mean(input) x k (the mean over C, H, W has shape (1,) and broadcasts),
    where k is 0 for box rows and 0.01 for score rows: boxes are exact, scores move a little
    with the picture, so the input really flows through the graph.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    cands = DET_CANDS if nc == 2 else np.concatenate(
        [DET_CANDS, np.zeros((len(DET_CANDS), nc - 2), np.float32)], 1)
    if layout == "yolov5":
        obj = np.ones((len(cands), 1), np.float32)
        base = np.concatenate([cands[:, :4], obj, cands[:, 4:]], 1)[None]  # (1, N, 5+nc)
        k = np.zeros_like(base)
        k[:, :, 5:] = 0.01
    else:
        base = cands.T[None].astype(np.float32)  # (1, 4+nc, N)
        k = np.zeros_like(base)
        k[:, 4:, :] = 0.01
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=0),
         helper.make_node("Mul", ["mean", "k"], ["wiggle"]),
         helper.make_node("Add", ["base", "wiggle"], ["output0"])],
        "tiny_yolo",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(base.shape))],
        [numpy_helper.from_array(base, "base"), numpy_helper.from_array(k, "k")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    meta = metadata if metadata is not None else {
        "author": "Ultralytics", "task": "detect", "stride": "32", "batch": "1",
        "imgsz": "[64, 64]", "names": "{0: 'person', 1: 'dog'}",
        "description": "tiny test detector", "version": "8.3.0",
        "license": "AGPL-3.0 License (https://ultralytics.com/license)"}
    for key, value in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def flat_classifier_onnx(path: Path, classes: int = 10) -> Path:
    """A classifier whose input is a flat vector (1, classes): wrong rank for pictures."""
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["logits"])], "flat",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, classes])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


@pytest.fixture
def installer(data_dir: Path) -> PackInstaller:
    return PackInstaller(data_dir)


@pytest.fixture
def frame() -> np.ndarray:
    """A 128 x 64 picture (wider than the 64 x 64 model input: letterboxed)."""
    rng = np.random.default_rng(7)
    return rng.integers(0, 255, (64, 128, 3), dtype=np.uint8)


# ---------------------------------------------------------------------------- good packs


def test_builtin_classifier_as_pack_folder_and_zip(tmp_path: Path, installer: PackInstaller,
                                                   data_dir: Path) -> None:
    folder = classifier_pack(tmp_path / "usb")
    report = validate(folder)
    assert report.ok, report.problems
    assert (report.pack_id, report.task, report.smoke["best"]) == (
        "my-classifier", "classification", "espresso")
    zipped = zip_folder(folder, tmp_path / "my-classifier.zip")
    assert validate(zipped).ok

    result = installer.install(zipped)
    assert result.ok, result.report.problems
    assert result.installed == data_dir / "packs" / "my-classifier"
    assert result.replaced_version is None
    assert not any((data_dir / "packs" / ".staging").iterdir())  # staging cleaned up
    infos = {i.id: i for i in installer.list()}
    assert infos["my-classifier"].state == "ready"
    assert infos["my-classifier"].source == "imported"
    assert infos["image-classification"].source == "builtin"
    # the registry sees it and runs it (real model, real photo)
    entry = next(e for e in discover([data_dir / "packs"]) if e.id == "my-classifier")
    assert entry.state is DemoState.READY

    # a newer version replaces it; the old one is kept for rollback
    newer = classifier_pack(tmp_path / "usb2", version="1.1.0")
    result = installer.install(newer)
    assert result.ok and result.replaced_version == "1.0.0"
    assert {i.id: i.version for i in installer.list()}["my-classifier"] == "1.1.0"
    assert {i.id: i.previous_version for i in installer.list()}["my-classifier"] == "1.0.0"
    assert "from 1.1.0 to 1.0.0" in installer.rollback("my-classifier")
    assert {i.id: i.version for i in installer.list()}["my-classifier"] == "1.0.0"

    assert "removed my-classifier 1.0.0" in installer.remove("my-classifier")
    infos = {i.id: i for i in installer.list()}
    assert infos["my-classifier"].state == "removed"
    assert not (data_dir / "packs" / "my-classifier").exists()
    assert "restored my-classifier 1.0.0" in installer.rollback("my-classifier")
    assert check_demo(data_dir / "packs" / "my-classifier").state is DemoState.READY


def test_remove_and_rollback_refuse_clearly(installer: PackInstaller) -> None:
    with pytest.raises(PackError, match="built-in demo") as exc:
        installer.remove("image-classification")
    assert not exc.value.usage
    with pytest.raises(PackError, match="no imported pack 'ghost'") as exc:
        installer.remove("ghost")
    assert exc.value.usage
    with pytest.raises(PackError, match="no earlier version of 'ghost'"):
        installer.rollback("ghost")


def test_pack_with_a_builtin_id_is_refused(tmp_path: Path, installer: PackInstaller) -> None:
    clash = classifier_pack(tmp_path, pack_id="image-classification")
    result = installer.install(clash)
    assert not result.ok
    assert any("is the id of a built-in demo" in str(p) and "-2" in p.fix
               for p in result.report.problems)
    assert validate(BUILTIN).ok  # the built-in folder itself is of course fine


def test_detection_pack_zero_config_import(tmp_path: Path, installer: PackInstaller,
                                           data_dir: Path, frame: np.ndarray) -> None:
    onnx_file = detector_onnx(tmp_path / "usb" / "tiny-yolo.onnx")
    prop = propose(onnx_file, title_de="Dinge finden")
    assert prop.ok, prop.problems
    assert prop.task == "detection" and prop.pack_id == "dinge-finden"
    import tomllib

    toml = tomllib.loads(prop.manifest)
    assert toml["params"]["size"] == [64, 64]
    assert toml["params"]["output_format"] == "yolov8"
    assert toml["models"]["main"] == {"file": "tiny-yolo.onnx", "sha256": sha256_of(onnx_file)}
    assert toml["title"] == {"de": "Dinge finden", "en": "Dinge finden"}
    assert "labels_en" not in toml["params"]  # names come from the model's metadata
    assert toml["about"]["licence"].startswith("AGPL-3.0")  # the model card, from metadata too
    assert toml["about"]["source"] == "Ultralytics 8.3.0 ONNX export (tiny-yolo.onnx)"

    result = installer.install(onnx_file, title_de="Dinge finden", title_en="Find things")
    assert result.ok, result.report.problems
    assert result.proposal is not None and result.report.task == "detection"
    assert result.report.smoke["boxes"] >= 0
    assert result.report.pack_id == "find-things"  # the id follows the English title
    entry = check_demo(data_dir / "packs" / "find-things")
    assert entry.state is DemoState.READY, entry.problems
    assert entry.manifest is not None and entry.manifest.title.en == "Find things"

    out, timings = load_runner(entry).process(frame)
    assert isinstance(out, DetectionResult) and set(timings) == {"preprocess", "model",
                                                                 "postprocess"}
    got = [(d.label_en, d.label_de, tuple(round(v, 3) for v in d.box)) for d in out.detections]
    assert got == [("person", "Person", (30.0, 0.0, 50.0, 18.0)),
                   ("dog", "Hund", (32.0, 0.0, 52.0, 18.0)),
                   ("dog", "Hund", (88.0, 32.0, 104.0, 64.0))]
    # scores are the constants plus up to 0.01 x mean(input): the picture flows through
    mean = 0.01 * float(np.mean(frame)) / 255  # rough: bars are grey 114
    assert [round(d.score, 1) for d in out.detections] == [0.9, 0.7, 0.6]
    assert 0.9 < out.detections[0].score <= 0.9 + 0.0101 and mean >= 0


def test_yolov5_repo_export_zero_config(tmp_path: Path, frame: np.ndarray) -> None:
    """The YOLOv5 repository writes only names and stride; the fixed input gives the size."""
    from kiosk.runtime.pack_import import write_pack

    model = detector_onnx(tmp_path / "v5" / "yolov5s.onnx", layout="yolov5",
                          metadata={"names": "{0: 'person', 1: 'dog'}", "stride": "32"})
    prop = propose(model)
    assert prop.ok, prop.problems
    assert 'output_format = "yolov5"' in prop.manifest and "size = [64, 64]" in prop.manifest
    assert "[about]" not in prop.manifest  # no licence in the metadata: no guessed model card
    pack = write_pack(prop, tmp_path / "pack")
    assert validate(pack).ok
    out, _ = load_runner(check_demo(pack)).process(frame)
    assert [tuple(round(v, 3) for v in d.box) for d in out.detections] == [
        (30.0, 0.0, 50.0, 18.0), (32.0, 0.0, 52.0, 18.0), (88.0, 32.0, 104.0, 64.0)]


def test_ultralytics_classifier_zero_config(tmp_path: Path) -> None:
    """A ``yolo export`` of a -cls model: probabilities out, names in the metadata."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from kiosk.runtime.pack_import import write_pack

    w = np.array([[2.0, 0.0, -1.0]], np.float32)  # mean brightness → three logits
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["images"], ["m"], axes=[1, 2, 3], keepdims=0),
         helper.make_node("Unsqueeze", ["m", "ax"], ["m2"]),
         helper.make_node("Mul", ["m2", "w"], ["z"]),
         helper.make_node("Softmax", ["z"], ["output0"], axis=1)],
        "tiny_cls",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 3])],
        [numpy_helper.from_array(w, "w"),
         numpy_helper.from_array(np.array([1], np.int64), "ax")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in {"task": "classify", "imgsz": "[32, 32]", "stride": "1",
                       "names": "{0: 'bright', 1: 'grey', 2: 'dark'}"}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    path = tmp_path / "usb" / "shades-cls.onnx"
    path.parent.mkdir()
    onnx.save(model, str(path))
    prop = propose(path, title_en="Shades")
    assert prop.ok, prop.problems
    import tomllib

    params = tomllib.loads(prop.manifest)["params"]
    assert params["activation"] == "none" and params["mean"] == [0.0, 0.0, 0.0]
    assert params["size"] == [32, 32] and params["resize_shorter"] == 32
    assert prop.write_files["labels_en.txt"] == "bright\ngrey\ndark\n"
    pack = write_pack(prop, tmp_path / "shades")
    report = validate(pack)
    assert report.ok, report.problems
    white = np.full((48, 64, 3), 255, np.uint8)
    out, _ = load_runner(check_demo(pack)).process(white)
    assert out.top[0].label_en == "bright"


def test_detection_pack_with_manifest_and_labels(tmp_path: Path, frame: np.ndarray) -> None:
    pack = tmp_path / "pets"
    detector_onnx(pack / "pets.onnx", metadata={})  # no metadata at all: the manifest says it
    (pack / "labels_en.txt").write_text("human\npuppy\n", encoding="utf-8")
    (pack / "labels_de.txt").write_text("Mensch\nWelpe\n", encoding="utf-8")
    (pack / "demo.toml").write_text(DETECTION_TOML.format(sha=sha256_of(pack / "pets.onnx")),
                                    encoding="utf-8")
    report = validate(pack)
    assert report.ok, report.problems
    out, _ = load_runner(check_demo(pack)).process(frame)
    assert [(d.label_en, d.label_de) for d in out.detections] == [
        ("human", "Mensch"), ("puppy", "Welpe"), ("puppy", "Welpe")]
    # a wrong class count in the labels is found before anything runs
    (pack / "labels_de.txt").write_text("Mensch\nWelpe\nKatze\n", encoding="utf-8")
    (pack / "labels_en.txt").write_text("human\npuppy\ncat\n", encoding="utf-8")
    problems = [str(p) for p in validate(pack).problems]
    assert any("labels_en.txt has 3 labels but the model has 2 classes" in p for p in problems)


DETECTION_TOML = """\
schema_version = 1
id = "pets"
version = "1.0.0"
task = "detection"

[title]
de = "Haustiere"
en = "Pets"

[subtitle]
de = "Findet Menschen und Welpen."
en = "Finds humans and puppies."

[how_it_works]
de = "Ein kleines Netz."
en = "A small network."

[models.main]
file = "pets.onnx"
sha256 = "{sha}"

[params]
size = [64, 64]
output_format = "yolov8"
score_threshold = 0.3
iou_threshold = 0.5
labels_en = "labels_en.txt"
labels_de = "labels_de.txt"
"""


def test_classifier_zero_config_from_onnx_and_labels(tmp_path: Path) -> None:
    folder = tmp_path / "cls"
    folder.mkdir()
    shutil.copyfile(MODEL, folder / "mobilenet.onnx")
    shutil.copyfile(BUILTIN / "labels_en.txt", folder / "labels.txt")
    prop = propose(folder)
    assert prop.ok, prop.problems
    import tomllib

    params = tomllib.loads(prop.manifest)["params"]
    assert prop.task == "classification"
    assert params["size"] == [224, 224] and params["resize_shorter"] == 256
    assert params["mean"] == [0.485, 0.456, 0.406] and params["labels_en"] == "labels.txt"
    assert params["activation"] == "softmax"  # logits, not probabilities
    assert prop.pack_id == "mobilenet"
    # without labels the importer cannot guess the classes and says what to add
    (folder / "labels.txt").unlink()
    bare = propose(folder / "mobilenet.onnx")
    assert not bare.ok and "labels.txt" in bare.problems[0].fix


# ---------------------------------------------------------------------------- broken packs


def _bad_toml(tmp: Path) -> tuple[Path, str]:
    p = classifier_pack(tmp, "bad-toml", edit=lambda t: t.replace("[title]", "[title"))
    return p, "bad-toml/demo.toml: is not valid TOML"


def _unknown_key(tmp: Path) -> tuple[Path, str]:
    p = classifier_pack(tmp, "unknown-key", edit=lambda t: "colour_scheme = 1\n" + t)
    return p, "bad-toml/demo.toml: colour_scheme: unknown key".replace("bad-toml", "unknown-key")


def _wrong_labels(tmp: Path) -> tuple[Path, str]:
    p = classifier_pack(tmp, "short-labels")
    lines = (p / "labels_en.txt").read_text(encoding="utf-8").splitlines()
    (p / "labels_en.txt").write_text("\n".join(lines[:999]), encoding="utf-8")
    return p, "short-labels/labels_en.txt: has 999 labels but the model has 1000 classes"


def _truncated(tmp: Path) -> tuple[Path, str]:
    p = classifier_pack(tmp, "truncated")
    (p / MODEL.name).unlink()  # a new file: never write through to another copy
    (p / MODEL.name).write_bytes(MODEL.read_bytes()[:4096])
    return p, "truncated/mobilenet_v2_imagenet.onnx: cannot be loaded"


def _wrong_rank(tmp: Path) -> tuple[Path, str]:
    p = classifier_pack(tmp, "flat-input")
    (p / MODEL.name).unlink()
    flat_classifier_onnx(p / "flat.onnx")
    (p / "labels_en.txt").write_text("\n".join(f"c{i}" for i in range(10)), encoding="utf-8")
    (p / "labels_de.txt").write_text("\n".join(f"k{i}" for i in range(10)), encoding="utf-8")
    toml = (p / "demo.toml").read_text(encoding="utf-8")
    toml = toml.replace('file = "mobilenet_v2_imagenet.onnx"', 'file = "flat.onnx"')
    toml = toml.replace("25b5a9eb78038208da186a8c8b0dd9b2f32fde7b75a7dc82b6195a03759f0e74",
                        sha256_of(p / "flat.onnx"))
    (p / "demo.toml").write_text(toml, encoding="utf-8")
    return p, "flat-input/flat.onnx: input x: has 2 dimensions [1, 10]"


def detector_pack(parent: Path, name: str) -> Path:
    """A small, valid detection pack folder (the importer's proposal for the tiny detector)."""
    from kiosk.runtime.pack_import import write_pack

    prop = propose(detector_onnx(parent / f"{name}-src" / "tiny.onnx"), title_en=name)
    return write_pack(prop, parent / name)


def _zip_with(entries: Callable[[zipfile.ZipFile], None]) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        src = detector_pack(tmp / "src", "zipped")
        out = zip_folder(src, tmp / "zipped.zip")
        with zipfile.ZipFile(out, "a") as zf:
            entries(zf)
        return out
    return build


def _dotdot(zf: zipfile.ZipFile) -> None:
    zf.writestr("zipped/../../evil.txt", "pwned")


def _absolute(zf: zipfile.ZipFile) -> None:
    zf.writestr("/etc/evil.txt", "pwned")


def _drive(zf: zipfile.ZipFile) -> None:
    zf.writestr("C:\\Windows\\evil.txt", "pwned")


def _symlink(zf: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("zipped/labels_link.txt")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, "/etc/passwd")


def _bomb(zf: zipfile.ZipFile) -> None:
    zf.writestr("zipped/padding.bin", b"\0" * (4 * 1024 * 1024),
                compress_type=zipfile.ZIP_DEFLATED)


ZIP_CASES = [
    ("dotdot", _dotdot, "zipped.zip: zipped/../../evil.txt: points outside the pack"),
    ("absolute", _absolute, "zipped.zip: /etc/evil.txt: is an absolute path"),
    ("drive", _drive, "is an absolute path"),
    ("symlink", _symlink, "zipped.zip: zipped/labels_link.txt: is a symbolic link"),
    ("bomb", _bomb, "zipped.zip: zipped/padding.bin: unpacks 1"),
]

FOLDER_CASES = [_bad_toml, _unknown_key, _wrong_labels, _truncated, _wrong_rank]


@pytest.fixture
def installed(tmp_path: Path, installer: PackInstaller, data_dir: Path) -> str:
    """A good pack already installed; broken imports must leave it exactly as it is."""
    assert installer.install(detector_pack(tmp_path / "good", "installed-before")).ok
    return tree_digest(data_dir / "packs")


def _assert_refused(result: InstallResult, needle: str, installer: PackInstaller,
                    data_dir: Path, before: str) -> None:
    assert not result.ok
    texts = [str(p) for p in result.report.problems]
    assert any(needle in t for t in texts), texts
    assert all(p.fix for p in result.report.problems)
    after = tree_digest(data_dir / "packs")
    assert after == before  # nothing installed was touched, no staging left behind
    assert [i.id for i in installer.list() if i.source == "imported"] == ["installed-before"]


@pytest.mark.parametrize("build", FOLDER_CASES, ids=lambda f: f.__name__.strip("_"))
def test_broken_folder_packs(build: Callable[[Path], tuple[Path, str]], tmp_path: Path,
                             installer: PackInstaller, installed: str, data_dir: Path) -> None:
    folder, needle = build(tmp_path / "usb")
    report = validate(folder)
    assert not report.ok
    assert any(needle in str(p) for p in report.problems), report.problems
    _assert_refused(installer.install(folder), needle, installer, data_dir, installed)


@pytest.mark.parametrize("name, add, needle", ZIP_CASES, ids=[c[0] for c in ZIP_CASES])
def test_unsafe_zips(name: str, add: Callable[[zipfile.ZipFile], None], needle: str,
                     tmp_path: Path, installer: PackInstaller, installed: str,
                     data_dir: Path) -> None:
    archive = _zip_with(add)(tmp_path / "usb")
    problems = [str(p) for p in check_zip(archive)]
    assert any(needle in p for p in problems), problems
    _assert_refused(installer.install(archive), needle, installer, data_dir, installed)
    assert not (tmp_path / "evil.txt").exists() and not (data_dir / "evil.txt").exists()


def test_oversized_file_and_too_many_entries(tmp_path: Path, data_dir: Path) -> None:
    folder = classifier_pack(tmp_path, "big")
    small = Limits(max_file_bytes=1024 * 1024, max_total_bytes=2 * 1024 * 1024)
    inst = PackInstaller(data_dir, limits=small)
    result = inst.install(folder)
    assert not result.ok
    text = [str(p) for p in result.report.problems]
    assert any(t.startswith("big/mobilenet_v2_imagenet.onnx: is 13.") and
               "(at most 1.0 MiB per file) — use a smaller model" in t for t in text), text
    assert any(t.startswith("big: holds 13.") and "(at most 2.0 MiB)" in t for t in text), text
    archive = zip_folder(folder, tmp_path / "big.zip")
    assert any("per file" in str(p) for p in check_zip(archive, small))
    assert any("entries" in str(p) for p in check_zip(archive, Limits(max_entries=3)))
    assert not (data_dir / "packs" / "big").exists()


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """A typo in the titles does not hide a wrong label count or a bad sha256."""
    def edit(t: str) -> str:
        t = t.replace('en = "What does the AI see?"', "")
        t = t.replace("25b5a9eb78", "0000000000")
        return "sparkle = true\n" + t

    folder = classifier_pack(tmp_path, "many-problems", edit=edit)
    (folder / "labels_de.txt").write_text("nur\nzwei\n", encoding="utf-8")
    problems = [str(p) for p in validate(folder).problems]
    for needle in ("title.en: missing or empty", "sparkle: unknown key",
                   "models.main.sha256: does not match",
                   "labels_de.txt: has 2 labels but the model has 1000 classes"):
        assert any(needle in p for p in problems), (needle, problems)


def test_referenced_files_must_stay_in_the_pack(tmp_path: Path) -> None:
    folder = classifier_pack(tmp_path, "sneaky", edit=lambda t: t.replace(
        'thumbnail = "thumbnail.jpg"', 'thumbnail = "../../secret.jpg"'))
    problems = [str(p) for p in validate(folder).problems]
    assert any("thumbnail" in p and "plain file name" in p for p in problems), problems


def test_symlink_in_a_folder_pack(tmp_path: Path, installer: PackInstaller) -> None:
    folder = classifier_pack(tmp_path, "linked")
    try:
        (folder / "extra.txt").symlink_to("/etc/hostname")
    except OSError:
        pytest.skip("no symlinks on this file system")
    result = installer.install(folder)
    assert not result.ok
    assert any("linked/extra.txt: is a symbolic link" in str(p) for p in result.report.problems)


def test_inbox_installs_stable_items_and_reports_failures(tmp_path: Path, data_dir: Path) -> None:
    inbox = data_dir / "inbox"
    inbox.mkdir()
    zip_folder(classifier_pack(tmp_path, "from-inbox"), inbox / "from-inbox.zip")
    _bad_toml(inbox)
    seen: list[InstallResult] = []
    watcher = InboxWatcher(data_dir, on_installed=seen.append)
    assert watcher.poll() == []  # first sighting: a copy might still be running
    results = watcher.poll()
    assert sorted(r.ok for r in results) == [False, True]
    assert [r.report.pack_id for r in seen] == ["from-inbox"]
    assert (data_dir / "packs" / "from-inbox" / "demo.toml").is_file()
    assert (inbox / "done" / "from-inbox.zip").is_file()
    assert "installed from-inbox 1.0.0" in (inbox / "done" / "from-inbox.zip.txt").read_text(
        encoding="utf-8")
    reasons = (inbox / "failed" / "bad-toml.txt").read_text(encoding="utf-8")
    assert "bad-toml/demo.toml: is not valid TOML" in reasons and "NOT installed" in reasons
    assert "bad-toml/demo.toml: ist kein gültiges TOML" in reasons  # staff read German too
    assert "wurde NICHT installiert" in reasons
    assert (inbox / "failed" / "bad-toml" / "demo.toml").is_file()
    assert watcher.candidates() == [] and watcher.poll() == []


def test_inbox_waits_while_an_item_is_still_growing(tmp_path: Path, data_dir: Path) -> None:
    inbox = data_dir / "inbox"
    inbox.mkdir()
    onnx_file = detector_onnx(inbox / "growing" / "tiny.onnx")
    watcher = InboxWatcher(data_dir)
    assert watcher.poll() == []
    (inbox / "growing" / "labels_de.txt").write_text("Mensch\nHund\n", encoding="utf-8")
    assert watcher.poll() == []  # it changed since the last look
    results = watcher.poll()
    assert [r.ok for r in results] == [True], results[0].report.problems
    assert results[0].report.pack_id == "tiny"  # named after the model file
    assert onnx_file.name in {p.name for p in (inbox / "done" / "growing").iterdir()}
