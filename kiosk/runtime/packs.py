"""Demo packs staff bring on a USB stick: validation, atomic install, remove, rollback, inbox.

A pack is a folder (or a ``.zip`` of one) with a ``demo.toml``, its model, labels and texts —
the same format as the built-in demos. Packs are data only: nothing in one is imported or
executed; models run in onnxruntime, metadata is parsed with ``ast.literal_eval``.

Validation reports every problem at once (schema, model readable, model fits the task, label
counts, sha256, sizes, zip safety), each naming the file and the fix, and ends with a smoke
inference on a sample picture. Installing is atomic::

    <data>/packs/.staging/<tmp>/   unzip or copy, validate, smoke-run   (never seen by the kiosk)
    <data>/packs/<id>/             os.replace() of the validated folder (same file system)
    <data>/packs/.previous/<id>/   the version it replaced, for ``rollback``

The registry (:func:`kiosk.runtime.demos.discover`) only looks at folders holding a
``demo.toml``, so ``.staging`` and ``.previous`` never show up as demos. A pack cannot take
the id of a built-in demo: the kiosk would show two demos under one id, and staff could not
tell which one runs.

Every operation holds one lock (a thread lock plus an OS file lock on ``packs/.lock``), so the
inbox watcher, the staff panel and a ``kiosk packs`` command in another process never
interleave.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from kiosk.core.i18n import LANGS
from kiosk.core.manifest import (
    DEMO_ID_RE,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    Manifest,
    ManifestProblem,
    is_plain_name,
    load_manifest,
    parse_manifest,
    parse_toml,
)
from kiosk.core.paths import demos_dir, models_dir, sample_media_dir
from kiosk.core.problems import Msg, msg
from kiosk.core.safe_read import FileRefused, is_regular_file, read_bounded, read_text_bounded
from kiosk.core.tasks.base import is_finite_json
from kiosk.runtime.isolated import IsolatedError, IsolatedMemory, IsolatedTimeout, run_isolated
from kiosk.runtime.onnx_external import external_problems
from kiosk.runtime.onnx_model import ModelLoadError, OnnxModel, sha256_of
from kiosk.runtime.pack_import import Proposal, problem_json
from kiosk.runtime.tasks import task_kind

log = logging.getLogger(__name__)

MiB = 1024 * 1024
STAGING = ".staging"
PREVIOUS = ".previous"
JOURNAL = ".journal"
SAMPLE_NAMES = ("sample.jpg", "sample.jpeg", "sample.png")
_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_UNSAFE_NAME_RE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
# Junk that macOS Finder and Windows Explorer put into zips and onto sticks; never pack content.
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class Limits:
    """Size bounds for a pack; generous for real models, tight enough to stop accidents."""

    max_file_bytes: int = 512 * MiB  # one model (ONNX's protobuf limit is 2 GiB anyway)
    max_total_bytes: int = 1024 * MiB
    max_entries: int = 1000  # files and folders
    # Decompressed/compressed size per zip entry. ONNX weights deflate by ~1.1x, text by
    # ~3-10x; zip bombs by 1000x and more.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * MiB  # below this a high ratio is harmless (all-blank labels)
    # The model check and smoke run happen in a child process within these bounds; the
    # built-in models need ~3 s and ~0.4 GB on a slow mini-PC.
    smoke_seconds: float = 60.0
    smoke_memory_bytes: int = 2 * 1024 * MiB


class PackError(Exception):
    """An operation that cannot be done; the message is one line for staff.

    ``usage`` marks a mistake in what was asked (a missing path, an unknown id) rather than a
    failure of the operation; the command line exits with 2 instead of 1 for those. ``msg``
    is the message in both languages (the staff panel).
    """

    def __init__(self, message: str | Msg, *, usage: bool = False) -> None:
        super().__init__(str(message))
        self.msg = message if isinstance(message, Msg) else msg("detail", detail=message)
        self.usage = usage


# --------------------------------------------------------------------------- reports


@dataclass
class PackReport:
    """Everything validation found about one pack."""

    source: str
    pack_id: str | None = None
    version: str | None = None
    task: str | None = None
    problems: list[ManifestProblem] = field(default_factory=list)
    smoke: dict[str, Any] = field(default_factory=dict)  # smoke-run figures when it ran
    manifest: Manifest | None = None

    @property
    def ok(self) -> bool:
        """True when the pack can be installed."""
        return not self.problems and self.manifest is not None

    def add(self, file: str, where: str, message: Msg, fix: Msg) -> None:
        """Record one problem."""
        self.problems.append(ManifestProblem(file, where, message, fix))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"source": self.source, "valid": self.ok, "id": self.pack_id,
                "version": self.version, "task": self.task,
                "problems": [problem_json(p) for p in self.problems], "smoke": self.smoke}


@dataclass
class InstallResult:
    """The outcome of one install: the validation report and what changed."""

    report: PackReport
    installed: Path | None = None
    replaced_version: str | None = None  # the version moved to .previous
    proposal: Proposal | None = None  # set when the manifest was proposed (zero-config)

    @property
    def ok(self) -> bool:
        """True when the pack is installed."""
        return self.installed is not None

    def summary(self) -> str:
        """One line for staff, in English."""
        return self.summary_msg().text("en")

    def summary_msg(self) -> Msg:
        """One line for staff."""
        r = self.report
        if not self.ok:
            return msg("install.failed.one" if len(r.problems) == 1 else "install.failed",
                       source=r.source, count=len(r.problems))
        key = "install.replaced" if self.replaced_version else "install.done"
        if self.proposal:
            key += ".proposed"
        return msg(key, id=r.pack_id, version=r.version, task=r.task,
                   was=self.replaced_version or "")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**self.report.to_json(), "installed": self.ok,
                "folder": str(self.installed) if self.installed else None,
                "replaced_version": self.replaced_version,
                "proposal": self.proposal.to_json() if self.proposal else None}


# --------------------------------------------------------------------------- file checks


def _fmt_size(n: float) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n / 1024:.0f} KiB"


def _entry_problem(name: str) -> Msg | None:
    """Why a zip entry name is unsafe, or ``None``."""
    if "\x00" in name:
        return msg("name.nul")
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE_RE.match(norm):
        return msg("name.absolute")
    if ".." in PurePosixPath(norm).parts:
        return msg("name.dotdot")
    return _name_problem(PurePosixPath(norm).parts)


def _name_problem(parts: Sequence[str]) -> Msg | None:
    """Why a path inside a pack would break on some kiosk (Windows device names such as CON
    or COM1, control characters, names too long), or ``None``."""
    for part in parts:
        if part in (".", "") or (part.startswith(".") and is_plain_name(part[1:] or "x")):
            continue  # "./x" and hidden files (.DS_Store) are harmless here
        if len(part.encode("utf-8", "surrogateescape")) > 200 or any(
                ord(c) < 32 or c in '<>:"|?*' for c in part):
            return msg("name.unstorable")
        if not is_plain_name(part):
            return msg("name.reserved")
    return None


def check_zip(path: Path, limits: Limits = Limits()) -> list[ManifestProblem]:
    """Every safety problem of a zip's table of contents (nothing is extracted)."""
    label = path.name
    fix_rebuild = msg("fix.rebuild_zip")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        return [ManifestProblem(label, "", msg("zip.unreadable", detail=exc),
                                msg("zip.fix.copy_again"))]
    problems: list[ManifestProblem] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            problems.append(ManifestProblem(
                label, "", msg("zip.too_many", count=len(infos), limit=limits.max_entries),
                msg("fix.few_files")))
            return problems
        total = 0
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if any(name.startswith(j) or name.endswith("/" + j) or name == j for j in _JUNK):
                continue
            bad = _entry_problem(name)
            if bad:
                problems.append(ManifestProblem(label, name, bad, fix_rebuild))
                continue
            mode = (info.external_attr >> 16) & 0xFFFF
            kind = stat.S_IFMT(mode)
            if stat.S_ISLNK(mode):
                problems.append(ManifestProblem(
                    label, name, msg("file.symlink"), msg("file.fix.real")))
                continue
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                problems.append(ManifestProblem(
                    label, name, msg("zip.not_plain"), fix_rebuild))
                continue
            if info.flag_bits & 0x1:
                problems.append(ManifestProblem(
                    label, name, msg("zip.encrypted"), msg("zip.fix.no_password")))
                continue
            key = name.replace("\\", "/").rstrip("/").casefold()
            if key in seen:
                problems.append(ManifestProblem(label, name, msg("zip.twice"), fix_rebuild))
            seen.add(key)
            if info.is_dir():
                continue
            total += info.file_size
            if info.file_size > limits.max_file_bytes:
                problems.append(ManifestProblem(
                    label, name, msg("zip.entry_too_big", size=_fmt_size(info.file_size),
                                     limit=_fmt_size(limits.max_file_bytes)),
                    msg("fix.smaller_model")))
            elif (info.file_size > limits.ratio_floor_bytes
                  and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                ratio = f"{info.file_size / max(info.compress_size, 1):.0f}"
                problems.append(ManifestProblem(
                    label, name, msg("zip.ratio", ratio=ratio), msg("fix.trusted_only")))
        if total > limits.max_total_bytes:
            problems.append(ManifestProblem(
                label, "", msg("zip.total", size=_fmt_size(total),
                               limit=_fmt_size(limits.max_total_bytes)),
                msg("fix.leave_out")))
    return problems


def extract_zip(path: Path, dest: Path, limits: Limits = Limits()) -> list[ManifestProblem]:
    """Check and unpack a zip into ``dest`` (created); counts real bytes, not declared ones.

    The declared sizes in a zip can lie; here every byte written is counted and extraction
    stops at the limits, so a doctored zip cannot fill the disk.
    """
    problems = check_zip(path, limits)
    if problems:
        return problems
    label = path.name
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    total = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/")
            if any(name.startswith(j) or name.endswith("/" + j) or name == j for j in _JUNK):
                continue
            target = (dest / name).resolve()
            if target != root and root not in target.parents:  # belt and braces after check_zip
                return [ManifestProblem(label, info.filename, msg("zip.outside"),
                                        msg("zip.fix.rebuild_short"))]
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            try:
                with zf.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        total += len(chunk)
                        if written > min(info.file_size, limits.max_file_bytes) or (
                                total > limits.max_total_bytes):
                            return [ManifestProblem(
                                label, info.filename, msg("zip.bomb"), msg("fix.trusted_only"))]
                        out.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                # zlib.error is not an OSError subclass but zipfile wraps CRC errors as
                # BadZipFile; a truncated stream raises EOFError
                return [ManifestProblem(label, info.filename,
                                        msg("zip.cannot_unpack", detail=exc),
                                        msg("zip.fix.incomplete"))]
    return []


def check_files(folder: Path, limits: Limits = Limits()) -> list[ManifestProblem]:
    """Links, special files and sizes inside a pack folder (links are never followed)."""
    problems: list[ManifestProblem] = []
    total = 0
    count = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = here / name
            rel = path.relative_to(folder).as_posix()
            where = f"{folder.name}/{rel}"
            bad_name = _name_problem([name])
            if bad_name:
                problems.append(ManifestProblem(where, "", bad_name, msg("fix.rename_or_remove")))
            count += 1
            if count > limits.max_entries:
                problems.append(ManifestProblem(
                    folder.name, "", msg("folder.too_many", limit=limits.max_entries),
                    msg("fix.few_files")))
                return problems
            try:
                st = path.lstat()
            except OSError as exc:
                problems.append(ManifestProblem(where, "",
                                                msg("file.unreadable", detail=exc.strerror),
                                                msg("file.fix.permissions")))
                continue
            if stat.S_ISLNK(st.st_mode):
                problems.append(ManifestProblem(
                    where, "", msg("file.symlink"), msg("file.fix.real")))
                if name in dirnames:
                    dirnames.remove(name)
                continue
            if stat.S_ISDIR(st.st_mode):
                continue
            if not stat.S_ISREG(st.st_mode):
                problems.append(ManifestProblem(
                    where, "", msg("file.not_plain"), msg("fix.remove")))
                continue
            total += st.st_size
            if st.st_size > limits.max_file_bytes:
                problems.append(ManifestProblem(
                    where, "", msg("file.too_big", size=_fmt_size(st.st_size),
                                   limit=_fmt_size(limits.max_file_bytes)),
                    msg("fix.smaller_model")))
    if total > limits.max_total_bytes:
        problems.append(ManifestProblem(
            folder.name, "", msg("folder.total", size=_fmt_size(total),
                                 limit=_fmt_size(limits.max_total_bytes)),
            msg("fix.leave_out")))
    return problems


def pack_root(folder: Path) -> Path:
    """The folder with ``demo.toml``: ``folder`` itself or its one sub-folder (zips of a folder)."""
    if (folder / MANIFEST_NAME).is_file():
        return folder
    subs = [p for p in folder.iterdir() if not p.name.startswith((".", "__MACOSX"))]
    if len(subs) == 1 and subs[0].is_dir() and not subs[0].is_symlink():
        return subs[0]
    return folder


# --------------------------------------------------------------------------- validation


def _placeholder_manifest(folder: Path) -> Manifest | None:
    """A manifest good enough to keep checking model and labels when ``demo.toml`` has
    problems elsewhere (titles, ids, typos), so staff see every problem in one go."""
    try:
        raw = read_bounded(folder / MANIFEST_NAME, MAX_MANIFEST_BYTES, "Manifest")
    except FileRefused:
        return None
    data, _ = parse_toml(raw, MANIFEST_NAME)
    if data is None:
        return None
    text = {"de": "-", "en": "-"}
    patched = {
        "schema_version": 1, "id": "pack-being-checked", "task": data.get("task"),
        "title": text, "subtitle": text, "how_it_works": text,
        "models": data.get("models"), "params": data.get("params", {}),
    }
    manifest, _ = parse_manifest(patched, f"{folder.name}/{MANIFEST_NAME}", folder)
    return manifest


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".") \
        and not _DRIVE_RE.match(name)


