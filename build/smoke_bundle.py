"""Smoke test of the frozen kiosk: the bundle as a machine without Python would run it.

    .venv/bin/python build/smoke_bundle.py [BUNDLE] [--keep] [--shots DIR] [--json FILE]
                                           [--max-mb MB] [--strict-start]

BUNDLE defaults to ``build/dist/showroom-kiosk``. The bundle is copied to a temporary folder
and run there with a clean environment (minimal PATH, no PYTHONPATH or VIRTUAL_ENV, HOME and
the working directory in fresh temporary folders, ``QT_QPA_PLATFORM=offscreen``), so it
cannot lean on the project's virtualenv or source tree. Checks:

1. ``--version`` prints the stamped version and commit (``kiosk-cli.exe`` on Windows, where
   the windowed ``showroom-kiosk.exe`` only has to run);
2. ``self-test --json`` passes; ``screenshot`` renders every screen it offers and every demo
   (the PNGs stay in ``build/work/smoke/`` for a person to look at); the staff/IT commands
   the bundle offers (``packs list``, ``settings show``, ``set-pin``, ``log bench``/``stats``)
   exit 0;
3. read-only bundle (``chmod -R a-w``, and on Linux a read-only mount in a private mount
   namespace where ``unshare`` allows it): the kiosk starts with its default data dir and
   self-test passes; afterwards the bundle and the working directory are unchanged and the
   log went into the data dir;
4. cold start to the attract screen (median of 3 runs; ``KIOSK_READY <ms>`` and wall time);
5. a model file deleted from the bundle: self-test names the failing demo and the file,
   every other demo passes, and the kiosk still starts.

Prints the bundle size and start-up figures (targets: ≤ 400 MB, ≤ 1 s) and a JSON summary
as the last line. Exit status 0 only if every check passed. A bundle over ``--max-mb``
(default: the 400 MB budget) fails, naming its largest parts; a slow start is reported
(``SLOW``) and fails only with ``--strict-start``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NAME = "showroom-kiosk"
CLI_NAME = "kiosk-cli"
CONTENTS = "_internal"
SIZE_TARGET_MB = 400.0  # the budget on disk (issue 17); README "Installable bundle"
SIZE_LIMIT_MB = SIZE_TARGET_MB  # fails the smoke test: catches e.g. scipy or torch sneaking in
START_TARGET_MS = 1000.0  # process start to the attract screen
START_RUNS = 3
WINDOWS = sys.platform == "win32"
# (command line, standard input) run when the bundle offers the command; each must exit 0.
COMMANDS: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("packs", "list", "--json"), None),
    (("settings", "show", "--json"), None),
    (("set-pin", "--pin-stdin"), "2580\n"),
    (("log", "bench", "--events", "2000", "--json"), None),
    (("log", "stats", "--json"), None),
)
EXE_SUFFIX = ".exe" if WINDOWS else ""


def tree_size(folder: Path) -> int:
    """Bytes on disk of everything under ``folder`` (allocated blocks where the OS tells)."""
    return sum(tree_size_file(p) for p in folder.rglob("*") if p.is_file())


def tree_size_file(path: Path) -> int:
    """Bytes on disk of one file (0 for a link)."""
    if path.is_symlink():
        return 0
    st = path.stat()
    blocks = getattr(st, "st_blocks", None)
    return blocks * 512 if blocks is not None else st.st_size


def largest_parts(contents: Path, count: int = 8) -> list[tuple[str, int]]:
    """(name, bytes on disk) of the biggest files and folders directly in ``contents``."""
    sizes = {p.name: tree_size(p) if p.is_dir() else tree_size_file(p)
             for p in contents.iterdir() if not p.is_symlink()}
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:count]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """relative path → (size, mtime) of every file and folder under ``folder``."""
    out: dict[str, tuple[int, int]] = {}
    for path in folder.rglob("*"):
        st = path.lstat()
        out[path.relative_to(folder).as_posix()] = (
            0 if stat.S_ISDIR(st.st_mode) else st.st_size, st.st_mtime_ns)
    return out


def set_writable(folder: Path, writable: bool) -> None:
    """``chmod -R a-w`` (or ``u+w`` back) on ``folder``."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        mode = mode | stat.S_IWUSR if writable else mode & ~(stat.S_IWUSR | stat.S_IWGRP |
                                                              stat.S_IWOTH)
        path.chmod(mode)


