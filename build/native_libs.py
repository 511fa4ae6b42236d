"""Two native libraries the bundle ships smaller than the wheels do (Linux).

Used by ``build/kiosk.spec``; the sources are in ``build/native/``.

* **OpenCV's OpenBLAS → NumPy's.** The opencv-python wheel carries a complete OpenBLAS
  (39 MB, plus its own libgfortran) next to NumPy's. ``opencv_blas_bridge.c`` becomes a small
  library with the file name of OpenCV's copy that forwards OpenCV's 19 BLAS/LAPACK calls to
  NumPy's copy. Used only when OpenCV needs no other symbol from its OpenBLAS and the bridge
  links against NumPy's without a missing symbol. ``kiosk self-test`` compares OpenCV's
  solvers with NumPy's (``kiosk.runtime.native_check``), so the smoke test of the bundle
  proves the bridge works.
* **ICU's data → none.** Qt links to ICU, whose data library is 32 MB of collation,
  converter and locale tables the kiosk never uses. ``icu_stubdata.c`` is an empty data
  package under the same name (ICU's own "stubdata" approach); ICU keeps working and answers
  a request for data it does not have with an error, which Qt handles.

Each replacement falls back to the original library, with a line saying why, when no C
compiler is found or a check fails: the bundle then works as before, only bigger.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "native"
OPENBLAS_RE = re.compile(r"^libopenblas.*\.so(\.|$)")
NUMPY_OPENBLAS_RE = re.compile(r"^libscipy_openblas64_.*\.so$")
ICUDATA_RE = re.compile(r"^libicudata\.so\.(\d+)$")

Entry = tuple[str, str, str]  # PyInstaller's (name in the bundle, source path, kind)


def _say(message: str) -> None:
    print(f"native_libs: {message}", flush=True)


def _tool(name: str) -> str | None:
    return shutil.which(name) if sys.platform == "linux" else None


def dynamic_symbols(library: Path, *, defined: bool) -> set[str]:
    """Names of the dynamic symbols ``library`` defines (or needs, with defined=False)."""
    nm = _tool("nm")
    if nm is None:
        raise FileNotFoundError("nm")
    flag = "--defined-only" if defined else "--undefined-only"
    out = subprocess.run([nm, "-D", flag, str(library)], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1].split("@")[0] for line in out.splitlines() if line.strip()}


def compile_library(source: Path, out: Path, soname: str, extra: Iterable[str] = ()) -> Path:
    """``source`` compiled into the shared library ``out`` named ``soname``."""
    cc = _tool("cc") or _tool("gcc")
    if cc is None:
        raise FileNotFoundError("no C compiler (cc/gcc)")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-o", str(out),
                    str(source), f"-Wl,-soname,{soname}", "-Wl,--no-undefined", *extra],
                   check=True, capture_output=True, text=True)
    return out


def icu_stub(original: Path, out_dir: Path) -> Path:
    """An empty ICU data library in place of ``original`` (libicudata.so.NN)."""
    match = ICUDATA_RE.match(original.name)
    if match is None:
        raise ValueError(f"not an ICU data library: {original.name}")
    entry = f"icudt{match.group(1)}_dat"
    if entry not in dynamic_symbols(original, defined=True):
        raise ValueError(f"{original.name} does not define {entry}")
    return compile_library(SOURCES / "icu_stubdata.c", out_dir / original.name, original.name,
                           [f"-DICU_ENTRY={entry}"])


def blas_bridge(original: Path, numpy_openblas: Path, users: Iterable[Path],
                out_dir: Path) -> Path:
    """A bridge named like ``original`` (OpenCV's OpenBLAS) that calls ``numpy_openblas``.

    ``users`` are the libraries that link to ``original``: the bridge must define every
    symbol they take from it.
    """
    wanted: set[str] = set()
    provided = dynamic_symbols(original, defined=True)
    for user in users:
        wanted |= dynamic_symbols(user, defined=False) & provided
    # The bridge's run path finds NumPy's copy beside it, as in the wheels' install layout.
    rel = f"$ORIGIN/../{numpy_openblas.parent.name}"
    out = compile_library(SOURCES / "opencv_blas_bridge.c", out_dir / original.name,
                          original.name,
                          [f"-L{numpy_openblas.parent}", f"-l:{numpy_openblas.name}",
                           f"-Wl,-rpath,{rel}"])
    missing = wanted - dynamic_symbols(out, defined=True)
    if missing:
        raise ValueError(f"the bridge lacks {', '.join(sorted(missing))}")
    return out


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


@functools.cache
def _needed(path: str) -> frozenset[str]:
    """File names the binary at ``path`` links to directly (its DT_NEEDED entries)."""
    readelf = _tool("readelf")
    if readelf is None:
        return frozenset()
    out = subprocess.run([readelf, "-d", path], capture_output=True, text=True,
                         check=False).stdout
    return frozenset(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out))


def slim(binaries: list[Entry], work: Path) -> list[Entry]:
    """``binaries`` with the two replacements where they apply, minus what only the
    replaced originals needed (OpenCV's libgfortran)."""
    if sys.platform != "linux":
        return binaries
    by_name = {_basename(dest): (dest, src) for dest, src, _ in binaries}
    replaced: dict[str, str] = {}
    for name, (_, src) in by_name.items():
        try:
            if ICUDATA_RE.match(name):
                replaced[name] = str(icu_stub(Path(src), work / "icu"))
            elif OPENBLAS_RE.match(name):
                numpy_blas = next((Path(s) for n, (_, s) in by_name.items()
                                   if NUMPY_OPENBLAS_RE.match(n)), None)
                if numpy_blas is None:
                    raise ValueError("NumPy's OpenBLAS is not in the bundle")
                users = [Path(s) for n, (_, s) in by_name.items() if name in _needed(s)]
                replaced[name] = str(blas_bridge(Path(src), numpy_blas, users,
                                                 work / "blas" / Path(src).parent.name))
        except (OSError, ValueError, subprocess.CalledProcessError) as exc:
            detail = getattr(exc, "stderr", "") or exc
            _say(f"keeping {name} as it is: {detail}")
    if not replaced:
        return binaries
    before = {_basename(d): s for d, s, _ in binaries}
    after = {**before, **replaced}
    # What only the originals needed goes too, and then what only that needed.
    orphans: set[str] = set()
    candidates = set().union(*(_needed(before[n]) - _needed(after[n]) for n in replaced))
    while candidates:
        dep = candidates.pop()
        if dep in before and dep not in orphans and not any(
                dep in _needed(s) for n, s in after.items() if n != dep and n not in orphans):
            orphans.add(dep)
            candidates |= _needed(before[dep])
    for name, src in replaced.items():
        _say(f"{name}: {Path(before[name]).stat().st_size / 1e6:.1f} MB → "
             f"{Path(src).stat().st_size / 1e6:.2f} MB")
    if orphans:
        _say(f"no longer needed: {', '.join(sorted(orphans))}")
    return [(dest, replaced.get(_basename(dest), src), kind) for dest, src, kind in binaries
            if _basename(dest) not in orphans]
