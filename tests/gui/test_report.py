"""The funders' report: a real A4 PDF of a year, painted by Qt; saved from the dashboard."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.runtime.event_store import connect, db_path, insert_events
from kiosk.runtime.report_source import local_source
from kiosk.ui.dashboard import StatsDashboard
from kiosk.ui.report import ReportData, render_report, report_data
from kiosk.ui.theme import load_fonts

START, END = date(2025, 1, 1), date(2025, 12, 31)


def pdf_text(path: Path) -> str | None:
    """The PDF's text by poppler's pdftotext (``.ci/run`` installs it), None without it."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run([tool, "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_count(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))


@pytest.fixture
def year(data_dir: Path) -> Path:
    """A kiosk with a year of realistic visitors (2025)."""
    from kiosk.runtime.event_stats import synthetic_events

    conn = connect(db_path(data_dir))
    insert_events(conn, synthetic_events(60_000, kiosk_id="hall-1", days=365, end=END))
    conn.close()
    return data_dir


def test_a_year_renders_every_page(qapp: object, year: Path, tmp_path: Path) -> None:
    load_fonts()
    started = time.perf_counter()
    source = local_source(year, "hall-1", "Showroom Berlin", START, END)
    data = report_data(source, START, END, {})
    out = tmp_path / "report.pdf"
    pages = render_report(data, out, "en")
    seconds = time.perf_counter() - started
    assert pages == page_count(out) == 9
    assert out.read_bytes().startswith(b"%PDF") and b"/MediaBox [0 0 595" in out.read_bytes()
    assert seconds < 60  # generous on a shared machine; `kiosk report` prints the real time
    text = pdf_text(out)
    if text is not None:
        for heading in ("Report for funders", "Visits per month", "The typical visit",
                        "Demo popularity", "Activity inside the demos", "Ratings", "Languages",
                        "Uptime and crashes", "Methodology and privacy", "Showroom Berlin",
                        "Page 9 of 9"):
            assert heading in text, heading
        # (pdftotext reads Inter's hyphen as a space)
        assert re.search(r"Period: 2025.01.01 to 2025.12.31", text)
        assert f"{source.stats.sessions:,}" in text
        assert "No visits were recorded" not in text


def test_a_period_without_visitors_says_so(qapp: object, year: Path, tmp_path: Path) -> None:
    load_fonts()
    empty = date(2019, 1, 1), date(2019, 12, 31)
    source = local_source(year, "hall-1", "", *empty)
    assert source.stats.sessions == 0
    out = tmp_path / "leer.pdf"
    assert render_report(report_data(source, *empty, {}), out, "de") == 9
    text = pdf_text(out)
    if text is not None:
        assert "In diesem Zeitraum wurden keine Besuche aufgezeichnet." in text
        assert "Keine Daten in diesem Zeitraum" in text
        assert "01.01.2019 bis 31.12.2019" in text


def test_staff_save_the_report_from_the_dashboard(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                                  year: Path, tmp_path: Path) -> None:
    from kiosk.runtime.event_stats import csv_exporter, stats_loader

    stick = tmp_path / "usb"
    stick.mkdir()
    asked: list[int | None] = []

    def data_for(days: int | None) -> ReportData:
        asked.append(days)
        return report_data(local_source(year, "hall-1", "Halle", START, END), START, END, {})

    dash = StatsDashboard("de", load_stats=stats_loader(db_path(year)),
                          export_csv=csv_exporter(db_path(year), "hall-1"),
                          choose_folder=lambda: stick, today=lambda: date(2026, 1, 2),
                          report_data=data_for)
    qtbot.addWidget(dash)
    dash.show()
    assert dash.report_button.isVisible() and dash.report_button.text() == "PDF-Bericht"
    with qtbot.waitSignal(dash.exported, timeout=60_000) as signal:
        qtbot.mouseClick(dash.report_button, Qt.MouseButton.LeftButton)
    saved = Path(signal.args[0])
    assert saved == stick / "report-2026-01-02-de.pdf" and page_count(saved) == 9
    assert asked == [30] and dash.report_button.isEnabled()
    assert dash.status.text() == f"Gespeichert: {saved}"
