"""Before the first window: can Qt's X11 platform plugin load on this machine?

Qt's wheels bring their own Qt libraries but rely on the system for a few X11 ones
(``libxcb-icccm4``, ``libxcb-keysyms1``, ``libxcb-cursor0`` …). A desktop without them makes
Qt abort the whole process with "could not load the Qt platform plugin xcb" and a hint to
reinstall, which is wrong. This module finds the missing libraries first (``ldd`` on the
plugin, which runs none of its code) so the kiosk can say which command fixes it: the one
docs/installing.md lists. No Qt import here: the caller passes the plugin folder.
"""

from __future__ import annotations

import ctypes
import logging
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

# The same command as in docs/installing.md (a test keeps the two equal).
APT_COMMAND = ("sudo apt install libgl1 libegl1 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 "
               "libxkbcommon-x11-0 libfontconfig1")
XCB_PLUGIN = "libqxcb.so"
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_CANNOT_OPEN = re.compile(r"^(\S+?): cannot open shared object file")

Runner = Callable[[list[str]], str]


class DisplayUnavailable(RuntimeError):
    """Qt cannot open a window here; the message says how to fix it."""


def uses_xcb(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether Qt will pick its X11 (xcb) platform plugin for a window."""
    if not platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(":", 1)[0].split(";", 1)[0] == "xcb"
    # Qt prefers Wayland in a Wayland session; X11 otherwise.
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" and bool(env.get("WAYLAND_DISPLAY"))
    return not wayland


def _ldd(args: list[str]) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=20,
                          check=False).stdout


def missing_libraries(plugin: Path, run: Runner = _ldd) -> list[str]:
    """The shared libraries ``plugin`` needs that the system does not have."""
    try:
        output = run(["ldd", str(plugin)])
    except (OSError, subprocess.SubprocessError):  # no ldd: let the loader say it
        try:
            ctypes.CDLL(str(plugin))
        except OSError as exc:
            match = _CANNOT_OPEN.match(str(exc))
            return [match.group(1)] if match else []
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(output)))


def loads(library: Path) -> bool:
    """Whether the dynamic loader of this very process can load ``library``."""
    try:
        ctypes.CDLL(str(library))
    except OSError:
        return False
    return True


def no_screen_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """The fix when Qt would use X11 but there is no X display to talk to (a start from an
    SSH session), or None. Qt itself blames a missing libxcb-cursor0 in that case."""
    if not uses_xcb(env, platform) or env.get("DISPLAY", "").strip():
        return None
    return ("cannot open a window: there is no screen here (DISPLAY is not set, e.g. in an "
            "SSH session). Start the kiosk on its own screen: from its desktop, with "
            "autostart, or from SSH with\n    DISPLAY=:0 ./start.sh\n"
            "(see docs/installing.md; to try it without a screen: xvfb-run ./start.sh)")


def xcb_problem(plugins_dir: Path, env: Mapping[str, str], platform: str = sys.platform,
                run: Runner = _ldd, can_load: Callable[[Path], bool] = loads) -> str | None:
    """What stops Qt's X11 plugin from loading, and the fix; None when nothing does.

    ``ldd`` names every missing library at once; the loader has the last word, since a
    bundle may carry libraries ``ldd`` cannot see from outside the process.
    """
    if not uses_xcb(env, platform):
        return None
    plugin = plugins_dir / "platforms" / XCB_PLUGIN
    if not plugin.is_file():
        return None  # a build without the plugin: Qt's own message names the choices
    missing = missing_libraries(plugin, run)
    if not missing or can_load(plugin):
        return None
    log.debug("Qt's X11 plugin %s misses %s", plugin, missing)
    return (f"cannot open a window: this desktop lacks system libraries Qt needs "
            f"({', '.join(missing)}). Install them with:\n    {APT_COMMAND}\n"
            "(see docs/installing.md; without a screen use QT_QPA_PLATFORM=offscreen)")
