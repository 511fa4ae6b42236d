"""The one build command: a one-folder Showroom Kiosk bundle for this OS, smoke-tested.

    .venv/bin/python build/build.py [--clean] [--no-smoke] [--archive] [--keep-smoke-dir]

1. stamps the version: ``build/work/build_info.json`` (version, git commit, build time), which
   the spec ships at the bundle's root and ``kiosk --version`` prints;
2. runs PyInstaller with ``build/kiosk.spec`` into ``build/dist/showroom-kiosk/``;
3. checks the bundle's modules: every kiosk module and every third-party module the kiosk
   imports is in, with the parts packages such as psycopg load by name
   (``build/bundle_contents.py``), and the excluded packages are out;
4. prints the bundle size (and, with ``--archive``, packs it into one .tar.gz / .zip);
5. runs ``build/smoke_bundle.py`` on it.

Exit status 0 only if every step passed. Needs PyInstaller in the running Python
(``pip install -e .[dev]``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bundle_contents import kiosk_imports, left_out, missing_run_time_parts
from smoke_bundle import SIZE_LIMIT_MB, largest_parts, tree_size

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
DIST = BUILD / "dist"
WORK = BUILD / "work"
SPEC = BUILD / "kiosk.spec"
NAME = "showroom-kiosk"
CONTENTS = "_internal"
BUILD_INFO = WORK / "build_info.json"

# Packages the bundle must not contain.
FORBIDDEN_PACKAGES = ("torch", "matplotlib", "scipy", "sklearn", "skimage", "PIL", "tkinter",
                      "pytest", "hypothesis", "onnx", "PyQt5", "PyQt6", "PySide6.QtWebEngineCore",
                      "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtNetwork", "PySide6.QtOpenGL",
                      "pyqtgraph", "tests")


def write_build_info() -> dict[str, str]:
    """Stamp the version and commit the bundle is built from."""
    sys.path.insert(0, str(ROOT))
    from kiosk import __version__
    from kiosk.version import git_commit

    info = {
        "version": __version__,
        "commit": git_commit(),
        "built_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": f"{platform.system()}-{platform.machine()}",
        "python": platform.python_version(),
    }
    WORK.mkdir(parents=True, exist_ok=True)
    BUILD_INFO.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def run_pyinstaller(clean: bool) -> None:
    """PyInstaller with the spec; raises CalledProcessError when it fails."""
    cmd = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm",
           "--distpath", str(DIST), "--workpath", str(WORK / "pyinstaller"),
           "--log-level", "WARN"]
    if clean:
        cmd.append("--clean")
    subprocess.run(cmd, cwd=ROOT, check=True)


def bundled_modules(exe: Path) -> set[str]:
    """Names of the Python modules frozen into the bundle's program."""
    from PyInstaller.archive.readers import pkg_archive_contents

    return set(pkg_archive_contents(str(exe)))


def bundled_files(bundle: Path) -> set[str]:
    """Module names of the extension modules and Python files shipped as files (e.g. cv2)."""
    names: set[str] = set()
    for path in bundle.rglob("*"):
        if path.suffix not in (".py", ".pyc", ".so", ".pyd"):
            continue
        parts = list(path.relative_to(bundle / CONTENTS).parts)
        parts[-1] = parts[-1].split(".", 1)[0]
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def check_modules(bundle: Path, exe: Path) -> list[str]:
    """Problems with the bundle's modules: required ones missing, excluded ones present."""
    try:
        modules = bundled_modules(exe) | bundled_files(bundle)
    except Exception as exc:  # any reader error is a failed check, reported as such
        return [f"cannot read the modules of {exe.name}: {exc}"]
    own, third = kiosk_imports(ROOT)
    skipped = left_out(third)
    for module, reason in skipped.items():
        print(f"build: note: {module} is left out of the bundle on purpose: {reason}")
    problems = [f"module {m} is missing" for m in sorted(own | third)
                if m not in modules and m not in skipped]
    problems += missing_run_time_parts(modules)
    problems += [f"package {p} should be excluded" for p in FORBIDDEN_PACKAGES
                 if any(m == p or m.startswith(p + ".") for m in modules)]
    return problems


def make_archive(bundle: Path, info: dict[str, str]) -> Path:
    """The bundle as one file, links kept (a FAT/exFAT stick cannot hold the bundle's links)."""
    base = DIST / f"{NAME}-{info['version']}-{info['platform'].lower()}"
    fmt = "zip" if sys.platform == "win32" else "gztar"
    return Path(shutil.make_archive(str(base), fmt, root_dir=DIST, base_dir=bundle.name))


def main(argv: list[str] | None = None) -> int:
    """Build, check, measure and smoke-test; 0 when all passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clean", action="store_true",
                        help="discard PyInstaller's cache and work files first (slower)")
    parser.add_argument("--no-smoke", action="store_true", help="build only")
    parser.add_argument("--keep-smoke-dir", action="store_true",
                        help="keep the smoke test's temporary copy for inspection")
    parser.add_argument("--archive", action="store_true",
                        help="also pack the bundle into build/dist/showroom-kiosk-<version>-"
                             "<platform>.tar.gz (.zip on Windows) for a USB stick")
    args = parser.parse_args(argv)
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        print("build: PyInstaller is not installed; run: .venv/bin/pip install -e '.[dev]'",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    info = write_build_info()
    print(f"build: Showroom Kiosk {info['version']} ({info['commit']}) for {info['platform']}",
          flush=True)
    bundle = DIST / NAME
    if args.clean and bundle.exists():
        shutil.rmtree(bundle)
    try:
        run_pyinstaller(args.clean)
    except subprocess.CalledProcessError as exc:
        print(f"build: PyInstaller failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    build_s = time.perf_counter() - t0
    exe = bundle / (NAME + (".exe" if sys.platform == "win32" else ""))
    problems = check_modules(bundle, exe)
    for problem in problems:
        print(f"build: FAIL {problem}", file=sys.stderr)
    size_mb = tree_size(bundle) / 1e6
    left = SIZE_LIMIT_MB - size_mb
    budget = f"{left:.0f} MB left" if left >= 0 else f"OVER by {-left:.0f} MB"
    print(f"build: bundle {bundle.relative_to(ROOT)}  {size_mb:.0f} MB on disk "
          f"(budget {SIZE_LIMIT_MB:.0f} MB: {budget}; built in {build_s:.0f} s); "
          "largest parts:", flush=True)
    for name, size in largest_parts(bundle / CONTENTS):
        print(f"build:   {size / 1e6:6.1f} MB  {name}")
    if problems:
        return 1
    if args.archive:
        archive = make_archive(bundle, info)
        print(f"build: archive {archive.relative_to(ROOT)}  {archive.stat().st_size / 1e6:.0f} MB",
              flush=True)
    if args.no_smoke:
        return 0
    t1 = time.perf_counter()
    cmd = [sys.executable, str(BUILD / "smoke_bundle.py"), str(bundle)]
    if args.keep_smoke_dir:
        cmd.append("--keep")
    smoke = subprocess.run(cmd, check=False)
    print(f"build: smoke test {'passed' if smoke.returncode == 0 else 'FAILED'} in "
          f"{time.perf_counter() - t1:.0f} s; total {time.perf_counter() - t0:.0f} s")
    return smoke.returncode


if __name__ == "__main__":
    sys.exit(main())