def _referenced_files(m: Manifest) -> list[tuple[str, str]]:
    """(field, file name) for every file a manifest names besides models."""
    refs: list[tuple[str, str]] = []
    if m.thumbnail:
        refs.append(("thumbnail", m.thumbnail))
    for name, ref in m.models.items():
        if ref.card:
            refs.append((f"models.{name}.card", ref.card))
    for key, value in m.params.items():
        if isinstance(value, str) and key.startswith("labels"):
            refs.append((f"params.{key}", value))
    return refs


def _classification_fit(m: Manifest, model: OnnxModel) -> list[ManifestProblem]:
    """Whether a classifier's inputs/outputs fit the manifest (shape, classes, labels)."""
    from kiosk.core.tasks import classification as cls

    file = f"{m.folder.name}/{MANIFEST_NAME}"
    model_file = f"{m.folder.name}/{model.path.name}"
    params, _ = cls.read_params(m.params, file)
    problems: list[ManifestProblem] = []
    inp = model.session.get_inputs()[0]
    shape = list(inp.shape)
    if len(shape) != 4:
        problems.append(ManifestProblem(
            model_file, f"input {inp.name}", msg("fit.input_dims", count=len(shape), shape=shape),
            msg("fit.fix.image_model")))
    else:
        ch, (hi, wi) = (1, (2, 3)) if params.layout == "NCHW" else (3, (1, 2))
        fixed = [d if isinstance(d, int) and d > 0 else None for d in shape]
        if fixed[ch] not in (3, None):
            problems.append(ManifestProblem(
                model_file, f"input {inp.name}", msg(
                    "fit.channels", shape=shape, channels=shape[ch], layout=params.layout),
                msg("fit.fix.channels")))
        elif fixed[hi] and fixed[wi] and (fixed[hi], fixed[wi]) != params.size:
            exact = [fixed[hi], fixed[wi]]
            problems.append(ManifestProblem(
                file, "params.size", msg("fit.size", size=list(params.size), model=exact),
                msg("fit.fix.size", model=exact)))
    out_name = params.output or model.output_names[0]
    outs = {o.name: list(o.shape) for o in model.session.get_outputs()}
    if out_name not in outs:
        problems.append(ManifestProblem(
            file, "params.output", msg("fit.no_output", name=repr(out_name)),
            msg("fit.fix.output", names=model.output_names)))
        return problems
    dims = outs[out_name]
    classes = dims[-1] if dims and isinstance(dims[-1], int) and dims[-1] > 0 else None
    counts: dict[str, int] = {}
    for key, name in (("labels_en", params.labels_en), ("labels_de", params.labels_de)):
        path = m.folder / name if name and is_plain_name(name) else None
        if path is None or not is_regular_file(path):
            continue  # the task's static check reports it
        try:
            labels = cls.read_labels(read_text_bounded(path, what="Labels file"))
        except FileRefused as exc:
            problems.append(ManifestProblem(f"{m.folder.name}/{name}", "", exc.msg,
                                            msg("fix.utf8_labels")))
            continue
        counts[key] = len(labels)
        if classes is not None and len(labels) != classes:
            problems.append(ManifestProblem(
                f"{m.folder.name}/{name}", "", msg("fit.label_count", labels=len(labels),
                                                   classes=classes),
                msg("fit.fix.label_count")))
    if classes is None and len(set(counts.values())) > 1:
        problems.append(ManifestProblem(
            file, "params.labels_de", msg("fit.label_lengths", de=params.labels_de,
                                          en=params.labels_en),
            msg("fit.fix.label_lengths")))
    return problems


