"""Qt's X11 plugin and the system libraries it needs (kiosk.runtime.display_check)."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

import pytest

from kiosk.runtime.display_check import (
    APT_COMMAND,
    XCB_PLUGIN,
    missing_libraries,
    no_screen_problem,
    uses_xcb,
    xcb_problem,
)

ROOT = Path(__file__).resolve().parents[2]

# ldd on PySide6 6.10's libqxcb.so on a Debian 12 container without the X11 extras
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007f3d25f22000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x7f)
\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007f3d25dc4000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f3d25d6a000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f3d25d62000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
"""


def plugins_with_xcb(tmp_path: Path) -> Path:
    (tmp_path / "platforms").mkdir(exist_ok=True)
    (tmp_path / "platforms" / XCB_PLUGIN).write_bytes(b"\x7fELF")
    return tmp_path


def test_the_install_command_is_the_one_the_docs_list() -> None:
    docs = (ROOT / "docs" / "installing.md").read_text(encoding="utf-8")
    assert APT_COMMAND in docs.splitlines()


@pytest.mark.parametrize("env, platform, expected", [
    ({}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"XDG_SESSION_TYPE": "x11"}, "linux", True),
    ({}, "win32", False),
])
def test_when_qt_uses_x11(env: dict[str, str], platform: str, expected: bool) -> None:
    assert uses_xcb(env, platform) is expected


def test_missing_libraries_are_named_once_each(tmp_path: Path) -> None:
    plugin = plugins_with_xcb(tmp_path) / "platforms" / XCB_PLUGIN
    assert missing_libraries(plugin, run=lambda _: LDD_MISSING) == [
        "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_the_problem_names_the_libraries_and_the_command(tmp_path: Path) -> None:
    problem = xcb_problem(plugins_with_xcb(tmp_path), {}, "linux", run=lambda _: LDD_MISSING,
                          can_load=lambda _: False)
    assert problem is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert APT_COMMAND in problem
    complete = LDD_MISSING.replace("not found", "/lib/x86_64-linux-gnu/lib.so (0x1)")
    assert xcb_problem(plugins_with_xcb(tmp_path), {}, "linux", run=lambda _: complete) is None
    # ldd sees from outside what the process may have (a bundle's own copies): the loader wins
    assert xcb_problem(plugins_with_xcb(tmp_path), {}, "linux", run=lambda _: LDD_MISSING,
                       can_load=lambda _: True) is None
    # offscreen (screenshots, tests) never needs the X11 libraries
    assert xcb_problem(plugins_with_xcb(tmp_path), {"QT_QPA_PLATFORM": "offscreen"}, "linux",
                       run=lambda _: LDD_MISSING) is None


def test_on_this_machine_the_check_agrees_with_the_loader() -> None:
    from PySide6.QtCore import QLibraryInfo

    plugin = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / \
        XCB_PLUGIN
    if not plugin.is_file() or subprocess.run(["which", "ldd"], capture_output=True,
                                              check=False).returncode:
        pytest.skip("no X11 plugin or no ldd here")
    try:
        ctypes.CDLL(str(plugin))
        loads = True
    except OSError:
        loads = False
    by_ldd = missing_libraries(plugin)
    assert (by_ldd == []) is loads

    def no_ldd(_: list[str]) -> str:
        raise FileNotFoundError("ldd")

    by_loader = missing_libraries(plugin, run=no_ldd)  # the loader names the first it misses
    assert by_loader == by_ldd[:1] or (by_loader and by_loader[0] in by_ldd)


def test_no_screen_says_so_instead_of_blaming_a_library() -> None:
    """From an SSH session Qt aborted with "xcb-cursor0 … is needed": the libraries were
    all there, the screen was not."""
    problem = no_screen_problem({}, "linux")
    assert problem is not None and "DISPLAY=:0 ./start.sh" in problem
    assert "xvfb-run" in problem
    assert no_screen_problem({"DISPLAY": ":0"}, "linux") is None
    assert no_screen_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_screen_problem({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "w-0"},
                             "linux") is None
    assert no_screen_problem({}, "win32") is None
