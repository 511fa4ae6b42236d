"""What the staff panel may do, as plain callables the app provides (the composition root).

The panel never imports the controller, the pack installer or the event store: it is
given a :class:`StaffServices`, and tests give it fakes. Callables marked *blocking* run in
the event loop's default executor; all others are called on the GUI thread and must be
quick.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QWidget

from kiosk.core.i18n import Lang, Text
from kiosk.core.settings import Settings
from kiosk.runtime.sources import FrameSource

if TYPE_CHECKING:
    from kiosk.runtime.central.forwarder import SyncState


@dataclass(frozen=True)
class DemoRow:
    """One demo as staff see it."""

    demo_id: str
    title: Text
    enabled: bool  # staff's switch (settings.disabled_demos)
    ready: bool = True  # False: broken, cannot be shown whatever the switch says
    # why it is not ready, or why it was switched off by itself
    reasons: Sequence[str | Text] = ()
    auto_disabled: bool = False  # switched off after failing repeatedly


@dataclass(frozen=True)
class CameraChoice:
    """One picture source staff can pick; ``value`` is what goes into ``Settings.camera``."""

    value: str
    label: Text


@dataclass(frozen=True)
class ActionResult:
    """The outcome of a self-test or a pack import: a verdict and lines for staff."""

    ok: bool
    message: str | Text  # Text: shown in the staff's language


@dataclass(frozen=True)
class HealthSnapshot:
    """How the app is doing right now."""

    uptime_s: float
    fps: Mapping[str, float] = field(default_factory=dict)  # demo id → frames per second
    errors: Sequence[str] = ()  # recent errors, newest last
    disk_free_bytes: int | None = None  # in the data dir
    disk_total_bytes: int | None = None
    last_crash: str | None = None  # text of the newest crash log
    # settings problems found at start, broken PIN file … (Text: in the staff's language)
    problems: Sequence[str | Text] = ()
    disk_problem: str | None = None  # "read_only" or "full": the data dir takes no writes
    data_dir: str = ""
    version: str = ""  # "0.1.0 (61afb7d)"
    camera: str = ""  # the camera setting: an index, "sample", a file or folder
    camera_state: str = "unopened"  # "live", "fallback" (sample photos instead), "unopened"
    # demo id → what its models run on: "provider" (short name), "threads", "precision"
    runtime: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    providers: Sequence[str] = ()  # execution providers this machine offers (short names)
    sync: SyncState | None = None  # forwarding to the central database; None: not configured


def default_media_roots() -> list[Path]:
    """Where USB sticks and folders are: mounted media first, then the home folder.

    Linux desktops mount sticks under ``/media/<user>/`` or ``/run/media/<user>/``;
    ``/mnt`` catches manual mounts; on Windows the drive letters play that part.
    """
    roots: list[Path] = []
    if os.name == "nt":
        roots = [Path(f"{c}:\\") for c in "DEFGHIJKLMNOPQRSTUVWXYZ" if Path(f"{c}:\\").exists()]
    else:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry in some containers
            user = ""
        bases = [Path("/media") / user, Path("/run/media") / user] if user else []
        for base in [*bases, Path("/media"), Path("/mnt")]:
            try:
                children = sorted(base.iterdir())
            except OSError:
                continue
            # Only real mounts: an empty /media/cdrom or the user's own folder is no stick.
            roots += [c for c in children if c not in roots and os.path.ismount(c)]
    home = Path.home()
    if home.is_dir() and home not in roots:
        roots.append(home)
    return roots


def _nothing(*_: Any) -> None:
    return None


@dataclass
class StaffServices:
    """Everything the staff panel can do; the app fills it from its own objects."""

    list_demos: Callable[[], list[DemoRow]]  # in home-screen order
    set_demo_enabled: Callable[[str, bool], None]
    set_demo_order: Callable[[list[str]], None]  # every demo id, in the new order
    self_test: Callable[[str], ActionResult]  # blocking
    import_pack: Callable[[Path], ActionResult]  # blocking; a folder, .zip or .onnx
    # blocking (it looks for cameras): the cameras found, the sample photos, media files
    camera_choices: Callable[[], list[CameraChoice]]
    get_settings: Callable[[], Settings]
    # Apply and save; raise kiosk.core.settings.SettingsError (its message is shown).
    set_settings: Callable[[Settings], None]
    health: Callable[[], HealthSnapshot]
    restart: Callable[[], None]
    exit_kiosk: Callable[[], None]
    log_event: Callable[[str, dict[str, Any]], None] = _nothing  # never gets a PIN
    # The visitor statistics page: (staff language, parent) -> widget, made on first view.
    stats_widget: Callable[[Lang, QWidget], QWidget] | None = None
    open_preview: Callable[[str], FrameSource] | None = None  # blocking; camera value → source
    media_roots: Callable[[], list[Path]] = default_media_roots  # blocking (slow sticks)
    # Called with True when staff mode opens (e.g. end the visitor session, free the camera)
    # and False when it closes (e.g. rebuild the home tiles).
    on_staff_mode: Callable[[bool], None] = _nothing
