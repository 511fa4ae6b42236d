"""The yearly report for funders: an A4 PDF, in German or English, painted by Qt itself.

:func:`render_report` writes the pages with :class:`~PySide6.QtGui.QPdfWriter` (no extra
dependency) and draws its charts with the staff dashboard's own
:class:`~kiosk.ui.dashboard.BarPlot`, in print colours. It takes finished figures
(:class:`ReportData`): where they come from — this kiosk's log or the fleet's central
database — is the caller's business, so this module never touches a database.

Pages: period and sites, visits per month, the typical visit, demo popularity, in-demo
activity, ratings, languages, uptime and crashes, methodology and privacy. A period without
visitors says so on every page instead of showing empty axes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from kiosk.core.events import DWELL_LABELS, LogStats
from kiosk.core.i18n import Lang, Text
from kiosk.runtime.report_source import ReportSource
from kiosk.ui import theme
from kiosk.ui.dashboard import BarPlot, duration, number

DPI = 96  # one device unit is one CSS pixel: the dashboard's pixel fonts keep their size
INK = QColor("#111827")
MUTED = QColor("#4B5563")
GRID = QColor("#E5E7EB")
ACCENT = QColor("#0F766E")  # the kiosk's teal, dark enough for paper
ACCENT_LIGHT = QColor("#5EAFA5")
VIOLET = QColor("#6D28D9")
ROSE = QColor("#E11D48")
AMBER = QColor("#D97706")
MARGIN = 56.0

T: dict[str, Text] = {
    "title": Text("Bericht für Förderer", "Report for funders"),
    "product": Text("Showroom Kiosk – KI-Exponate zum Ausprobieren",
                    "Showroom Kiosk – hands-on AI exhibits"),
    "period": Text("Zeitraum: {start} bis {end}", "Period: {start} to {end}"),
    "period.open": Text("alle Aufzeichnungen", "all records"),
    "generated": Text("Erstellt am {day} aus {source}", "Made on {day} from {source}"),
    "page": Text("Seite {n} von {total}", "Page {n} of {total}"),
    "nodata": Text("In diesem Zeitraum wurden keine Besuche aufgezeichnet.",
                   "No visits were recorded in this period."),
    "nodata.short": Text("Keine Daten in diesem Zeitraum", "No data in this period"),
    "sites": Text("Standorte und Kiosks", "Sites and kiosks"),
    "col.site": Text("Standort", "Location"),
    "site.unnamed": Text("(ohne Standortangabe)", "(no location given)"),
    "key": Text("Auf einen Blick", "At a glance"),
    "kpi.visits": Text("Besuche", "Visits"),
    "kpi.length": Text("Typische Besuchsdauer", "Typical visit"),
    "kpi.rating": Text("Bewertung (von 5)", "Rating (of 5)"),
    "kpi.top": Text("Beliebteste Demo", "Most popular demo"),
    "kpi.opens": Text("Demo-Aufrufe", "Demos opened"),
    "kpi.days": Text("Tage mit Besuchen", "Days with visitors"),
    "months": Text("Besuche pro Monat", "Visits per month"),
    "months.note": Text("Ein Besuch beginnt mit der ersten Berührung und endet, wenn niemand "
                        "mehr tippt oder die Besucher auf „Fertig“ tippen.",
                        "A visit starts with the first touch and ends when nobody touches "
                        "the screen any more or the visitors tap “Done”."),
    "hours": Text("Besuche nach Uhrzeit", "Visits by time of day"),
    "typical": Text("Der typische Besuch", "The typical visit"),
    "typical.text": Text(
        "Die Hälfte der Besuche dauerte kürzer als {median}. {done} von {ended} Besuchen "
        "wurden mit „Fertig“ beendet, die übrigen nach einer Pause ohne Berührung.",
        "Half of all visits were shorter than {median}. {done} of {ended} visits were ended "
        "with “Done”, the others after a pause without touches."),
    "dwell": Text("Verweildauer in einer Demo", "Time spent in a demo"),
    "weekdays": Text("Besuche nach Wochentag", "Visits by day of the week"),
    "popular": Text("Beliebtheit der Demos", "Demo popularity"),
    "popular.chart": Text("Aufrufe je Demo", "Times each demo was opened"),
    "col.demo": Text("Demo", "Demo"),
    "col.opens": Text("Aufrufe", "Opened"),
    "col.dwell": Text("Typ. Dauer", "Typ. time"),
    "col.actions": Text("Aktionen", "Actions"),
    "col.rating": Text("Bewertung", "Rating"),
    "activity": Text("Aktivität in den Demos", "Activity inside the demos"),
    "activity.chart": Text("Aktionen pro Aufruf (z. B. Foto, Zeichnung, Beispiel)",
                           "Actions per opening (e.g. photo, drawing, example taught)"),
    "activity.text": Text("Insgesamt {n} Aktionen der Besucher in den Demos.",
                          "Visitors took {n} actions inside the demos in total."),
    "ratings": Text("Bewertungen", "Ratings"),
    "ratings.chart": Text("Verteilung der Sterne", "Stars given"),
    "ratings.demos": Text("Durchschnitt je Demo", "Average per demo"),
    "ratings.text": Text("{n} Bewertungen, im Mittel {avg} von 5 Sternen.",
                         "{n} ratings, {avg} of 5 stars on average."),
    "languages": Text("Sprachen", "Languages"),
    "languages.chart": Text("Sprachwechsel der Besucher", "Language switches by visitors"),
    "languages.text": Text(
        "Jeder Kiosk startet in seiner eingestellten Sprache; gezählt wird, wie oft "
        "Besucher die Sprache gewechselt haben.",
        "Each kiosk starts in its configured language; counted is how often visitors "
        "switched the language."),
    "lang.de": Text("Deutsch", "German"),
    "lang.en": Text("Englisch", "English"),
    "uptime": Text("Betrieb und Abstürze", "Uptime and crashes"),
    "uptime.text": Text(
        "Programmstarts: {starts}. Abstürze: {crashes}. Tage mit Besuchen: {days} von {total}.",
        "Program starts: {starts}. Crashes: {crashes}. Days with visitors: {days} of {total}."),
    "errors": Text("Gemeldete Fehler nach Art", "Reported errors by kind"),
    "fleet": Text("Kiosks beim letzten Bericht", "Kiosks at their last report"),
    "fleet.row": Text("{kiosk} ({location}): zuletzt gemeldet vor {ago}, Abstürze in 24 h: "
                      "{crashes}, Selbsttest: {test}",
                      "{kiosk} ({location}): last report {ago} ago, crashes in 24 h: "
                      "{crashes}, self-test: {test}"),
    "method": Text("Methode und Datenschutz", "Methodology and privacy"),
    "method.text": Text(
        "Was gezählt wird: Jeder Kiosk schreibt anonyme Ereignisse in ein Protokoll – Beginn "
        "und Ende eines Besuchs, Öffnen und Schließen einer Demo mit der Verweildauer, "
        "Aktionen in einer Demo (etwa „Foto aufgenommen“), Sternebewertungen, "
        "Sprachwechsel, Programmstarts, Abstürze und Fehlercodes. Jedes Ereignis trägt "
        "Zeitpunkt, Kiosk, eine zufällige Besuchsnummer und die Demo.\n\n"
        "Was nie gespeichert wird: keine Kamerabilder, keine Gesichter oder Gesichtsmerkmale, "
        "keine Zeichnungen oder erkannten Texte, keine Namen, keine Geräte- oder "
        "Netzwerkkennungen. Die Besuchsnummer ist zufällig und wird nach dem Besuch nie wieder "
        "verwendet; sie lässt keinen Schluss auf eine Person zu.\n\n"
        "Wie gezählt wird: Ein Besuch beginnt mit der ersten Berührung und endet nach einer "
        "Pause ohne Berührung oder mit „Fertig“; mehrere Personen an einem Bildschirm sind "
        "ein Besuch. „Typisch“ ist der Median: die Hälfte der Werte liegt darunter. "
        "Uhrzeiten und Tage sind Ortszeit. Zahlen mehrerer Kiosks werden in einer zentralen "
        "Datenbank zusammengeführt; jedes Ereignis zählt genau einmal, auch wenn ein Kiosk "
        "es nach einer Störung erneut sendet. Dort sind Zeiträume auf ganze Tage (UTC) "
        "gerundet und Dauern auf ganze Sekunden.",
        "What is counted: each kiosk writes anonymous events to a log – the start and end of "
        "a visit, opening and closing a demo with the time spent, actions inside a demo "
        "(such as “photo taken”), star ratings, language switches, program starts, crashes "
        "and error codes. Every event has a time, the kiosk, a random visit number and the "
        "demo.\n\n"
        "What is never stored: no camera pictures, no faces or facial features, no drawings "
        "or recognised text, no names, no device or network identifiers. The visit number is "
        "random and never used again after the visit; it cannot be traced to a person.\n\n"
        "How it is counted: a visit starts with the first touch and ends after a pause "
        "without touches or with “Done”; several people at one screen are one visit. "
        "“Typical” is the median: half of the values are below it. Times and days are local "
        "time. Figures of several kiosks are merged in a central database; every event "
        "counts exactly once, even when a kiosk sends it again after an outage. There, "
        "periods are rounded to whole days (UTC) and durations to whole seconds."),
}
MONTHS: dict[Lang, tuple[str, ...]] = {
    "de": ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """A report text in ``lang``."""
    text = T[key]
    return (text.format(**values) if values else text).get(lang)


@dataclass(frozen=True)
class FleetRow:
    """One kiosk as the fleet table last saw it (central reports only)."""

    kiosk_id: str
    location: str
    seconds_since_report: float
    crashes_24h: int | None
    self_test: str | None


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows; ``start``/``end`` are inclusive days (None: open)."""

    stats: LogStats
    start: date | None
    end: date | None
    source: str  # "kiosk-1" or the central database, password masked
    sites: Mapping[str, Sequence[str]]  # location → kiosk ids
    titles: Mapping[str, Text] = field(default_factory=dict)  # demo id → title
    fleet: Sequence[FleetRow] = ()
    made: datetime = field(default_factory=datetime.now)


