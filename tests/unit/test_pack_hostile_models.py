"""Hostile models (issue 12, items 2 and 5): a model that never finishes or eats gigabytes is
refused within its time and memory limits, in a child process, without holding the pack lock
for good; external weights must stay inside the pack and be covered by its checksums."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from kiosk.runtime.packs import InboxWatcher, Limits, PackInstaller, validate

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "demos" / "image-classification"
FAST = Limits(smoke_seconds=5.0, smoke_memory_bytes=1024**3)


def _classifier_io() -> tuple[onnx.ValueInfoProto, onnx.ValueInfoProto]:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1000])
    return x, y


def endless_loop_model(path: Path, trips: int = 10**12) -> Path:
    """A classifier-shaped model whose Loop runs ``trips`` times before giving its scores."""
    x, y = _classifier_io()
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Add", ["v_in", "one"], ["v_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [1])],
        [numpy_helper.from_array(np.ones(1, np.float32), "one")])
    pooled = [helper.make_node("ReduceMean", ["x"], ["m"], keepdims=0),
              helper.make_node("Loop", ["trips", "cond", "m"], ["v"], body=body),
              helper.make_node("Add", ["zeros", "v"], ["logits"])]
    graph = helper.make_graph(
        pooled, "endless", [x], [y],
        [numpy_helper.from_array(np.array(trips, np.int64), "trips"),
         numpy_helper.from_array(np.array(True), "cond"),
         numpy_helper.from_array(np.zeros((1, 1000), np.float32), "zeros")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def greedy_model(path: Path, gigabytes: float = 4.0) -> Path:
    """A classifier-shaped model that tiles its input to ``gigabytes`` for every frame."""
    x, y = _classifier_io()
    copies = int(gigabytes * 1024**3 / (3 * 224 * 224 * 4))
    graph = helper.make_graph(
        [helper.make_node("Tile", ["x", "reps"], ["big"]),
         helper.make_node("ReduceMean", ["big"], ["m"], keepdims=0),
         helper.make_node("Add", ["zeros", "m"], ["logits"])],
        "greedy", [x], [y],
        [numpy_helper.from_array(np.array([copies, 1, 1, 1], np.int64), "reps"),
         numpy_helper.from_array(np.zeros((1, 1000), np.float32), "zeros")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def pack_with_model(parent: Path, model: Path, pack_id: str = "hostile-model") -> Path:
    """The built-in classifier's texts and labels around ``model``."""
    dest = parent / pack_id
    shutil.copytree(BUILTIN, dest)
    shutil.copyfile(model, dest / "model.onnx")
    sha = hashlib.sha256((dest / "model.onnx").read_bytes()).hexdigest()
    toml = (dest / "demo.toml").read_text(encoding="utf-8")
    toml = toml.replace('id = "image-classification"', f'id = "{pack_id}"')
    toml = toml.replace('file = "mobilenet_v2_imagenet.onnx"', 'file = "model.onnx"')
    toml = re.sub(r'sha256 = "[0-9a-f]{64}"', f'sha256 = "{sha}"', toml, count=1)
    toml = toml.replace('card = "mobilenet_v2_imagenet.md"\n', "")
    (dest / "demo.toml").write_text(toml, encoding="utf-8")
    return dest


# -- 12.2 never-ending and greedy models ------------------------------------------------------


def test_a_model_that_never_finishes_is_stopped_and_refused(tmp_path: Path) -> None:
    pack = pack_with_model(tmp_path, endless_loop_model(tmp_path / "endless.onnx"))
    t0 = time.monotonic()
    report = validate(pack, limits=FAST)
    took = time.monotonic() - t0
    assert not report.ok
    assert any("did not finish within 5 s" in str(p) for p in report.problems), report.problems
    assert took < 20


