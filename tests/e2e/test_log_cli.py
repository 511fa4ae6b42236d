"""``kiosk log …`` as IT uses it: a real subprocess each time, on a seeded data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.core.events import make_event
from kiosk.runtime.event_store import connect, db_path, insert_events
from tests.conftest import ROOT
from tests.unit.test_events import hand_made_events


def kiosk(*args: str, data_dir: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    # TZ=UTC: "hour of day" is local time, so pin the zone for stable numbers.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TZ="UTC")
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=ROOT)


def one_line_error(out: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk: "), out.stderr
    return lines[0]


@pytest.fixture
def seeded(data_dir: Path) -> Path:
    conn = connect(db_path(data_dir))
    insert_events(conn, hand_made_events())
    conn.close()
    return data_dir


def test_stats_json_and_human(seeded: Path) -> None:
    out = kiosk("log", "stats", "--json", data_dir=seeded)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["events"], data["sessions"], data["median_session_ms"]) == (25, 4, 110_000)
    assert data["database"] == str(db_path(seeded))
    assert data["feedback"]["count"] == 3 and data["feedback"]["average"] == 3.67
    assert [d["demo_id"] for d in data["demos"]] == ["face-privacy", "image-classification"]
    assert data["errors"] == {"camera_lost": 1}
    assert [h for h, n in enumerate(data["sessions_by_hour"]) if n] == [8, 12, 21, 22]

    out = kiosk("log", "stats", "--since", "2024-05-07T00:00:00Z", "--json", data_dir=seeded)
    assert json.loads(out.stdout)["events"] == 8

    out = kiosk("log", "stats", data_dir=seeded)
    assert out.returncode == 0, out.stderr
    assert "Visitor sessions 4 (ended: idle 2, done 1)" in out.stdout
    assert "Median session   1 min 50 s" in out.stdout
    assert "Feedback         3.67 of 5 from 3 ratings" in out.stdout
    assert "Errors           camera_lost 1" in out.stdout


def test_stats_of_a_fresh_kiosk(data_dir: Path) -> None:
    out = kiosk("log", "stats", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "(not created yet)" in out.stdout
    assert not db_path(data_dir).exists()


def test_export_then_import_elsewhere_twice(seeded: Path, tmp_path: Path) -> None:
    csv_file, jsonl_file = tmp_path / "log.csv", tmp_path / "log.jsonl"
    out = kiosk("log", "export", "--format", "csv", "--out", str(csv_file), data_dir=seeded)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"wrote 25 events to {csv_file}"
    assert csv_file.read_text(encoding="utf-8-sig").startswith("uuid,ts,kiosk_id,")
    out = kiosk("log", "export", "--format", "jsonl", "--since", "2024-05-07T00:00:00Z",
                "--out", str(jsonl_file), data_dir=seeded)
    assert out.returncode == 0, out.stderr
    assert len(jsonl_file.read_text(encoding="utf-8").splitlines()) == 8

    other = tmp_path / "head-office"
    out = kiosk("log", "import", str(csv_file), str(jsonl_file), data_dir=other)
    assert out.returncode == 0, out.stderr
    assert f"{csv_file}: 25 events read, 25 new, 0 already present, 0 invalid" in out.stdout
    assert f"{jsonl_file}: 8 events read, 0 new, 8 already present, 0 invalid" in out.stdout
    out = kiosk("log", "import", str(csv_file), data_dir=other)
    assert "0 new, 25 already present" in out.stdout
    mine = json.loads(kiosk("log", "stats", "--json", data_dir=seeded).stdout)
    theirs = json.loads(kiosk("log", "stats", "--json", data_dir=other).stdout)
    assert {**mine, "database": ""} == {**theirs, "database": ""}


def test_purge_keeps_recent_events(seeded: Path) -> None:
    conn = connect(db_path(seeded))
    insert_events(conn, [make_event("app_start", "kiosk-1")])
    conn.close()
    out = kiosk("log", "purge", "--older-than", "30", data_dir=seeded)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("deleted 25 events older than 30 days")
    assert json.loads(kiosk("log", "stats", "--json", data_dir=seeded).stdout)["events"] == 1


@pytest.mark.parametrize("args, code, needle", [
    (["log", "stats", "--since", "yesterday"], 2, "--since 'yesterday'"),
    (["log", "purge", "--older-than", "0"], 2, "1 day or more"),
    (["log", "export", "--format", "csv", "--out", "/no/such/dir/x.csv"], 1, "does not exist"),
    (["log", "import", "missing.csv"], 1, "missing.csv is not a file"),
])
def test_bad_input_is_one_line(seeded: Path, args: list[str], code: int, needle: str) -> None:
    out = kiosk(*args, data_dir=seeded)
    assert out.returncode == code
    assert needle in one_line_error(out)


def test_bad_files_and_databases_are_one_line(data_dir: Path, tmp_path: Path) -> None:
    out = kiosk("log", "export", "--format", "csv", "--out", str(tmp_path / "x.csv"),
                data_dir=data_dir)
    assert out.returncode == 1 and "no interaction log" in one_line_error(out)

    photo = tmp_path / "holiday.csv"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    out = kiosk("log", "import", str(photo), data_dir=data_dir)
    assert out.returncode == 1 and "holiday.csv" in one_line_error(out)

    half = tmp_path / "half.jsonl"
    good = json.dumps(make_event("app_start", "kiosk-1").to_json())
    half.write_text(f"{good}\n{{\"uuid\": 1}}\n", encoding="utf-8")
    out = kiosk("log", "import", str(half), data_dir=data_dir)
    assert out.returncode == 1
    assert "1 invalid events were skipped" in one_line_error(out)
    assert "2 events read, 1 new" in out.stdout and "line 2:" in out.stdout

    db_path(data_dir).write_bytes(b"garbage " * 1000)
    out = kiosk("log", "stats", data_dir=data_dir)
    assert out.returncode == 1 and "cannot be used" in one_line_error(out)


def test_bench_measures_without_touching_the_visitor_log(data_dir: Path) -> None:
    out = kiosk("log", "bench", "--events", "3000", "--json", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["events"] == 3000
    assert report["events_per_s"] > 0 and report["loop_stall_max_ms"] >= 0
    assert report["db_mb_per_100k_events"] > 0 and report["stats_s"] >= 0
    assert set(report["meets_targets"]) == {"events_per_s", "loop_stall_max_ms", "stats_s"}
    assert not db_path(data_dir).exists()
    assert not (data_dir / "bench").exists()
