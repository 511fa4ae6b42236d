"""``kiosk packs …`` as IT uses it: a real subprocess per command, exit codes, JSON output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.unit.test_packs import classifier_pack, detector_onnx, zip_folder


def packs(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    cmd = [sys.executable, "-m", "kiosk"]
    return subprocess.run(
        [*cmd, "packs", *args, "--data-dir", str(data_dir)], capture_output=True, text=True,
        timeout=120, env=env, check=False, cwd=ROOT)


def no_traceback(out: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout


def test_validate_exit_codes_and_messages(tmp_path: Path, data_dir: Path) -> None:
    good = classifier_pack(tmp_path, "usb-classifier")
    out = packs("validate", str(good), data_dir=data_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("VALID  usb-classifier 1.0.0 (classification)")

    lines = (good / "labels_de.txt").read_text(encoding="utf-8").splitlines()
    (good / "labels_de.txt").write_text("\n".join(lines[:10]), encoding="utf-8")
    bad = packs("validate", str(good), "--json", data_dir=data_dir)
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["valid"] is False
    assert report["problems"][0]["file"] == "usb-classifier/labels_de.txt"
    assert "10 labels but the model has 1000 classes" in report["problems"][0]["message"]
    assert report["problems"][0]["fix"]
    human = packs("validate", str(good), data_dir=data_dir)
    assert human.returncode == 1 and "INVALID  usb-classifier: 1 problem" in human.stdout
    no_traceback(human)

    missing = packs("validate", str(tmp_path / "nope"), data_dir=data_dir)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [f"kiosk: {tmp_path / 'nope'} does not exist"]


def test_import_list_remove_rollback(tmp_path: Path, data_dir: Path) -> None:
    archive = zip_folder(classifier_pack(tmp_path / "usb", "usb-classifier"),
                         tmp_path / "usb-classifier.zip")
    out = packs("import", str(archive), data_dir=data_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("installed usb-classifier 1.0.0 (classification)")

    model = detector_onnx(tmp_path / "stick" / "yolo-tiny.onnx")
    out = packs("import", str(model), "--title-de", "Dinge finden", "--title-en", "Find things",
                "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stdout + out.stderr
    result = json.loads(out.stdout)
    assert (result["installed"], result["id"], result["task"]) == (True, "find-things",
                                                                   "detection")
    assert 'task = "detection"' in result["proposal"]["manifest"]

    listed = {p["id"]: p for p in json.loads(packs("list", "--json", data_dir=data_dir).stdout)}
    assert listed["usb-classifier"]["state"] == "ready"
    assert listed["usb-classifier"]["source"] == "imported"
    assert listed["find-things"]["version"] == "1.0.0"
    assert listed["image-classification"]["source"] == "builtin"

    out = packs("remove", "usb-classifier", data_dir=data_dir)
    assert out.returncode == 0 and "removed usb-classifier 1.0.0" in out.stdout
    table = packs("list", data_dir=data_dir).stdout
    assert "usb-classifier" in table and "removed" in table
    out = packs("rollback", "usb-classifier", data_dir=data_dir)
    assert out.returncode == 0 and "restored usb-classifier 1.0.0" in out.stdout

    for args, code, needle in [
        (("remove", "ghost"), 2, "no imported pack 'ghost'"),
        (("remove", "image-classification"), 1, "is a built-in demo"),
        (("rollback", "ghost"), 1, "no earlier version of 'ghost'"),
    ]:
        out = packs(*args, data_dir=data_dir)
        assert out.returncode == code, (args, out.stderr)
        assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1
        no_traceback(out)


@pytest.mark.parametrize("entry", ["usb/../../evil.txt", "/etc/evil.txt"])
def test_unsafe_zip_is_refused_and_changes_nothing(entry: str, tmp_path: Path,
                                                   data_dir: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("usb/demo.toml", "schema_version = 1\n")
        zf.writestr(entry, "pwned")
    out = packs("import", str(archive), data_dir=data_dir)
    assert out.returncode == 1
    assert f"evil.zip: {entry}:" in out.stdout and "rebuild the zip" in out.stdout
    no_traceback(out)
    assert not (data_dir / "packs" / "usb").exists() and not (tmp_path / "evil.txt").exists()


def test_dry_run_shows_the_proposed_manifest(tmp_path: Path, data_dir: Path) -> None:
    model = detector_onnx(tmp_path / "yolo-tiny.onnx")
    out = packs("import", str(model), "--dry-run", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert 'id = "yolo-tiny"' in out.stdout and "output_format = " in out.stdout
    assert not (data_dir / "packs" / "yolo-tiny").exists()
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    out = packs("import", str(tmp_path / "notes.txt"), data_dir=data_dir)
    assert out.returncode == 1 and "notes.txt: is not a pack" in out.stdout
