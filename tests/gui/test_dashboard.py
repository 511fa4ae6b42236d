"""The staff dashboard on a seeded interaction log: the right numbers in every chart, DE/EN,
periods, CSV export (with the folder choice injected), and a rendered PNG to look at."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from kiosk.core.events import LogStats, compute_stats
from kiosk.core.i18n import Text
from kiosk.runtime.event_stats import csv_exporter, stats_loader, stats_of, synthetic_events
from kiosk.runtime.event_store import (
    PROBLEM_CODES,
    EventStore,
    connect,
    db_path,
    insert_events,
)
from kiosk.ui import theme
from kiosk.ui.dashboard import (
    PROBLEM_TEXTS,
    ROSE,
    BarChart,
    StatsDashboard,
    nice_step,
    notice_for,
)
from kiosk.ui.theme import apply_theme
from tests.unit.test_events import FP, IC, TZ, hand_made_events

TITLES = {IC: Text("Was sieht die KI?", "What does the AI see?"),
          FP: Text("Gesichter verpixeln", "Face blur")}
TODAY = date(2024, 5, 8)


@pytest.fixture
def seeded(data_dir: Path) -> Path:
    db = db_path(data_dir)
    conn = connect(db)
    insert_events(conn, hand_made_events())
    conn.close()
    return db


class Loader:
    """Stats of the seeded log, recording which periods were asked for."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.periods: list[int | None] = []

    def __call__(self, days: int | None) -> LogStats:
        self.periods.append(days)
        return stats_of(self.db, None, tz=TZ)  # the whole hand-made set, in its time zone


def make_dashboard(qtbot, db: Path, *, choose: Callable[[], Path | None] = lambda: None,  # type: ignore[no-untyped-def]
                   export: Callable[[Path, int | None], Path] | None = None,
                   loader: Callable[[int | None], LogStats] | None = None) -> StatsDashboard:
    dash = StatsDashboard("de", load_stats=loader or Loader(db),
                          export_csv=export or csv_exporter(db, "kiosk-1"),
                          choose_folder=choose, demo_titles=TITLES, today=lambda: TODAY)
    qtbot.addWidget(dash)
    dash.resize(1600, 900)
    dash.show()
    return dash


def refreshed(qtbot, dash: StatsDashboard) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(dash.refreshed, timeout=10_000):
        dash.start_refresh()


def test_charts_show_the_numbers_of_the_log(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                            qapp: QApplication, seeded: Path,
                                            tmp_path: Path) -> None:
    apply_theme(qapp)
    dash = make_dashboard(qtbot, seeded)
    refreshed(qtbot, dash)
    assert dash.kpis() == {"visits": "4", "length": "1 min 50 s", "rating": "3,7 von 5",
                           "top": "Gesichter verpixeln"}
    series = dash.series()
    days_labels, per_day = series["days"]
    assert len(per_day) == 30 and days_labels[-3:] == ["Mo 06.05.", "Di 07.05.", "Mi 08.05."]
    assert per_day[-3:] == [2, 1, 1] and sum(per_day) == 4
    hours, by_hour = series["hours"]
    assert len(hours) == 24 and hours[10] == "10 Uhr"  # midnight and 23:00 widen the range
    assert [h for h, n in enumerate(by_hour) if n] == [0, 10, 14, 23]
    assert series["demos"] == (["Gesichter verpixeln", "Was sieht die KI?"], [2.0, 2.0])
    assert series["dwell"][1] == [1, 0, 1, 1, 0, 1]
    assert series["feedback"] == (["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"], [0, 1, 0, 1, 1])
    dash.grab().save(str(tmp_path / "dashboard.png"))  # for eyes: the test's tmp folder
    assert (tmp_path / "dashboard.png").stat().st_size > 20_000


def test_german_and_english(qtbot, qloop: asyncio.AbstractEventLoop, seeded: Path) -> None:  # type: ignore[no-untyped-def]
    dash = make_dashboard(qtbot, seeded)
    refreshed(qtbot, dash)
    assert dash.title.text() == "Besucherstatistik"
    assert dash.export_button.text() == "Als CSV exportieren"
    assert dash.lang_switch is not None
    qtbot.mouseClick(dash.lang_switch.button("en"), Qt.MouseButton.LeftButton)
    assert dash.title.text() == "Visitor statistics"
    assert dash.export_button.text() == "Export as CSV"
    assert dash.chart_days.title.text() == "Visits per day"
    assert dash.kpis()["rating"] == "3.7 of 5"
    assert dash.kpis()["top"] == "Face blur"
    assert dash.series()["days"][0][-1] == "Wed 5/8"
    assert dash.series()["hours"][0][10] == "10:00"
    assert dash.kpi_rating.sub.text() == "from 3 ratings"
    dash.set_lang("de")
    assert dash.chart_feedback.title.text() == "Bewertungen der Besucher"
    assert dash.lang_switch.button("de").isChecked()


