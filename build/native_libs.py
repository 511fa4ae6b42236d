"""ICU's data library, replaced in the bundle by an empty one (Linux).

Used by ``build/kiosk.spec``; the source is ``build/native/icu_stubdata.c``.

Qt links to ICU, whose data library is 32 MB of collation, converter and locale tables the
kiosk never uses. ``icu_stubdata.c`` is an empty data package under the same name (ICU's own
"stubdata" approach); ICU keeps working and answers a request for data it does not have with
an error, which Qt handles. ``tests/unit/test_native_libs.py`` renders German text with and
without the stub and compares the pixels.

The replacement falls back to the original library, with a line saying why, when no C
compiler is found or a check fails: the bundle then works as before, only bigger.
Every other native library ships exactly as its wheel has it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "native"
ICUDATA_RE = re.compile(r"^libicudata\.so\.(\d+)$")

Entry = tuple[str, str, str]  # PyInstaller's (name in the bundle, source path, kind)


def _say(message: str) -> None:
    print(f"native_libs: {message}", flush=True)


def _tool(name: str) -> str | None:
    return shutil.which(name) if sys.platform == "linux" else None


def dynamic_symbols(library: Path) -> set[str]:
    """Names of the dynamic symbols ``library`` defines."""
    nm = _tool("nm")
    if nm is None:
        raise FileNotFoundError("nm")
    out = subprocess.run([nm, "-D", "--defined-only", str(library)], capture_output=True,
                         text=True, check=True).stdout
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
    if entry not in dynamic_symbols(original):
        raise ValueError(f"{original.name} does not define {entry}")
    return compile_library(SOURCES / "icu_stubdata.c", out_dir / original.name, original.name,
                           [f"-DICU_ENTRY={entry}"])


def _basename(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def slim(binaries: list[Entry], work: Path) -> list[Entry]:
    """``binaries`` with ICU's data library replaced by the empty one where that works."""
    if sys.platform != "linux":
        return binaries
    out: list[Entry] = []
    for dest, src, kind in binaries:
        name = _basename(dest)
        if ICUDATA_RE.match(name):
            try:
                stub = icu_stub(Path(src), work / "icu")
            except (OSError, ValueError, subprocess.CalledProcessError) as exc:
                _say(f"keeping {name} as it is: {getattr(exc, 'stderr', '') or exc}")
            else:
                _say(f"{name}: {Path(src).stat().st_size / 1e6:.1f} MB → "
                     f"{stub.stat().st_size / 1e6:.2f} MB")
                src = str(stub)
        out.append((dest, src, kind))
    return out


# -- debug symbols ------------------------------------------------------------------------------
PT_LOAD = 1
PAGE = 4096


def load_segments_aligned(path: Path) -> bool:
    """Whether every loadable segment of the 64-bit little-endian ELF file ``path`` keeps its
    file offset and address congruent modulo its alignment (and the page size), as the
    dynamic linker requires. False for anything else, including files that are not ELF."""
    with path.open("rb") as f:
        head = f.read(64)
        if len(head) < 64 or head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
            return False
        phoff, = struct.unpack_from("<Q", head, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    if phentsize < 56 or len(table) < phentsize * phnum:
        return False
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, _, _, p_align = struct.unpack_from(
            "<IIQQQQQQ", table, i * phentsize)
        if p_type != PT_LOAD:
            continue
        modulus = max(p_align, PAGE)
        if p_align % PAGE or (p_vaddr - p_offset) % modulus:
            return False
    return True


def stripped(src: Path, out: Path) -> Path | None:
    """A copy of the ELF file ``src`` without symbols nothing links against (``out``), or
    None when stripping would not help or would break it.

    Wheel libraries that auditwheel patched can come out of ``strip`` with segments the
    dynamic linker refuses ("ELF load command address/offset not page-aligned"); those stay
    as they are.
    """
    strip = _tool("strip")
    if strip is None or not load_segments_aligned(src):
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, out)
    done = subprocess.run([strip, "--strip-unneeded", str(out)], capture_output=True,
                          check=False)
    if done.returncode != 0 or not load_segments_aligned(out):
        _say(f"keeping the symbols of {src.name}: stripping would break it")
        out.unlink()
        return None
    return out if out.stat().st_size < src.stat().st_size else None


def strip_binaries(binaries: list[Entry], work: Path) -> list[Entry]:
    """``binaries`` with debug information and local symbols stripped from every ELF file
    that has some (Linux; the wheels leave several MB in OpenBLAS, libpng, ICU, NumPy's
    extensions and a pyenv-built Python)."""
    if sys.platform != "linux":
        return binaries
    out: list[Entry] = []
    saved = 0
    for dest, src, kind in binaries:
        if kind in ("BINARY", "EXTENSION") and Path(src).is_file():
            small = stripped(Path(src), work / dest)
            if small is not None:
                saved += Path(src).stat().st_size - small.stat().st_size
                src = str(small)
        out.append((dest, src, kind))
    _say(f"debug symbols stripped: {saved / 1e6:.1f} MB")
    return out
