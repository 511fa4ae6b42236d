"""The bundle's empty ICU data library (build/native_libs.py), tried in this virtualenv.

The stub is compiled as the build compiles it, then loaded in place of the wheel's original
with LD_PRELOAD: the dynamic linker matches libraries by their SONAME, so Qt takes the stub
exactly as it does inside the bundle.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "build"))
import native_libs

linux_with_cc = pytest.mark.skipif(
    sys.platform != "linux" or not (shutil.which("cc") or shutil.which("gcc"))
    or not shutil.which("nm"),
    reason="the ICU stub is built on Linux with a C compiler and binutils")
linux_with_strip = pytest.mark.skipif(
    sys.platform != "linux" or not shutil.which("strip"),
    reason="libraries are stripped on Linux with binutils")


def only(folder: Path, pattern: re.Pattern[str]) -> Path:
    found = [p for p in folder.iterdir() if pattern.match(p.name)]
    if len(found) != 1:
        pytest.skip(f"expected one {pattern.pattern} in {folder}, found {len(found)}")
    return found[0]


def qt_lib() -> Path:
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "lib"


def python(code: str, preload: list[Path]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LD_PRELOAD=" ".join(map(str, preload)),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


@linux_with_cc
def test_qt_draws_the_same_without_icu_data(tmp_path: Path) -> None:
    original = only(qt_lib(), native_libs.ICUDATA_RE)
    stub = native_libs.icu_stub(original, tmp_path)
    assert stub.stat().st_size < 100_000
    render = """
        import hashlib, sys
        from PySide6.QtCore import QLocale, Qt
        from PySide6.QtGui import QFont, QImage, QPainter
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        image = QImage(900, 200, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setFont(QFont("Sans", 18))
        text = "Größe, Übung, Äpfel — straße. Fußgänger schauen der KI zu, Schritt für Schritt."
        painter.drawText(image.rect(), Qt.TextFlag.TextWordWrap, text)
        painter.end()
        print(hashlib.sha256(bytes(image.constBits())).hexdigest())
        print(QLocale("de_DE").toUpper("straße"), QLocale("de_DE").toString(1234.5, "f", 1))
    """
    with_data = python(render, [])
    without = python(render, [stub])
    assert with_data.returncode == 0 and without.returncode == 0, without.stderr
    assert without.stdout == with_data.stdout
    assert without.stdout.splitlines()[1] == "STRASSE 1.234,5"


@linux_with_cc
def test_slim_replaces_icu_data_only(tmp_path: Path) -> None:
    import cv2

    cv2_libs = Path(cv2.__file__).resolve().parents[1] / "opencv_python_headless.libs"
    binaries = [(f"{folder.name}/{p.name}", str(p), "BINARY")
                for folder in (qt_lib(), cv2_libs) for p in sorted(folder.iterdir())
                if ".so" in p.name]
    icu = only(qt_lib(), native_libs.ICUDATA_RE)
    out = native_libs.slim(binaries, tmp_path)
    changed = {dest: src for (dest, src, _), (_, before, _) in zip(out, binaries, strict=True)
               if src != before}
    assert [Path(dest).name for dest in changed] == [icu.name]
    assert Path(next(iter(changed.values()))).is_relative_to(tmp_path)
    # OpenCV's own OpenBLAS ships as its wheel has it.
    assert any("openblas" in dest for dest, _, _ in out if Path(dest).parent.name
               == cv2_libs.name)


def a_library_with_symbols() -> Path:
    """One of Python's own extension modules (built with its symbol table here)."""
    import _struct

    path = Path(getattr(_struct, "__file__", ""))
    if not path.is_file():
        pytest.skip("this Python has _struct built in")
    return path


LOAD_STRUCT = """
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("_struct", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    print(module.__file__, module.pack("<iQd", -7, 2**40, 3.5).hex())
"""


@linux_with_strip
def test_a_stripped_library_is_smaller_and_works_the_same(tmp_path: Path) -> None:
    original = a_library_with_symbols()
    small = native_libs.stripped(original, tmp_path / original.name)
    if small is None:
        pytest.skip(f"{original.name} has no symbols to strip in this Python")
    assert small.stat().st_size < original.stat().st_size
    assert native_libs.load_segments_aligned(small)
    outputs = [subprocess.run([sys.executable, "-c", textwrap.dedent(LOAD_STRUCT), str(p)],
                              capture_output=True, text=True, timeout=60, check=False)
               for p in (original, small)]
    assert outputs[0].returncode == 0 and outputs[1].returncode == 0, outputs[1].stderr
    (path, packed), (small_path, small_packed) = (o.stdout.split() for o in outputs)
    assert (path, small_path) == (str(original), str(small))  # each copy really ran
    assert packed == small_packed == "f9ffffff00000000000100000000000000000c40"


def misaligned_copy(original: Path, out: Path) -> Path:
    """``original`` with the file offset of its second loadable segment moved by 8 bytes,
    the layout ``strip`` leaves in some auditwheel-patched libraries."""
    data = bytearray(original.read_bytes())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loads = [phoff + i * phentsize for i in range(phnum)
             if struct.unpack_from("<I", data, phoff + i * phentsize)[0] == native_libs.PT_LOAD]
    offset, = struct.unpack_from("<Q", data, loads[1] + 8)
    struct.pack_into("<Q", data, loads[1] + 8, offset + 8)
    out.write_bytes(bytes(data))
    return out


@linux_with_strip
def test_a_library_the_linker_would_refuse_is_left_alone(tmp_path: Path) -> None:
    bad = misaligned_copy(a_library_with_symbols(), tmp_path / "bad.so")
    loaded = subprocess.run([sys.executable, "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1])",
                             str(bad)], capture_output=True, text=True, timeout=60, check=False)
    assert "not page-aligned" in loaded.stderr  # what the dynamic linker says, for real
    assert not native_libs.load_segments_aligned(bad)
    assert native_libs.stripped(bad, tmp_path / "out" / bad.name) is None
    entries = [("lib/bad.so", str(bad), "BINARY")]
    assert native_libs.strip_binaries(entries, tmp_path / "work") == entries