def report_data(source: ReportSource, start: date | None, end: date | None,
                titles: Mapping[str, Text]) -> ReportData:
    """The report of figures gathered by :mod:`kiosk.runtime.report_source`."""
    fleet = [FleetRow(r.kiosk_id, r.location, r.seconds_since_report, r.crashes_24h,
                      r.self_test) for r in source.fleet]
    return ReportData(source.stats, start, end, source.source, source.sites, titles, fleet)


class _Pages:
    """A painter over the PDF with a cursor that flows down the page."""

    def __init__(self, writer: QPdfWriter, lang: Lang) -> None:
        self.writer = writer
        self.lang = lang
        self.painter = QPainter(writer)
        rect = writer.pageLayout().paintRectPixels(DPI)
        self.width, self.height = float(rect.width()), float(rect.height())
        self.y = MARGIN
        self.pages = 1
        self.total: int | None = None  # None: a counting pass, no footers
        self.footer_text = ""

    def new_page(self) -> None:
        self.footer()
        self.writer.newPage()
        self.pages += 1
        self.y = MARGIN

    @property
    def inner(self) -> float:
        return self.width - 2 * MARGIN

    def text(self, text: str, font: QFont, color: QColor = INK, gap: float = 10.0,
             align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        p = self.painter
        p.setFont(font)
        p.setPen(color)
        flags = int(align | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
        box = p.boundingRect(QRectF(MARGIN, self.y, self.inner, 10_000), flags, text)
        p.drawText(QRectF(MARGIN, self.y, self.inner, box.height()), flags, text)
        self.y += box.height() + gap

    def heading(self, text: str) -> None:
        self.text(text, theme.display_font(30, QFont.Weight.Bold), INK, 6)
        self.painter.setPen(QPen(ACCENT, 3))
        self.painter.drawLine(int(MARGIN), int(self.y), int(MARGIN + 64), int(self.y))
        self.y += 18

    def subheading(self, text: str) -> None:
        self.text(text, theme.body_font(16, QFont.Weight.DemiBold), ACCENT, 6)

    def chart(self, plot: BarPlot, height: float) -> None:
        plot.paint(self.painter, QRectF(MARGIN, self.y, self.inner, height))
        self.y += height + 22

    def kpis(self, items: Sequence[tuple[str, str]], columns: int = 3) -> None:
        width = self.inner / columns
        p = self.painter
        row_h = 74.0
        for i, (caption, value) in enumerate(items):
            x = MARGIN + (i % columns) * width
            y = self.y + (i // columns) * (row_h + 10)
            p.setPen(QPen(GRID, 1))
            p.setBrush(QColor("#F8FAFC"))
            p.drawRoundedRect(QRectF(x + 2, y, width - 10, row_h), 8, 8)
            p.setPen(MUTED)
            p.setFont(theme.body_font(11, QFont.Weight.DemiBold))
            p.drawText(QRectF(x + 14, y + 10, width - 34, 16), int(Qt.AlignmentFlag.AlignLeft),
                       caption.upper())
            p.setPen(INK)
            size = 24
            font = theme.display_font(size, QFont.Weight.Bold)
            while size > 14 and QFontMetricsF(font).horizontalAdvance(value) > width - 34:
                size -= 1  # a long demo title: smaller type before cutting it short
                font = theme.display_font(size, QFont.Weight.Bold)
            fm = QFontMetricsF(font)
            p.setFont(font)
            p.drawText(QRectF(x + 14, y + 30, width - 34, 34), int(Qt.AlignmentFlag.AlignLeft),
                       fm.elidedText(value, Qt.TextElideMode.ElideRight, width - 34))
        rows = -(-len(items) // columns)
        self.y += rows * (row_h + 10) + 16

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float]) -> None:
        p = self.painter
        font, bold = theme.body_font(12), theme.body_font(12, QFont.Weight.DemiBold)
        line = QFontMetricsF(font).height() + 8
        for r, row in enumerate([header, *rows]):
            if self.y + line > self.height - MARGIN:
                self.new_page()
            x = MARGIN
            p.setFont(bold if r == 0 else font)
            p.setPen(MUTED if r == 0 else INK)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True)):
                align = Qt.AlignmentFlag.AlignLeft if c == 0 else Qt.AlignmentFlag.AlignRight
                p.drawText(QRectF(x, self.y, w * self.inner - 8, line),
                           int(align | Qt.AlignmentFlag.AlignVCenter), cell)
                x += w * self.inner
            self.y += line
            p.setPen(QPen(GRID, 1))
            p.drawLine(int(MARGIN), int(self.y), int(MARGIN + self.inner), int(self.y))
        self.y += 18

    def footer(self) -> None:
        if self.total is None:
            return
        p = self.painter
        p.setFont(theme.body_font(10))
        p.setPen(MUTED)
        y = self.height - MARGIN / 2 - 8
        p.drawText(QRectF(MARGIN, y, self.inner, 16), int(Qt.AlignmentFlag.AlignLeft),
                   self.footer_text)
        p.drawText(QRectF(MARGIN, y, self.inner, 16), int(Qt.AlignmentFlag.AlignRight),
                   tr("page", self.lang, n=self.pages, total=self.total))