def test_picking_a_period_reloads(qtbot, qloop: asyncio.AbstractEventLoop, seeded: Path) -> None:  # type: ignore[no-untyped-def]
    loader = Loader(seeded)
    dash = make_dashboard(qtbot, seeded, loader=loader)
    refreshed(qtbot, dash)
    with qtbot.waitSignal(dash.refreshed, timeout=10_000):
        qtbot.mouseClick(dash.period_buttons[7], Qt.MouseButton.LeftButton)
    assert loader.periods == [30, 7]
    assert dash.subtitle.text().startswith("Letzte 7 Tage")
    assert len(dash.series()["days"][1]) == 7
    with qtbot.waitSignal(dash.refreshed, timeout=10_000):
        dash.set_period(None)
    assert dash.series()["days"][0][0] == "Mo 06.05."  # "all" starts at the first visit


def test_export_writes_a_csv_into_the_chosen_folder(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                                    seeded: Path, tmp_path: Path) -> None:
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    flushed: list[bool] = []
    export = csv_exporter(seeded, "Halle 2", before=lambda: flushed.append(True))
    dash = make_dashboard(qtbot, seeded, choose=lambda: stick, export=export)
    with qtbot.waitSignal(dash.refreshed, timeout=10_000):
        qtbot.mouseClick(dash.period_buttons[None], Qt.MouseButton.LeftButton)  # 2024 is old
    with qtbot.waitSignal(dash.exported, timeout=10_000) as signal:
        qtbot.mouseClick(dash.export_button, Qt.MouseButton.LeftButton)
    written = Path(signal.args[0])
    assert written.parent == stick and written.name.startswith("visitor-log-Halle-2-")
    assert written.suffix == ".csv" and flushed == [True]  # the writer was flushed first
    lines = written.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("uuid,ts,kiosk_id,session_id,demo_id,type,")
    assert len(lines) == 26
    assert dash.status.text() == f"Gespeichert: {written}"
    assert dash.export_button.isEnabled()


def test_export_cancelled_or_failing(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                     seeded: Path, tmp_path: Path) -> None:
    dash = make_dashboard(qtbot, seeded, choose=lambda: None)
    assert dash.export() is None  # staff closed the folder dialog

    def full(folder: Path, days: int | None) -> Path:
        raise OSError(28, "No space left on device")

    dash = make_dashboard(qtbot, seeded, choose=lambda: tmp_path, export=full)
    with qtbot.waitSignal(dash.export_failed, timeout=10_000):
        dash.export()
    assert dash.status.text() == ("Export fehlgeschlagen: Auf dem Datenträger ist kein Platz "
                                  "mehr. ([Errno 28] No space left on device)")
    dash.set_lang("en")
    assert dash.status.text() == ("Export failed: The disk is full. ([Errno 28] No space left "
                                  "on device)")
    assert dash.export_button.isEnabled()


def test_a_broken_log_shows_a_line_not_a_crash(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                               seeded: Path) -> None:
    def broken(days: int | None) -> LogStats:
        raise RuntimeError("file is not a database")

    dash = make_dashboard(qtbot, seeded, loader=broken)
    task = dash.start_refresh()
    qtbot.waitUntil(task.done, timeout=10_000)
    assert dash.status.text() == "Statistik nicht verfügbar: file is not a database"
    dash.set_notice(Text("Die Datenbank ist gesperrt.", "The database is locked."))
    assert dash.notice.isVisible()
    dash.set_lang("en")
    assert dash.notice.text() == "The database is locked."
    assert dash.status.text() == "Statistics unavailable: file is not a database"


