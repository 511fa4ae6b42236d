"""The bundle's smaller native libraries (build/native_libs.py), tried in this virtualenv.

Each library is compiled as the build compiles it, then loaded in place of the wheel's
original with LD_PRELOAD: the dynamic linker matches libraries by their SONAME, so OpenCV
and Qt take the stand-ins exactly as they do inside the bundle.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.runtime.native_check import linear_algebra_problems
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "build"))
import native_libs

linux_with_cc = pytest.mark.skipif(
    sys.platform != "linux" or not (shutil.which("cc") or shutil.which("gcc"))
    or not shutil.which("nm") or not shutil.which("readelf"),
    reason="the stand-in libraries are built on Linux with a C compiler and binutils")

SITE = Path(np.__file__).resolve().parents[1]
CV2_LIBS = Path(cv2.__file__).resolve().parents[1] / "opencv_python_headless.libs"
CV2_SO = next(Path(cv2.__file__).resolve().parent.glob("cv2*.so"), None)


def only(folder: Path, pattern: re.Pattern[str]) -> Path:
    found = [p for p in folder.iterdir() if pattern.match(p.name)]
    if len(found) != 1:
        pytest.skip(f"expected one {pattern.pattern} in {folder}, found {len(found)}")
    return found[0]


def python(code: str, preload: list[Path]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, LD_PRELOAD=" ".join(map(str, preload)),
               QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


def bridge_in(tmp_path: Path) -> Path:
    """The BLAS bridge built into tmp_path/libs, NumPy's OpenBLAS reachable beside it."""
    original = only(CV2_LIBS, native_libs.OPENBLAS_RE)
    numpy_blas = only(SITE / "numpy.libs", native_libs.NUMPY_OPENBLAS_RE)
    (tmp_path / "numpy.libs").symlink_to(numpy_blas.parent)
    assert CV2_SO is not None
    return native_libs.blas_bridge(original, numpy_blas, [CV2_SO],
                                   tmp_path / "libs")


CHECK = """
    from kiosk.runtime.native_check import linear_algebra_problems
    maps = open("/proc/self/maps").read()
    print(linear_algebra_problems())
    print(sorted({line.rsplit("/", 1)[-1] for line in maps.splitlines() if "openblas" in line}))
"""


def test_opencv_agrees_with_numpy_here() -> None:
    assert linear_algebra_problems() == []


@linux_with_cc
def test_opencv_runs_on_numpys_openblas_through_the_bridge(tmp_path: Path) -> None:
    bridge = bridge_in(tmp_path)
    assert bridge.stat().st_size < 100_000
    out = python(CHECK, [bridge])
    assert out.returncode == 0, out.stderr
    problems, libs = out.stdout.splitlines()
    assert problems == "[]"
    # OpenCV's own OpenBLAS is never loaded: the bridge and NumPy's copy are.
    assert bridge.name in libs and "libscipy_openblas64_" in libs
    assert only(CV2_LIBS, native_libs.OPENBLAS_RE).name not in libs.replace(bridge.name, "")


@linux_with_cc
def test_a_broken_bridge_is_caught_by_the_self_check(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "src"
    source.mkdir()
    text = (native_libs.HERE / "native" / "opencv_blas_bridge.c").read_text(encoding="utf-8")
    broken = text.replace("scipy_cblas_sgemm64_(order, ta, tb, m, n, k, alpha,",
                          "scipy_cblas_sgemm64_(order, ta, tb, m, n, k, alpha * 1.01f,")
    assert broken != text
    (source / "opencv_blas_bridge.c").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(native_libs, "SOURCES", source)
    bridge = bridge_in(tmp_path)
    out = python(CHECK, [bridge])
    assert "gemm/float32: differs from NumPy" in out.stdout.splitlines()[0]


@linux_with_cc
def test_qt_draws_the_same_without_icu_data(tmp_path: Path) -> None:
    import PySide6

    original = only(Path(PySide6.__file__).parent / "Qt" / "lib", native_libs.ICUDATA_RE)
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
def test_slim_replaces_both_and_drops_what_only_opencvs_openblas_needed(
        tmp_path: Path) -> None:
    binaries = [(str(p.relative_to(SITE)), str(p), "BINARY")
                for folder in (CV2_LIBS, SITE / "numpy.libs") for p in folder.iterdir()]
    assert CV2_SO is not None
    binaries.append((f"cv2/{CV2_SO.name}", str(CV2_SO), "BINARY"))
    out = native_libs.slim(binaries, tmp_path)
    names = {Path(dest).name: src for dest, src, _ in out}
    blas = only(CV2_LIBS, native_libs.OPENBLAS_RE).name
    assert names[blas].startswith(str(tmp_path))
    fortran = [n for n in native_libs._needed(str(CV2_LIBS / blas)) if "gfortran" in n]
    assert fortran and not any(f in names for f in fortran)
    assert any("gfortran" in n for n in names)  # NumPy's own stays
    assert len(out) < len(binaries)