def _plot(horizontal: bool = False, *, fonts: tuple[int, int] = (12, 13)) -> BarPlot:
    plot = BarPlot(horizontal)
    plot.text_color, plot.muted_color, plot.grid_color = INK, MUTED, GRID
    plot.tick_font = theme.body_font(fonts[0])
    plot.strong_font = theme.body_font(fonts[1], QFont.Weight.DemiBold)
    plot.note_font = theme.body_font(16)
    plot.NAME_WIDTH = 190
    return plot


def _bars(plot: BarPlot, labels: Sequence[str], values: Sequence[float], lang: Lang, *,
          colors: Sequence[QColor] | QColor = ACCENT, tick_every: int = 1,
          value_labels: bool = True, text: Callable[[float], str] | None = None) -> BarPlot:
    plot.labels, plot.values = list(labels), [float(v) for v in values]
    plot.colors = list(colors) if isinstance(colors, Sequence) else [colors] * len(values)
    plot.tick_every = tick_every
    plot.value_labels = value_labels
    plot.value_text = text or (lambda v: number(v, lang))
    plot.empty = tr("nodata.short", lang)
    return plot


def _months(data: ReportData) -> list[tuple[int, int]]:
    days = sorted(date.fromisoformat(d) for d in data.stats.sessions_by_day)
    first = data.start or (days[0] if days else None)
    last = data.end or (days[-1] if days else None)
    if first is None or last is None:
        return []
    out: list[tuple[int, int]] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month) and len(out) < 240:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def render_report(data: ReportData, out: Path, lang: Lang) -> int:
    """Write the PDF to ``out`` (via a temporary file); returns the number of pages."""
    pdf, pages = report_pdf(data, lang)
    write_atomically(out, pdf)
    return pages


