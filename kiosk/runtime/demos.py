"""The demo registry: finds demo folders, checks them, and loads their runners.

Discovery never raises: a broken demo becomes a :class:`DemoEntry` in state ``error``
with every reason, shown disabled to staff, while the other demos keep working.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.core.i18n import Text
from kiosk.core.image_header import image_size, too_large
from kiosk.core.manifest import MANIFEST_NAME, Manifest, ManifestProblem, load_manifest
from kiosk.core.paths import demos_dir, models_dir, sample_media_dir
from kiosk.core.problems import Msg, msg
from kiosk.core.safe_read import FileRefused, is_regular_file, read_bounded
from kiosk.runtime.file_cache import FileCache
from kiosk.runtime.onnx_external import external_problems
from kiosk.runtime.onnx_model import ModelLoadError, check_sha256, sha256_of
from kiosk.runtime.pipeline import TaskRunner
from kiosk.runtime.sources import IMAGE_SUFFIXES
from kiosk.runtime.tasks import task_kind

log = logging.getLogger(__name__)


class DemoState(enum.Enum):
    """Whether a demo can be shown to visitors."""

    READY = "ready"
    ERROR = "error"


@dataclass
class DemoEntry:
    """A demo folder and what the kiosk found in it."""

    folder: Path
    manifest: Manifest | None
    problems: list[ManifestProblem] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The manifest id, or the folder name for a manifest that did not parse."""
        return self.manifest.id if self.manifest else self.folder.name

    @property
    def state(self) -> DemoState:
        """``READY`` when nothing is wrong."""
        return DemoState.READY if self.manifest and not self.problems else DemoState.ERROR

    def model_path(self, name: str) -> Path:
        """Where model ``name`` lives: in the demo folder, else among the built-in models."""
        assert self.manifest is not None
        file = self.manifest.models[name].file
        local = self.folder / file
        return local if is_regular_file(local) else models_dir() / file

    def sample_paths(self) -> list[Path]:
        """The pictures the demo starts with when there is no camera (existing ones only):
        each name from the demo folder, else from the built-in sample photos."""
        if self.manifest is None:
            return []
        found = [_sample_file(self.folder, name) for name in self.manifest.sample_media]
        return [p for p in found if p is not None]

    def thumbnail_path(self) -> Path | None:
        """The tile picture, if the demo has one that is safe to decode (a plain file, never
        a link, checked again here: it is decoded by the GUI, long after discovery)."""
        if self.manifest and self.manifest.thumbnail:
            p = self.folder / self.manifest.thumbnail
            return p if thumbnail_problem(p) is None else None
        return None


def check_demo(folder: Path) -> DemoEntry:
    """Parse and statically check one demo folder (no model is loaded)."""
    manifest, problems = load_manifest(folder)
    entry = DemoEntry(folder, manifest, list(problems))
    if manifest is None:
        return entry
    file = f"{folder.name}/{MANIFEST_NAME}"
    kind = task_kind(manifest.task)
    if kind is None:
        entry.problems.append(ManifestProblem(
            file, "task", msg("task.unsupported", value=repr(manifest.task)),
            msg("task.fix.update")))
    else:
        entry.problems += kind.check(manifest)
    builtin = folder.parent.resolve() == demos_dir().resolve()
    for name, ref in manifest.models.items():
        path = entry.model_path(name)
        if not is_regular_file(path):
            fix = (msg("model.fix.reinstall", file=ref.file) if builtin
                   else msg("model.fix.next_to", name=MANIFEST_NAME))
            entry.problems.append(ManifestProblem(
                folder.name, "", msg("model.not_found", file=ref.file), fix))
            continue
        # a model changed after install must not look ready and fail only when tapped
        problem = checksum_problem(path, ref.sha256)
        if problem:
            entry.problems.append(ManifestProblem(folder.name, "", *problem))
        entry.problems += [ManifestProblem(folder.name, f"model {ref.file}", message, fix)
                           for message, fix in
                           external_problems(path, dict(ref.data), cached_sha256)]
    if manifest.thumbnail:
        trouble = thumbnail_problem(folder / manifest.thumbnail)
        if trouble:
            entry.problems.append(ManifestProblem(file, "thumbnail", *trouble))
    for name in manifest.sample_media:
        if _sample_file(folder, name) is None:
            entry.problems.append(ManifestProblem(
                file, "sample_media", msg("sample_media.missing", name=name),
                msg("sample_media.fix.missing")))
    return entry