def test_a_model_eating_gigabytes_per_frame_is_refused(tmp_path: Path) -> None:
    pack = pack_with_model(tmp_path, greedy_model(tmp_path / "greedy.onnx", gigabytes=4.0))
    report = validate(pack, limits=FAST)
    assert not report.ok
    assert any("memory" in str(p) for p in report.problems), report.problems


def test_a_hanging_install_does_not_hold_the_pack_lock_for_good(tmp_path: Path) -> None:
    data = tmp_path / "data"
    installer = PackInstaller(data, limits=FAST)
    endless = pack_with_model(tmp_path / "src", endless_loop_model(tmp_path / "e.onnx"))
    results: list[bool] = []
    worker = threading.Thread(target=lambda: results.append(installer.install(endless).ok))
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and results == [False]
    # the lock is free again: a listing (which takes it for recovery) and removal work
    assert [i for i in installer.list() if i.id == "hostile-model"] == []


def test_an_inbox_item_that_stopped_the_kiosk_is_set_aside_on_the_next_start(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    item = pack_with_model(inbox, endless_loop_model(tmp_path / "e.onnx"))
    # what the watcher leaves behind when the kiosk is killed while installing the item
    (inbox / ".installing").write_text(item.name, encoding="utf-8")
    watcher = InboxWatcher(data, installer=PackInstaller(data, limits=FAST))
    t0 = time.monotonic()
    watcher.poll()
    assert time.monotonic() - t0 < 5  # not tried again
    assert not item.exists()
    failed = inbox / "failed" / item.name
    assert failed.is_dir()
    note = (inbox / "failed" / f"{item.name}.txt").read_text(encoding="utf-8")
    assert "stopped while installing" in note


def test_inbox_failure_of_a_slow_model_is_recorded_with_its_reason(tmp_path: Path) -> None:
    data = tmp_path / "data"
    inbox = data / "inbox"
    inbox.mkdir(parents=True)
    item = pack_with_model(inbox, endless_loop_model(tmp_path / "e.onnx"))
    watcher = InboxWatcher(data, installer=PackInstaller(data, limits=FAST))
    watcher.poll()  # first sight: waits until the item stops changing
    (result,) = watcher.poll()
    assert not result.ok
    note = (inbox / "failed" / f"{item.name}.txt").read_text(encoding="utf-8")
    assert "did not finish" in note
    assert not (inbox / ".installing").exists()


def test_zero_config_import_of_a_never_ending_model_is_stopped(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    endless_loop_model(stick / "endless.onnx")
    shutil.copyfile(BUILTIN / "labels_en.txt", stick / "labels.txt")
    t0 = time.monotonic()
    result = PackInstaller(tmp_path / "data", limits=FAST).install(stick / "endless.onnx")
    assert not result.ok
    assert any("did not finish" in str(p) for p in result.report.problems)
    assert time.monotonic() - t0 < 20


# -- 12.5 external weights stay inside the pack and under its checksums ----------------------


def external_model(folder: Path, location: str = "weights.bin") -> Path:
    """A classifier-shaped model whose 1000 class offsets live in an external file."""
    x, y = _classifier_io()
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x"], ["m"], keepdims=0),
         helper.make_node("Add", ["offsets", "m"], ["logits"])],
        "external", [x], [y],
        [numpy_helper.from_array(np.linspace(0, 1, 1000, dtype=np.float32)[None], "offsets")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "model.onnx", save_as_external_data=True,
              all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
    if location != "weights.bin":  # point the tensor somewhere else, as a hostile pack would
        m = onnx.load(folder / "model.onnx", load_external_data=False)
        for entry in m.graph.initializer[0].external_data:
            if entry.key == "location":
                entry.value = location
        onnx.save(m, folder / "model.onnx")
    return folder / "model.onnx"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _declare(pack: Path, files: dict[str, str]) -> None:
    lines = "".join(f'"{k}" = "{v}"\n' for k, v in files.items())
    toml = (pack / "demo.toml").read_text(encoding="utf-8")
    (pack / "demo.toml").write_text(
        toml.replace("[params]", f"[models.main.data]\n{lines}\n[params]"), encoding="utf-8")


def test_the_walker_finds_what_onnx_itself_calls_external(tmp_path: Path) -> None:
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    from kiosk.runtime.onnx_external import model_external_refs

    path = endless_loop_model(tmp_path / "loop.onnx")
    m = onnx.load(path)
    onnx.save(m, tmp_path / "ext.onnx", save_as_external_data=True, location="w.bin",
              size_threshold=0, all_tensors_to_one_file=True)
    saved = onnx.load(tmp_path / "ext.onnx", load_external_data=False)
    expected = {t.name for t in _get_all_tensors(saved) if uses_external_data(t)}
    assert "one" in expected  # the Loop body's initializer, one graph down
    found = model_external_refs(tmp_path / "ext.onnx")
    assert {r.tensor for r in found} == expected
    assert {r.location for r in found} == {"w.bin"}
    assert model_external_refs(path) == []


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/weights.bin",
                                      "..\\\\secret.bin", ""])
