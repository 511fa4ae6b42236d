"""Kiosk settings: a typed model stored as ``settings.toml`` in the data dir.

A missing file means defaults. A broken file never stops the kiosk: it starts with
defaults, and :func:`load_settings` reports what was wrong so staff can be told.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from kiosk.core.i18n import DEFAULT_LANG, Lang, parse_lang

SETTINGS_NAME = "settings.toml"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Settings:
    """Everything staff can configure."""

    schema_version: int = SCHEMA_VERSION
    lang: Lang = DEFAULT_LANG
    idle_timeout: float = 90.0  # seconds without a touch before the kiosk resets
    idle_warning: float = 15.0  # the last seconds of it show "Are you still there?"
    camera: str = "0"  # camera index, video file or image folder
    mirror: bool = True  # mirror live camera pictures, as people expect from a mirror
    kiosk_id: str = "kiosk-1"


def _check(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            problems.append(f"{SETTINGS_NAME}: unknown setting {key!r} was ignored")
            continue
        values[key] = value
    out: dict[str, Any] = {}
    if "lang" in values:
        try:
            out["lang"] = parse_lang(str(values["lang"]))
        except ValueError as exc:
            problems.append(f"{SETTINGS_NAME}: lang: {exc}")
    for key, low, high in (("idle_timeout", 20.0, 3600.0), ("idle_warning", 3.0, 120.0)):
        if key in values:
            v = values[key]
            if isinstance(v, int | float) and not isinstance(v, bool) and low <= v <= high:
                out[key] = float(v)
            else:
                problems.append(f"{SETTINGS_NAME}: {key} must be a number from {low} to {high}")
    for key in ("camera", "kiosk_id"):
        if key in values:
            if isinstance(values[key], str) and values[key].strip():
                out[key] = values[key].strip()
            else:
                problems.append(f"{SETTINGS_NAME}: {key} must be non-empty text")
    if "mirror" in values:
        if isinstance(values["mirror"], bool):
            out["mirror"] = values["mirror"]
        else:
            problems.append(f"{SETTINGS_NAME}: mirror must be true or false")
    return out, problems


def load_settings(folder: Path) -> tuple[Settings, list[str]]:
    """Settings from ``folder/settings.toml`` (defaults where absent or broken) and problems."""
    path = folder / SETTINGS_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings(), []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(), [f"{SETTINGS_NAME} cannot be read ({exc}); using defaults"]
    values, problems = _check(data)
    settings = replace(Settings(), **values)
    if settings.idle_warning >= settings.idle_timeout:
        problems.append(f"{SETTINGS_NAME}: idle_warning must be shorter than idle_timeout")
        settings = replace(settings, idle_warning=Settings.idle_warning,
                           idle_timeout=max(settings.idle_timeout, Settings.idle_timeout))
    return settings, problems
