"""Staff mode on a short screen (1280×720): PIN pad, rail, statistics header; and the
wrong-PIN message in plain words."""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtWidgets import QApplication, QLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.ui.dashboard import StatsDashboard
from kiosk.ui.theme import apply_theme
from tests.gui.test_dashboard import make_dashboard, refreshed, seeded  # noqa: F401
from tests.gui.test_small_screens import _overlaps
from tests.gui.test_staff import PIN, make_staff  # noqa: F401  (the fixture)


def test_the_whole_pad_fits_a_1280x720_screen(make_staff: Any, qtbot: Any) -> None:  # noqa: F811
    for height in (720, 800, 1080):
        s = make_staff()
        s.window.resize(1280, height)
        qtbot.waitUntil(lambda h=height: s.window.height() == h)  # noqa: B023
        s.mode.pad.open()
        pad = s.mode.pad
        qtbot.waitUntil(pad.isVisible)
        card = pad.card.geometry()
        assert pad.rect().contains(card), (height, card)
        for b in pad.card.findChildren(QPushButton):
            if b.isVisible():
                assert b.height() >= 64, (height, b.text(), b.height())  # still a fingertip
        assert pad.card.property("compact") is (height < 900)


def test_wrong_pin_counts_tries_in_words(make_staff: Any, qtbot: Any) -> None:  # noqa: F811
    s = make_staff()
    pad = s.mode.pad
    pad.open()
    seen = []
    for lang in ("en", "de"):
        pad.set_lang(lang)  # type: ignore[arg-type]
        for _ in range(2):
            for d in "9999":
                pad.press(d)
            pad.submit()
            qtbot.waitUntil(lambda: not pad.checking, timeout=10_000)
            seen.append(pad.message.text())
    assert seen[:2] == ["Wrong PIN. 2 more tries before the pad locks.",
                        "Wrong PIN. One more try before the pad locks."]
    assert all("/" not in text and "(e)" not in text for text in seen), seen


def test_the_rail_keeps_its_buttons_apart_on_1280x720(make_staff: Any, qtbot: Any) -> None:  # noqa: F811
    for height in (720, 1080):
        s = make_staff()
        s.window.resize(1280, height)
        qtbot.waitUntil(lambda h=height: s.window.height() == h)  # noqa: B023
        s.mode.open_panel()
        panel = s.mode.panel
        qtbot.waitUntil(panel.isVisible)
        assert _overlaps(panel.rail_col) == [], height
        assert panel.exit_button.geometry().bottom() <= panel.rail.height()
        assert panel.timeout_note.isVisible() is (height >= 900)


def test_statistics_header_wraps_on_a_narrow_page(qtbot: Any, qloop: Any, qapp: QApplication,
                                                 seeded: Any) -> None:  # noqa: F811
    apply_theme(qapp)
    dash: StatsDashboard = make_dashboard(qtbot, seeded)
    refreshed(qtbot, dash)
    # as in the staff panel: a page beside the rail, narrower than the dashboard would like
    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(dash)
    page.show()
    for width, wraps in ((920, True), (1700, False), (920, True)):
        page.resize(width, 1000)
        qtbot.waitUntil(lambda w=width: dash.width() == w)
        assert (dash.period_row.indexOf(dash.period_switch) >= 0) is wraps, width
        assert dash.title.width() >= dash.title.sizeHint().width(), width
        pairs = list(itertools.pairwise(dash.period_buttons.values()))
        qtbot.waitUntil(lambda p=pairs: not any(  # the row is laid out again
            a.geometry().intersects(b.geometry()) for a, b in p))
        export = dash.export_button
        assert export.mapTo(dash, export.rect().topRight()).x() <= dash.width(), width


def test_statistics_charts_keep_their_height_on_1280x720(make_staff: Any, qtbot: Any,  # noqa: F811
                                                         qloop: Any, seeded: Any) -> None:  # noqa: F811
    """Squeezed to fit, the charts kept only their titles; now the page scrolls."""
    from tests.gui.test_dashboard import TITLES, TODAY, Loader

    s = make_staff()
    made: list[StatsDashboard] = []

    def factory(lang: str, parent: QWidget) -> QWidget:
        dash = StatsDashboard(lang, load_stats=Loader(seeded), export_csv=None,  # type: ignore[arg-type]
                              choose_folder=lambda: None, demo_titles=TITLES,
                              today=lambda: TODAY, parent=parent)
        made.append(dash)
        return dash

    s.mode.services.stats_widget = factory
    s.window.resize(1280, 720)
    qtbot.waitUntil(lambda: s.window.height() == 720)
    s.mode.open_panel()
    s.mode.panel.show_section("stats")
    (dash,) = made
    qtbot.waitUntil(lambda: dash.isVisible() and dash.series()["days"][1] != [], timeout=10_000)
    charts = (dash.chart_days, dash.chart_hours, dash.chart_demos, dash.chart_dwell,
              dash.chart_feedback, dash.chart_inside)
    def plots_fit() -> bool:  # each plot at its full height, inside its card
        return all(c.view.height() >= c.view.minimumHeight()
                   and c.rect().contains(c.view.geometry()) for c in charts)

    qtbot.waitUntil(plots_fit)
    bar = dash.scroll_area.verticalScrollBar()
    assert bar.maximum() > 0  # the rest is a swipe away
    dash.scroll_area.ensureWidgetVisible(dash.chart_inside)
    viewport = dash.scroll_area.viewport()
    bottom = dash.chart_inside.mapTo(viewport, dash.chart_inside.rect().bottomLeft())
    assert bottom.y() <= viewport.height()
    # nothing sticks out to the right of the page
    assert dash.body.width() <= dash.scroll_area.viewport().width()
