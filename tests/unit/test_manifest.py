"""demo.toml parsing: the built-in demos are valid; broken ones report every problem."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.manifest import load_manifest, parse_manifest

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "demos" / "image-classification"


def good_data() -> dict[str, Any]:
    return tomllib.loads((GOOD / "demo.toml").read_text(encoding="utf-8"))


def test_built_in_demos_parse() -> None:
    for folder in sorted((ROOT / "demos").iterdir()):
        if (folder / "demo.toml").exists():
            manifest, problems = load_manifest(folder)
            assert problems == [], problems
            assert manifest is not None and manifest.id == folder.name


def test_every_problem_is_reported_at_once() -> None:
    data = good_data()
    data["colour_scheme"] = "dark"  # unknown key
    data["id"] = "Bad ID!"
    del data["title"]["en"]
    data["models"]["main"]["sha256"] = "abc"
    data["task"] = "telepathy"
    manifest, problems = parse_manifest(data, "x/demo.toml", GOOD)
    assert manifest is None
    fields = {p.field for p in problems}
    assert {"colour_scheme", "id", "title.en", "models.main.sha256", "task"} <= fields
    assert all(p.fix for p in problems)
    assert "x/demo.toml: id:" in str(next(p for p in problems if p.field == "id"))


def test_model_file_must_stay_inside_the_pack() -> None:
    data = good_data()
    data["models"]["main"]["file"] = "../../etc/model.onnx"
    _, problems = parse_manifest(data, "x/demo.toml", GOOD)
    assert [p.field for p in problems] == ["models.main.file"]


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    manifest, problems = load_manifest(tmp_path)
    assert manifest is None and "not found" in problems[0].message
    (tmp_path / "demo.toml").write_text('id = "x"\ntitle = {de = "a"', encoding="utf-8")
    manifest, problems = load_manifest(tmp_path)
    assert manifest is None and "not valid TOML" in problems[0].message
    (tmp_path / "demo.toml").write_bytes(b"\xff\xfe bad")
    _, problems = load_manifest(tmp_path)
    assert "UTF-8" in problems[0].message


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=3),
    max_leaves=10,
)


@given(st.dictionaries(st.sampled_from([*sorted(good_data()), "zzz"]), toml_values, max_size=8))
def test_parser_never_raises(data: dict[str, Any]) -> None:
    manifest, problems = parse_manifest(data, "p/demo.toml", GOOD)
    assert (manifest is None) == bool(problems)


@given(st.sampled_from(sorted(good_data())))
def test_dropping_any_required_key_is_reported(key: str) -> None:
    data = good_data()
    del data[key]
    manifest, _problems = parse_manifest(data, "p/demo.toml", GOOD)
    optional = {"version", "thumbnail", "order", "needs_camera", "params", "about",
                "sample_media"}
    assert (manifest is None) == (key not in optional)


def test_files_named_in_the_manifest_stay_inside_the_demo_folder() -> None:
    data = good_data()
    data["thumbnail"] = "../../secret.png"
    data["params"]["labels_de"] = "../labels.txt"
    manifest, problems = parse_manifest(data, "x/demo.toml", GOOD)
    assert [p.field for p in problems] == ["thumbnail"]
    from kiosk.runtime.tasks import task_kind

    data["thumbnail"] = "thumbnail.jpg"
    manifest, _ = parse_manifest(data, "x/demo.toml", GOOD)
    assert manifest is not None
    kind = task_kind("classification")
    assert kind is not None
    assert [p.field for p in kind.check(manifest)] == ["params.labels_de"]


def test_sample_media_takes_plain_picture_names() -> None:
    data = good_data()
    data["sample_media"] = "sample.jpg"
    manifest, problems = parse_manifest(data, "x/demo.toml", GOOD)
    assert problems == [] and manifest is not None and manifest.sample_media == ("sample.jpg",)
    for bad, needle in [(["../secret.jpg"], "plain file name"), ([3], "plain file name"),
                        ({"a": 1}, "picture name"), (["a.jpg"] * 9, "up to 8")]:
        data["sample_media"] = bad
        manifest, problems = parse_manifest(data, "x/demo.toml", GOOD)
        assert manifest is None and [p.field for p in problems] == ["sample_media"], bad
        assert needle in problems[0].message