def _fit_problems(m: Manifest, model: OnnxModel) -> list[ManifestProblem]:
    if m.task == "classification":
        return _classification_fit(m, model)
    if m.task == "detection":
        from kiosk.runtime.task_detection import model_problems

        return model_problems(m, model)
    return []  # other task kinds: the smoke run is their check


def sample_image(folder: Path | None = None) -> np.ndarray:
    """The picture for the smoke run: the pack's own ``sample.jpg``/``.png`` if it has one,
    else the first bundled sample photo, else a synthetic gradient."""
    from kiosk.runtime.sources import image_files, load_image

    candidates = [folder / n for n in SAMPLE_NAMES] if folder else []
    media = sample_media_dir()
    candidates += image_files(media) if media.is_dir() else []
    for path in candidates:
        img = load_image(path) if path.is_file() else None
        if img is not None:
            return img
    ramp = np.linspace(0, 255, 320, dtype=np.uint8)
    return np.stack([np.tile(ramp, (240, 1))] * 3, axis=2)


def smoke_run(m: Manifest, model_path: Callable[[str], Path]) -> tuple[dict[str, Any],
                                                                         list[ManifestProblem]]:
    """Build the demo's runner and process one sample picture; figures and problems."""
    from kiosk.runtime.headless import sanity_problems
    from kiosk.runtime.tasks import result_json

    file = f"{m.folder.name}/{MANIFEST_NAME}"
    kind = task_kind(m.task)
    if kind is None:
        return {}, []
    fix = msg("smoke.fix.check")
    try:
        t0 = time.perf_counter()
        runner = kind.build(m, model_path)
        t1 = time.perf_counter()
        image = sample_image(m.folder)
        output, _ = runner.process(image)
        t2 = time.perf_counter()
        data = result_json(output)
        json.dumps(data)
    except ModelLoadError as exc:
        return {}, [ManifestProblem(file, "smoke run", exc.msg, fix)]
    except Exception as exc:  # a pack's model may fail in any way; it is data, not a crash
        if "failed to allocate memory" in str(exc).lower():  # onnxruntime's arena, not Python's
            raise MemoryError(str(exc)) from None
        log.info("smoke run of %s failed", m.id, exc_info=True)
        text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        return {}, [ManifestProblem(
            file, "smoke run", msg("smoke.failed", detail=f"{type(exc).__name__}: {text}"), fix)]
    problems = [ManifestProblem(file, "smoke run", msg("smoke.wrong_output", detail=p), fix)
                for p in sanity_problems(m.task, data)]
    if not is_finite_json(data):
        problems.append(ManifestProblem(file, "smoke run", msg("smoke.not_finite"), fix))
    boxes = data.get("boxes") if isinstance(data, dict) else None
    if isinstance(boxes, list) and any(not 0.0 <= b.get("score", 0.0) <= 1.0 for b in boxes):
        # scores beyond 0..1 mean the output is read in the wrong layout (or is raw logits)
        problems.append(ManifestProblem(
            file, "smoke run", msg("smoke.scores"), msg("smoke.fix.output_format")))
    figures: dict[str, Any] = {"load_ms": round((t1 - t0) * 1000, 1),
                               "frame_ms": round((t2 - t1) * 1000, 1),
                               "picture": f"{image.shape[1]}x{image.shape[0]}"}
    if isinstance(data, dict):
        if "boxes" in data:
            figures["boxes"] = len(data["boxes"])
        if data.get("top"):
            figures["best"] = data["top"][0].get("label_en")
    return figures, problems