def test_external_weights_outside_the_pack_are_refused(tmp_path: Path, location: str) -> None:
    src = tmp_path / "src"
    model = external_model(src, location)
    pack = pack_with_model(tmp_path, model)
    shutil.copyfile(src / "weights.bin", pack / "weights.bin")
    report = validate(pack, limits=FAST)
    assert not report.ok
    assert any(p.field == "external data" for p in report.problems), report.problems
    assert report.smoke == {}  # the model was never handed to onnxruntime


def test_external_weights_must_be_covered_by_the_pack_checksums(tmp_path: Path) -> None:
    src = tmp_path / "src"
    model = external_model(src)
    pack = pack_with_model(tmp_path, model)
    shutil.copyfile(src / "weights.bin", pack / "weights.bin")
    report = validate(pack, limits=FAST)
    assert any("no sha256" in str(p) for p in report.problems), report.problems
    _declare(pack, {"weights.bin": _sha(pack / "weights.bin")})
    report = validate(pack, limits=FAST)
    assert report.ok, report.problems
    # installed, then the weights change: discovery shows the pack broken
    data = tmp_path / "data"
    assert PackInstaller(data, limits=FAST).install(pack).ok
    weights = data / "packs" / "hostile-model" / "weights.bin"
    weights.write_bytes(weights.read_bytes()[::-1])
    info = {i.id: i for i in PackInstaller(data).list()}["hostile-model"]
    assert info.state == "error"
    assert any("weights.bin does not match" in r for r in info.reasons), info.reasons


def test_linked_external_weights_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "src"
    model = external_model(src)
    pack = pack_with_model(tmp_path, model)
    (pack / "weights.bin").symlink_to(src / "weights.bin")
    _declare(pack, {"weights.bin": _sha(src / "weights.bin")})
    report = validate(pack, limits=FAST)
    assert not report.ok
    assert report.smoke == {}


def test_zero_config_import_copies_and_covers_external_weights(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    external_model(stick)
    shutil.copyfile(BUILTIN / "labels_en.txt", stick / "labels.txt")
    data = tmp_path / "data"
    result = PackInstaller(data, limits=FAST).install(stick / "model.onnx")
    assert result.ok, result.report.problems
    assert result.installed is not None
    assert (result.installed / "weights.bin").read_bytes() == (stick / "weights.bin").read_bytes()
    assert _sha(stick / "weights.bin") in (result.installed / "demo.toml").read_text("utf-8")


def test_zero_config_import_refuses_weights_outside_the_folder(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    external_model(stick, "../secret.bin")
    shutil.copyfile(BUILTIN / "labels_en.txt", stick / "labels.txt")
    result = PackInstaller(tmp_path / "data", limits=FAST).install(stick / "model.onnx")
    assert not result.ok
    assert any(p.field == "external data" for p in result.report.problems)
