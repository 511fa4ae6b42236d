"""The ``kiosk`` command as IT and acceptance checks use it: a real subprocess each time."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT, write_rgb

DEMO = "image-classification"


def kiosk(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=ROOT)


def test_run_demo_json_on_a_photo(tmp_path: Path, data_dir: Path,
                                  photos: dict[str, np.ndarray]) -> None:
    img = write_rgb(tmp_path / "coffee.jpg", photos["coffee"])
    out = kiosk("run-demo", DEMO, "--source", str(img), "--frames", "2", "--json",
                data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(records) == 2
    top = records[0]["result"]["top"]
    assert len(top) == 5
    assert top[0] == {"index": 967, "label_en": "espresso", "label_de": "Espresso",
                      "score": top[0]["score"]}
    assert top[0]["score"] > 0.5
    assert set(records[0]["timings_ms"]) >= {"preprocess", "model", "postprocess", "total"}


def test_run_demo_on_a_folder_and_a_video(tmp_path: Path, data_dir: Path, sample_video: Path,
                                          photos: dict[str, np.ndarray]) -> None:
    write_rgb(tmp_path / "a.png", photos["chelsea"])
    write_rgb(tmp_path / "b.png", photos["rocket"])
    out = kiosk("run-demo", DEMO, "--source", str(tmp_path), "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 2
    out = kiosk("run-demo", DEMO, "--source", str(sample_video), "--frames", "5", "--json",
                data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert [json.loads(x)["frame"] for x in out.stdout.splitlines()] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("args, needle", [
    (["run-demo", "no-such-demo", "--source", "x.jpg"], "Unknown demo 'no-such-demo'"),
    (["run-demo", DEMO, "--source", "missing.jpg"], "does not exist"),
    (["run-demo", DEMO, "--source", "99"], "Camera 99 is not available"),
    (["run-demo", DEMO, "--source", "."], "holds no images"),
])
def test_bad_input_is_one_clear_line(args: list[str], needle: str, data_dir: Path) -> None:
    out = kiosk(*args, data_dir=data_dir)
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_corrupt_model_is_a_clear_error(tmp_path: Path, data_dir: Path,
                                        photos: dict[str, np.ndarray]) -> None:
    pack = data_dir / "packs" / "broken-classifier"
    shutil.copytree(ROOT / "demos" / DEMO, pack)
    toml = (pack / "demo.toml").read_text(encoding="utf-8")
    (pack / "demo.toml").write_text(toml.replace(f'id = "{DEMO}"', 'id = "broken-classifier"'),
                                    encoding="utf-8")
    model = ROOT / "models" / "mobilenet_v2_imagenet.onnx"
    (pack / model.name).write_bytes(model.read_bytes()[:4096])
    img = write_rgb(tmp_path / "c.jpg", photos["coffee"])
    out = kiosk("run-demo", "broken-classifier", "--source", str(img), data_dir=data_dir)
    assert out.returncode == 1
    assert "mobilenet_v2_imagenet.onnx has changed" in out.stderr
    assert "Traceback" not in out.stderr
    # the broken pack does not take the built-in demo down with it
    ok = kiosk("run-demo", DEMO, "--source", str(img), data_dir=data_dir)
    assert ok.returncode == 0 and "espresso" in ok.stdout
    st = kiosk("self-test", "--json", data_dir=data_dir)
    assert st.returncode == 1
    checks = {c["name"]: c for c in json.loads(st.stdout)["checks"]}
    assert checks[f"demo.{DEMO}"]["ok"] is True
    assert checks["demo.broken-classifier"]["ok"] is False


def test_self_test_passes(data_dir: Path) -> None:
    out = kiosk("self-test", "--json", data_dir=data_dir)
    report = json.loads(out.stdout)
    assert out.returncode == 0, report
    assert report["ok"] is True
    names = {c["name"] for c in report["checks"]}
    assert {"assets.fonts", "assets.sample_media", f"demo.{DEMO}"} <= names


def test_tune_stores_a_choice_per_model_that_self_test_reports(data_dir: Path) -> None:
    out = kiosk("tune", "--json", data_dir=data_dir, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert "CPUExecutionProvider" in report["machine"]["providers"]
    assert {"mobilenet_v2_imagenet.onnx", "ppocrv4_det.onnx", "ppocrv4_rec.onnx"} <= set(
        report["models"])
    for choice in report["models"].values():
        assert choice["provider"] == "CPUExecutionProvider"  # the only one on test machines
        assert choice["precision"] == "fp32" and choice["threads"] >= 1
        assert choice["latency_ms"] > 0
    shown = json.loads(kiosk("tune", "--show", "--json", data_dir=data_dir).stdout)
    assert shown["models"] == report["models"]
    st = json.loads(kiosk("self-test", "--json", data_dir=data_dir).stdout)
    assert st["runtime"]["tuned"] is True
    assert "CPUExecutionProvider" in st["runtime"]["providers"]
    checks = {c["name"]: c for c in st["checks"]}
    demo = checks[f"demo.{DEMO}"]
    want = report["models"]["mobilenet_v2_imagenet.onnx"]
    assert (demo["provider"], demo["precision"], demo["threads"]) == (
        want["provider"], want["precision"], want["threads"])
    # a tuning file from other hardware is not used: the machine tunes again
    stored = json.loads((data_dir / "tuning.json").read_text(encoding="utf-8"))
    stored["machine"]["cpu"] = "some other CPU"
    (data_dir / "tuning.json").write_text(json.dumps(stored), encoding="utf-8")
    other = kiosk("tune", "--show", data_dir=data_dir)
    assert other.returncode == 1 and "no tuning yet" in other.stderr
    assert json.loads(kiosk("self-test", "--json", data_dir=data_dir).stdout)[
        "runtime"]["tuned"] is False


def test_screenshot_writes_a_png(tmp_path: Path, data_dir: Path) -> None:
    png = tmp_path / "home.png"
    out = kiosk("screenshot", "--screen", "home", "--lang", "en", "--out", str(png),
                "--size", "1280x720", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PySide6.QtGui import QImage

    assert QImage(str(png)).size().width() == 1280
    bad = kiosk("screenshot", "--screen", "demo:nope", "--out", str(png), data_dir=data_dir)
    assert bad.returncode == 2 and "Unknown demo 'nope'" in bad.stderr


def test_kiosk_starts_and_reaches_the_attract_screen(data_dir: Path) -> None:
    out = kiosk("--windowed", "--exit-when-ready", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("KIOSK_READY")
    assert (data_dir / "logs" / "kiosk.log").exists()


def test_version(data_dir: Path) -> None:
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "kiosk", "--version"], capture_output=True,
                         text=True, env=env, check=False, timeout=30)
    assert out.returncode == 0 and out.stdout.startswith("kiosk ")


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_stop_signal_stops_cleanly_and_logs_it(tmp_path: Path, data_dir: Path,
                                               signame: str) -> None:
    import signal
    import sqlite3
    import time

    from kiosk.runtime.event_store import db_path

    sig = signal.Signals[signame]
    beat = tmp_path / "beat.json"  # the first beat: the kiosk runs its event loop
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", KIOSK_HEARTBEAT_FILE=str(beat))
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "--windowed", "--data-dir",
                             str(data_dir)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not beat.exists() and time.monotonic() < deadline:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)  # the kiosk must still be running while it starts
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.5)  # painting the attract screen when the signal lands
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig.value, stderr
    for word in ("Traceback", "KeyboardInterrupt", "endPaint"):
        assert word not in stderr
    assert not list((data_dir / "logs" / "crashes").glob("crash-*.log"))
    conn = sqlite3.connect(db_path(data_dir))
    rows = conn.execute("SELECT type, payload FROM events ORDER BY ts, uuid").fetchall()
    conn.close()
    assert rows[-1][0] == "app_stop" and json.loads(rows[-1][1]) == {"reason": "signal"}


def test_screenshots_never_write_to_the_visitor_log(tmp_path: Path, data_dir: Path) -> None:
    from kiosk.runtime.event_store import db_path

    for screen in ("home", "staff:stats", "staff:health"):
        out = kiosk("screenshot", "--screen", screen, "--out", str(tmp_path / "s.png"),
                    "--size", "1280x720", data_dir=data_dir)
        assert out.returncode == 0, out.stderr
    db = db_path(data_dir)
    if db.exists():
        import sqlite3

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        finally:
            conn.close()


def test_bench_idle_reports_the_cpu_share(data_dir: Path) -> None:
    out = kiosk("bench-idle", "--screen", "attract", "--seconds", "1", "--size", "960x540",
                "--json", data_dir=data_dir)
    assert out.returncode in (0, 1), out.stderr  # 1: over target on a busy machine
    report = json.loads(out.stdout)
    assert report["screen"] == "attract" and report["frames"] >= 3
    assert 0 < report["cpu_percent_of_one_core"] < 100


def test_run_demo_mirror_reads_the_same_text(data_dir: Path) -> None:
    """A mirrored live camera must not make the AI read mirror writing."""
    sign = ROOT / "assets" / "sample" / "05-sign.jpg"
    texts = []
    for extra in ((), ("--mirror",)):
        out = kiosk("run-demo", "ai-reads", "--source", str(sign), "--json", *extra,
                    data_dir=data_dir)
        assert out.returncode == 0, out.stderr
        (record,) = [json.loads(line) for line in out.stdout.splitlines()]
        assert record.get("mirrored", False) == bool(extra)
        texts.append([line["text"] for line in record["result"]["lines"]])
    assert texts[0] == texts[1]
    assert "Welcome to the" in texts[1]


def test_run_demo_explain_gives_the_peak_in_source_pixels(tmp_path: Path, data_dir: Path,
                                                         photos: dict[str, np.ndarray]) -> None:
    """The heat map's peak is in the source picture's pixels (not the crop's, not mirrored):
    the same with --mirror; a demo without a heat map says so."""
    from tests.unit.test_explain import composite, objects

    frame, (x0, y0, x1, y1) = composite(objects()["chelsea"], 1, 200)
    img = write_rgb(tmp_path / "cat.png", frame)
    peaks = []
    for extra in ((), ("--mirror",)):
        out = kiosk("run-demo", DEMO, "--source", str(img), "--explain", "--json", *extra,
                    data_dir=data_dir)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.splitlines()[0])["result"]
        explanation = result["explanation"]
        assert len(explanation["grid"]) == 7 and result["unsure"] is False
        peaks.append(explanation["peak"])
    x, y = peaks[0]
    assert x0 <= x <= x1 and y0 <= y <= y1 and peaks[0] == peaks[1]
    out = kiosk("run-demo", "face-privacy", "--source", str(img), "--explain", data_dir=data_dir)
    assert out.returncode == 1 and "has no heat map" in out.stderr


def test_bench_side_by_side_with_a_plain_loop(tmp_path: Path, data_dir: Path) -> None:
    """`kiosk bench --baseline sync` (the closing note's side-by-side table) on a real video."""
    video = tmp_path / "sign.mp4"
    made = subprocess.run(  # needs no data dir, so takes no --data-dir
        [sys.executable, "-m", "kiosk", "make-sample-video", "--out", str(video), "--seconds",
         "2", "--images", str(ROOT / "assets" / "sample" / "05-sign.jpg")],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    out = kiosk("bench", "ai-reads", "--source", str(video), "--seconds", "3", "--no-startup",
                "--baseline", "sync", "--json", data_dir=data_dir, timeout=300)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["results_shown_fps"] > 0 and report["preview_fps"] > 0
    for loop in ("sync_loop", "sync_loop_plain"):  # with and without the live-reading tricks
        assert report[loop]["results_fps"] > 0 and report[loop]["latency_ms"]["p95"] > 0
    assert set(report["engines"]) == {"ppocrv4_det.onnx", "ppocrv4_rec.onnx"}
    assert all(e["onnxruntime_ms"] > 0 for e in report["engines"].values())
    assert report["threads_end"] > 0 and report["rss_mb_end"] > 0