def test_an_empty_log(qtbot, qloop: asyncio.AbstractEventLoop, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    dash = make_dashboard(qtbot, db_path(data_dir), loader=stats_loader(db_path(data_dir)))
    refreshed(qtbot, dash)
    assert dash.kpis() == {"visits": "0", "length": "–", "rating": "–", "top": "–"}
    assert sum(dash.series()["days"][1]) == 0


def test_the_visitor_flow_lands_in_the_log_and_on_the_dashboard(  # type: ignore[no-untyped-def]
        make_kiosk, qtbot, qloop: asyncio.AbstractEventLoop, data_dir: Path) -> None:
    k = make_kiosk()
    qtbot.mouseClick(k.window.attract, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(k.window.home.lang_switch.button("en"), Qt.MouseButton.LeftButton)
    k.clock.advance(20)
    qtbot.mouseClick(k.window.home.done_button, Qt.MouseButton.LeftButton)
    assert k.types() == ["session_start", "language_change", "session_end"]

    store = EventStore(db_path(data_dir), kiosk_id="kiosk-1", retention_days=None).start()
    sink = store.session_sink()
    for se in k.events:
        sink(se)
    assert store.close() and store.health().invalid == 0
    dash = make_dashboard(qtbot, db_path(data_dir))
    refreshed(qtbot, dash)
    assert dash.kpis()["visits"] == "1"
    assert dash.kpis()["length"] == "20 s"
    assert dash.stats is not None and dash.stats.languages == {"en": 1}
    assert dash.stats.end_reasons == {"done": 1}


def test_database_problems_become_a_bilingual_notice() -> None:
    assert notice_for(None) is None
    locked = notice_for("locked")
    assert locked is not None and locked.de.startswith("Die Statistik-Datenbank ist von einem")
    assert locked.en.endswith("New visits are kept in memory and saved later.")
    lost = notice_for("read_only", dropped=12)
    assert lost is not None and lost.en.endswith("12 events were lost.")
    assert set(PROBLEM_TEXTS) == set(PROBLEM_CODES)



def test_long_periods_are_drawn_per_calendar_week(qtbot, seeded: Path) -> None:  # type: ignore[no-untyped-def]
    events = list(synthetic_events(4000, seed=9, days=100, end=TODAY, tz=TZ))
    stats = compute_stats(events, tz=TZ)
    dash = make_dashboard(qtbot, seeded)
    dash.days = 365
    dash.show_stats(stats)
    labels, per_week = dash.series()["days"]
    assert labels[-1] == "KW 19"  # 8 May 2024
    assert 14 <= len(labels) <= 16  # from the first visit, not a year of empty bars
    assert sum(per_week) == stats.sessions
    assert dash.chart_days.title.text() == "Besuche pro Kalenderwoche"
    dash.set_lang("en")
    assert dash.series()["days"][0][-1] == "wk 19"


def test_bars_are_painted_where_and_how_big_they_should_be(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = BarChart()
    qtbot.addWidget(chart)
    chart.resize(400, 300)
    chart.set_bars(["a", "b", "c"], [0, 10, 5], colors=[theme.VIOLET, theme.TEAL, ROSE])
    chart.show()
    image = chart.view.grab().toImage()
    w, h = image.width(), image.height()

    def color_at(x: float, y: float) -> QColor:
        return image.pixelColor(int(x), int(y))

    column = [color_at(w * 0.5, y) for y in range(h)]
    tall = sum(c == theme.TEAL for c in column)
    short = sum(color_at(w * 5 / 6, y) == ROSE for y in range(h))
    assert tall > h * 0.4 and abs(short / tall - 0.5) < 0.05  # heights in proportion
    assert not any(color_at(w / 6, y) == theme.VIOLET for y in range(h))  # a zero: no bar


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (9, 5), (40, 10), (130, 50),
                                           (1234, 500)])
def test_value_axis_steps_are_round(top: float, step: float) -> None:
    assert nice_step(top) == step


def test_inside_the_demos_chart(qtbot, qloop: asyncio.AbstractEventLoop,  # type: ignore[no-untyped-def]
                                qapp: QApplication, data_dir: Path, tmp_path: Path) -> None:
    """Which explanations visitors open and how often the AI was unsure, from the real log
    (SQL path) and from the same events counted in Python: both agree."""
    from tests.unit.test_events import S1, ev, s

    inside = [ev("interaction", s(30 + i), S1, IC, {"kind": kind}) for i, kind in enumerate(
        ["explain_on", "explain_on", "explain_off", "model_view_open", "unsure_shown",
         "unsure_shown", "unsure_shown", "model_card_open"])]
    events = hand_made_events() + inside
    db = db_path(data_dir)
    conn = connect(db)
    insert_events(conn, events)
    conn.close()
    assert stats_of(db, None, tz=TZ).interaction_kinds == compute_stats(
        events, tz=TZ).interaction_kinds
    apply_theme(qapp)
    dash = make_dashboard(qtbot, db)
    refreshed(qtbot, dash)
    assert dash.series()["inside"] == (
        ["Heatmap: wo sie hinschaut", "„Was die KI bekommt“", "Über das Modell",
         "KI war unsicher"], [2, 1, 1, 3])
    dash.set_lang("en")
    assert dash.series()["inside"][0][-1] == "AI was unsure"
    dash.grab().save(str(tmp_path / "inside.png"))
