"""Settings: defaults, overrides, and broken files that never stop the kiosk."""

from __future__ import annotations

from pathlib import Path

from kiosk.core.settings import Settings, load_settings


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == (Settings(), [])


def test_values_are_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'lang = "en"\nidle_timeout = 120\ncamera = "1"\nmirror = false\ncolour = "red"\n'
        "idle_warning = 500\n", encoding="utf-8")
    settings, problems = load_settings(tmp_path)
    assert settings.lang == "en" and settings.idle_timeout == 120.0
    assert settings.camera == "1" and settings.mirror is False
    assert settings.idle_warning == Settings.idle_warning
    assert any("colour" in p for p in problems) and any("idle_warning" in p for p in problems)


def test_corrupt_file_falls_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_bytes(b"\x00\xff[[[")
    settings, problems = load_settings(tmp_path)
    assert settings == Settings() and "using defaults" in problems[0]