def write_atomically(out: Path, content: bytes) -> None:
    """``content`` into ``out`` through a temporary file beside it (blocking disk I/O)."""
    tmp = out.with_name(f".{out.name}.part")
    try:
        tmp.write_bytes(content)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def report_pdf(data: ReportData, lang: Lang) -> tuple[bytes, int]:
    """The PDF file's bytes and its page count (a few hundred ms of painting, no disk).

    Laid out twice: the first pass only counts the pages, so every footer can say
    "page 3 of 9" (a PDF writer cannot go back to a page). Paints with QWidget-based
    charts, so it runs on the GUI thread.
    """
    total = _render(data, lang, None)[1]
    return _render(data, lang, total)


def _render(data: ReportData, lang: Lang, total: int | None) -> tuple[bytes, int]:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    writer.setTitle(f"{tr('title', lang)} – Showroom Kiosk")
    writer.setCreator("Showroom Kiosk")
    pages = _Pages(writer, lang)
    pages.total = total
    pages.footer_text = f"Showroom Kiosk · {tr('title', lang)} · {_period(data, lang)}"
    try:
        for i, section in enumerate(SECTIONS):
            if i:
                pages.new_page()
            section(pages, data, lang)
        pages.footer()
    finally:
        pages.painter.end()
    buffer.close()
    return bytes(buffer.data().data()), pages.pages


