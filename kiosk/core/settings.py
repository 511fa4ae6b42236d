"""Kiosk settings: a typed model stored as ``settings.toml`` in the data dir.

Each field documents itself (``metadata["doc"]``); the same text becomes the comment above
the key when the file is written, so IT can read the file without a manual.

A missing file means defaults. A broken file never stops the kiosk: a file that is not
TOML at all is moved aside as ``settings.toml.broken-<time>`` and the kiosk starts with
defaults; a wrong value falls back to its default. :func:`load_settings` reports every
problem as a sentence for staff, so the staff panel can tell them what happened.

Settings are changed only by the staff panel and the command line, both through
:func:`save_settings`, which validates and writes atomically (a power cut leaves the old
file or the new one, never half of each).
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from kiosk.core.i18n import DEFAULT_LANG, LANGS, Lang, parse_lang
from kiosk.core.problems import Msg, msg
from kiosk.core.toml_limits import MAX_KEY_PARTS, key_parts

T = TypeVar("T")

SETTINGS_NAME = "settings.toml"
SCHEMA_VERSION = 1
BROKEN_SUFFIX = ".broken-"

# Ids end up in exported statistics and in file names: keep them plain.
KIOSK_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
MAX_TEXT = 4096
MAX_SETTINGS_BYTES = 256 * 1024  # a full settings file is about 2 KB
# A signer's name and an Ed25519 public key (32 bytes, base64): see kiosk.runtime.pack_signing.
TRUSTED_KEY_RE = re.compile(r"[^:\x00-\x1f]{1,64}:[A-Za-z0-9+/]{43}=")
MAX_DEMO_ID = 64


class SettingsError(Exception):
    """Settings that cannot be saved: invalid values or an unwritable data dir.

    The message is one or more full sentences for staff (English); ``problems`` lists
    them; ``msgs`` are the same in both languages (:meth:`text`).
    """

    def __init__(self, problems: list[Msg]) -> None:
        super().__init__("; ".join(p.text("en") for p in problems))
        self.msgs = problems
        self.problems = [p.text("en") for p in problems]

    def text(self, lang: Lang) -> str:
        """The message in ``lang``."""
        return "; ".join(p.text(lang) for p in self.msgs)


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@dataclass(frozen=True)
class Settings:
    """Everything staff can configure."""

    schema_version: int = field(default=SCHEMA_VERSION, metadata=_doc(
        "Version of this file's layout; the kiosk writes it, do not change it."))
    lang: Lang = field(default=DEFAULT_LANG, metadata=_doc(
        'Language visitors see first and after every reset: "de" or "en".'))
    idle_timeout: float = field(default=90.0, metadata=_doc(
        "Seconds without a touch before the kiosk resets for the next visitors (20-3600)."))
    idle_warning: float = field(default=15.0, metadata=_doc(
        'The last seconds of idle_timeout that show "Are you still there?" (3-120).'))
    camera: str = field(default="0", metadata=_doc(
        'Picture source: a camera index ("0"), a video file or an image folder; '
        '"sample" for the bundled sample photos.'))
    mirror: bool = field(default=True, metadata=_doc(
        "Mirror the live camera picture, as people expect from a mirror (true/false)."))
    wake_on_approach: bool = field(default=True, metadata=_doc(
        "On the attract screen, greet people who step up to the kiosk (needs a camera; "
        "nothing is stored but an anonymous 'someone came' count) (true/false)."))
    kiosk_id: str = field(default="kiosk-1", metadata=_doc(
        "Name of this kiosk in the statistics: letters, digits, '.', '_' and '-', "
        "at most 40 characters."))
    demo_order: tuple[str, ...] = field(default=(), metadata=_doc(
        "Demo ids in the order of the home screen; demos not listed follow in their "
        "usual order."))
    disabled_demos: tuple[str, ...] = field(default=(), metadata=_doc(
        "Demo ids that staff switched off; visitors do not see them."))
    staff_timeout: float = field(default=120.0, metadata=_doc(
        "Seconds without a touch before the staff panel closes itself (30-3600)."))
    cursor_hide_seconds: float = field(default=5.0, metadata=_doc(
        "In kiosk mode, hide the mouse pointer after this many seconds without mouse "
        "movement; 0 never hides it (0-600)."))
    log_retention_days: float = field(default=365.0, metadata=_doc(
        "Days the interaction log keeps visitor events; older ones are deleted "
        "automatically, and `kiosk log purge` uses it too (1-3650)."))
    location: str = field(default="", metadata=_doc(
        "Where this kiosk stands (e.g. \"Showroom Berlin\"), for the fleet overview and the "
        "funders' report; empty: not said."))
    central_url: str = field(default="", metadata=_doc(
        "Central PostgreSQL database the events are forwarded to, e.g. "
        "\"postgresql://kiosk@fleet.example/kiosk\"; empty: this kiosk keeps its events to "
        "itself. A password may be left out here and given by PGPASSWORD or ~/.pgpass."))
    require_signed_packs: bool = field(default=False, metadata=_doc(
        "Refuse demo packs that are not signed by one of trusted_pack_keys (true/false)."))
    trusted_pack_keys: tuple[str, ...] = field(default=(), metadata=_doc(
        "Public keys whose pack signatures are trusted, each \"NAME:BASE64KEY\" as printed "
        "by `kiosk packs keygen`."))
    show_performance_overlay: bool = field(default=False, metadata=_doc(
        "Show frames per second and milliseconds per frame on the demo screens, for staff "
        "and developers; visitors do not need them (true/false)."))


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Settings))
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "idle_timeout": (20.0, 3600.0),
    "idle_warning": (3.0, 120.0),
    "staff_timeout": (30.0, 3600.0),
    "cursor_hide_seconds": (0.0, 600.0),
    "log_retention_days": (1.0, 3650.0),
}


def field_doc(name: str) -> str:
    """The explanation of setting ``name`` (raises ``KeyError`` for an unknown one)."""
    for f in fields(Settings):
        if f.name == name:
            return str(f.metadata["doc"])
    raise KeyError(name)


# --------------------------------------------------------------------------- validation


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in text)


def _check_value(name: str, value: Any) -> tuple[Any, Msg | None]:
    """``value`` converted for field ``name``, or a problem sentence."""
    if name == "schema_version":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return SCHEMA_VERSION, None
        return None, msg("settings.schema")
    if name == "lang":
        try:
            return parse_lang(str(value)), None
        except ValueError:
            return None, msg("settings.lang", value=repr(str(value)), choices=", ".join(LANGS))
    if name in NUMBER_RANGES:
        low, high = NUMBER_RANGES[name]
        if (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value) and low <= value <= high):
            return float(value), None
        return None, msg("settings.number", name=name, low=f"{low:g}", high=f"{high:g}")
    if name == "camera":
        if isinstance(value, str) and value.strip() and len(value) <= MAX_TEXT \
                and not _has_control(value):
            return value.strip(), None
        return None, msg("settings.camera")
    if name == "kiosk_id":
        if isinstance(value, str) and KIOSK_ID_RE.fullmatch(value.strip()):
            return value.strip(), None
        return None, msg("settings.kiosk_id")
    if name in ("mirror", "wake_on_approach", "show_performance_overlay",
                "require_signed_packs"):
        if isinstance(value, bool):
            return value, None
        return None, msg("settings.bool", name=name)
    if name in ("location", "central_url"):
        if isinstance(value, str) and len(value) <= MAX_TEXT and not _has_control(value):
            return value.strip(), None
        return None, msg("settings.line", name=name)
    if name == "trusted_pack_keys":
        if isinstance(value, list | tuple) and all(
                isinstance(v, str) and TRUSTED_KEY_RE.fullmatch(v.strip()) for v in value):
            return tuple(dict.fromkeys(v.strip() for v in value)), None
        return None, msg("settings.keys")
    if name in ("demo_order", "disabled_demos"):
        if isinstance(value, list | tuple) and all(
                isinstance(v, str) and v.strip() and len(v) <= MAX_DEMO_ID
                and not _has_control(v) for v in value):
            # Keep the first of duplicates: the order staff set is what counts.
            return tuple(dict.fromkeys(v.strip() for v in value)), None
        return None, msg("settings.ids", name=name)
    return None, msg("settings.unknown", name=repr(name))


def _cross_check(settings: Settings) -> list[Msg]:
    if settings.idle_warning >= settings.idle_timeout:
        return [msg("settings.idle_order")]
    return []


def check_settings(settings: Settings) -> list[Msg]:
    """Every problem of ``settings`` as a sentence (empty when it can be saved)."""
    problems = []
    for name in FIELD_NAMES:
        _, problem = _check_value(name, getattr(settings, name))
        if problem:
            problems.append(problem)
    return problems + _cross_check(settings)


def settings_from_dict(data: Mapping[str, Any]) -> tuple[Settings, list[Msg]]:
    """Settings from parsed TOML: defaults for missing or invalid keys, and the problems."""
    problems: list[Msg] = []
    version = data.get("schema_version", SCHEMA_VERSION)
    newer = isinstance(version, int) and not isinstance(version, bool) \
        and version > SCHEMA_VERSION
    if newer:
        problems.append(msg("settings.newer", file=SETTINGS_NAME, version=version,
                            known=SCHEMA_VERSION))
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key not in FIELD_NAMES:
            if not newer:
                problems.append(msg("settings.ignored", file=SETTINGS_NAME, name=repr(key)))
            continue
        value, problem = _check_value(key, raw)
        if problem:
            problems.append(msg("settings.default", file=SETTINGS_NAME,
                                problem=problem.both()))
        else:
            values[key] = value
    settings = replace(Settings(), **values)
    for problem in _cross_check(settings):
        problems.append(msg("settings.defaults_both", file=SETTINGS_NAME,
                            problem=problem.both()))
        settings = replace(settings, idle_warning=Settings.idle_warning,
                           idle_timeout=max(settings.idle_timeout, Settings.idle_timeout))
    return settings, problems


def update_settings(settings: Settings, changes: Mapping[str, Any]) -> Settings:
    """``settings`` with ``changes`` applied; raises :class:`SettingsError` naming each problem."""
    problems: list[Msg] = []
    values: dict[str, Any] = {}
    for key, raw in changes.items():
        if key == "schema_version" or key not in FIELD_NAMES:
            problems.append(msg("settings.not_changeable", name=repr(key), names=", ".join(
                n for n in FIELD_NAMES if n != "schema_version")))
            continue
        value, problem = _check_value(key, raw)
        if problem:
            problems.append(problem)
        else:
            values[key] = value
    if problems:
        raise SettingsError(problems)
    new = replace(settings, **values)
    cross = _cross_check(new)
    if cross:
        raise SettingsError(cross)
    return new


def apply_demo_order(items: Sequence[T], order: Sequence[str],
                     key: Callable[[T], str]) -> list[T]:
    """``items`` in the order of ``demo_order``; those not listed follow in their own order."""
    rank = {demo_id: i for i, demo_id in enumerate(order)}
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (rank.get(key(pair[1]), len(rank)), pair[0]))
    return [item for _, item in indexed]


# --------------------------------------------------------------------------- reading


def _move_aside(path: Path, clock: Callable[[], float]) -> Path | None:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    target = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}{BROKEN_SUFFIX}{stamp}-{n}")
        n += 1
    try:
        path.rename(target)
    except OSError:
        return None
    return target


def load_settings(
    folder: Path, *, clock: Callable[[], float] = time.time,
) -> tuple[Settings, list[Msg]]:
    """Settings from ``folder/settings.toml`` (defaults where absent or broken) and problems.

    A file that cannot be parsed is renamed to ``settings.toml.broken-<local time>`` so the
    next save does not destroy what staff or IT may want to look at.
    """
    path = folder / SETTINGS_NAME
    try:
        raw = _read_settings(path)
    except FileNotFoundError:
        return Settings(), []
    except OSError as exc:
        return Settings(), [msg("settings.unreadable", file=SETTINGS_NAME,
                                detail=exc.strerror or exc)]
    try:
        if len(raw) > MAX_SETTINGS_BYTES:
            raise ValueError(f"larger than {MAX_SETTINGS_BYTES // 1024} KiB")
        text = raw.decode("utf-8")
        if key_parts(text) > MAX_KEY_PARTS:
            raise ValueError(f"a dotted key of more than {MAX_KEY_PARTS} parts")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError covers TOMLDecodeError and a 5000-digit number; RecursionError [[[[…
        kept = _move_aside(path, clock)
        where = (msg("settings.kept", name=kept.name) if kept
                 else msg("settings.not_kept")).both()
        return Settings(), [msg("settings.damaged", file=SETTINGS_NAME, detail=exc,
                                where=where)]
    return settings_from_dict(data)


def _read_settings(path: Path) -> bytes:
    """The file's first bytes, one more than allowed (so an oversized file shows).

    IT may link settings.toml elsewhere, so a link is followed, but only to a plain file:
    never to a FIFO that blocks the start or to /dev/zero that never ends.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a plain file")
        return fh.read(MAX_SETTINGS_BYTES + 1)


