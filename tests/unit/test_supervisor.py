"""Unattended operation: heartbeats, crash logs, and the supervisor restarting a real process.

The supervised children are tiny Python scripts (no Qt), with intervals of a fraction of a
second; every wait is bounded by the supervisor's ``max_starts`` and subprocess timeouts.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.runtime import crashlog
from kiosk.runtime.heartbeat import (
    ENV_HEARTBEAT,
    ENV_HEARTBEAT_FD,
    HeartbeatWriter,
    PipeHeartbeat,
    PipeReader,
    open_heartbeat,
    read_heartbeat,
)
from kiosk.runtime.supervisor import (
    ENV_SUPERVISED,
    RESTART_EXIT_CODE,
    Outcome,
    Supervisor,
    SupervisorConfig,
    kiosk_command,
)
from tests.conftest import ROOT

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

# The fake kiosk: its first start misbehaves as told, every later start exits cleanly.
CHILD = textwrap.dedent("""
    import os, signal, sys, time
    from pathlib import Path
    from kiosk.runtime import crashlog
    from kiosk.runtime.heartbeat import open_heartbeat

    data, mode = Path(sys.argv[1]), sys.argv[2]
    starts = data / "starts.txt"
    n = len(starts.read_text().splitlines()) + 1 if starts.exists() else 1
    with starts.open("a") as fh:
        fh.write(f"{os.getpid()} {os.environ.get('KIOSK_SUPERVISED')}\\n")
    crashlog.install(data)
    if n > 1 or mode == "ok":
        sys.exit(0)
    if mode == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "hang":
        beats = open_heartbeat()
        beats.beat()
        beats.beat()
        time.sleep(60)  # a GUI thread stuck in a deadlock: no more beats
    if mode == "silent":
        time.sleep(60)  # never beats at all
    if mode == "healthy":  # beats on, with a data dir it cannot write to (it is a file)
        beats = open_heartbeat()
        for _ in range(int(sys.argv[3])):
            assert beats.beat()
            time.sleep(0.05)
        sys.exit(0)
    if mode == "restart":
        sys.exit(75)
    sys.exit(3)