def _sample_file(folder: Path, name: str) -> Path | None:
    for base in (folder, sample_media_dir()):
        path = base / name
        if is_regular_file(path) and path.suffix.lower() in IMAGE_SUFFIXES:
            return path
    return None


_SHA = FileCache(sha256_of)
MAX_THUMBNAIL_BYTES = 8 * 1024 * 1024
MAX_THUMBNAIL_SIDE = 4096


def cached_sha256(path: Path) -> str:
    """sha256 of ``path``, remembered until the file changes: discovery runs often and must
    stay cheap, yet any change to the file is seen."""
    return _SHA(path)


def checksum_problem(path: Path, expected: str) -> tuple[Msg, Msg] | None:
    """Why the model at ``path`` does not match its ``expected`` sha256 and how to fix it,
    or ``None``."""
    try:
        actual = cached_sha256(path)
    except OSError as exc:
        return (msg("model.named_unreadable", name=path.name, detail=exc.strerror),
                msg("model.fix.check_file"))
    if actual != expected:
        return (msg("model.named_changed", name=path.name, actual=actual[:12],
                    expected=expected[:12]), msg("model.fix.named_changed"))
    return None


def thumbnail_problem(path: Path) -> tuple[Msg, Msg] | None:
    """Why a tile picture cannot be shown safely (missing, a link, too large) and how to fix
    it, or ``None``."""
    try:
        head = read_bounded(path, MAX_THUMBNAIL_BYTES, "Thumbnail")
    except FileRefused as exc:
        # the advice must fit the refusal: "add the picture" to one that is there misleads
        fix = {"read.missing": "thumbnail.fix.add", "read.too_big": "thumbnail.fix.smaller",
               "read.grew": "thumbnail.fix.smaller"}.get(exc.msg.key, "thumbnail.fix.plain")
        return exc.msg, msg(fix)
    size = image_size(head)
    if size is None or too_large(size) or max(size) > MAX_THUMBNAIL_SIDE:
        what = (Text(f"{size[0]}x{size[1]} Pixel groß", f"{size[0]}x{size[1]} pixels") if size
                else msg("thumbnail.not_image").both())
        return (msg("thumbnail.too_large", name=path.name, what=what, side=MAX_THUMBNAIL_SIDE),
                msg("thumbnail.fix.smaller"))
    return None


def discover(dirs: Sequence[Path]) -> list[DemoEntry]:
    """Every demo folder in ``dirs`` (in order; a later id does not replace an earlier one)."""
    entries: list[DemoEntry] = []
    seen: set[str] = set()
    for root in dirs:
        if not root.is_dir():
            continue
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if not (folder / MANIFEST_NAME).exists():
                continue
            entry = check_demo(folder)
            if entry.id in seen:
                entry.problems.append(ManifestProblem(
                    str(folder), "", msg("id.twice", value=repr(entry.id)), msg("id.fix.twice")))
                entry.manifest = None
            seen.add(entry.id)
            if entry.problems:
                log.warning("demo %s is disabled: %s", entry.id,
                            "; ".join(map(str, entry.problems)))
            entries.append(entry)
    entries.sort(key=lambda e: (e.manifest.order if e.manifest else 10_000, e.id))
    return entries


def load_runner(entry: DemoEntry, verify: bool = True) -> TaskRunner:
    """Load a ready demo's models (blocking). Raises :class:`ModelLoadError` for staff."""
    if entry.manifest is None or entry.problems:
        reasons = Text("; ".join(p.text("de") for p in entry.problems),
                       "; ".join(p.text("en") for p in entry.problems))
        raise ModelLoadError(msg("demo.not_ready", id=entry.id, reasons=reasons))
    if verify:
        for name, ref in entry.manifest.models.items():
            check_sha256(entry.model_path(name), ref.sha256)
            for message, fix in external_problems(entry.model_path(name), dict(ref.data),
                                                  sha256_of):
                raise ModelLoadError(msg("model.external", name=ref.file,
                                         problem=message.both(), fix=fix.both()))
    kind = task_kind(entry.manifest.task)
    assert kind is not None  # check_demo flagged unknown tasks
    return kind.build(entry.manifest, entry.model_path)
