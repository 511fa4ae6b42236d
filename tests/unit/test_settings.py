"""Settings: defaults, validation, atomic saving, and broken files that never stop the kiosk."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, fields, replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.settings import (
    SCHEMA_VERSION,
    SETTINGS_NAME,
    Settings,
    SettingsError,
    apply_demo_order,
    check_settings,
    field_doc,
    load_settings,
    save_settings,
    settings_to_toml,
    toml_string,
    update_settings,
)


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
    assert any("colour" in str(p) for p in problems)
    assert any("idle_warning" in str(p) for p in problems)


def test_corrupt_file_falls_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_bytes(b"\x00\xff[[[")
    settings, problems = load_settings(tmp_path)
    assert settings == Settings() and "using defaults" in str(problems[0])



CHANGED = Settings(
    lang="en", idle_timeout=120.0, idle_warning=10.0, camera='C:\\Videos\\"show" reel.mp4',
    mirror=False, kiosk_id="hall-3.east_1", demo_order=("ocr", "image-classification"),
    disabled_demos=("faces",), staff_timeout=300.0, cursor_hide_seconds=0.0)


def test_every_setting_documents_itself() -> None:
    for f in fields(Settings):
        assert len(field_doc(f.name)) > 20
    text = settings_to_toml(Settings())
    assert "# Seconds without a touch before the kiosk resets" in text


def test_save_and_load_round_trip_every_field(tmp_path: Path) -> None:
    path = save_settings(tmp_path, CHANGED)
    assert path == tmp_path / "settings.toml"
    assert load_settings(tmp_path) == (CHANGED, [])
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["demo_order"] == ["ocr", "image-classification"]
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # no temp file left


def test_save_replaces_the_file_atomically(tmp_path: Path) -> None:
    save_settings(tmp_path, Settings())
    before = (tmp_path / "settings.toml").stat().st_ino
    save_settings(tmp_path, CHANGED)
    assert (tmp_path / "settings.toml").stat().st_ino != before  # renamed over, not rewritten
    assert load_settings(tmp_path)[0] == CHANGED


@given(st.text(max_size=60))
def test_toml_strings_survive_any_text(text: str) -> None:
    assert tomllib.loads(f"v = {toml_string(text)}")["v"] == text


def test_invalid_settings_are_not_saved(tmp_path: Path) -> None:
    bad = replace(Settings(), idle_timeout=5000.0, kiosk_id="Halle 3 / Ost", lang="fr")  # type: ignore[arg-type]
    with pytest.raises(SettingsError) as err:
        save_settings(tmp_path, bad)
    assert len(err.value.problems) == 3
    assert "idle_timeout must be a number from 20 to 3600" in str(err.value)
    assert "kiosk_id" in str(err.value) and "lang" in str(err.value)
    assert not (tmp_path / "settings.toml").exists()
    assert [str(p) for p in check_settings(
        replace(Settings(), idle_warning=100.0, idle_timeout=60.0))] == [
        "idle_warning must be shorter than idle_timeout"]
    assert "idle_timeout muss eine Zahl von 20 bis 3600 sein" in err.value.text("de")


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings cannot be saved to .*not-a-folder"):
        save_settings(blocker, Settings())


def test_damaged_file_is_moved_aside_and_reported(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('lang = "en"\nidle_timeout = = 3\n', encoding="utf-8")
    settings, problems = load_settings(tmp_path, clock=lambda: 1_700_000_000.0)
    assert settings == Settings()
    kept = [p.name for p in tmp_path.glob("settings.toml.broken-*")]
    assert len(kept) == 1 and not (tmp_path / "settings.toml").exists()
    assert len(problems) == 1 and "damaged" in str(problems[0]) and kept[0] in str(problems[0])
    assert "ist beschädigt" in problems[0].text("de") and kept[0] in problems[0].text("de")
    # A second damaged file in the same second does not overwrite the first one.
    (tmp_path / "settings.toml").write_bytes(b"\xff\xfe")
    load_settings(tmp_path, clock=lambda: 1_700_000_000.0)
    assert len(list(tmp_path.glob("settings.toml.broken-*"))) == 2
    save_settings(tmp_path, Settings())  # and the kiosk can save good settings again
    assert load_settings(tmp_path) == (Settings(), [])


def test_wrong_values_fall_back_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'schema_version = 1\nkiosk_id = ""\ndemo_order = ["a", "b", "a"]\n'
        'disabled_demos = "ocr"\nstaff_timeout = inf\ncursor_hide_seconds = 3\n',
        encoding="utf-8")
    settings, problems = load_settings(tmp_path)
    assert settings.demo_order == ("a", "b")  # duplicates dropped, order kept
    assert settings.kiosk_id == Settings.kiosk_id
    assert settings.disabled_demos == () and settings.staff_timeout == Settings.staff_timeout
    assert settings.cursor_hide_seconds == 3.0
    assert len(problems) == 3 and all("using the default" in str(p) for p in problems)


def test_newer_schema_keeps_what_it_knows(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        'schema_version = 7\nlang = "en"\nfancy_new_thing = true\n', encoding="utf-8")
    settings, problems = load_settings(tmp_path)
    assert settings.lang == "en" and settings.schema_version == SCHEMA_VERSION
    assert len(problems) == 1 and "newer version" in str(problems[0])


def test_update_settings_checks_each_change() -> None:
    new = update_settings(Settings(), {"idle_timeout": 60, "demo_order": ["x"]})
    assert new.idle_timeout == 60.0 and new.demo_order == ("x",)
    with pytest.raises(SettingsError) as err:
        update_settings(Settings(), {"colour": "red", "mirror": "yes", "schema_version": 2})
    assert len(err.value.problems) == 3
    with pytest.raises(SettingsError, match="idle_warning must be shorter"):
        update_settings(Settings(), {"idle_warning": 100, "idle_timeout": 90})


def test_settings_as_dict_is_plain_data() -> None:
    data = asdict(CHANGED)
    assert data["demo_order"] == ("ocr", "image-classification")
    assert os.fspath(Path(data["camera"])).endswith("reel.mp4")


def test_demo_order_puts_listed_demos_first() -> None:
    demos = ["a", "b", "c", "d"]
    assert apply_demo_order(demos, ("c", "gone", "a"), key=str) == ["c", "a", "b", "d"]
    assert apply_demo_order(demos, (), key=str) == demos


def test_log_retention_is_a_real_setting_the_log_uses(tmp_path: Path) -> None:
    from kiosk.app import open_event_store

    (tmp_path / SETTINGS_NAME).write_text("log_retention_days = 30\n", encoding="utf-8")
    settings, problems = load_settings(tmp_path)
    assert problems == [] and settings.log_retention_days == 30.0
    store = open_event_store(tmp_path, settings)
    try:
        assert store.retention_days == 30.0
    finally:
        store.close()
    assert [str(p) for p in check_settings(replace(settings, log_retention_days=0.5))] == [
        "log_retention_days must be a number from 1 to 3650"]


@pytest.mark.parametrize("text, reason", [
    ("a." * 5000 + "b = 1\n", "a dotted key of more than 32 parts"),  # quadratic in tomllib
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "maximum recursion depth"),
    ("idle_timeout = " + "9" * 5000 + "\n", "Exceeds the limit"),
    ("# " + "x" * 300_000 + "\n", "larger than 256 KiB"),
])
def test_a_hostile_settings_file_gives_defaults_quickly(tmp_path: Path, text: str,
                                                        reason: str) -> None:
    (tmp_path / "settings.toml").write_text(text, encoding="utf-8")
    settings, problems = load_settings(tmp_path)
    assert settings == Settings()
    assert len(problems) == 1 and "damaged" in str(problems[0]) and reason in str(problems[0])
    assert list(tmp_path.glob("settings.toml.broken-*"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_settings_that_are_a_fifo_or_a_device_do_not_block_the_start(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "settings.toml")  # nobody writes: a plain read would wait forever
    settings, problems = load_settings(tmp_path)
    assert settings == Settings() and "not a plain file" in str(problems[0])
    (tmp_path / "settings.toml").unlink()
    (tmp_path / "settings.toml").symlink_to("/dev/zero")  # a plain read would never end
    settings, problems = load_settings(tmp_path)
    assert settings == Settings() and "not a plain file" in str(problems[0])
    (tmp_path / "settings.toml").unlink()
    real = tmp_path / "elsewhere.toml"  # IT may link the file to where they keep configs
    real.write_text('lang = "en"\n', encoding="utf-8")
    (tmp_path / "settings.toml").symlink_to(real)
    assert load_settings(tmp_path)[0].lang == "en"
