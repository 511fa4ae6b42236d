"""The demo manifest (``demo.toml``): schema, parsing and validation.

A demo is a folder with a ``demo.toml``, a model reference, labels and texts. Packs are
data only: nothing in them is imported or executed. Parsing never raises for bad input;
it returns every problem at once as :class:`ManifestProblem` values, each naming the
file, the field and how to fix it, so one broken demo never hides the others' problems.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.core.i18n import Lang, Text
from kiosk.core.problems import Msg, msg, place, unknown_key_fix
from kiosk.core.safe_read import FileRefused, read_bounded
from kiosk.core.tasks.spec import TASK_NAMES
from kiosk.core.toml_limits import MAX_KEY_PARTS, key_parts

SCHEMA_VERSION = 1
MANIFEST_NAME = "demo.toml"
# Always used with fullmatch: ``$`` would also accept a trailing newline.
DEMO_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,47}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
TASKS = TASK_NAMES  # the kinds registered in kiosk.core.tasks.spec

# Bounds on what a manifest may hold; far above any real demo, far below what hurts.
MAX_MANIFEST_BYTES = 256 * 1024
MAX_NESTING = 32  # [[...]] / {…} depth; tomllib recurses per level (RecursionError at ~1000)
MAX_NAME_CHARS = 100  # file names: every file system takes 255 bytes, this leaves room
MAX_TEXT_CHARS = 4000  # any one string (visitor texts are a few hundred characters)
MAX_ORDER = 1_000_000
# Names Windows reserves in every folder (with any extension): a pack copied to a Windows
# kiosk or stick must not break there.
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{d}{n}" for d in ("com", "lpt") for n in (*"123456789", "¹", "²", "³")})
_PLAIN_NAME_RE = re.compile(r"[^\x00-\x1f\x7f/\\:*?\"<>|]+")


def is_plain_name(value: object) -> bool:
    """A file name inside the demo folder: no folders, no "..", nothing hidden, nothing a
    file system refuses (too long, control characters, Windows device names)."""
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS:
        return False
    if not _PLAIN_NAME_RE.fullmatch(value) or value.startswith(".") or value.endswith((" ", ".")):
        return False
    return value.split(".", 1)[0].strip().casefold() not in _WINDOWS_DEVICES


def nesting_depth(text: str) -> int:
    """The deepest ``[``/``{`` nesting in TOML ``text`` (strings and comments skipped).

    Checked before :func:`tomllib.loads`, which recurses once per level and would raise
    ``RecursionError`` — or crash a thread with a small stack — on a hostile file.
    """
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
        elif c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        elif c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if c == '"' and text[j] == "\\" else 1
            i = j + len(quote)
            continue
        i += 1
    return deepest


@dataclass(frozen=True)
class ManifestProblem:
    """One thing wrong with a manifest: where it is, what is wrong and how to fix it.

    ``what`` and ``how`` are catalog sentences (:mod:`kiosk.core.problems`), so staff read
    them in their language; ``message``, ``fix`` and ``str()`` are the English ones.
    """

    file: str
    field: str
    what: Msg
    how: Msg

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return self.what.text("en")

    @property
    def fix(self) -> str:
        """How to fix it, in English."""
        return self.how.text("en")

    def text(self, lang: Lang = "en") -> str:
        """The whole problem as one line in ``lang``: where, what, how."""
        where = f"{self.file}: {place(self.field, lang)}" if self.field else self.file
        return f"{where}: {self.what.text(lang)} — {self.how.text(lang)}"

    def both(self) -> Text:
        """:meth:`text` in both languages."""
        return Text(self.text("de"), self.text("en"))

    def __str__(self) -> str:
        return self.text("en")


@dataclass(frozen=True)
class ModelRef:
    """The model a demo runs, pinned by its sha256."""

    file: str
    sha256: str
    card: str | None = None
    # external weight files the model reads (file name → sha256), from [models.<name>.data]
    data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class About:
    """The visitor-facing model card: what the model is, where from, what it cannot do.

    ``model``, ``source`` and ``licence`` may be one text for both languages (a name, "MIT")
    or a German and an English one (a sentence a German visitor should read in German).
    """

    model: Text
    source: Text
    licence: Text
    limits: Text


@dataclass(frozen=True)
class Manifest:
    """A parsed, schema-valid ``demo.toml``."""

    id: str
    version: str
    task: str
    title: Text
    subtitle: Text
    how_it_works: Text
    models: dict[str, ModelRef]
    params: dict[str, Any]
    thumbnail: str | None = None
    order: int = 100
    needs_camera: bool = True
    about: About | None = None
    sample_media: tuple[str, ...] = ()
    folder: Path = field(default=Path(), compare=False)


def _text(
    data: Mapping[str, Any], key: str, file: str, problems: list[ManifestProblem],
    required: bool = True,
) -> Text:
    value = data.get(key)
    if value is None:
        if required:
            problems.append(ManifestProblem(
                file, f"[{key}]", msg("missing"), msg("text.fix.add_table", key=key)))
        return Text("", "")
    if not isinstance(value, dict):
        problems.append(ManifestProblem(
            file, key, msg("text.not_table"), msg("text.fix.write_table", key=key)))
        return Text("", "")
    out: dict[str, str] = {}
    for lang in ("de", "en"):
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(ManifestProblem(
                file, f"{key}.{lang}", msg("missing_or_empty"),
                msg("text.fix.add_lang", lang=lang, key=key)))
            text = ""
        elif len(text) > MAX_TEXT_CHARS:
            problems.append(ManifestProblem(
                file, f"{key}.{lang}", msg("too_long_text", n=MAX_TEXT_CHARS),
                msg("text.fix.shorten")))
            text = ""
        out[lang] = text.strip()
    for extra in sorted(set(value) - {"de", "en"}):
        problems.append(ManifestProblem(
            file, f"{key}.{extra}", msg("unknown_language"), msg("text.fix.only_de_en")))
    return Text(out["de"], out["en"])


def _models(
    data: Mapping[str, Any], file: str, problems: list[ManifestProblem]
) -> dict[str, ModelRef]:
    raw = data.get("models")
    if not isinstance(raw, dict) or not raw:
        problems.append(ManifestProblem(file, "[models]", msg("missing"), msg("models.fix.add")))
        return {}
    models: dict[str, ModelRef] = {}
    for name, spec in raw.items():
        where = f"models.{name}"
        if not isinstance(spec, dict):
            problems.append(ManifestProblem(
                file, where, msg("must_be_table"), msg("models.fix.write", where=where)))
            continue
        for extra in sorted(set(spec) - {"file", "sha256", "card", "data"}):
            problems.append(ManifestProblem(
                file, f"{where}.{extra}", msg("unknown_key"),
                unknown_key_fix(extra, ("file", "sha256", "card", "data"), "fix.remove_allowed")))
        model_file = spec.get("file")
        sha = spec.get("sha256")
        card = spec.get("card")
        ok = True
        if not isinstance(model_file, str) or not model_file.endswith(".onnx"):
            problems.append(ManifestProblem(
                file, f"{where}.file", msg("models.not_onnx"),
                msg("fix.example", example='file = "model.onnx"')))
            ok = False
        elif not is_plain_name(model_file):
            problems.append(ManifestProblem(
                file, f"{where}.file", msg("models.not_plain", n=MAX_NAME_CHARS),
                msg("models.fix.next_to_manifest")))
            ok = False
        if not isinstance(sha, str) or not SHA256_RE.fullmatch(sha):
            problems.append(ManifestProblem(
                file, f"{where}.sha256", msg("models.bad_sha"), msg("models.fix.sha")))
            ok = False
        if card is not None and not is_plain_name(card):
            problems.append(ManifestProblem(
                file, f"{where}.card", msg("models.card_not_name"),
                msg("fix.example", example='card = "model.md"')))
            ok = False
        weights = _model_data(spec.get("data", {}), f"{where}.data", file, problems)
        if ok and weights is not None:
            models[name] = ModelRef(str(model_file), str(sha), card, weights)
    return models


def _model_data(
    raw: object, where: str, file: str, problems: list[ManifestProblem],
) -> tuple[tuple[str, str], ...] | None:
    """``[models.<name>.data]``: the model's external weight files and their sha256."""
    fix = msg("models.data.fix", where=where)
    if not isinstance(raw, dict):
        problems.append(ManifestProblem(file, where, msg("must_be_table"), fix))
        return None
    out: list[tuple[str, str]] = []
    for name, sha in raw.items():
        if not is_plain_name(name) or not isinstance(sha, str) or not SHA256_RE.fullmatch(sha):
            problems.append(ManifestProblem(
                file, f"{where}", msg("models.data.bad", name=repr(str(name)[:60])), fix))
            return None
        out.append((name, sha))
    return tuple(out)


_TOP_KEYS = {
    "schema_version", "id", "version", "task", "thumbnail", "order", "needs_camera",
    "title", "subtitle", "how_it_works", "models", "params", "about", "sample_media",
}
MAX_SAMPLE_MEDIA = 8


def _sample_media(data: Mapping[str, Any], file: str,
                  problems: list[ManifestProblem]) -> tuple[str, ...]:
    """``sample_media``: the pictures that show the demo at its best when there is no camera.

    One name or a list; each a plain file name, looked up in the demo folder first and then
    among the kiosk's built-in sample photos (whether it exists is checked at discovery).
    """
    raw = data.get("sample_media", [])
    names = [raw] if isinstance(raw, str) else raw
    fix = msg("sample_media.fix")
    if not isinstance(names, list) or len(names) > MAX_SAMPLE_MEDIA:
        problems.append(ManifestProblem(
            file, "sample_media", msg("sample_media.bad", n=MAX_SAMPLE_MEDIA), fix))
        return ()
    bad = [n for n in names if not is_plain_name(n)]
    if bad:
        problems.append(ManifestProblem(
            file, "sample_media", msg("not_plain_name", name=repr(bad[0])), fix))
        return ()
    return tuple(names)


def _about(data: Mapping[str, Any], file: str, problems: list[ManifestProblem]) -> About | None:
    raw = data.get("about")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(ManifestProblem(
            file, "[about]", msg("must_be_table"), msg("about.fix.write")))
        return None
    for extra in sorted(set(raw) - {"model", "source", "licence", "limits"}):
        problems.append(ManifestProblem(
            file, f"about.{extra}", msg("unknown_key"),
            unknown_key_fix(extra, ("model", "source", "licence", "limits"),
                            "fix.remove_allowed")))
    values: dict[str, Text] = {}
    for key in ("model", "source", "licence"):
        value = raw.get(key)
        if isinstance(value, dict):  # [about.source] with de = "…" and en = "…"
            values[key] = _text(raw, key, file, problems)
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
            problems.append(ManifestProblem(
                file, f"about.{key}", msg("about.bad_value", n=MAX_TEXT_CHARS),
                msg("about.fix.add", key=key)))
            value = ""
        values[key] = Text(value.strip(), value.strip())
    limits = _text(raw, "limits", file, problems)
    return About(values["model"], values["source"], values["licence"], limits)


def parse_manifest(
    data: Mapping[str, Any], file: str, folder: Path
) -> tuple[Manifest | None, list[ManifestProblem]]:
    """Check a decoded ``demo.toml`` against the schema; return it with all problems."""
    problems: list[ManifestProblem] = []
    for extra in sorted(set(data) - _TOP_KEYS):
        problems.append(ManifestProblem(
            file, extra, msg("unknown_key"), unknown_key_fix(extra, sorted(_TOP_KEYS))))
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        problems.append(ManifestProblem(
            file, "schema_version", msg("schema.wrong", value=repr(version),
                                        expected=SCHEMA_VERSION),
            msg("schema.fix", expected=SCHEMA_VERSION)))
    demo_id = data.get("id")
    if not isinstance(demo_id, str) or not DEMO_ID_RE.fullmatch(demo_id):
        problems.append(ManifestProblem(
            file, "id", msg("id.bad", value=repr(demo_id)), msg("id.fix")))
        demo_id = ""
    pack_version = data.get("version", "1.0.0")
    if (not isinstance(pack_version, str) or not pack_version.strip() or len(pack_version) > 40
            or not pack_version.isprintable()):
        problems.append(ManifestProblem(
            file, "version", msg("version.bad"), msg("fix.example", example='version = "1.0.0"')))
        pack_version = "1.0.0"
    task = data.get("task")
    if task not in TASKS:
        problems.append(ManifestProblem(
            file, "task", msg("task.unknown", value=repr(task)),
            msg("fix.use_one_of", choices=", ".join(TASKS))))
        task = ""
    thumbnail = data.get("thumbnail")
    if thumbnail is not None and not is_plain_name(thumbnail):
        problems.append(ManifestProblem(
            file, "thumbnail", msg("thumbnail.bad", n=MAX_NAME_CHARS),
            msg("fix.example", example='thumbnail = "thumbnail.png"')))
        thumbnail = None
    order = data.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool) or abs(order) > MAX_ORDER:
        problems.append(ManifestProblem(
            file, "order", msg("order.bad", low=-MAX_ORDER, high=MAX_ORDER),
            msg("fix.example", example="order = 10")))
        order = 100
    needs_camera = data.get("needs_camera", True)
    if not isinstance(needs_camera, bool):
        problems.append(ManifestProblem(
            file, "needs_camera", msg("bool.bad"),
            msg("fix.example", example="needs_camera = true")))
        needs_camera = True
    params = data.get("params", {})
    if not isinstance(params, dict):
        problems.append(ManifestProblem(
            file, "[params]", msg("must_be_table"), msg("params.fix.table")))
        params = {}
    manifest = Manifest(
        id=str(demo_id),
        version=str(pack_version),
        task=str(task),
        title=_text(data, "title", file, problems),
        subtitle=_text(data, "subtitle", file, problems),
        how_it_works=_text(data, "how_it_works", file, problems),
        models=_models(data, file, problems),
        params=dict(params),
        thumbnail=thumbnail,
        order=order,
        needs_camera=needs_camera,
        about=_about(data, file, problems),
        sample_media=_sample_media(data, file, problems),
        folder=folder,
    )
    return (None if problems else manifest), problems


def load_manifest(folder: Path) -> tuple[Manifest | None, list[ManifestProblem]]:
    """Read ``folder/demo.toml``; never raises for a broken or missing file."""
    path = folder / MANIFEST_NAME
    file = f"{folder.name}/{MANIFEST_NAME}"
    if not path.exists() and not path.is_symlink():
        return None, [ManifestProblem(
            file, "", msg("not_found"), msg("manifest.fix.add", name=MANIFEST_NAME))]
    try:
        # a link could point anywhere (/dev/zero, another pack): only the file itself counts
        raw = read_bounded(path, MAX_MANIFEST_BYTES, "Manifest")
    except FileRefused as exc:
        return None, [ManifestProblem(
            file, "", exc.msg, msg("manifest.fix.plain", name=MANIFEST_NAME,
                                   kib=MAX_MANIFEST_BYTES // 1024))]
    data, problem = parse_toml(raw, file)
    if data is None:
        return None, [problem] if problem else []
    return parse_manifest(data, file, folder)


def parse_toml(raw: bytes, file: str) -> tuple[dict[str, Any] | None, ManifestProblem | None]:
    """Decode a manifest's bytes within the bounds above; never raises for bad input."""
    if len(raw) > MAX_MANIFEST_BYTES:
        return None, ManifestProblem(
            file, "", msg("manifest.too_large", kib=MAX_MANIFEST_BYTES // 1024),
            msg("manifest.fix.shorten"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, ManifestProblem(
            file, "", msg("manifest.not_utf8"), msg("manifest.fix.utf8"))
    if nesting_depth(text) > MAX_NESTING:
        return None, ManifestProblem(
            file, "", msg("manifest.too_deep", n=MAX_NESTING), msg("manifest.fix.too_deep"))
    if key_parts(text) > MAX_KEY_PARTS:
        return None, ManifestProblem(
            file, "", msg("manifest.dotted_key", n=MAX_KEY_PARTS), msg("manifest.fix.dotted_key"))
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, ManifestProblem(
            file, "", msg("manifest.bad_toml", detail=exc), msg("manifest.fix.syntax"))
    except ValueError as exc:  # e.g. a number with more than 4300 digits (int conversion limit)
        return None, ManifestProblem(
            file, "", msg("manifest.bad_value", detail=str(exc)[:100]),
            msg("manifest.fix.bad_value"))