_BUILTIN_CACHE: dict[tuple[tuple[str, int, int], ...], dict[str, Path]] = {}


def builtin_ids(dirs: Sequence[Path] | None = None) -> dict[str, Path]:
    """Ids of the built-in demos (those that parse), with their folders.

    Remembered by the manifests' names, sizes and times: every validation asks.
    """
    folders: list[Path] = []
    for root in dirs if dirs is not None else [demos_dir()]:
        if root.is_dir():
            folders += sorted(p for p in root.iterdir() if (p / MANIFEST_NAME).is_file())
    key = tuple((str(f), st.st_size, st.st_mtime_ns)
                for f in folders for st in [(f / MANIFEST_NAME).stat()])
    if key not in _BUILTIN_CACHE:
        found: dict[str, Path] = {}
        for folder in folders:
            manifest, _ = load_manifest(folder)
            found[manifest.id if manifest else folder.name] = folder
        _BUILTIN_CACHE.clear()
        _BUILTIN_CACHE[key] = found
    return dict(_BUILTIN_CACHE[key])


def thumbnail_problem(path: Path) -> tuple[Msg, Msg] | None:
    """See :func:`kiosk.runtime.demos.thumbnail_problem` (the same check as discovery)."""
    from kiosk.runtime.demos import thumbnail_problem as check

    return check(path)


def validate_folder(
    folder: Path, *, limits: Limits = Limits(), reserved: dict[str, Path] | None = None,
    smoke: bool = True, source: str | None = None,
) -> PackReport:
    """Check an unpacked pack folder; every problem at once, then a smoke run if clean.

    ``reserved`` maps the built-in demo ids to their folders: a pack may not reuse one.
    """
    report = PackReport(source=source or str(folder))
    report.problems += check_files(folder, limits)
    manifest, problems = load_manifest(folder)
    report.problems += problems
    if manifest is not None:
        report.pack_id, report.version, report.task = manifest.id, manifest.version, manifest.task
        report.manifest = manifest
        owner = (reserved or {}).get(manifest.id)
        if owner is not None and owner.resolve() != folder.resolve():
            report.add(f"{folder.name}/{MANIFEST_NAME}", "id",
                       msg("id.builtin", value=repr(manifest.id)),
                       msg("id.fix.other", suggestion=f"{manifest.id}-2"))
    elif problems and all(p.field for p in problems):
        manifest = _placeholder_manifest(folder)  # keep checking the model and labels
    if manifest is None:
        return report
    file = f"{folder.name}/{MANIFEST_NAME}"
    for where, name in _referenced_files(manifest):
        if not _plain_name(name):
            report.add(file, where, msg("not_plain_name", name=repr(name)),
                       msg("fix.put_next_to_manifest"))
        elif where == "thumbnail" and (trouble := thumbnail_problem(folder / name)):
            report.add(file, where, *trouble)
    kind = task_kind(manifest.task)
    if kind is None:
        report.add(file, "task", msg("task.unsupported", value=repr(manifest.task)),
                   msg("task.fix.update"))
    else:
        report.problems += kind.check(manifest)

    unsafe = False
    for name, ref in manifest.models.items():
        path = _model_path(manifest, folder, name)
        if not path.is_file():
            report.add(f"{folder.name}/{ref.file}", "", msg("not_found"),
                       msg("model.fix.put", file=ref.file))
            continue
        actual = sha256_of(path)
        if actual != ref.sha256:
            report.add(file, f"models.{name}.sha256",
                       msg("model.sha_mismatch", file=ref.file, actual=actual),
                       msg("model.fix.sha_mismatch"))
        outside = external_problems(path, dict(ref.data), sha256_of)
        for message, fix in outside:
            report.add(f"{folder.name}/{ref.file}", "external data", message, fix)
        unsafe |= bool(outside)
    # the placeholder manifest only serves the checks below; it must not look installable
    run_smoke = smoke and not report.problems and report.manifest is not None
    main = manifest.models.get("main")
    if unsafe or not any(_model_path(manifest, folder, n).is_file() for n in manifest.models):
        return _dedupe(report)  # never let onnxruntime open weights the pack does not vouch for
    try:
        # a pack's model may never finish or eat all memory: it runs in a child process
        problems, figures = run_isolated(
            model_checks, manifest, folder, kind is not None, run_smoke,
            timeout=limits.smoke_seconds, memory_bytes=limits.smoke_memory_bytes,
            what=msg("isolated.model", name=main.file if main else "").both())
    except IsolatedTimeout as exc:
        report.add(file, "smoke run", exc.msg, msg("smoke.fix.too_slow"))
    except IsolatedMemory as exc:
        report.add(file, "smoke run", exc.msg, msg("fix.smaller_model"))
    except IsolatedError as exc:
        report.add(file, "smoke run", exc.msg, msg("smoke.fix.check"))
    else:
        report.problems += problems
        report.smoke = figures
    return _dedupe(report)