def png_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of a PNG file, None if it is not one."""
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def default_data_dir(home: Path, env: dict[str, str]) -> Path | None:
    """Where platformdirs puts ``user_data_dir("showroom-kiosk")`` for this clean HOME."""
    if sys.platform.startswith("linux"):
        return home / ".local" / "share" / NAME
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / NAME
    return Path(env["LOCALAPPDATA"]) / NAME if "LOCALAPPDATA" in env else None


class Smoke:
    """One smoke run on a private copy of the bundle."""

    def __init__(self, source: Path, tmp: Path, shots: Path, strict_start: bool,
                 max_mb: float = SIZE_LIMIT_MB) -> None:
        self.source = source
        self.max_mb = max_mb
        self.tmp = tmp
        self.shots = shots
        self.strict_start = strict_start
        self.bundle = tmp / "install" / NAME
        self.contents = self.bundle / CONTENTS
        self.home = tmp / "home"
        self.cwd = tmp / "cwd"
        self.failures: list[str] = []
        self.figures: dict[str, Any] = {}
        self.prefix: list[str] = []  # e.g. a read-only mount around each run
        self.env = self._clean_env()

    # -- plumbing ---------------------------------------------------------------------------
    def _clean_env(self) -> dict[str, str]:
        for folder in (self.home, self.cwd, self.tmp / "tmp", self.tmp / "run"):
            folder.mkdir(parents=True, exist_ok=True)
        (self.tmp / "run").chmod(0o700)
        env = {"HOME": str(self.home), "QT_QPA_PLATFORM": "offscreen",
               "TMPDIR": str(self.tmp / "tmp"), "LANG": "C.UTF-8"}
        if WINDOWS:
            system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
            env.update(SYSTEMROOT=system_root, WINDIR=system_root,
                       PATH=rf"{system_root}\System32;{system_root}",
                       USERPROFILE=str(self.home), APPDATA=str(self.home / "AppData" / "Roaming"),
                       LOCALAPPDATA=str(self.home / "AppData" / "Local"),
                       TEMP=str(self.tmp / "tmp"), TMP=str(self.tmp / "tmp"))
        else:
            env.update(PATH="/usr/bin:/bin", XDG_RUNTIME_DIR=str(self.tmp / "run"))
        return env

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {what}{'  — ' + detail if detail else ''}",
              flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def exe(self, cli: bool = False) -> Path:
        """The kiosk program; with ``cli`` the console one (a separate program on Windows)."""
        return self.bundle / f"{CLI_NAME if cli and WINDOWS else NAME}{EXE_SUFFIX}"

    def run(self, *args: str, cli: bool = False, timeout: float = 180.0,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self.prefix, str(self.exe(cli)), *args], cwd=self.cwd,
                                  env=self.env, capture_output=True, text=True, timeout=timeout,
                                  input=stdin, check=False)
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(exc.cmd, 124, str(exc.stdout or ""),
                                               f"timed out after {timeout:.0f} s")

    def data(self, name: str) -> str:
        return str(self.tmp / "data" / name)

    @staticmethod
    def tail(out: subprocess.CompletedProcess[str]) -> str:
        text = (out.stderr or out.stdout or "").strip().splitlines()
        return f"exit {out.returncode}: " + " | ".join(text[-3:])

    # -- checks -----------------------------------------------------------------------------
    def install(self) -> None:
        t0 = time.perf_counter()
        shutil.copytree(self.source, self.bundle, symlinks=True)
        size_mb = tree_size(self.bundle) / 1e6
        self.figures["bundle_mb"] = round(size_mb, 1)
        self.figures["copy_s"] = round(time.perf_counter() - t0, 1)
        print(f"bundle: {self.source} → copy ({self.figures['copy_s']} s)")
        detail = (f"{size_mb:.0f} MB on disk (target ≤ {SIZE_TARGET_MB:.0f} MB, "
                  f"limit {self.max_mb:.0f} MB)")
        if size_mb > self.max_mb:
            detail += "; largest parts: " + ", ".join(
                f"{name} {size / 1e6:.0f} MB" for name, size in largest_parts(self.contents))
        if size_mb <= SIZE_TARGET_MB or size_mb > self.max_mb:
            self.check(size_mb <= self.max_mb, "bundle size", detail)
        else:
            print(f"OVER  bundle size target  — {detail}")

    def version(self) -> None:
        info_file = self.contents / "build_info.json"
        try:
            info = json.loads(info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.check(False, "build info", f"{info_file.name}: {exc}")
            return
        want = f"{info.get('version')} ({info.get('commit')})"
        self.figures["version"] = want
        out = self.run("--version", cli=True)
        text = (out.stdout + out.stderr).strip()
        self.check(out.returncode == 0 and want in text, f"{self.exe(cli=True).name} --version",
                   text or self.tail(out))
        if WINDOWS:  # the windowed program has no console to print to; it must still run
            out = self.run("--version")
            self.check(out.returncode == 0, f"{self.exe().name} --version", self.tail(out))

    def self_test(self, data: str, expect_ok: bool = True) -> dict[str, Any] | None:
        out = self.run("self-test", "--json", "--data-dir", data, cli=True)
        lines = out.stdout.strip().splitlines()
        try:
            report: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, ValueError):
            self.check(False, "self-test --json", self.tail(out))
            return None
        if expect_ok:
            failed = [f"{c['name']}: {c['detail']}" for c in report["checks"] if not c["ok"]]
            self.check(out.returncode == 0 and report.get("ok") is True, "self-test --json",
                       "; ".join(failed) or ", ".join(c["name"] for c in report["checks"]))
        return report

    def _screens(self) -> list[str]:
        """The screens ``screenshot --help`` offers (attract|home|…), demos aside."""
        out = self.run("screenshot", "--help", cli=True)
        match = re.search(r"--screen ((?:[\w:-]+\|)+[\w:-]+)", out.stdout)
        names = match.group(1).split("|") if match else ["home"]
        from kiosk.ui.staff.staff_panel import SECTIONS  # staff:SECTION → every section

        out_names = [n for n in names if not n.startswith(("demo:", "staff:"))]
        if any(n.startswith("staff:") for n in names):
            out_names += [f"staff:{s}" for s in SECTIONS]
        return out_names

    def screenshots(self, data: str, screens: list[str]) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        for screen in screens:
            out_file = self.shots / f"{screen.replace(':', '-')}.png"
            out_file.unlink(missing_ok=True)
            t0 = time.perf_counter()
            out = self.run("screenshot", "--screen", screen, "--lang", "en", "--out",
                           str(out_file), "--data-dir", data, cli=True)
            size = png_size(out_file)
            self.check(out.returncode == 0 and size == (1920, 1080), f"screenshot {screen}",
                       f"{out_file} {size} in {time.perf_counter() - t0:.1f} s"
                       if size else self.tail(out))

    def commands(self, data: str) -> None:
        """The staff and IT commands that need more of the runtime than self-test does
        (SQLite, the PIN's scrypt from OpenSSL, TOML), where this version has them."""
        offered = set(re.findall(r"^ {4}([a-z][\w-]*)", self.run("--help", cli=True).stdout,
                                 re.MULTILINE))
        for args, stdin in COMMANDS:
            if args[0] not in offered:
                continue
            out = self.run(*args, "--data-dir", data, cli=True, stdin=stdin)
            self.check(out.returncode == 0, " ".join(args),
                       "" if out.returncode == 0 else self.tail(out))

    def start(self, data: str | None, what: str) -> tuple[float | None, float]:
        """Start to the attract screen; (KIOSK_READY ms, wall ms)."""
        args = ["run", "--windowed", "--exit-when-ready"]
        if data is not None:
            args += ["--data-dir", data]
        t0 = time.perf_counter()
        out = self.run(*args, cli=True, timeout=120)
        wall = (time.perf_counter() - t0) * 1000
        match = re.search(r"^KIOSK_READY (\d+)", out.stdout, re.MULTILINE)
        ready = float(match.group(1)) if match else None
        self.check(out.returncode == 0 and ready is not None, what,
                   f"ready after {ready:.0f} ms, process {wall:.0f} ms"
                   if ready is not None else self.tail(out))
        return ready, wall

    def read_only(self) -> None:
        set_writable(self.bundle, False)
        self.prefix = self._read_only_mount()
        if self.prefix:
            print("note  each run below sees the bundle on a read-only mount")
        else:
            probe = self.contents / ".write-probe"
            try:
                probe.write_text("x")
                probe.unlink()
                print("note  the bundle is still writable for this user (root?); the check "
                      "below compares the bundle before and after instead")
            except OSError:
                pass
        before = snapshot(self.bundle)
        home_before = snapshot(self.home)
        try:
            self.start(None, "read-only bundle: kiosk starts with its default data dir")
            report = self.self_test(self.data("ro"))
            if report is not None:
                self.check(report.get("ok") is True, "read-only bundle: self-test passes")
        finally:
            self.prefix = []
        after = snapshot(self.bundle)
        changed = sorted(set(after) ^ set(before) |
                         {k for k in before.keys() & after.keys() if before[k] != after[k]})
        self.check(not changed, "read-only bundle: nothing written into the bundle",
                   ", ".join(changed[:5]))
        leftovers = sorted(p.name for p in self.cwd.iterdir())
        self.check(not leftovers, "nothing written into the working directory",
                   ", ".join(leftovers[:5]))
        default = default_data_dir(self.home, self.env)
        if default is not None:
            log = default / "logs" / "kiosk.log"
            self.check(log.is_file(), "state went to the default data dir",
                       str(default.relative_to(self.home)) + "/logs/kiosk.log")
            elsewhere = sorted(k for k in set(snapshot(self.home)) - set(home_before)
                               if not (self.home / k).is_relative_to(default)
                               and not default.is_relative_to(self.home / k))
            if elsewhere:
                print(f"note  also written under HOME (not by the kiosk itself): "
                      f"{', '.join(elsewhere[:6])}")

    def _read_only_mount(self) -> list[str]:
        """A command prefix that runs a program with the bundle mounted read-only (Linux, in
        a private mount namespace), or [] where that is not possible."""
        unshare = shutil.which("unshare")
        if not sys.platform.startswith("linux") or unshare is None:
            return []
        script = ('b="$1"; shift; mount --bind "$b" "$b" && mount -o remount,bind,ro "$b" '
                  '&& exec "$@"')
        prefix = [unshare, "-rm", "--", "/bin/sh", "-c", script, "sh", str(self.bundle)]
        def works(*cmd: str) -> bool:
            return subprocess.run([*prefix, *cmd], capture_output=True, timeout=30,
                                  check=False).returncode == 0

        probe = str(self.contents / ".probe")
        if works("/bin/sh", "-c", "exit 0") and not works("/bin/sh", "-c", f'touch "{probe}"'):
            return prefix
        Path(probe).unlink(missing_ok=True)
        return []

    def cold_start(self) -> None:
        readies: list[float] = []
        walls: list[float] = []
        for i in range(START_RUNS):
            ready, wall = self.start(self.data("start"), f"cold start {i + 1}/{START_RUNS}")
            walls.append(wall)
            if ready is not None:
                readies.append(ready)
        if not readies:
            return
        ready_ms = statistics.median(readies)
        wall_ms = statistics.median(walls)
        self.figures.update(start_ready_ms=round(ready_ms), start_wall_ms=round(wall_ms),
                            start_ready_runs=[round(r) for r in readies],
                            start_wall_runs=[round(w) for w in walls])
        within = wall_ms <= START_TARGET_MS
        detail = (f"median KIOSK_READY {ready_ms:.0f} ms, process wall {wall_ms:.0f} ms "
                  f"(target ≤ {START_TARGET_MS:.0f} ms)")
        if within or self.strict_start:
            self.check(within, "cold start to the attract screen", detail)
        else:
            print(f"SLOW  cold start to the attract screen  — {detail}")

    def missing_model(self, demos: list[str]) -> None:
        set_writable(self.bundle, True)
        victim, users = self._model_used_by_one_demo()
        if victim is None:
            self.check(False, "missing model", "no model is used by exactly one demo")
            return
        victim.unlink()
        report = self.self_test(self.data("missing"), expect_ok=False)
        if report is None:
            return
        checks = {c["name"]: c for c in report["checks"]}
        broken = checks.get(f"demo.{users}", {})
        self.check(report.get("ok") is False and not broken.get("ok", True)
                   and victim.name in str(broken.get("detail", "")),
                   f"missing model: demo {users} fails with a reason",
                   f"{victim.name}: {broken.get('detail')}")
        others = [d for d in demos if d != users]
        bad = [d for d in others if not checks.get(f"demo.{d}", {}).get("ok")]
        self.check(not bad, "missing model: the other demos pass",
                   ", ".join(bad) or ", ".join(others))
        self.start(self.data("missing"), "missing model: the kiosk still starts")
        shot = self.shots / "home-missing-model.png"
        out = self.run("screenshot", "--screen", "home", "--lang", "en", "--out", str(shot),
                       "--data-dir", self.data("missing"), cli=True)
        self.check(out.returncode == 0 and png_size(shot) is not None,
                   "missing model: home screen renders", str(shot))

    def _model_used_by_one_demo(self) -> tuple[Path | None, str]:
        manifests = {p.parent.name: p.read_text(encoding="utf-8")
                     for p in sorted((self.contents / "demos").glob("*/demo.toml"))}
        for model in sorted((self.contents / "models").glob("*.onnx")):
            users = [demo for demo, text in manifests.items() if model.name in text]
            if len(users) == 1:
                return model, users[0]
        return None, ""

    def run_all(self) -> None:
        self.install()
        self.version()
        report = self.self_test(self.data("main"))
        demos = [c["name"].removeprefix("demo.") for c in (report or {}).get("checks", [])
                 if c["name"].startswith("demo.")]
        self.screenshots(self.data("main"), [*self._screens(), *(f"demo:{d}" for d in demos)])
        self.commands(self.data("main"))
        self.read_only()
        self.cold_start()
        self.missing_model(demos)


def main(argv: list[str] | None = None) -> int:
    """Run every check on a copy of the bundle; 0 when all passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("bundle", nargs="?", default=str(ROOT / "build" / "dist" / NAME))
    parser.add_argument("--shots", default=str(ROOT / "build" / "work" / "smoke"),
                        help="where the screenshots go (default: build/work/smoke)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    parser.add_argument("--strict-start", action="store_true",
                        help="fail when the cold start misses its target")
    parser.add_argument("--max-mb", type=float, default=SIZE_LIMIT_MB,
                        help=f"fail above this bundle size (default: the target, "
                             f"{SIZE_LIMIT_MB:.0f} MB)")
    parser.add_argument("--json", metavar="FILE", help="also write the summary to FILE")
    args = parser.parse_args(argv)
    source = Path(args.bundle).resolve()
    if not (source / f"{NAME}{EXE_SUFFIX}").is_file():
        print(f"smoke: no bundle at {source}; build it with build/build.py", file=sys.stderr)
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="kiosk-smoke-"))
    t0 = time.perf_counter()
    smoke = Smoke(source, tmp, Path(args.shots).resolve(), args.strict_start, args.max_mb)
    try:
        smoke.run_all()
    finally:
        if smoke.bundle.exists():
            set_writable(smoke.bundle, True)
        if args.keep:
            print(f"smoke: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    summary = {"ok": not smoke.failures, "failures": smoke.failures,
               "seconds": round(time.perf_counter() - t0), **smoke.figures}
    print(f"smoke: {'passed' if summary['ok'] else 'FAILED'} — bundle "
          f"{smoke.figures.get('bundle_mb')} MB, cold start "
          f"{smoke.figures.get('start_ready_ms')} ms to KIOSK_READY / "
          f"{smoke.figures.get('start_wall_ms')} ms process wall, "
          f"{summary['seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
