"""The staff dashboard: how visitors used the kiosk, at a glance, in German or English.

Four key figures (visits, typical visit length, rating, most popular demo) and five charts
(visits per day, visits by time of day, demo popularity, time spent in a demo, ratings),
painted with QPainter in the kiosk's dark theme, plus a period choice and a CSV export.

The widget never touches the database (``kiosk.ui`` must not import sqlite3). It is given:

- ``load_stats(days) -> LogStats``: blocking; run in the loop's default executor by
  :meth:`StatsDashboard.refresh`, e.g. ``lambda days: stats_of(db, since(days))``;
- ``export_csv(folder, days) -> Path``: blocking, writes the CSV into ``folder`` and
  returns its path; also run in the executor;
- ``choose_folder() -> Path | None``: asked on the GUI thread when staff press export (a
  folder dialog in the app, a fixed folder in tests); None cancels.

Both ``days`` arguments are the chosen period (None: everything).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core.events import DWELL_LABELS, LogStats
from kiosk.core.i18n import Lang, Text, failure
from kiosk.ui import theme
from kiosk.ui.staff.touch import touch_scroll
from kiosk.ui.widgets import LanguageSwitch

if TYPE_CHECKING:
    from kiosk.ui.report import ReportData

log = logging.getLogger(__name__)

LoadStats = Callable[[int | None], LogStats]
ExportCsv = Callable[[Path, int | None], Path]
ChooseFolder = Callable[[], Path | None]
ReportDataFor = Callable[[int | None], "ReportData"]  # blocking: the report of a period

#: The periods staff can pick, in days (None: all recorded events).
PERIODS: tuple[int | None, ...] = (7, 30, 365, None)
DEFAULT_PERIOD = 30
WEEKLY_AFTER_DAYS = 62  # longer ranges are drawn per week: 365 bars say nothing

ROSE = QColor("#FB7185")
GRID = QColor("#232C4D")

TEXTS: dict[str, Text] = {
    "title": Text("Besucherstatistik", "Visitor statistics"),
    "period.7": Text("7 Tage", "7 days"),
    "period.30": Text("30 Tage", "30 days"),
    "period.365": Text("1 Jahr", "1 year"),
    "period.all": Text("Alles", "All"),
    "subtitle.days": Text("Letzte {days} Tage · Uhrzeiten in Ortszeit",
                          "Last {days} days · times in local time"),
    "subtitle.all": Text("Alle aufgezeichneten Besuche · Uhrzeiten in Ortszeit",
                         "All recorded visits · times in local time"),
    "export": Text("Als CSV exportieren", "Export as CSV"),
    "exporting": Text("Export läuft …", "Exporting …"),
    "report": Text("PDF-Bericht", "PDF report"),
    "report.saving": Text("Bericht wird erstellt …", "Making the report …"),
    "exported": Text("Gespeichert: {path}", "Saved: {path}"),
    "export_failed": Text("Export fehlgeschlagen: {error}", "Export failed: {error}"),
    "loading": Text("Statistik wird berechnet …", "Calculating statistics …"),
    "load_failed": Text("Statistik nicht verfügbar: {error}", "Statistics unavailable: {error}"),
    "kpi.visits": Text("Besuche", "Visits"),
    "kpi.visits.sub": Text("Ø {n} pro Tag", "{n} per day on average"),
    "kpi.length": Text("Typische Besuchsdauer", "Typical visit"),
    "kpi.length.sub": Text("die Hälfte der Besuche ist kürzer", "half of all visits are shorter"),
    "kpi.rating": Text("Bewertung", "Rating"),
    "kpi.rating.value": Text("{avg} von 5", "{avg} of 5"),
    "kpi.rating.sub": Text("aus {n} Bewertungen", "from {n} ratings"),
    "kpi.top": Text("Beliebteste Demo", "Most popular demo"),
    "kpi.top.sub": Text("{n}× geöffnet", "opened {n} times"),
    "chart.days": Text("Besuche pro Tag", "Visits per day"),
    "chart.weeks": Text("Besuche pro Kalenderwoche", "Visits per calendar week"),
    "chart.hours": Text("Besuche nach Uhrzeit", "Visits by time of day"),
    "chart.demos": Text("Beliebteste Demos (Aufrufe)", "Most popular demos (opened)"),
    "chart.dwell": Text("Verweildauer in einer Demo", "Time spent in a demo"),
    "chart.feedback": Text("Bewertungen der Besucher", "Visitor ratings"),
    "chart.inside": Text("In den Demos: was Besucher öffnen, wie oft die KI unsicher war",
                         "Inside the demos: what visitors open, how often the AI was unsure"),
    "inside.explain_on": Text("Heatmap: wo sie hinschaut", "Heat map: where it looks"),
    "inside.model_view_open": Text("„Was die KI bekommt“", "“What the AI gets”"),
    "inside.model_card_open": Text("Über das Modell", "About the model"),
    "inside.slider": Text("„Trick die KI aus“", "“Try to fool it”"),
    "inside.unsure_shown": Text("KI war unsicher", "AI was unsure"),
    "none": Text("Noch keine Daten", "No data yet"),
    "hour": Text("{h} Uhr", "{h}:00"),
    "weekend": Text("Wochenende", "weekend"),
}
#: What staff read about a database problem (codes: kiosk.runtime.event_store.PROBLEM_CODES).
PROBLEM_TEXTS: dict[str, Text] = {
    "locked": Text("Die Statistik-Datenbank ist von einem anderen Programm gesperrt.",
                   "The statistics database is locked by another program."),
    "read_only": Text("Die Statistik-Datenbank ist schreibgeschützt.",
                      "The statistics database is read-only."),
    "corrupt": Text("Die Statistik-Datenbank ist beschädigt. Bitte die IT informieren.",
                    "The statistics database is damaged. Please tell IT."),
    "full": Text("Der Datenträger ist voll.", "The disk is full."),
    "newer_schema": Text("Die Statistik-Datenbank stammt von einer neueren Kiosk-Version.",
                         "The statistics database comes from a newer kiosk version."),
    "io": Text("Die Statistik-Datenbank kann nicht geschrieben werden.",
               "The statistics database cannot be written."),
}
KEPT = Text(" Neue Besuche werden im Speicher gehalten und später gespeichert.",
            " New visits are kept in memory and saved later.")
LOST = Text(" {n} Ereignisse gingen verloren.", " {n} events were lost.")


def notice_for(problem_code: str | None, dropped: int = 0) -> Text | None:
    """The warning line for the event store's health (``StoreHealth.problem_code`` and
    ``.dropped``), for :meth:`StatsDashboard.set_notice`; None when all is well."""
    if problem_code is None and not dropped:
        return None
    base = PROBLEM_TEXTS.get(problem_code or "", Text("", ""))
    de, en = base.de, base.en
    if problem_code is not None:
        de, en = de + KEPT.de, en + KEPT.en
    if dropped:
        lost = LOST.format(n=dropped)
        de, en = de + lost.de, en + lost.en
    return Text(de.strip(), en.strip())


WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """A dashboard text in ``lang``; a :class:`Text` value is put in in ``lang`` too."""
    text = TEXTS[key]
    values = {k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()}
    return (text.format(**values) if values else text).get(lang)


def number(value: float, lang: Lang, decimals: int = 0) -> str:
    """``1,234.5`` in English, ``1.234,5`` in German."""
    text = f"{value:,.{decimals}f}"
    if lang == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def duration(ms: int | None, lang: Lang) -> str:
    """``3 min 05 s`` (the same in both languages), ``–`` when unknown."""
    from kiosk.core.events import format_duration

    return format_duration(ms, lang)


def ask_folder(parent: QWidget) -> ChooseFolder:
    """A ``choose_folder`` for the app: the platform's folder dialog (USB stick etc.)."""

    def choose() -> Path | None:
        folder = QFileDialog.getExistingDirectory(parent, "CSV", str(Path.home()))
        return Path(folder) if folder else None

    return choose