def _model_path(manifest: Manifest, folder: Path, name: str) -> Path:
    ref = manifest.models[name]
    local = folder / ref.file
    # same order as the registry: the pack's own file, else a built-in model by name
    return local if is_regular_file(local) else models_dir() / ref.file


def model_checks(
    manifest: Manifest, folder: Path, fit: bool, run_smoke: bool,
) -> tuple[list[ManifestProblem], dict[str, Any]]:
    """Load every model, check it fits the task and, if nothing is wrong, smoke-run it.

    This is where a pack's model code runs: :func:`validate_folder` calls it in a child
    process (see :mod:`kiosk.runtime.isolated`).
    """
    problems: list[ManifestProblem] = []
    loaded: OnnxModel | None = None
    for name, ref in manifest.models.items():
        path = _model_path(manifest, folder, name)
        if not path.is_file():
            continue  # reported by the caller
        try:
            model = OnnxModel(path)
        except ModelLoadError as exc:
            problems.append(ManifestProblem(
                f"{folder.name}/{ref.file}", "", exc.short, msg("model.fix.copy_again")))
            continue
        if name == "main":
            loaded = model
    if loaded is not None and fit:
        problems += _fit_problems(manifest, loaded)
    figures: dict[str, Any] = {}
    if run_smoke and not problems:
        figures, more = smoke_run(manifest, lambda n: _model_path(manifest, folder, n))
        problems += more
    return problems, figures


def _dedupe(report: PackReport) -> PackReport:
    seen: set[str] = set()
    unique = []
    for p in report.problems:
        if str(p) not in seen:
            seen.add(str(p))
            unique.append(p)
    report.problems = unique
    return report


def _is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def validate(
    path: Path, *, limits: Limits = Limits(), builtin_dirs: Sequence[Path] | None = None,
    smoke: bool = True,
) -> PackReport:
    """Validate a pack folder or ``.zip`` as it is (``kiosk packs validate``)."""
    reserved = builtin_ids(builtin_dirs)
    if _is_zip(path):
        with tempfile.TemporaryDirectory(prefix="kiosk-validate-") as tmp:
            unpacked = Path(tmp) / _safe_name(path.stem)
            problems = extract_zip(path, unpacked, limits)
            if problems:
                return PackReport(source=str(path), problems=problems)
            root = pack_root(unpacked)
            if not (root / MANIFEST_NAME).is_file():
                return _no_manifest(path)
            # report.manifest.folder is gone after this block; only the findings matter here
            return validate_folder(root, limits=limits, reserved=reserved, smoke=smoke,
                                   source=str(path))
    if path.is_dir():
        if not (path / MANIFEST_NAME).is_file():
            return _no_manifest(path)
        return validate_folder(path, limits=limits, reserved=reserved, smoke=smoke)
    if not path.exists():
        raise PackError(f"{path} does not exist", usage=True)
    return _no_manifest(path)


def propose_isolated(
    source: Path, title_de: str | None = None, title_en: str | None = None,
    reserved_ids: set[str] | None = None, limits: Limits = Limits(),
) -> Proposal:
    """:func:`kiosk.runtime.pack_import.propose` in a child process: it loads the model and
    runs it once, which a hostile model could turn into a hang or a memory blow-up."""
    from kiosk.runtime.pack_import import propose

    reserved = set(builtin_ids()) if reserved_ids is None else reserved_ids
    try:
        return run_isolated(propose, source, title_de, title_en, reserved,
                            timeout=limits.smoke_seconds, memory_bytes=limits.smoke_memory_bytes,
                            what=msg("isolated.model", name=source.name).both())
    except IsolatedError as exc:
        fix = msg("fix.smaller_model" if isinstance(exc, IsolatedMemory) else
                  "trial.fix.too_slow" if isinstance(exc, IsolatedTimeout) else "trial.fix.rgb")
        return Proposal(source=source, problems=[ManifestProblem(source.name, "trial run",
                                                                 exc.msg, fix)])


def _no_manifest(path: Path) -> PackReport:
    report = PackReport(source=str(path))
    report.add(path.name, "", msg("pack.no_manifest"), msg("pack.fix.no_manifest"))
    return report


def _safe_name(name: str) -> str:
    cleaned = _UNSAFE_NAME_RE.sub("_", name).strip(" .")[:64]
    return cleaned or "pack"


# --------------------------------------------------------------------------- install


@dataclass
class PackInfo:
    """One demo as ``kiosk packs list`` shows it."""

    id: str
    version: str | None
    state: str  # "ready", "error" or "removed" (only a rollback copy is left)
    reasons: list[str]
    source: str  # "builtin" or "imported"
    folder: Path
    task: str | None = None
    title_en: str | None = None
    previous_version: str | None = None  # what `rollback` would bring back

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"id": self.id, "version": self.version, "state": self.state,
                "reasons": self.reasons, "source": self.source, "task": self.task,
                "title_en": self.title_en, "folder": str(self.folder),
                "previous_version": self.previous_version}


_THREAD_LOCK = threading.RLock()


@contextlib.contextmanager
def _locked(lock_file: Path, blocking: bool = True) -> Iterator[bool]:
    """One pack operation at a time, across threads and processes.

    Yields whether the lock is held: always ``True`` when ``blocking``; without blocking,
    ``False`` when another thread or process has it.
    """
    if not _THREAD_LOCK.acquire(blocking):
        yield False
        return
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        with lock_file.open("a+b") as fh:
            try:
                import fcntl
            except ImportError:  # Windows
                import msvcrt

                fh.seek(0)
                mode = msvcrt.LK_LOCK if blocking else msvcrt.LK_NBLCK  # type: ignore[attr-defined]
                try:
                    msvcrt.locking(fh.fileno(), mode, 1)  # type: ignore[attr-defined]
                except OSError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
                return
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        _THREAD_LOCK.release()