""")


def config(tmp_path: Path, mode: str, **kw: object) -> SupervisorConfig:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    values: dict[str, object] = dict(
        command=[sys.executable, str(script), str(data), mode], data_dir=data,
        hang_timeout=0.6, startup_grace=5.0, poll_interval=0.05, backoff_initial=0.05,
        backoff_max=0.2, kill_grace=2.0, dump_grace=0.3, max_starts=3,
        env={"PYTHONPATH": str(ROOT)})
    values.update(kw)
    return SupervisorConfig(**values)  # type: ignore[arg-type]


def records(cfg: SupervisorConfig) -> list[dict[str, object]]:
    lines = cfg.restart_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def starts(cfg: SupervisorConfig) -> list[str]:
    return (cfg.data_dir / "starts.txt").read_text(encoding="utf-8").splitlines()


# --------------------------------------------------------------------------- heartbeats


def test_heartbeat_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "run" / "heartbeat.json"
    assert read_heartbeat(path) is None
    writer = HeartbeatWriter(path, clock=lambda: 42.0)
    assert writer.beat() and writer.beat()
    beat = read_heartbeat(path)
    assert beat is not None and (beat.pid, beat.seq, beat.time) == (os.getpid(), 2, 42.0)
    assert [p.name for p in path.parent.iterdir()] == ["heartbeat.json"]  # no temp files
    path.write_text("{half a", encoding="utf-8")
    assert read_heartbeat(path) is None


def test_heartbeat_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "run").write_text("a file, not a folder", encoding="utf-8")
    assert HeartbeatWriter(tmp_path / "run" / "heartbeat.json").beat() is False


def test_heartbeat_channel_follows_the_supervisor(tmp_path: Path) -> None:
    assert open_heartbeat({}) is None  # unsupervised: nobody listens, nothing is written
    env = {ENV_HEARTBEAT: str(tmp_path / "elsewhere.json")}
    writer = open_heartbeat(env)
    assert isinstance(writer, HeartbeatWriter) and writer.path == tmp_path / "elsewhere.json"
    assert env == {}  # a program the kiosk starts must not beat for it


@posix_only
def test_heartbeats_through_a_pipe(tmp_path: Path) -> None:
    reader = PipeReader()
    env = {ENV_HEARTBEAT_FD: str(os.dup(reader.write_fd))}  # the child's copy
    reader.started()
    writer = open_heartbeat(env)
    assert isinstance(writer, PipeHeartbeat) and env == {}
    assert reader.beats() == 0
    assert writer.beat() and writer.beat()
    assert reader.beats() == 2 and reader.beats() == 0
    reader.close()
    assert writer.beat() is False  # the supervisor has gone: no exception, no stall
    os.close(writer.fd)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- crash logs


def run_python(code: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code), str(data)],
                          capture_output=True, text=True, timeout=60, env=env, check=False)


def test_unhandled_exception_is_written_to_a_crash_file(tmp_path: Path) -> None:
    assert crashlog.last_crash(tmp_path) is None
    out = run_python("""
        import sys, threading
        from pathlib import Path
        from kiosk.runtime import crashlog
        crashlog.install(Path(sys.argv[1]))
        t = threading.Thread(target=lambda: 1 / 0, name="worker")
        t.start(); t.join()
        raise RuntimeError("boom-4711")
    """, tmp_path)
    assert out.returncode == 1
    # Oldest first, as the kiosk orders them: both may share one millisecond.
    files = sorted(crashlog.crash_dir(tmp_path).glob("crash-*.log"), key=crashlog._key)
    assert len(files) == 2
    text = crashlog.last_crash(tmp_path)
    assert text is not None and "Unhandled exception" in text and "boom-4711" in text
    assert "ZeroDivisionError" in files[0].read_text(encoding="utf-8")
    assert out.stderr.count("boom-4711") == 1  # logged once, not printed twice


@posix_only
def test_fatal_error_is_kept_for_the_next_start(tmp_path: Path) -> None:
    out = run_python("""
        import faulthandler, sys
        from pathlib import Path
        from kiosk.runtime import crashlog
        crashlog.install(Path(sys.argv[1]))
        faulthandler._sigsegv()
    """, tmp_path)
    assert out.returncode == -signal.SIGSEGV
    pending = crashlog.last_crash(tmp_path)  # not adopted yet: read from faulthandler's file
    assert pending is not None and "Segmentation fault" in pending
    out = run_python("""
        import sys
        from pathlib import Path
        from kiosk.runtime import crashlog
        crashlog.install(Path(sys.argv[1]))
    """, tmp_path)
    assert out.returncode == 0, out.stderr
    text = crashlog.last_crash(tmp_path)
    assert text is not None and "Segmentation fault" in text and "fatal error" in text
    assert len(list(crashlog.crash_dir(tmp_path).glob("crash-*.log"))) == 1
    assert (crashlog.crash_dir(tmp_path) / crashlog.FAULT_FILE).stat().st_size == 0


def test_old_crash_files_are_pruned(tmp_path: Path) -> None:
    for i in range(crashlog.KEEP + 5):
        crashlog.write_crash(tmp_path, f"crash {i}", clock=lambda: 1_700_000_000.0)
    files = list(crashlog.crash_dir(tmp_path).glob("crash-*.log"))
    assert len(files) == crashlog.KEEP
    assert (crashlog.last_crash(tmp_path) or "").endswith(f"crash {crashlog.KEEP + 4}")


def test_recent_errors_for_the_health_page() -> None:
    import logging

    errors = crashlog.RecentErrors(capacity=2)
    log = logging.getLogger("kiosk.test.recent")
    log.addHandler(errors)
    log.propagate = False
    try:
        log.warning("only a warning")
        for i in range(3):
            log.error("camera %d lost\nsecond line", i)
    finally:
        log.removeHandler(errors)
        log.propagate = True
    assert errors.count == 3
    assert [m.split(" ", 1)[1] for m in errors.messages()] == ["camera 1 lost", "camera 2 lost"]


# --------------------------------------------------------------------------- supervisor


@posix_only
def test_child_killed_with_sigkill_is_restarted(tmp_path: Path) -> None:
    cfg = config(tmp_path, "sigkill")
    assert Supervisor(cfg).run() == 0
    assert len(starts(cfg)) == 2
    assert all(line.endswith(" 1") for line in starts(cfg))  # KIOSK_SUPERVISED=1
    events = [r["event"] for r in records(cfg)]
    assert events == ["start", "crash", "start", "exit"]
    crash = records(cfg)[1]
    assert crash["returncode"] == -signal.SIGKILL and crash["detail"] == "killed by SIGKILL"
    assert crash["restart_in_s"] == cfg.backoff_initial


@posix_only
def test_child_that_stops_beating_is_killed_and_restarted(tmp_path: Path) -> None:
    cfg = config(tmp_path, "hang")
    assert Supervisor(cfg).run() == 0
    hang = [r for r in records(cfg) if r["event"] == "hang"]
    assert len(hang) == 1 and str(hang[0]["detail"]).startswith("no heartbeat for")
    assert len(starts(cfg)) == 2
    # SIGUSR1 made faulthandler dump the hung stack; the second start adopted it.
    text = crashlog.last_crash(cfg.data_dir)
    assert text is not None and "child.py" in text and "stopped because it hung" in text


@posix_only
def test_child_that_never_beats_is_a_hang_after_the_grace(tmp_path: Path) -> None:
    cfg = config(tmp_path, "silent", startup_grace=0.8)
    assert Supervisor(cfg).run() == 0
    hang = [r for r in records(cfg) if r["event"] == "hang"]
    assert len(hang) == 1 and "no first heartbeat" in str(hang[0]["detail"])


@posix_only
def test_healthy_child_with_an_unwritable_data_dir_is_never_killed(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file: no data dir can be made inside it")
    data = tmp_path / "blocked" / "data"
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    (tmp_path / "starts").mkdir()
    # The child beats for 40 × 50 ms = 2 s: longer than hang_timeout and startup_grace.
    cfg = config(tmp_path, "healthy", data_dir=data, startup_grace=1.0,
                 command=[sys.executable, str(script), str(tmp_path / "starts"), "healthy",
                          "40"])
    sup = Supervisor(cfg)
    assert sup.run() == 0
    assert [r["event"] for r in sup.records] == ["start", "ready", "exit"]


@posix_only
def test_file_heartbeats_live_outside_the_data_dir(tmp_path: Path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    (tmp_path / "starts").mkdir()
    cfg = config(tmp_path, "healthy", heartbeat_file=tmp_path / "rt" / "beat.json",
                 command=[sys.executable, str(script), str(tmp_path / "starts"), "healthy",
                          "40"])
    (tmp_path / "rt").mkdir()
    sup = Supervisor(cfg)
    assert sup.run() == 0
    assert [r["event"] for r in sup.records] == ["start", "ready", "exit"]
    assert read_heartbeat(tmp_path / "rt" / "beat.json") is not None
    assert not (cfg.data_dir / "run").exists()


def test_clean_exit_stops_the_supervisor(tmp_path: Path) -> None:
    cfg = config(tmp_path, "ok")
    assert Supervisor(cfg).run() == 0
    assert len(starts(cfg)) == 1
    assert [r["event"] for r in records(cfg)] == ["start", "exit"]


def test_restart_requested_by_staff_is_immediate(tmp_path: Path) -> None:
    cfg = config(tmp_path, "restart")
    assert Supervisor(cfg).run() == 0
    restart = records(cfg)[1]
    assert restart["event"] == "restart" and restart["returncode"] == RESTART_EXIT_CODE
    assert restart["restart_in_s"] == 0.0


def test_a_child_that_always_fails_is_given_up_after_max_starts(tmp_path: Path) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys; sys.exit(3)\n", encoding="utf-8")
    cfg = config(tmp_path, "x", command=[sys.executable, str(script)], max_starts=3)
    assert Supervisor(cfg).run() == 1
    crashes = [r for r in records(cfg) if r["event"] == "crash"]
    assert [c["detail"] for c in crashes] == ["exit status 3"] * 3
    assert [c["restart_in_s"] for c in crashes] == [0.05, 0.1, 0.2]


def test_missing_program_is_recorded_not_raised(tmp_path: Path) -> None:
    cfg = config(tmp_path, "x", command=[str(tmp_path / "no-such-kiosk")], max_starts=2)
    assert Supervisor(cfg).run() == 1
    assert [r["event"] for r in records(cfg)] == ["start_failed", "start_failed"]


class Scripted(Supervisor):
    """A supervisor whose children's fates are given: tests the back-off policy alone."""

    def __init__(self, cfg: SupervisorConfig, outcomes: list[Outcome]) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        super().__init__(cfg, clock=lambda: self.now, sleep=self._sleep)
        self.outcomes = outcomes

    def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def _run_once(self, starts: int) -> Outcome:
        return self.outcomes.pop(0)