STYLE = """
#Dashboard { background: #0B1020; }
QFrame#DashCard { background: #141B33; border: 1px solid #232C4D; border-radius: 20px; }
QLabel#DashTitle { font-family: "Inter Display"; font-size: 44px; font-weight: 800; }
QLabel#DashSubtitle { color: #AEB6CC; font-size: 20px; }
QLabel#KpiCaption { color: #5EEAD4; font-size: 17px; font-weight: 700; letter-spacing: 1px; }
QLabel#KpiValue { font-family: "Inter Display"; font-size: 46px; font-weight: 800; }
QLabel#KpiValue[textual="true"] { font-size: 30px; }
QLabel#KpiSub { color: #AEB6CC; font-size: 17px; }
QLabel#ChartTitle { color: #F4F6FB; font-size: 20px; font-weight: 700; }
QLabel#ChartLegend { color: #AEB6CC; font-size: 16px; }
QLabel#DashStatus { color: #AEB6CC; font-size: 18px; }
QLabel#DashNotice { background: rgba(252, 211, 77, 30); color: #FCD34D;
    border: 2px solid #FCD34D; border-radius: 14px; padding: 8px 16px; font-size: 18px;
    font-weight: 700; }
QPushButton#ReportButton { min-height: 44px; padding: 0 18px; border-radius: 22px;
    background: transparent; color: #F4F6FB; border: 2px solid #5EEAD4; font-size: 17px;
    font-weight: 700; }
QPushButton#ReportButton:disabled { color: #8C95AD; border-color: #2A3560; }
QPushButton#PeriodButton { min-height: 52px; min-width: 96px; padding: 0 18px;
    border-radius: 26px; background: transparent; color: #AEB6CC; font-size: 19px;
    font-weight: 700; }
QPushButton#PeriodButton:checked { background: #F4F6FB; color: #0B1020; }
QFrame#PeriodSwitch { background: #1E2747; border-radius: 30px; }
QPushButton#ExportButton { min-height: 60px; padding: 0 28px; border-radius: 30px;
    border: none; font-size: 21px; font-weight: 700; color: #F4F6FB;
    background: qlineargradient(x1:0, y1:0, x2:1, y2:0, stop:0 #14B8A6, stop:1 #7C3AED); }
QPushButton#ExportButton:disabled { background: #2A3560; color: #8C95AD; }
"""