class PackInstaller:
    """Installs, removes and rolls back packs in ``<data_dir>/packs``."""

    def __init__(
        self, data_dir: Path, *, limits: Limits = Limits(),
        builtin_dirs: Sequence[Path] | None = None,
        verify: Callable[[Path], list[ManifestProblem]] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.verify = verify  # signature policy (kiosk.runtime.pack_signing.install_check)
        self.packs = data_dir / "packs"
        self.staging = self.packs / STAGING
        self.previous = self.packs / PREVIOUS
        self.limits = limits
        self.builtin_dirs = list(builtin_dirs) if builtin_dirs is not None else [demos_dir()]

    # -- queries

    def reserved(self) -> dict[str, Path]:
        """Built-in demo ids (a pack may not take one)."""
        return builtin_ids(self.builtin_dirs)

    def installed(self) -> dict[str, Path]:
        """Imported packs by id (folders under ``packs/`` with a ``demo.toml``)."""
        found: dict[str, Path] = {}
        if not self.packs.is_dir():
            return found
        for folder in sorted(p for p in self.packs.iterdir() if not p.name.startswith(".")):
            if not (folder / MANIFEST_NAME).is_file():
                continue
            manifest, _ = load_manifest(folder)
            found.setdefault(manifest.id if manifest else folder.name, folder)
        return found

    def list(self) -> list[PackInfo]:
        """Built-in demos and imported packs, with state and reasons (static checks)."""
        from kiosk.runtime.demos import discover

        self.recover()
        builtin = {p.resolve() for p in self.builtin_dirs}
        infos: list[PackInfo] = []
        for entry in discover([*self.builtin_dirs, self.packs]):
            m = entry.manifest
            src = "builtin" if entry.folder.parent.resolve() in builtin else "imported"
            prev = self._previous_version(entry.id) if src == "imported" else None
            infos.append(PackInfo(
                id=entry.id, version=m.version if m else None, state=entry.state.value,
                reasons=[str(p) for p in entry.problems], source=src, folder=entry.folder,
                task=m.task if m else None, title_en=m.title.en if m else None,
                previous_version=prev))
        shown = {i.id for i in infos}
        if self.previous.is_dir():
            for folder in sorted(self.previous.iterdir()):
                if folder.name in shown or not (folder / MANIFEST_NAME).is_file():
                    continue
                m, _ = load_manifest(folder)
                infos.append(PackInfo(
                    id=folder.name, version=m.version if m else None, state="removed",
                    reasons=[f"removed; `kiosk packs rollback {folder.name}` brings it back"],
                    source="imported", folder=folder, task=m.task if m else None,
                    title_en=m.title.en if m else None,
                    previous_version=m.version if m else None))
        return infos

    def _previous_version(self, pack_id: str) -> str | None:
        folder = self.previous / pack_id
        if not (folder / MANIFEST_NAME).is_file():
            return None
        m, _ = load_manifest(folder)
        return m.version if m else "?"

    # -- changes

    def install(
        self, source: Path, *, title_de: str | None = None, title_en: str | None = None,
    ) -> InstallResult:
        """Validate and install a pack folder, a ``.zip`` or a bare model (zero-config).

        Nothing installed changes unless the new pack is valid and its smoke run passed.
        Raises :class:`PackError` only for a source that does not exist.
        """
        if not source.exists():
            raise PackError(msg("pack.source_missing", path=source), usage=True)
        with _locked(self.packs / ".lock"):
            self._recover()  # before staging is cleaned: a rollback's swap lives there
            self._clean_staging()
            self.staging.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix="install-", dir=self.staging))
            try:
                return self._install(source, stage, title_de, title_en)
            finally:
                shutil.rmtree(stage, ignore_errors=True)

    def _install(
        self, source: Path, stage: Path, title_de: str | None, title_en: str | None,
    ) -> InstallResult:
        label = str(source)
        if _is_zip(source):
            unpacked = stage / "unpacked" / _safe_name(source.stem)
            problems = extract_zip(source, unpacked, self.limits)
            if problems:
                return InstallResult(PackReport(label, problems=problems))
            root = pack_root(unpacked)
        elif source.is_dir():
            problems = check_files(source, self.limits)
            if problems:
                return InstallResult(PackReport(label, problems=problems))
            root = source
        elif source.suffix.lower() == ".onnx":
            if source.is_symlink():
                return InstallResult(PackReport(label, problems=[ManifestProblem(
                    source.name, "", msg("file.symlink"), msg("file.fix.copy_real_model"))]))
            root = source
        else:
            report = PackReport(label)
            report.add(source.name, "", msg("pack.not_a_pack"), msg("pack.fix.not_a_pack"))
            return InstallResult(report)

        proposal: Proposal | None = None
        if root.is_dir() and (root / MANIFEST_NAME).is_file():
            pack = stage / "pack" / _safe_name(root.name)
            pack.parent.mkdir(parents=True)
            # links were refused above; copying them as links keeps validation honest
            shutil.copytree(root, pack, symlinks=True)
        else:
            from kiosk.runtime.pack_import import write_pack

            proposal = propose_isolated(root, title_de, title_en, set(self.reserved()),
                                        self.limits)
            if not proposal.ok:
                return InstallResult(PackReport(label, problems=proposal.problems),
                                     proposal=proposal)
            pack = write_pack(proposal, stage / "pack" / proposal.pack_id)
        refused = self.verify(pack) if self.verify is not None else []
        if refused:
            return InstallResult(PackReport(label, problems=refused), proposal=proposal)
        report = validate_folder(pack, limits=self.limits, reserved=self.reserved(),
                                 source=label)
        if not report.ok or report.pack_id is None:
            return InstallResult(report, proposal=proposal)
        target, replaced = self._commit(pack, report.pack_id, stage)
        log.info("installed pack %s %s from %s", report.pack_id, report.version, source)
        report.manifest = load_manifest(target)[0]
        return InstallResult(report, installed=target, replaced_version=replaced,
                             proposal=proposal)

    def _commit(self, pack: Path, pack_id: str, stage: Path) -> tuple[Path, str | None]:
        """Move the validated ``pack`` into place; the current version becomes the previous.

        Two renames: a power cut between them would leave no installed version, so a journal
        names where the current version went first, and :meth:`recover` puts it back.
        """
        target = self.packs / pack_id
        current = self.installed().get(pack_id)
        replaced: str | None = None
        trash = stage / "trash"
        trash.mkdir(exist_ok=True)
        prev = self.previous / pack_id
        moved: Path | None = None
        if current is not None:
            replaced = self._version(current)
            self.previous.mkdir(parents=True, exist_ok=True)
            self._write_journal(pack_id, aside=prev, park=None)
            if prev.exists():
                self._rename(prev, trash / "older")
            self._rename(current, prev)
            moved = current
        if target.exists():  # a stray folder without demo.toml under the pack's name
            self._rename(target, trash / "stray")
        try:
            self._rename(pack, target)
        except OSError:
            if moved is not None:  # put the old version back: nothing installed is damaged
                self._rename(prev, moved)
            raise
        finally:
            self._clear_journal(pack_id)
        return target, replaced

    @staticmethod
    def _rename(src: Path, dest: Path) -> None:
        """One atomic rename (a seam for tests that cut the power between two of them)."""
        src.replace(dest)

    # -- the journal of two-step moves

    def _journal_file(self, pack_id: str) -> Path:
        return self.packs / JOURNAL / f"{pack_id}.json"

    def _write_journal(self, pack_id: str, *, aside: Path, park: Path | None) -> None:
        """Before moving the installed ``pack_id`` to ``aside``: how to undo it after a crash
        (``park``: where ``aside`` belongs once the new version is in place)."""
        path = self._journal_file(pack_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"id": pack_id, "aside": aside.relative_to(self.packs).as_posix(),
                 "park": park.relative_to(self.packs).as_posix() if park else None}
        with path.open("w", encoding="utf-8") as fh:
            json.dump(entry, fh)
            fh.flush()
            os.fsync(fh.fileno())  # on disk before the first rename

    def _clear_journal(self, pack_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._journal_file(pack_id).unlink()

    def recover(self) -> tuple[str, ...]:
        """Finish or undo moves a crash or power cut interrupted; one line per pack fixed.

        Runs at start and before every pack operation. Skipped (empty list) while another
        process holds the pack lock: its journal is still in use.
        """
        folder = self.packs / JOURNAL
        if not folder.is_dir():
            return ()
        with _locked(self.packs / ".lock", blocking=False) as got:
            return self._recover() if got else ()

    def _recover(self) -> tuple[str, ...]:
        fixed: list[str] = []
        folder = self.packs / JOURNAL
        if not folder.is_dir():
            return ()
        for path in sorted(folder.glob("*.json")):
            try:
                entry = json.loads(read_bounded(path, 4096, "Journal"))
                pack_id = str(entry["id"])
                aside = self._inside(entry["aside"])
                park = self._inside(entry["park"]) if entry.get("park") else None
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("pack journal %s is unreadable (%s); removed", path.name, exc)
                path.unlink(missing_ok=True)
                continue
            target = self.packs / pack_id
            if not DEMO_ID_RE.fullmatch(pack_id) or aside is None:
                log.warning("pack journal %s names a place outside packs/; removed", path.name)
            elif not (target / MANIFEST_NAME).is_file() and (aside / MANIFEST_NAME).is_file():
                if target.exists():
                    shutil.rmtree(target, ignore_errors=True)  # a half-moved stray folder
                aside.replace(target)
                fixed.append(f"restored {pack_id} after an interrupted change")
            elif park is not None and aside.exists() and not park.exists():
                park.parent.mkdir(parents=True, exist_ok=True)
                aside.replace(park)
                fixed.append(f"finished the interrupted rollback of {pack_id}")
            path.unlink(missing_ok=True)
        for line in fixed:
            log.warning("packs: %s", line)
        return tuple(fixed)

    def _inside(self, rel: object) -> Path | None:
        """``packs/<rel>`` when ``rel`` stays inside ``packs/`` (a journal is data too)."""
        if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
            return None
        parts = PurePosixPath(rel).parts
        if ".." in parts or not parts:
            return None
        return self.packs.joinpath(*parts)

    def remove(self, pack_id: str) -> str:
        """Uninstall an imported pack; it stays in ``.previous`` for ``rollback``."""
        with _locked(self.packs / ".lock"):
            self._recover()
            if pack_id in self.reserved():
                raise PackError(f"{pack_id} is a built-in demo and cannot be removed "
                                "(hide it in the staff panel instead)")
            current = self.installed().get(pack_id)
            if current is None:
                known = ", ".join(sorted(self.installed())) or "none"
                raise PackError(f"no imported pack {pack_id!r} (imported packs: {known})",
                                usage=True)
            version = self._version(current)
            self.previous.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir(parents=True, exist_ok=True)
            prev = self.previous / pack_id
            with tempfile.TemporaryDirectory(dir=self.staging) as trash:
                if prev.exists():
                    prev.replace(Path(trash) / "older")
                current.replace(prev)
            log.info("removed pack %s %s", pack_id, version)
            return (f"removed {pack_id} {version} (`kiosk packs rollback {pack_id}` brings it "
                    "back)")

    def rollback(self, pack_id: str) -> str:
        """Swap the installed version of ``pack_id`` with the previous one."""
        with _locked(self.packs / ".lock"):
            self._recover()
            prev = self.previous / pack_id
            if not (prev / MANIFEST_NAME).is_file():
                raise PackError(f"there is no earlier version of {pack_id!r} to go back to")
            current = self.installed().get(pack_id)
            target = self.packs / pack_id
            back = self._version(prev)
            if current is None:
                prev.replace(target)
                log.info("restored pack %s %s", pack_id, back)
                return f"restored {pack_id} {back}"
            now = self._version(current)
            self.staging.mkdir(parents=True, exist_ok=True)
            swap = Path(tempfile.mkdtemp(prefix="swap-", dir=self.staging)) / pack_id
            self._write_journal(pack_id, aside=swap, park=prev)
            self._rename(current, swap)
            try:
                self._rename(prev, target)
            except OSError:
                self._rename(swap, current)
                self._clear_journal(pack_id)
                raise
            self._rename(swap, prev)
            self._clear_journal(pack_id)
            shutil.rmtree(swap.parent, ignore_errors=True)
            log.info("rolled back pack %s from %s to %s", pack_id, now, back)
            return f"rolled back {pack_id} from {now} to {back} ({now} kept as previous)"

    @staticmethod
    def _version(folder: Path) -> str:
        m, _ = load_manifest(folder)
        return m.version if m else "?"

    def _clean_staging(self) -> None:
        """Leftovers of an interrupted install (we hold the lock, so none is in use)."""
        if self.staging.is_dir():
            for leftover in self.staging.iterdir():
                shutil.rmtree(leftover, ignore_errors=True)


# --------------------------------------------------------------------------- inbox


INSTALLING = ".installing"  # names the inbox item being installed right now
_IGNORED_SUFFIXES = (".txt", ".md", ".part", ".crdownload", ".tmp", ".partial")


@dataclass
class InboxWatcher:
    """Installs what staff drop into ``<data_dir>/inbox`` (folders, zips, .onnx models).

    Call :meth:`poll` every few seconds (from an executor: installs block). An item is taken
    only when it looked the same on two polls in a row, so a copy still in progress is left
    alone. Afterwards it moves to ``inbox/done`` or ``inbox/failed``, with a ``.txt`` beside it
    saying what happened and, for failures, every reason and fix.
    """

    data_dir: Path
    installer: PackInstaller | None = None
    on_installed: Callable[[InstallResult], None] | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _seen: dict[str, tuple[int, int, int]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.installer is None:
            self.installer = PackInstaller(self.data_dir)
        self.inbox = self.data_dir / "inbox"
        self.done = self.inbox / "done"
        self.failed = self.inbox / "failed"

    def _signature(self, path: Path) -> tuple[int, int, int]:
        """(entries, bytes, newest mtime) — changes while a copy is still running."""
        if not path.is_dir() or path.is_symlink():
            st = path.lstat()
            return 1, st.st_size, st.st_mtime_ns
        count = size = newest = 0
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            for name in [*dirnames, *filenames]:
                count += 1
                if count > 10_000:  # bounded: validation will refuse such a folder anyway
                    return count, size, newest
                try:
                    st = (Path(dirpath) / name).lstat()
                except OSError:
                    continue
                size += st.st_size
                newest = max(newest, st.st_mtime_ns)
        return count, size, newest

    def candidates(self) -> list[Path]:
        """Items in the inbox that could be packs."""
        if not self.inbox.is_dir():
            return []
        found = []
        for item in sorted(self.inbox.iterdir()):
            if item.name.startswith(".") or item in (self.done, self.failed):
                continue
            if item.is_file() and item.suffix.lower() in _IGNORED_SUFFIXES:
                continue
            found.append(item)
        return found

    def poll(self) -> list[InstallResult]:
        """Install every item that stopped changing since the last poll."""
        for folder in (self.inbox, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        results: list[InstallResult] = []
        interrupted = self._interrupted()
        if interrupted is not None:
            results.append(interrupted)
        current: dict[str, tuple[int, int, int]] = {}
        for item in self.candidates():
            try:
                sig = self._signature(item)
            except OSError:
                continue  # vanished between listing and looking
            if self._seen.get(item.name) != sig:
                current[item.name] = sig  # new or still growing: look again next poll
                continue
            results.append(self._take(item))
        self._seen = current
        return results

    def _interrupted(self) -> InstallResult | None:
        """The item the kiosk was installing when it stopped (killed, crashed, power cut):
        moved to ``failed`` with a note instead of being tried again, so an item that
        stops the kiosk cannot do so on every start."""
        marker = self.inbox / INSTALLING
        if not marker.exists() and not marker.is_symlink():
            return None
        try:
            name = read_text_bounded(marker, 1024, "Marker").strip()
        except FileRefused:
            name = ""
        marker.unlink(missing_ok=True)
        item = self.inbox / name
        if not is_plain_name(name) or not (item.exists() or item.is_symlink()):
            return None
        report = PackReport(str(item))
        report.add(name, "", msg("inbox.interrupted"), msg("inbox.fix.interrupted"))
        return self._finish(item, InstallResult(report))

    def _take(self, item: Path) -> InstallResult:
        assert self.installer is not None
        marker = self.inbox / INSTALLING
        with contextlib.suppress(OSError):
            marker.write_text(item.name, encoding="utf-8")
        try:
            result = self.installer.install(item)
        except Exception as exc:  # one bad item must not stop the watcher or the kiosk
            log.exception("inbox: installing %s failed", item.name)
            report = PackReport(str(item))
            report.add(item.name, "", msg("inbox.failed", detail=f"{type(exc).__name__}: {exc}"),
                       msg("inbox.fix.failed"))
            result = InstallResult(report)
        try:
            return self._finish(item, result)
        finally:
            marker.unlink(missing_ok=True)

    def _finish(self, item: Path, result: InstallResult) -> InstallResult:
        """Move ``item`` to ``done`` or ``failed`` with a note saying what happened (in German,
        then in English: staff of either language read it)."""
        stamp = self.now().strftime("%Y-%m-%d %H:%M:%S UTC")
        lines = [stamp, ""]
        if result.ok:
            summary = result.summary_msg()
            lines += [summary.text("de"), summary.text("en")]
            if result.proposal:
                lines += ["", msg("inbox.proposed").text("de"), msg("inbox.proposed").text("en"),
                          "", result.proposal.manifest]
            dest = self._move(item, self.done)
            log.info("inbox: %s", result.summary())
        else:
            for lang in LANGS:
                lines += [msg("inbox.not_installed", name=item.name).text(lang), ""]
                lines += [f"- {p.text(lang)}" for p in result.report.problems] + [""]
            dest = self._move(item, self.failed)
            log.warning("inbox: %s: %s", item.name,
                        "; ".join(str(p) for p in result.report.problems))
        with contextlib.suppress(OSError):
            dest.with_name(dest.name + ".txt").write_text("\n".join(lines) + "\n",
                                                          encoding="utf-8")
        if result.ok and self.on_installed is not None:
            self.on_installed(result)
        return result

    def _move(self, item: Path, folder: Path) -> Path:
        dest = folder / item.name
        if dest.exists() or dest.with_name(dest.name + ".txt").exists():
            stamp = self.now().strftime("%Y%m%d-%H%M%S")
            n = 1
            while True:
                dest = folder / f"{item.stem}-{stamp}{'-' + str(n) if n > 1 else ''}{item.suffix}"
                if not dest.exists():
                    break
                n += 1
        try:
            item.replace(dest)
        except OSError:
            shutil.move(str(item), str(dest))
        return dest
