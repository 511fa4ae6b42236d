"""Demo discovery: broken demos are data with reasons; they never hide working ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.runtime.demos import DemoState, check_demo, discover, load_runner
from kiosk.runtime.onnx_model import ModelLoadError

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "demos" / "image-classification"
MODEL = ROOT / "models" / "mobilenet_v2_imagenet.onnx"


def clone(tmp: Path, name: str, edit: str = "", drop: str = "") -> Path:
    """A copy of the built-in classifier demo under a new id, with ``edit`` applied."""
    dest = tmp / name
    shutil.copytree(GOOD, dest)
    toml = (dest / "demo.toml").read_text(encoding="utf-8")
    toml = toml.replace('id = "image-classification"', f'id = "{name}"')
    if drop:
        toml = "\n".join(line for line in toml.splitlines() if not line.startswith(drop))
    (dest / "demo.toml").write_text(toml + "\n" + edit, encoding="utf-8")
    return dest


def test_built_in_demos_are_ready() -> None:
    entries = discover([ROOT / "demos"])
    assert entries and all(e.state is DemoState.READY for e in entries), [
        (e.id, e.problems) for e in entries]


def test_broken_demos_are_reported_and_others_still_load(tmp_path: Path) -> None:
    clone(tmp_path, "unknown-key", edit="colour_scheme = 1\n")
    clone(tmp_path, "no-labels").joinpath("labels_de.txt").unlink()
    clone(tmp_path, "no-thumb").joinpath("thumbnail.jpg").unlink()
    (tmp_path / "bad-toml").mkdir()
    (tmp_path / "bad-toml" / "demo.toml").write_text("id = = 3", encoding="utf-8")
    clone(tmp_path, "ok-copy")
    entries = {e.id: e for e in discover([tmp_path])}
    assert entries["ok-copy"].state is DemoState.READY
    for broken, needle in [("unknown-key", "colour_scheme"), ("no-labels", "labels_de.txt"),
                           ("no-thumb", "thumbnail"), ("bad-toml", "not valid TOML")]:
        assert entries[broken].state is DemoState.ERROR
        assert any(needle in str(p) for p in entries[broken].problems), entries[broken].problems


def test_duplicate_ids_are_flagged(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    clone(a, "same")
    clone(b, "same")
    entries = discover([a, b])
    assert [e.state for e in entries].count(DemoState.ERROR) == 1


def test_wrong_label_count_is_caught_when_loading(tmp_path: Path) -> None:
    demo = clone(tmp_path, "short-labels")
    lines = (demo / "labels_en.txt").read_text(encoding="utf-8").splitlines()
    (demo / "labels_en.txt").write_text("\n".join(lines[:999]), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="999 labels but the model has 1000"):
        load_runner(check_demo(demo))


def test_altered_and_truncated_models_are_refused(tmp_path: Path) -> None:
    demo = clone(tmp_path, "truncated")
    (demo / MODEL.name).write_bytes(MODEL.read_bytes()[:5000])
    entry = check_demo(demo)  # discovery already sees the change (issue 13.5)
    assert entry.state is DemoState.ERROR
    with pytest.raises(ModelLoadError, match="has changed"):
        load_runner(entry)
    entry.problems.clear()  # as if it had changed after discovery
    with pytest.raises(ModelLoadError, match="has changed"):
        load_runner(entry)
    with pytest.raises(ModelLoadError, match="cannot be loaded"):
        load_runner(entry, verify=False)


def test_missing_model(tmp_path: Path) -> None:
    demo = clone(tmp_path, "no-model", edit="", drop="file = ")
    text = (demo / "demo.toml").read_text(encoding="utf-8")
    text = text.replace("[models.main]", '[models.main]\nfile = "gone.onnx"')
    (demo / "demo.toml").write_text(text, encoding="utf-8")
    entry = check_demo(demo)
    assert entry.state is DemoState.ERROR
    assert any("gone.onnx not found" in str(p) for p in entry.problems)


def test_a_single_demo_self_test_skips_the_program_checks() -> None:
    from kiosk.core.paths import demos_dir
    from kiosk.runtime.demos import discover
    from kiosk.runtime.headless import self_test

    entries = [e for e in discover([demos_dir()]) if e.id == "draw-digit"]
    names = [c.name for c in self_test(entries, platform=False)]
    assert names == ["assets.sample_media", "demo.draw-digit"]


def test_sample_media_comes_from_the_pack_or_the_built_in_samples(tmp_path: Path) -> None:
    def with_samples(name: str, names: str) -> Path:
        folder = clone(tmp_path, name)
        toml = folder / "demo.toml"
        lines = [f"sample_media = {names}" if line.startswith("sample_media") else line
                 for line in toml.read_text(encoding="utf-8").splitlines()]
        toml.write_text("\n".join(lines), encoding="utf-8")
        return folder

    own = with_samples("own-sample", '["mine.jpg", "04-astronaut.jpg"]')
    shutil.copy(ROOT / "assets" / "sample" / "03-rocket.jpg", own / "mine.jpg")
    with_samples("missing-sample", '["nowhere.jpg"]')
    with_samples("not-a-picture", '["demo.toml"]')
    entries = {e.id: e for e in discover([tmp_path])}
    assert entries["own-sample"].state is DemoState.READY
    assert entries["own-sample"].sample_paths() == [
        own / "mine.jpg", ROOT / "assets" / "sample" / "04-astronaut.jpg"]
    for broken in ("missing-sample", "not-a-picture"):
        assert entries[broken].state is DemoState.ERROR
        assert any("sample_media" in str(p) for p in entries[broken].problems)


def test_camera_demos_name_the_sample_that_shows_them_best() -> None:
    entries = {e.id: e for e in discover([ROOT / "demos"])}
    assert entries["face-privacy"].sample_paths()[0].name == "04-astronaut.jpg"
    assert entries["ai-reads"].sample_paths()[0].name == "05-sign.jpg"
    for body in ("body-pose", "magic-background"):  # a real person in front of the camera
        assert entries[body].sample_paths()[0].name == "04-astronaut.jpg"
