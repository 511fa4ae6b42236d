"""Pack problems in both languages: the catalog is complete, and problems render in each."""

from __future__ import annotations

import ast
import pickle
import string
from pathlib import Path

import pytest

from kiosk.core.i18n import Text
from kiosk.core.manifest import ManifestProblem, load_manifest, parse_manifest
from kiosk.core.problem_texts import PROBLEM_TEXTS
from kiosk.core.problems import FILE_KINDS, PLACE_TEXTS, msg, place
from kiosk.core.safe_read import FileRefused, read_text_bounded
from kiosk.runtime.isolated import IsolatedTimeout
from kiosk.runtime.onnx_model import ModelLoadError, check_sha256
from kiosk.runtime.pack_import import problem_json

ROOT = Path(__file__).resolve().parents[2]
# Keys only ever built from parts (``key += ".proposed"`` in InstallResult.summary_msg).
COMPOSED = {"install.done.proposed", "install.replaced.proposed"}
# Pure placeholders: the value carries its own (technical) explanation.
SAME_IN_BOTH = {"detail"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_every_problem_text_has_both_languages_and_the_same_placeholders() -> None:
    for key, text in PROBLEM_TEXTS.items():
        assert text.de.strip() and text.en.strip(), key
        assert _fields(text.de) == _fields(text.en), key
        assert "" not in _fields(text.de), f"{key}: positional placeholder"
        if key not in SAME_IN_BOTH:
            assert text.de != text.en, f"{key}: German not written yet"
        values = {name: "X" for name in _fields(text.en)}
        text.format(**values)  # no stray brace


def test_places_and_file_kinds_have_both_languages() -> None:
    for table in (PLACE_TEXTS, FILE_KINDS):
        for key, text in table.items():
            assert text.de.strip() and text.en.strip() and text.de != text.en, key
    assert place("smoke run", "de") == "Probelauf" and place("smoke run", "en") == "smoke run"
    assert place("input images", "de") == "Eingang images"
    assert place("models.main.sha256", "de") == "models.main.sha256"  # a field stays as written


def _keys_in_code() -> tuple[set[str], set[str]]:
    """(keys passed to msg(), every string literal) in the kiosk package, outside the
    catalog itself."""
    called: set[str] = set()
    literals: set[str] = set()
    for path in (ROOT / "kiosk").rglob("*.py"):
        if path.name == "problem_texts.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "msg" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                called.add(str(node.args[0].value))
    return called, literals


def test_every_key_in_the_code_is_in_the_catalog_and_every_entry_is_used() -> None:
    called, literals = _keys_in_code()
    assert called, "found no msg() calls: the scan is broken"
    assert called - set(PROBLEM_TEXTS) == set()
    unused = set(PROBLEM_TEXTS) - literals - COMPOSED
    assert unused == set(), unused
    with pytest.raises(KeyError):
        msg("no.such.key")


def test_a_broken_manifest_reads_in_german_and_stays_english_for_the_cli(
        tmp_path: Path) -> None:
    data = {"schema_version": 1, "id": "Bad ID!", "task": "telepathy", "colour": 1}
    _, problems = parse_manifest(data, "x/demo.toml", tmp_path)
    by_field = {p.field: p for p in problems}
    bad_id = by_field["id"]
    assert str(bad_id) == ("x/demo.toml: id: 'Bad ID!' is not a valid demo id — use 2–48 "
                           'lower-case letters, digits and dashes, e.g. id = "my-demo"')
    assert bad_id.text("de") == (
        "x/demo.toml: id: 'Bad ID!' ist keine gültige Demo-ID — Nimm 2–48 Kleinbuchstaben, "
        'Ziffern und Bindestriche, z. B. id = "meine-demo"')
    assert by_field["[title]"].text("de").endswith(
        'Füge eine Tabelle [title] mit de = "…" und en = "…" hinzu')
    assert bad_id.both() == Text(bad_id.text("de"), str(bad_id))
    as_json = problem_json(bad_id)
    assert as_json["message"] == "'Bad ID!' is not a valid demo id"  # unchanged keys stay English
    assert as_json["key"] == "id.bad" and as_json["de"] == bad_id.text("de")


def test_refused_files_and_failed_models_carry_both_languages(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as refused:
        read_text_bounded(tmp_path / "labels.txt", what="Labels file")
    assert str(refused.value) == "Labels file labels.txt is missing."
    assert refused.value.msg.text("de") == "Die Label-Datei labels.txt fehlt."
    (tmp_path / "demo.toml").write_bytes(b"\xff\xfe not text")
    _, problems = load_manifest(tmp_path)
    assert problems[0].text("de").endswith("ist kein UTF-8-Text — Speichere sie als UTF-8")

    model = tmp_path / "model.onnx"
    model.write_bytes(b"not a model")
    with pytest.raises(ModelLoadError) as failed:
        check_sha256(model, "0" * 64)
    assert str(failed.value).startswith("Model file model.onnx has changed (sha256 ")
    assert failed.value.msg.text("de").startswith("Modelldatei model.onnx: wurde verändert")
    assert failed.value.short.text("en").startswith("has changed")


def test_problems_and_errors_cross_a_process_boundary_whole() -> None:
    """Pack checks run in a child process; what comes back must keep both languages."""
    problem = ManifestProblem("p/demo.toml", "smoke run", msg("smoke.not_finite"),
                              msg("smoke.fix.check"))
    assert pickle.loads(pickle.dumps(problem)) == problem
    assert problem.text("de").startswith("p/demo.toml: Probelauf: Die Ausgabe enthält NaN")
    for exc in (FileRefused(msg("read.missing", what=FILE_KINDS["File"], name="a")),
                ModelLoadError(msg("model.cannot_load", detail="boom")),
                IsolatedTimeout(msg("isolated.timeout", what="x", seconds=3))):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc)
        assert back.msg.text("de") == exc.msg.text("de")  # type: ignore[attr-defined]