# --------------------------------------------------------------------------- writing

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif ord(c) < 32 or ord(c) == 127:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def settings_to_toml(settings: Settings) -> str:
    """The file text for ``settings``, each key with its explanation as a comment."""
    lines = ["# Showroom Kiosk settings. Change them in the staff panel or with",
             "# `kiosk settings set KEY=VALUE`; the kiosk checks every value on start."]
    for f in fields(Settings):
        lines.append("")
        lines.append(f"# {f.metadata['doc']}")
        lines.append(f"{f.name} = {_toml_value(getattr(settings, f.name))}")
    return "\n".join(lines) + "\n"


def save_settings(folder: Path, settings: Settings) -> Path:
    """Validate ``settings`` and write ``folder/settings.toml`` atomically; return its path.

    Raises :class:`SettingsError` for invalid values or when the data dir is not writable.
    """
    problems = check_settings(settings)
    if problems:
        raise SettingsError(problems)
    settings = replace(settings, schema_version=SCHEMA_VERSION)
    path = folder / SETTINGS_NAME
    text = settings_to_toml(settings)
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
        tmp = None
        _fsync_dir(folder)
    except OSError as exc:
        raise SettingsError([msg("settings.not_saved", path=path,
                                 detail=exc.strerror or exc)]) from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX; Windows cannot open folders, and NTFS
    # journals the rename anyway.
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

