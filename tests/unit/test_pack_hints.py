"""Pack problem hints that help: "did you mean …?" for a typo, and advice that fits."""

from __future__ import annotations

import tomllib
from pathlib import Path

from kiosk.core.manifest import parse_manifest
from kiosk.core.paths import demos_dir
from kiosk.core.tasks import classification as cls
from kiosk.runtime.demos import MAX_THUMBNAIL_BYTES, thumbnail_problem


def test_a_misspelt_param_gets_a_did_you_mean_in_both_languages() -> None:
    _, problems = cls.read_params({"topk": 3}, "x/demo.toml")
    (p,) = problems
    assert p.field == "params.topk"
    assert "did you mean top_k?" in p.how.text("en")
    assert "Meintest du top_k?" in p.how.text("de")
    assert "known:" in p.how.text("en")  # the whole list stays, for a real mix-up


def test_a_key_like_no_other_gets_the_list_only() -> None:
    _, problems = cls.read_params({"speed": 2}, "x/demo.toml")
    (p,) = problems
    assert "did you mean" not in p.how.text("en") and "top_k" in p.how.text("en")


def test_a_misspelt_top_level_and_model_key_get_a_guess() -> None:
    folder = demos_dir() / "image-classification"
    data = tomllib.loads((folder / "demo.toml").read_text(encoding="utf-8"))
    data["thumbnial"] = data.pop("thumbnail")
    model = next(iter(data["models"].values()))
    model["sha265"] = model.pop("sha256")
    _, problems = parse_manifest(data, "demo.toml", folder)
    hows = {p.field: p.how.text("en") for p in problems}
    assert hows["thumbnial"].startswith("did you mean thumbnail?")
    assert any(f.endswith(".sha265") and h.startswith("did you mean sha256?")
               for f, h in hows.items()), hows


def test_a_too_big_thumbnail_is_told_to_shrink_not_to_be_added(tmp_path: Path) -> None:
    real = (demos_dir() / "face-privacy" / "thumbnail.jpg").read_bytes()
    big = tmp_path / "thumbnail.jpg"
    big.write_bytes(real + b"\0" * (MAX_THUMBNAIL_BYTES + 1 - len(real)))
    trouble = thumbnail_problem(big)
    assert trouble is not None
    what, how = trouble
    assert "MiB" in what.text("en")
    assert "smaller picture" in how.text("en") and "add the picture" not in how.text("en")
    assert "kleineres Bild" in how.text("de")
    missing = thumbnail_problem(tmp_path / "gone.jpg")
    assert missing is not None and "add the picture" in missing[1].text("en")