def test_backoff_doubles_is_capped_and_resets_after_a_healthy_run(tmp_path: Path) -> None:
    cfg = SupervisorConfig(command=["x"], data_dir=tmp_path, backoff_initial=1.0,
                           backoff_max=8.0, healthy_after=600.0, poll_interval=100.0)
    crash = Outcome("crash", -9, 5.0, "killed by SIGKILL")
    plan = [crash] * 5 + [Outcome("hang", -9, 700.0, "no heartbeat"), crash,
                          Outcome("restart", 75, 3.0), crash, Outcome("exit", 0, 1.0)]
    sup = Scripted(cfg, plan)
    assert sup.run() == 0
    delays = [r["restart_in_s"] for r in sup.records if "restart_in_s" in r]
    assert delays == [1.0, 2.0, 4.0, 8.0, 8.0, 0.0, 1.0, 0.0, 1.0]  # a hang: no extra wait
    assert sum(sup.slept) == pytest.approx(sum(delays))


def test_stop_interrupts_the_backoff(tmp_path: Path) -> None:
    cfg = SupervisorConfig(command=["x"], data_dir=tmp_path, backoff_initial=300.0,
                           poll_interval=1.0)
    sup = Scripted(cfg, [Outcome("crash", 1, 1.0)])
    real_sleep = sup._sleep

    def sleep_then_stop(seconds: float) -> None:
        real_sleep(seconds)
        sup.stop()  # SIGTERM from systemd while waiting

    sup.sleep = sleep_then_stop
    assert sup.run() == 0
    assert sup.slept == [1.0]
    assert sup.records[-1]["event"] == "stopped"