def _period(data: ReportData, lang: Lang) -> str:
    def fmt(d: date) -> str:
        return d.strftime("%d.%m.%Y") if lang == "de" else d.isoformat()

    if data.start is None and data.end is None and data.stats.first_ts is None:
        return tr("period.open", lang)
    first = data.stats.first_ts[:10] if data.stats.first_ts else None
    last = data.stats.last_ts[:10] if data.stats.last_ts else None
    start = data.start or (date.fromisoformat(first) if first else None)
    end = data.end or (date.fromisoformat(last) if last else None)
    text = tr("period", lang, start=fmt(start) if start else "…", end=fmt(end) if end else "…")
    return text if data.start or data.end else f"{text} ({tr('period.open', lang)})"


def _title(data: ReportData, demo_id: str, lang: Lang) -> str:
    text = data.titles.get(demo_id)
    return text.get(lang) if text is not None and text.get(lang) else demo_id


def _no_data(p: _Pages, data: ReportData, lang: Lang) -> bool:
    if data.stats.sessions or data.stats.events:
        return False
    p.text(tr("nodata", lang), theme.body_font(16, QFont.Weight.DemiBold), ROSE)
    return True


def _cover(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.text(tr("product", lang), theme.body_font(14, QFont.Weight.DemiBold), ACCENT, 4)
    p.text(tr("title", lang), theme.display_font(42, QFont.Weight.Bold), INK, 6)
    p.text(_period(data, lang), theme.body_font(18), INK, 4)
    p.text(tr("generated", lang, day=data.made.strftime("%d.%m.%Y" if lang == "de"
                                                        else "%Y-%m-%d"),
              source=data.source), theme.body_font(12), MUTED, 26)
    _no_data(p, data, lang)
    p.subheading(tr("key", lang))
    top = s.demos[0] if s.demos and s.demos[0].opens else None
    p.kpis([
        (tr("kpi.visits", lang), number(s.sessions, lang)),
        (tr("kpi.length", lang), duration(s.median_session_ms, lang)),
        (tr("kpi.rating", lang), number(s.feedback_avg, lang, 1) if s.feedback_avg else "–"),
        (tr("kpi.top", lang), _title(data, top.demo_id, lang) if top else "–"),
        (tr("kpi.opens", lang), number(sum(d.opens for d in s.demos), lang)),
        (tr("kpi.days", lang), number(len(s.sessions_by_day), lang)),
    ])
    p.subheading(tr("sites", lang))
    rows = []
    for location, kiosks in sorted(data.sites.items()):
        visits = sum(s.kiosks.get(k, 0) for k in kiosks)
        rows.append([location or tr("site.unnamed", lang), ", ".join(kiosks),
                     number(visits, lang)])
    p.table([tr("col.site", lang), "Kiosks", tr("kpi.visits", lang)], rows, (0.35, 0.45, 0.2))


def _visits(p: _Pages, data: ReportData, lang: Lang) -> None:
    p.heading(tr("months", lang))
    _no_data(p, data, lang)
    per_month: dict[tuple[int, int], int] = {}
    for day, n in data.stats.sessions_by_day.items():
        d = date.fromisoformat(day)
        per_month[(d.year, d.month)] = per_month.get((d.year, d.month), 0) + n
    months = _months(data)
    labels = [f"{MONTHS[lang][m - 1]} {str(y)[2:]}" for y, m in months]
    p.chart(_bars(_plot(), labels, [per_month.get(k, 0) for k in months], lang,
                  tick_every=max(1, -(-len(months) // 12)), value_labels=len(months) <= 14),
            380)
    p.text(tr("months.note", lang), theme.body_font(12), MUTED, 24)
    p.subheading(tr("hours", lang))
    hours_n = data.stats.sessions_by_hour
    busy = [h for h, n in enumerate(hours_n) if n]
    hours = list(range(min([8, *busy]), max([19, *busy]) + 1))
    p.chart(_bars(_plot(), [f"{h}" for h in hours], [hours_n[h] for h in hours], lang,
                  value_labels=False), 300)


def _typical(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("typical", lang))
    if not _no_data(p, data, lang):
        p.text(tr("typical.text", lang, median=duration(s.median_session_ms, lang),
                  done=number(s.end_reasons.get("done", 0), lang),
                  ended=number(s.sessions_ended, lang)), theme.body_font(14), INK, 20)
    p.subheading(tr("dwell", lang))
    p.chart(_bars(_plot(), list(DWELL_LABELS), list(s.dwell_histogram), lang, colors=VIOLET),
            320)
    p.subheading(tr("weekdays", lang))
    weekdays = [0] * 7
    for day, n in s.sessions_by_day.items():
        weekdays[date.fromisoformat(day).weekday()] += n
    p.chart(_bars(_plot(), list(WEEKDAYS[lang]), weekdays, lang,
                  colors=[ACCENT] * 5 + [VIOLET] * 2), 300)


def _popularity(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("popular", lang))
    _no_data(p, data, lang)
    demos = [d for d in s.demos if d.opens][:10]
    p.subheading(tr("popular.chart", lang))
    p.chart(_bars(_plot(True), [_title(data, d.demo_id, lang) for d in demos],
                  [d.opens for d in demos], lang,
                  colors=[ACCENT_LIGHT if i else ACCENT for i in range(len(demos))]),
            max(120.0, 40.0 * len(demos)))
    rows = [[_title(data, d.demo_id, lang), number(d.opens, lang),
             duration(d.median_dwell_ms, lang), number(d.interactions, lang),
             number(d.feedback_avg, lang, 1) if d.feedback_avg is not None else "–"]
            for d in s.demos]
    p.table([tr(k, lang) for k in ("col.demo", "col.opens", "col.dwell", "col.actions",
                                   "col.rating")], rows, (0.36, 0.14, 0.18, 0.16, 0.16))


def _activity(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("activity", lang))
    if not _no_data(p, data, lang):
        p.text(tr("activity.text", lang, n=number(sum(d.interactions for d in s.demos), lang)),
               theme.body_font(14), INK, 20)
    demos = [d for d in s.demos if d.opens][:10]
    p.subheading(tr("activity.chart", lang))
    p.chart(_bars(_plot(True), [_title(data, d.demo_id, lang) for d in demos],
                  [d.interactions / d.opens for d in demos], lang, colors=VIOLET,
                  text=lambda v: number(v, lang, 1)), max(120.0, 40.0 * len(demos)))


def _ratings(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("ratings", lang))
    if not _no_data(p, data, lang) and s.feedback_avg is not None:
        p.text(tr("ratings.text", lang, n=number(s.feedback_count, lang),
                  avg=number(s.feedback_avg, lang, 1)), theme.body_font(14), INK, 20)
    p.subheading(tr("ratings.chart", lang))
    p.chart(_bars(_plot(), [f"{i} ★" for i in range(1, 6)], list(s.feedback_histogram), lang,
                  colors=[ROSE, ROSE, AMBER, ACCENT_LIGHT, ACCENT]), 300)
    rated = [d for d in s.demos if d.feedback_avg is not None][:10]
    p.subheading(tr("ratings.demos", lang))
    p.chart(_bars(_plot(True), [_title(data, d.demo_id, lang) for d in rated],
                  [d.feedback_avg or 0.0 for d in rated], lang, colors=AMBER,
                  text=lambda v: number(v, lang, 2)), max(120.0, 40.0 * len(rated)))


def _languages(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("languages", lang))
    p.text(tr("languages.text", lang), theme.body_font(14), INK, 20)
    names = [tr(f"lang.{code}", lang) if f"lang.{code}" in T else code for code in s.languages]
    p.subheading(tr("languages.chart", lang))
    p.chart(_bars(_plot(True), names, list(s.languages.values()), lang, colors=ACCENT),
            max(120.0, 48.0 * len(names)))


def _uptime(p: _Pages, data: ReportData, lang: Lang) -> None:
    s = data.stats
    p.heading(tr("uptime", lang))
    total = "–"
    if data.start and data.end:
        total = number((data.end - data.start).days + 1, lang)
    elif s.first_ts and s.last_ts:
        total = number((date.fromisoformat(s.last_ts[:10])
                        - date.fromisoformat(s.first_ts[:10])).days + 1, lang)
    p.text(tr("uptime.text", lang, starts=number(s.app_starts, lang),
              crashes=number(s.crashes, lang), days=number(len(s.sessions_by_day), lang),
              total=total), theme.body_font(14), INK, 20)
    p.subheading(tr("errors", lang))
    errors = list(s.errors.items())[:10]
    p.chart(_bars(_plot(True), [k for k, _ in errors], [v for _, v in errors], lang,
                  colors=ROSE), max(120.0, 40.0 * len(errors)))
    if data.fleet:
        p.subheading(tr("fleet", lang))
        from kiosk.ui.staff.texts import duration as ago

        for row in data.fleet:
            p.text(tr("fleet.row", lang, kiosk=row.kiosk_id,
                      location=row.location or tr("site.unnamed", lang),
                      ago=ago(row.seconds_since_report, lang),
                      crashes="–" if row.crashes_24h is None else row.crashes_24h,
                      test=row.self_test or "–"), theme.body_font(12), INK, 4)


def _method(p: _Pages, data: ReportData, lang: Lang) -> None:
    p.heading(tr("method", lang))
    p.text(tr("method.text", lang), theme.body_font(14), INK, 10)


SECTIONS: tuple[Callable[[_Pages, ReportData, Lang], None], ...] = (
    _cover, _visits, _typical, _popularity, _activity, _ratings, _languages, _uptime, _method)