#: The "inside the demos" chart: explanations visitors open, and how often the AI was unsure.
INSIDE_KINDS = ("explain_on", "model_view_open", "model_card_open", "slider", "unsure_shown")


class KpiCard(QFrame):
    """One key figure: caption, big value, a line that explains it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DashCard")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(2)
        self.caption = QLabel(self)
        self.caption.setObjectName("KpiCaption")
        self.value = QLabel(self)
        self.value.setObjectName("KpiValue")
        self.sub = QLabel(self)
        self.sub.setObjectName("KpiSub")
        for label in (self.caption, self.value, self.sub):
            layout.addWidget(label)
        # wrapped, four cards fit a narrow page (1280 px beside the staff rail) side by side
        self.caption.setWordWrap(True)
        self.sub.setWordWrap(True)
        self.value.setMinimumWidth(10)
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_values(self, caption: str, value: str, sub: str, textual: bool = False) -> None:
        """Set the three lines; ``textual`` values (a demo title) get a smaller font."""
        if self.value.property("textual") != textual:
            self.value.setProperty("textual", textual)
            self.value.setWordWrap(textual)
            self.value.style().unpolish(self.value)
            self.value.style().polish(self.value)
        self.caption.setText(caption.upper())
        self.value.setText(value)
        self.value.setToolTip(value)
        self.sub.setText(sub)


def count_text(value: float) -> str:
    """A count as a chart prints it when the caller gives no localised format."""
    return f"{value:,.0f}"


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` steps up to top."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return float(max(step, 1))  # counts: never a step below one visit


class BarPlot(QWidget):
    """Bars, category names and numbers painted in the kiosk's theme (no plotting library).

    Vertical bars have their category under each bar (every ``tick_every``-th one, counted
    from the last, so today always has its label) and either a number on each bar or, with
    many bars, a value axis with grid lines. Horizontal bars have the names on the left and
    the numbers behind the bars. Nothing to show: the ``empty`` note in the middle.
    """

    NAME_WIDTH = 205  # the names column of horizontal bars
    GAP = 8

    def __init__(self, horizontal: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontal = horizontal
        self.labels: list[str] = []
        self.values: list[float] = []
        self.colors: list[QColor] = []
        self.tick_every = 1
        self.thin_labels = False  # a time axis: leave labels out rather than crowd them
        self.value_labels = True
        self.value_text: Callable[[float], str] = count_text
        self.empty = ""
        self.tick_font = theme.body_font(16)
        self.strong_font = theme.body_font(17, QFont.Weight.DemiBold)
        self.note_font = theme.body_font(20)
        # The dark theme's ink; the funders' report (kiosk.ui.report) paints on paper.
        self.text_color, self.muted_color, self.grid_color = theme.TEXT, theme.MUTED, GRID
        self.setMinimumHeight(160)

    @property
    def top(self) -> float:
        return max(self.values, default=0.0)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.paint(painter, QRectF(self.rect()))
        painter.end()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Paint the chart into ``area`` of any paint device (a widget, a PDF page)."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.translate(area.topLeft())
        area = QRectF(0, 0, area.width(), area.height())
        if self.horizontal:
            self._paint_horizontal(painter, area)
        else:
            self._paint_vertical(painter, area)
        if self.top <= 0 and self.empty:
            painter.setFont(self.note_font)
            painter.setPen(self.muted_color)
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self.empty)
        painter.restore()

    def _bar(self, painter: QPainter, rect: QRectF, color: QColor) -> None:
        if rect.width() <= 0 or rect.height() <= 0:
            return
        radius = min(4.0, rect.width() / 2, rect.height() / 2)
        path = QPainterPath()
        path.addRoundedRect(rect, radius, radius)
        painter.fillPath(path, color)

    def _paint_vertical(self, painter: QPainter, area: QRectF) -> None:
        ticks_fm = QFontMetricsF(self.tick_font)
        strong_fm = QFontMetricsF(self.strong_font)
        n = len(self.values)
        if self.value_labels or self.top <= 0:  # numbers on the bars, or no bars: no axis
            scale = self.top * 1.3 if self.top > 0 else 1.0  # room for the number on top
            step = 0.0
            left = 4.0
        else:
            step = nice_step(self.top)
            scale = step * max(1, math.ceil(self.top / step * 1.05))
            widest = max(ticks_fm.horizontalAdvance(self.value_text(scale)), 12.0)
            left = widest + self.GAP + 4
        # With an axis, room above for half of the top number, which is centred on its line.
        above = ticks_fm.height() / 2 + 2 if step else 4.0
        # Room on the right for half of today's label: centred under its bar, not pushed
        # half a bar to the left by the card's edge.
        right = 4.0
        if n and self.labels:
            last = ticks_fm.horizontalAdvance(self.labels[-1]) + 2
            right = max(right, last / 2 - (area.width() - left) / n / 2 + 2)
        plot = QRectF(left, area.top() + above, area.width() - left - right,
                      area.height() - ticks_fm.height() - self.GAP - above)
        painter.setFont(self.tick_font)
        if step:
            value = 0.0
            while value <= scale + 1e-9:
                y = plot.bottom() - value / scale * plot.height()
                painter.setPen(QPen(self.grid_color, 1))
                painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
                painter.setPen(self.muted_color)
                painter.drawText(QRectF(0, y - ticks_fm.height() / 2, left - self.GAP,
                                        ticks_fm.height()),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 self.value_text(value))
                value += step
        painter.setPen(QPen(self.grid_color, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        if n == 0:
            return
        slot = plot.width() / n
        # Every k-th label, k large enough that neighbours never touch (hour labels on a
        # narrow card ran into each other); each label stays centred under its own bar.
        widest = max((ticks_fm.horizontalAdvance(label) for label in self.labels), default=0.0)
        every = self.tick_every
        if self.thin_labels:
            every = max(every, math.ceil((widest + 2 * self.GAP) / slot))
        label_width = slot * every
        for i, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
            center = plot.left() + (i + 0.5) * slot
            height = value / scale * plot.height() if scale > 0 else 0.0
            bar = QRectF(center - slot * 0.36, plot.bottom() - height, slot * 0.72, height)
            self._bar(painter, bar, self._color(i))
            if self.value_labels and value > 0:
                painter.setFont(self.strong_font)
                painter.setPen(self.text_color)
                painter.drawText(QRectF(center - slot / 2 - 20, bar.top() - strong_fm.height() - 2,
                                        slot + 40, strong_fm.height()),
                                 Qt.AlignmentFlag.AlignCenter, self.value_text(value))
            if (n - 1 - i) % every == 0:
                painter.setFont(self.tick_font)
                painter.setPen(self.muted_color)
                text = ticks_fm.elidedText(label, Qt.TextElideMode.ElideRight, label_width)
                width = ticks_fm.horizontalAdvance(text) + 2
                box = QRectF(center - width / 2, plot.bottom() + self.GAP / 2, width,
                             ticks_fm.height())
                # The first and last labels stay inside the card.
                box.moveLeft(min(max(box.left(), 0.0), area.right() - box.width()))
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_horizontal(self, painter: QPainter, area: QRectF) -> None:
        strong_fm = QFontMetricsF(self.strong_font)
        n = len(self.values)
        if n == 0:
            return
        numbers = max(strong_fm.horizontalAdvance(self.value_text(v)) for v in self.values)
        plot = QRectF(self.NAME_WIDTH, area.top() + 2,
                      area.width() - self.NAME_WIDTH - numbers - self.GAP - 4,
                      area.height() - 4)
        scale = self.top if self.top > 0 else 1.0
        slot = plot.height() / n
        painter.setFont(self.strong_font)
        for i, (label, value) in enumerate(zip(self.labels, self.values, strict=True)):
            middle = plot.top() + (i + 0.5) * slot  # the first category on top
            length = value / scale * plot.width()
            bar = QRectF(plot.left(), middle - slot * 0.31, length, slot * 0.62)
            self._bar(painter, bar, self._color(i))
            painter.setPen(self.text_color)
            name = strong_fm.elidedText(label, Qt.TextElideMode.ElideRight,
                                        self.NAME_WIDTH - 2 * self.GAP)
            painter.drawText(QRectF(0, middle - slot / 2, self.NAME_WIDTH - self.GAP, slot),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
            if self.value_labels and value > 0:
                painter.drawText(QRectF(bar.right() + self.GAP, middle - slot / 2,
                                        numbers + self.GAP, slot),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 self.value_text(value))

    def _color(self, i: int) -> QColor:
        return self.colors[i] if i < len(self.colors) else theme.TEAL


class BarChart(QFrame):
    """A titled bar chart card (vertical or horizontal bars)."""

    def __init__(self, horizontal: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DashCard")
        self.horizontal = horizontal
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        layout.setSpacing(6)
        head = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("ChartTitle")
        self.title.setWordWrap(True)  # a narrow page: two lines, not a cut title
        self.legend = QLabel(self)
        self.legend.setObjectName("ChartLegend")
        head.addWidget(self.title, 1)
        head.addWidget(self.legend)
        layout.addLayout(head)
        self.view = BarPlot(horizontal, self)
        layout.addWidget(self.view, 1)

    @property
    def labels(self) -> list[str]:
        """The categories as drawn, in order."""
        return self.view.labels

    @property
    def values(self) -> list[float]:
        """The bar values as drawn, in order."""
        return self.view.values

    def set_bars(
        self, labels: Sequence[str], values: Sequence[float], *,
        colors: Sequence[QColor] | QColor = theme.TEAL, tick_every: int = 1,
        thin_labels: bool = False,
        value_labels: bool = True, value_text: Callable[[float], str] | None = None,
        empty: str = "",
    ) -> None:
        """Replace the bars; ``labels`` name the categories in order."""
        view = self.view
        view.labels, view.values = list(labels), [float(v) for v in values]
        view.colors = ([QColor(c) for c in colors] if isinstance(colors, Sequence)
                       else [QColor(colors)] * len(view.values))
        view.tick_every = max(1, tick_every)
        view.thin_labels = thin_labels
        view.value_labels = value_labels
        view.value_text = value_text or count_text
        view.empty = empty
        view.update()


class StatsDashboard(QWidget):
    """Visitor statistics for staff (the staff panel hosts it)."""

    refreshed = Signal()
    exported = Signal(str)  # the written file
    export_failed = Signal(str)  # the reason

    def __init__(
        self, lang: Lang, *, load_stats: LoadStats, export_csv: ExportCsv,
        choose_folder: ChooseFolder, demo_titles: Mapping[str, Text] | None = None,
        today: Callable[[], date] = date.today, show_lang_switch: bool = True,
        parent: QWidget | None = None, report_data: ReportDataFor | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Dashboard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.lang: Lang = lang
        self.days: int | None = DEFAULT_PERIOD
        self.stats: LogStats | None = None
        self._load = load_stats
        self._export_csv = export_csv
        self._choose_folder = choose_folder
        self._report_data = report_data
        self._titles = dict(demo_titles or {})
        self._today = today
        self._generation = 0
        self._status_key: tuple[str, dict[str, object]] | None = None
        self.tasks: set[asyncio.Future[None]] = set()

        self.root = root = QVBoxLayout(self)
        root.setContentsMargins(40, 28, 40, 24)
        root.setSpacing(18)

        # titles and controls side by side; on a narrow page (a 1280 px screen beside the
        # staff rail) the period choice goes to a row of its own instead of squeezing the
        # title to "Besuchers" and its buttons over each other
        header = QHBoxLayout()
        header.setSpacing(12)
        self.controls = controls = QHBoxLayout()
        self.period_row = QHBoxLayout()
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title = QLabel(self)
        self.title.setObjectName("DashTitle")
        self.subtitle = QLabel(self)
        self.subtitle.setObjectName("DashSubtitle")
        # The subtitle may be cut rather than widen the panel past a small screen.
        self.subtitle.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        titles.addWidget(self.title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        header.addLayout(controls, 0)
        switch = QFrame(self)
        switch.setObjectName("PeriodSwitch")
        row = QHBoxLayout(switch)
        row.setContentsMargins(4, 4, 4, 4)
        row.setSpacing(4)
        self._period_group = QButtonGroup(self)
        self.period_buttons: dict[int | None, QPushButton] = {}
        for days in PERIODS:
            button = QPushButton(switch)
            button.setObjectName("PeriodButton")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, d=days: self.set_period(d))
            self._period_group.addButton(button)
            row.addWidget(button)
            self.period_buttons[days] = button
        self.period_buttons[self.days].setChecked(True)
        self.period_switch = switch
        controls.addWidget(switch, 0, Qt.AlignmentFlag.AlignVCenter)
        controls.addSpacing(16)
        self.export_button = QPushButton(self)
        self.export_button.setObjectName("ExportButton")
        self.export_button.clicked.connect(self.export)
        controls.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.report_button = QPushButton(self)  # the funders' PDF (kiosk.ui.report)
        self.report_button.setObjectName("ReportButton")
        self.report_button.clicked.connect(self.save_report)
        self.report_button.setVisible(report_data is not None)
        controls.addSpacing(8)
        controls.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.lang_switch: LanguageSwitch | None = None
        if show_lang_switch:
            controls.addSpacing(16)
            self.lang_switch = LanguageSwitch(lang, self)
            self.lang_switch.changed.connect(lambda code: self.set_lang(code))
            controls.addWidget(self.lang_switch, 0, Qt.AlignmentFlag.AlignVCenter)
        root.addLayout(header)
        root.addLayout(self.period_row)

        self.notice = QLabel(self)
        self.notice.setObjectName("DashNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self._notice_text: Text | None = None
        root.addWidget(self.notice)

        # The figures and charts scroll when the page is short (1280×720 beside the staff
        # rail): squeezed to fit, the charts kept only their titles.
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(18)
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setStyleSheet(theme.SCROLL_STYLE)
        self.scroll_area.setWidget(self.body)
        touch_scroll(self.scroll_area)
        kpis = QHBoxLayout()
        kpis.setSpacing(18)
        self.kpi_visits, self.kpi_length, self.kpi_rating, self.kpi_top = (
            KpiCard(self), KpiCard(self), KpiCard(self), KpiCard(self))
        for card in (self.kpi_visits, self.kpi_length, self.kpi_rating, self.kpi_top):
            kpis.addWidget(card, 1)
        body.addLayout(kpis)

        grid = QGridLayout()
        grid.setSpacing(18)
        self.chart_days = BarChart(parent=self)
        self.chart_hours = BarChart(parent=self)
        self.chart_demos = BarChart(horizontal=True, parent=self)
        self.chart_dwell = BarChart(parent=self)
        self.chart_feedback = BarChart(parent=self)
        grid.addWidget(self.chart_days, 0, 0, 1, 2)
        grid.addWidget(self.chart_hours, 0, 2)
        grid.addWidget(self.chart_demos, 1, 0)
        grid.addWidget(self.chart_dwell, 1, 1)
        grid.addWidget(self.chart_feedback, 1, 2)
        self.chart_inside = BarChart(horizontal=True, parent=self)
        grid.addWidget(self.chart_inside, 2, 0, 1, 3)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        body.addLayout(grid, 1)
        root.addWidget(self.scroll_area, 1)

        self.status = QLabel(self)
        self.status.setObjectName("DashStatus")
        root.addWidget(self.status)
        self._retranslate()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_header()

    def _fit_header(self) -> None:
        margins = self.root.contentsMargins()
        room = self.width() - margins.left() - margins.right()
        switch = self.period_switch
        in_row = self.period_row.indexOf(switch) >= 0
        need = self.title.sizeHint().width() + self.controls.sizeHint().width() + 12 + \
            (switch.sizeHint().width() + 16 if in_row else 0)
        narrow = need > room
        if narrow == in_row:
            return
        (self.controls if narrow else self.period_row).removeWidget(switch)
        if narrow:
            self.period_row.addWidget(switch, 0, Qt.AlignmentFlag.AlignLeft)
            self.period_row.addStretch(1)
        else:
            self.period_row.takeAt(0)  # the stretch
            self.controls.insertWidget(0, switch, 0, Qt.AlignmentFlag.AlignVCenter)

    # -- public ---------------------------------------------------------------------------------
    def set_lang(self, lang: str) -> None:
        """Switch every text (and redraw the charts' labels)."""
        self.lang = "en" if lang == "en" else "de"
        if self.lang_switch is not None:
            self.lang_switch.set_lang(self.lang)
        self._retranslate()

    def set_notice(self, text: Text | None) -> None:
        """A warning line above the figures (e.g. "the database is locked"); None hides it."""
        self._notice_text = text
        self.notice.setVisible(text is not None)
        if text is not None:
            self.notice.setText(text.get(self.lang))

    def set_period(self, days: int | None) -> None:
        """Show the last ``days`` days (None: all) and load them."""
        self.days = days
        self.period_buttons[days].setChecked(True)
        self._retranslate_subtitle()
        self.start_refresh()

    def start_refresh(self) -> asyncio.Future[None]:
        """:meth:`refresh` as a task on the running loop (for signal handlers)."""
        task = asyncio.ensure_future(self.refresh())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def refresh(self) -> None:
        """Load the figures of the chosen period off the GUI thread and show them."""
        self._generation += 1
        generation, days = self._generation, self.days
        self._set_status("loading")
        loop = asyncio.get_running_loop()
        try:
            stats = await loop.run_in_executor(None, self._load, days)
        except Exception as exc:  # a broken database must not take the staff panel down
            log.warning("dashboard: statistics unavailable: %s", exc)
            if generation == self._generation:
                self._set_status("load_failed", error=str(exc))
            return
        if generation != self._generation:
            return  # staff picked another period meanwhile; that answer will come
        self.show_stats(stats)
        self._set_status(None)
        self.refreshed.emit()

    def show_stats(self, stats: LogStats) -> None:
        """Show ``stats`` (GUI thread)."""
        self.stats = stats
        self._draw()

    def export(self) -> asyncio.Future[None] | None:
        """Ask for a folder and write the period's events there as CSV."""
        folder = self._choose_folder()
        if folder is None:
            return None
        self.export_button.setEnabled(False)
        self._set_status("exporting")
        task = asyncio.ensure_future(self._export(folder, self.days))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def save_report(self) -> asyncio.Future[None] | None:
        """Ask for a folder and save the funders' PDF report of the period there."""
        if self._report_data is None:
            return None
        folder = self._choose_folder()
        if folder is None:
            return None
        self.report_button.setEnabled(False)
        self._set_status("report.saving")
        task = asyncio.ensure_future(self._save_report(folder, self.days, self.lang))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def _save_report(self, folder: Path, days: int | None, lang: Lang) -> None:
        from kiosk.ui.report import report_pdf, write_atomically

        loop = asyncio.get_running_loop()
        assert self._report_data is not None
        out = folder / f"report-{self._today().isoformat()}-{lang}.pdf"
        try:
            data = await loop.run_in_executor(None, self._report_data, days)
            pdf, _ = report_pdf(data, lang)  # painting: GUI thread (widgets), no disk
            await loop.run_in_executor(None, write_atomically, out, pdf)
        except Exception as exc:  # stick pulled, disk full, database gone: tell staff
            log.warning("dashboard: report to %s failed: %s", folder, exc)
            self._set_status("export_failed", error=failure(exc))
            self.export_failed.emit(str(exc))
        else:
            self._set_status("exported", path=str(out))
            self.exported.emit(str(out))
        finally:
            self.report_button.setEnabled(True)

    def series(self) -> dict[str, tuple[list[str], list[float]]]:
        """Each chart's category labels and values, as drawn (tests, accessibility)."""
        charts = {"days": self.chart_days, "hours": self.chart_hours, "demos": self.chart_demos,
                  "dwell": self.chart_dwell, "feedback": self.chart_feedback,
                  "inside": self.chart_inside}
        return {name: (chart.labels, chart.values) for name, chart in charts.items()}

    def kpis(self) -> dict[str, str]:
        """The key figures' values as shown."""
        return {"visits": self.kpi_visits.value.text(), "length": self.kpi_length.value.text(),
                "rating": self.kpi_rating.value.text(), "top": self.kpi_top.value.text()}

    # -- internals ------------------------------------------------------------------------------
    async def _export(self, folder: Path, days: int | None) -> None:
        loop = asyncio.get_running_loop()
        try:
            path = await loop.run_in_executor(None, self._export_csv, folder, days)
        except Exception as exc:  # disk full, stick pulled: tell staff, keep running
            log.warning("dashboard: export to %s failed: %s", folder, exc)
            self._set_status("export_failed", error=failure(exc))
            self.export_failed.emit(str(exc))
        else:
            self._set_status("exported", path=str(path))
            self.exported.emit(str(path))
        finally:
            self.export_button.setEnabled(True)

    def _set_status(self, key: str | None, **values: object) -> None:
        self._status_key = (key, values) if key else None
        self.status.setText(tr(key, self.lang, **values) if key else "")

    def _retranslate(self) -> None:
        lang = self.lang
        self.title.setText(tr("title", lang))
        for days, button in self.period_buttons.items():
            button.setText(tr(f"period.{days if days else 'all'}", lang))
        self.export_button.setText(tr("export", lang))
        self.report_button.setText(tr("report", lang))
        self.chart_days.title.setText(tr("chart.days", lang))
        self.chart_hours.title.setText(tr("chart.hours", lang))
        self.chart_demos.title.setText(tr("chart.demos", lang))
        self.chart_dwell.title.setText(tr("chart.dwell", lang))
        self.chart_feedback.title.setText(tr("chart.feedback", lang))
        self.chart_inside.title.setText(tr("chart.inside", lang))
        self._retranslate_subtitle()
        if self._notice_text is not None:
            self.notice.setText(self._notice_text.get(lang))
        if self._status_key is not None:
            self._set_status(self._status_key[0], **self._status_key[1])
        self._draw()
        self._fit_header()

    def _retranslate_subtitle(self) -> None:
        self.subtitle.setText(tr("subtitle.days", self.lang, days=self.days) if self.days
                              else tr("subtitle.all", self.lang))

    def _title(self, demo_id: str) -> str:
        text = self._titles.get(demo_id)
        return text.get(self.lang) if text is not None and text.get(self.lang) else demo_id

    def _day_range(self, stats: LogStats) -> list[date]:
        today = self._today()
        recorded = [date.fromisoformat(d) for d in stats.sessions_by_day]
        first = today - timedelta(days=(self.days or DEFAULT_PERIOD) - 1)
        if recorded and (self.days is None or self.days > 31):
            # A year of bars for a kiosk installed last month would be mostly empty (and
            # its "per day" average wrong): long periods start at the first visit.
            first = max(first, recorded[0]) if self.days else recorded[0]
        last = max([today, *recorded])
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def _draw(self) -> None:
        stats = self.stats
        if stats is None:
            return
        lang = self.lang
        empty = tr("none", lang)
        days = self._day_range(stats)
        per_day = [stats.sessions_by_day.get(d.isoformat(), 0) for d in days]

        self.kpi_visits.set_values(
            tr("kpi.visits", lang), number(stats.sessions, lang),
            tr("kpi.visits.sub", lang, n=number(stats.sessions / max(1, len(days)), lang, 1)))
        self.kpi_length.set_values(tr("kpi.length", lang), duration(stats.median_session_ms, lang),
                             tr("kpi.length.sub", lang))
        avg = stats.feedback_avg
        self.kpi_rating.set_values(
            tr("kpi.rating", lang),
            tr("kpi.rating.value", lang, avg=number(avg, lang, 1)) if avg is not None else "–",
            tr("kpi.rating.sub", lang, n=number(stats.feedback_count, lang)))
        top = stats.demos[0] if stats.demos and stats.demos[0].opens else None
        self.kpi_top.set_values(tr("kpi.top", lang), self._title(top.demo_id) if top else "–",
                                tr("kpi.top.sub", lang, n=number(top.opens, lang)) if top else "",
                                textual=top is not None)

        if len(days) > WEEKLY_AFTER_DAYS:
            self._draw_weeks(days, per_day)
        else:
            weekday = WEEKDAYS[lang]
            day_labels = [f"{weekday[d.weekday()]} {d.day:02d}.{d.month:02d}." if lang == "de"
                          else f"{weekday[d.weekday()]} {d.month}/{d.day}" for d in days]
            weekend = [theme.VIOLET if d.weekday() >= 5 else theme.TEAL for d in days]
            self.chart_days.title.setText(tr("chart.days", lang))
            self.chart_days.legend.setText(
                f'<span style="color:{theme.VIOLET.name()}">■</span> {tr("weekend", lang)}')
            self.chart_days.set_bars(day_labels, per_day, colors=weekend,
                                     tick_every=max(1, -(-len(days) // 8)), thin_labels=True,
                                     value_labels=len(days) <= 14, empty=empty)

        busy = [h for h, n in enumerate(stats.sessions_by_hour) if n]
        first_hour = min([8, *busy])
        last_hour = max([19, *busy])
        hours = list(range(first_hour, last_hour + 1))
        self.chart_hours.set_bars(
            [tr("hour", lang, h=h) for h in hours], [stats.sessions_by_hour[h] for h in hours],
            tick_every=2 if len(hours) > 8 else 1, thin_labels=True, value_labels=False,
            empty=empty)

        demos = [d for d in stats.demos if d.opens][:6]
        self.chart_demos.set_bars(
            [self._short(self._title(d.demo_id), 24) for d in demos], [d.opens for d in demos],
            colors=[theme.TEAL_LIGHT if i == 0 else theme.TEAL for i in range(len(demos))],
            value_text=lambda v: number(v, lang), empty=empty)

        self.chart_dwell.set_bars(list(DWELL_LABELS), list(stats.dwell_histogram),
                                  colors=theme.VIOLET, value_text=lambda v: number(v, lang),
                                  empty=empty)

        self.chart_feedback.set_bars(
            [f"{i} ★" for i in range(1, 6)], list(stats.feedback_histogram),
            colors=[ROSE, ROSE, theme.AMBER, theme.TEAL, theme.TEAL_LIGHT],
            value_text=lambda v: number(v, lang), empty=empty)

        kinds = stats.interaction_kinds
        inside = [k for k in INSIDE_KINDS if kinds.get(k)]
        self.chart_inside.set_bars(
            [tr(f"inside.{k}", lang) for k in inside], [kinds[k] for k in inside],
            colors=[theme.AMBER if k == "unsure_shown" else theme.TEAL for k in inside],
            value_text=lambda v: number(v, lang), empty=empty)

    def _draw_weeks(self, days: list[date], per_day: list[int]) -> None:
        """More than two months: one bar per calendar week (ISO weeks, Monday first)."""
        weeks: dict[tuple[int, int], int] = {}
        for d, n in zip(days, per_day, strict=True):
            iso = d.isocalendar()
            key = (iso.year, iso.week)
            weeks[key] = weeks.get(key, 0) + n
        word = "KW" if self.lang == "de" else "wk"
        labels = [f"{word} {week}" for _, week in weeks]
        self.chart_days.title.setText(tr("chart.weeks", self.lang))
        self.chart_days.legend.setText("")
        self.chart_days.set_bars(labels, list(weeks.values()),
                                 tick_every=max(1, -(-len(weeks) // 10)), thin_labels=True,
                                 value_labels=len(weeks) <= 14, empty=tr("none", self.lang))

    @staticmethod
    def _short(title: str, limit: int = 22) -> str:
        return title if len(title) <= limit else title[:limit - 1].rstrip() + "…"