# --------------------------------------------------------------------------- command line


def parser_with(module: str) -> tuple[argparse.ArgumentParser, dict[str, object]]:
    import importlib

    from kiosk.cli_common import add_common_options

    parser = argparse.ArgumentParser(prog="kiosk")
    add_common_options(parser, top_level=True)  # as kiosk.cli does: defaults at the top
    sub = parser.add_subparsers(dest="command")
    handlers = importlib.import_module(module).register(sub, add_common_options)
    return parser, handlers


def test_kiosk_command_runs_this_interpreter() -> None:
    assert kiosk_command(["--windowed"]) == [sys.executable, "-P", "-m", "kiosk", "--windowed"]


def test_supervise_command_passes_args_and_stops_on_exit_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser, handlers = parser_with("kiosk.cli_supervise")
    args = parser.parse_args(["supervise", "--data-dir", str(tmp_path), "--", "--version"])
    assert args.kiosk_args == ["--", "--version"]
    before = signal.getsignal(signal.SIGTERM)
    assert handlers["supervise"](args) == 0  # type: ignore[operator]
    assert signal.getsignal(signal.SIGTERM) is before
    log = (tmp_path / "logs" / "restarts.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["event"] for line in log] == ["start", "exit"]
    assert os.environ.get(ENV_SUPERVISED) is None  # only the child gets it


def test_set_pin_from_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.core.pin import PinState, PinStore

    parser, handlers = parser_with("kiosk.cli_staff")
    args = parser.parse_args(["set-pin", "--pin-stdin", "--data-dir", str(tmp_path)])
    monkeypatch.setattr(sys, "stdin", io.StringIO("1234\n"))
    assert handlers["set-pin"](args) == 2  # type: ignore[operator]
    assert "simple sequence" in capsys.readouterr().err
    assert PinStore(tmp_path).state() is PinState.NONE
    monkeypatch.setattr(sys, "stdin", io.StringIO("802514\n"))
    assert handlers["set-pin"](args) == 0  # type: ignore[operator]
    out = capsys.readouterr()
    assert "802514" not in out.out + out.err
    assert PinStore(tmp_path).verify("802514").ok


def test_settings_command_shows_and_changes(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.core.settings import load_settings

    parser, handlers = parser_with("kiosk.cli_staff")
    run = handlers["settings"]
    args = parser.parse_args(["settings", "set", "idle_timeout=120", "lang=en",
                              'demo_order=["ocr", "faces"]', "camera=/media/usb/show.mp4",
                              "--data-dir", str(tmp_path)])
    assert run(args) == 0  # type: ignore[operator]
    settings, problems = load_settings(tmp_path)
    assert problems == [] and settings.idle_timeout == 120.0 and settings.lang == "en"
    assert settings.demo_order == ("ocr", "faces") and settings.camera == "/media/usb/show.mp4"
    bad = parser.parse_args(["settings", "set", "idle_timeout=5", "colour=red",
                             "--data-dir", str(tmp_path)])
    assert run(bad) == 2  # type: ignore[operator]
    err = capsys.readouterr().err
    assert "idle_timeout must be a number" in err and "'colour' is not a setting" in err
    show = parser.parse_args(["settings", "show", "--json", "--data-dir", str(tmp_path)])
    capsys.readouterr()
    assert run(show) == 0  # type: ignore[operator]
    shown = json.loads(capsys.readouterr().out)
    assert shown["settings"]["idle_timeout"] == 120.0 and shown["problems"] == []


def test_supervised_kiosk_ignores_a_kiosk_folder_in_the_current_directory(
        tmp_path: Path) -> None:
    fake = tmp_path / "kiosk"
    fake.mkdir()
    (fake / "__init__.py").write_text("", encoding="utf-8")
    (fake / "__main__.py").write_text("print('IMPOSTOR')\n", encoding="utf-8")
    out = subprocess.run(kiosk_command(["--version"]), cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "IMPOSTOR" not in out.stdout and out.stdout.startswith("kiosk ")
