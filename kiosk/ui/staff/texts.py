"""Every text of staff mode, in German and English.

Kept here rather than in :data:`kiosk.core.i18n.STRINGS` so staff mode is self-contained;
``tests/gui/test_staff.py`` checks both languages are filled in and placeholders match.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kiosk.core.i18n import Lang, Text, failure
from kiosk.core.settings import SettingsError

if TYPE_CHECKING:
    from kiosk.runtime.central.forwarder import SyncState

TEXTS: dict[str, Text] = {
    # PIN pad
    "pin.title": Text("Personalbereich", "Staff access"),
    "pin.enter": Text("PIN eingeben", "Enter the PIN"),
    "pin.new": Text("Neue PIN festlegen (4–8 Ziffern)", "Choose a new PIN (4–8 digits)"),
    "pin.new.first": Text(
        "Noch keine PIN festgelegt. Wähle eine PIN mit 4–8 Ziffern für das Personal.",
        "No PIN yet. Choose a PIN with 4–8 digits for the staff."),
    "pin.confirm": Text("PIN zur Bestätigung wiederholen", "Repeat the PIN to confirm"),
    "pin.mismatch": Text("Die PINs stimmen nicht überein. Bitte neu beginnen.",
                         "The PINs do not match. Please start again."),
    "pin.wrong": Text("Falsche PIN. Noch {n} Versuche bis zur Sperre.",
                      "Wrong PIN. {n} more tries before the pad locks."),
    "pin.wrong.one": Text("Falsche PIN. Noch ein Versuch bis zur Sperre.",
                          "Wrong PIN. One more try before the pad locks."),
    "pin.wrong.locked": Text("Falsche PIN.", "Wrong PIN."),
    "pin.locked": Text("Zu viele falsche Versuche. Gesperrt für {time}.",
                       "Too many wrong tries. Locked for {time}."),
    "pin.checking": Text("Prüfe …", "Checking …"),
    "pin.set": Text("PIN gespeichert.", "PIN saved."),
    "pin.set_failed": Text("PIN nicht gespeichert: {error}", "PIN not saved: {error}"),
    "pin.broken": Text(
        "Die PIN-Datei ist beschädigt. Die IT setzt mit „kiosk set-pin“ eine neue PIN.",
        "The PIN file is damaged. IT can set a new PIN with `kiosk set-pin`."),
    "pin.ok": Text("OK", "OK"),
    "pin.cancel": Text("Abbrechen", "Cancel"),
    "pin.later": Text("Später", "Later"),
    "pin.delete": Text("Löschen", "Delete"),
    # Panel frame
    "panel.title": Text("Personalbereich", "Staff mode"),
    "panel.kiosk": Text("Dieser Kiosk: {id}", "This kiosk: {id}"),
    "panel.back": Text("Zurück zum Kiosk", "Back to the kiosk"),
    "panel.restart": Text("App neu starten", "Restart app"),
    "panel.restart.confirm": Text("Nochmal tippen: neu starten", "Tap again to restart"),
    "panel.exit": Text("Kiosk beenden", "Exit kiosk"),
    "panel.exit.confirm": Text("Nochmal tippen: beenden", "Tap again to exit"),
    "panel.timeout": Text("Schließt sich nach {time} ohne Berührung.",
                          "Closes itself after {time} without a touch."),
    "section.demos": Text("Demos", "Demos"),
    "section.import": Text("Demo importieren", "Import a demo"),
    "section.camera": Text("Kamera", "Camera"),
    "section.settings": Text("Einstellungen", "Settings"),
    "section.stats": Text("Statistik", "Statistics"),
    "section.health": Text("Zustand", "Health"),
    "section.demos.sub": Text(
        "Ein- und ausschalten, Reihenfolge auf der Startseite, Selbsttest.",
        "Switch on and off, order on the home screen, self-test."),
    "section.import.sub": Text(
        "Einen Demo-Ordner, eine .zip-Datei oder ein .onnx-Modell vom USB-Stick übernehmen.",
        "Take a demo folder, a .zip file or an .onnx model from a USB stick."),
    "section.camera.sub": Text("Bildquelle und Spiegelung für alle Live-Demos.",
                               "Picture source and mirroring for all live demos."),
    "section.settings.sub": Text("Änderungen gelten sofort und werden gespeichert.",
                                 "Changes apply at once and are saved."),
    "section.stats.sub": Text("Wie Besucher den Kiosk nutzen.", "How visitors use the kiosk."),
    "section.health.sub": Text(
        "Laufzeit, Speicherplatz, Fehler, Version, Kamera, Bildrate, Rechenwerk, letzter "
        "Absturz.",
        "Uptime, disk space, errors, version, camera, frame rate, hardware, last crash."),
    # Demos
    "demos.on": Text("An", "On"),
    "demos.off": Text("Aus", "Off"),
    "demos.test": Text("Testen", "Test"),
    "demos.testing": Text("Test läuft …", "Testing …"),
    "demos.test.ok": Text("Test bestanden: {detail}", "Test passed: {detail}"),
    "demos.test.failed": Text("Test fehlgeschlagen: {detail}", "Test failed: {detail}"),
    "demos.up": Text("Nach oben", "Move up"),
    "demos.down": Text("Nach unten", "Move down"),
    "demos.broken": Text("Defekt – für Besucher unsichtbar", "Broken – hidden from visitors"),
    "demos.auto_off": Text("Automatisch ausgeschaltet (wiederholte Fehler)",
                           "Switched off automatically (repeated failures)"),
    "demos.hidden": Text("Ausgeschaltet – für Besucher unsichtbar",
                         "Switched off – hidden from visitors"),
    "demos.visible": Text("Sichtbar für Besucher", "Visible to visitors"),
    "demos.none": Text("Keine Demos gefunden.", "No demos found."),
    "demos.failed": Text("Nicht geändert: {error}", "Not changed: {error}"),
    # Import
    "import.places": Text("Orte", "Places"),
    "import.refresh": Text("Aktualisieren", "Refresh"),
    "import.home": Text("Persönlicher Ordner", "Home folder"),
    "import.no_media": Text(
        "Kein USB-Stick gefunden. Stick einstecken und „Aktualisieren“ tippen.",
        "No USB stick found. Plug one in and tap Refresh."),
    "import.up": Text("Ordner höher", "Up one folder"),
    "import.this": Text("Ordner „{name}“ importieren", "Import folder “{name}”"),
    "import.file": Text("Importieren", "Import"),
    "import.steps": Text(
        "So geht's:\n1. USB-Stick einstecken und „Aktualisieren“ tippen.\n"
        "2. Links den Stick (oder den persönlichen Ordner) wählen.\n"
        "3. Den Demo-Ordner, die .zip-Datei oder das .onnx-Modell antippen und importieren.\n"
        "Der Kiosk prüft das Paket und testet das Modell, bevor Besucher es sehen.",
        "How it works:\n1. Plug in the USB stick and tap “Refresh”.\n"
        "2. Choose the stick (or the home folder) on the left.\n"
        "3. Tap the demo folder, the .zip file or the .onnx model and import it.\n"
        "The kiosk checks the pack and tests the model before visitors see it."),
    "import.empty": Text("Dieser Ordner enthält keine Unterordner, .zip- oder .onnx-Dateien.",
                         "This folder holds no sub-folders, .zip or .onnx files."),
    "import.unreadable": Text("Ordner nicht lesbar: {error}", "Folder cannot be read: {error}"),
    "import.running": Text("Importiere {name} … (prüft und testet das Modell)",
                           "Importing {name} … (checks and tests the model)"),
    "import.ok": Text("Importiert: {message}", "Imported: {message}"),
    "import.failed": Text("Nicht importiert: {message}", "Not imported: {message}"),
    "import.pick": Text("Ort wählen, dann Ordner antippen.", "Pick a place, then tap folders."),
    "folders.title": Text("Ordner wählen", "Choose a folder"),
    "folders.csv": Text("Wohin soll die CSV-Datei?", "Where should the CSV file go?"),
    "folders.choose": Text("„{name}“ wählen", "Choose “{name}”"),
    "folders.empty": Text("Keine Unterordner. Du kannst diesen Ordner wählen.",
                          "No sub-folders. You can choose this folder."),
    # Camera
    "camera.source": Text("Bildquelle", "Picture source"),
    "camera.mirror": Text("Bild spiegeln", "Mirror the picture"),
    "camera.preview": Text("Vorschau", "Preview"),
    "camera.searching": Text("Suche angeschlossene Kameras …", "Looking for connected cameras …"),
    "camera.search": Text("Neu suchen", "Search again"),
    "camera.none_found": Text(
        "Keine Kamera gefunden. USB-Kamera anschließen, dann „Neu suchen“ tippen.",
        "No camera found. Connect a USB camera, then tap “Search again”."),
    "camera.found": Text("{count} Kamera(s) gefunden.", "{count} camera(s) found."),
    "camera.name.camera": Text("Kamera {index}", "Camera {index}"),
    "camera.name.sample": Text("Beispielbilder", "Sample photos"),
    "camera.missing.label": Text("{name} – nicht gefunden", "{name} – not found"),
    "camera.preview.none": Text("Keine Vorschau verfügbar.", "No preview available."),
    "camera.preview.opening": Text("Öffne {source} …", "Opening {source} …"),
    "camera.shows.camera": Text(
        "Live-Bild von {source}. So sehen die Besucher sich in den Demos.",
        "Live picture from {source}. This is how visitors see themselves in the demos."),
    "camera.shows.sample": Text(
        "Die Demos zeigen die Beispielbilder statt einer Kamera, weil sie so eingestellt sind.",
        "The demos show the sample photos instead of a camera, because that is the setting."),
    "camera.shows.media": Text(
        "Die Demos zeigen „{source}“ in einer Endlosschleife statt einer Kamera.",
        "The demos show “{source}” in a loop instead of a camera."),
    "camera.shows.missing": Text(
        "{source} ist nicht angeschlossen. Die Demos zeigen deshalb die Beispielbilder "
        "(hier zu sehen). Kabel prüfen und „Neu suchen“ tippen, oder eine andere Bildquelle "
        "wählen.",
        "{source} is not connected, so the demos show the sample photos (seen here). Check "
        "the cable and tap “Search again”, or choose another picture source."),
    "camera.shows.broken": Text(
        "{source} lässt sich gerade nicht öffnen (vielleicht belegt oder beschädigt). Die "
        "Demos zeigen deshalb die Beispielbilder (hier zu sehen).",
        "{source} cannot be opened right now (busy or damaged?), so the demos show the "
        "sample photos (seen here)."),
    "camera.shows.nothing": Text(
        "Keine Vorschau: auch die Beispielbilder lassen sich nicht öffnen. Bitte die "
        "Installation prüfen (kiosk self-test).",
        "No preview: even the sample photos cannot be opened. Please check the installation "
        "(kiosk self-test)."),
    "camera.saved": Text("Gespeichert. Gilt ab der nächsten Demo.",
                         "Saved. Applies from the next demo on."),
    # Settings
    "settings.idle": Text("Zurücksetzen nach", "Reset after"),
    "settings.idle.sub": Text("ohne Berührung startet der Kiosk für die Nächsten neu",
                              "without a touch the kiosk restarts for the next visitors"),
    "settings.lang": Text("Startsprache", "Starting language"),
    "settings.lang.sub": Text("nach jedem Zurücksetzen", "after every reset"),
    "settings.staff": Text("Personalbereich schließt nach", "Staff mode closes after"),
    "settings.staff.sub": Text("ohne Berührung", "without a touch"),
    "settings.cursor": Text("Mauszeiger ausblenden nach", "Hide the mouse pointer after"),
    "settings.cursor.sub": Text("im Kiosk-Modus, ohne Mausbewegung",
                                "in kiosk mode, without mouse movement"),
    "settings.performance": Text("Leistungsanzeige", "Performance overlay"),
    "settings.performance.sub": Text("Bilder/s und ms pro Bild in den Demos (für Fachleute)",
                                     "frames/s and ms per frame in the demos (for experts)"),
    "settings.kiosk_id": Text("Name dieses Kiosks", "Name of this kiosk"),
    "settings.kiosk_id.sub": Text("erscheint in der Statistik", "appears in the statistics"),
    "settings.change": Text("Ändern", "Change"),
    "settings.pin": Text("Personal-PIN", "Staff PIN"),
    "settings.pin.sub": Text("nur als Hash gespeichert", "stored only as a hash"),
    "settings.pin.change": Text("PIN ändern", "Change PIN"),
    "settings.saved": Text("Gespeichert.", "Saved."),
    "settings.failed": Text("Nicht gespeichert: {error}", "Not saved: {error}"),
    "settings.never": Text("nie", "never"),
    "keyboard.ok": Text("Übernehmen", "Apply"),
    "keyboard.cancel": Text("Abbrechen", "Cancel"),
    # Statistics
    "stats.none": Text("Die Besucherstatistik ist in dieser Version nicht verfügbar.",
                       "Visitor statistics are not available in this version."),
    # Health
    "health.uptime": Text("Laufzeit", "Uptime"),
    "health.disk": Text("Freier Speicher", "Free disk space"),
    "health.disk.sub": Text("von {total}", "of {total}"),
    "health.errors": Text("Fehler seit Start", "Errors since start"),
    "health.fps": Text("Bildrate je Demo", "Frame rate per demo"),
    "health.fps.value": Text("{demo}: {fps} Bilder/s", "{demo}: {fps} frames/s"),
    "health.fps.none": Text("Noch keine Demo gelaufen.", "No demo has run yet."),
    "health.runtime": Text("Rechenwerk je Demo", "Hardware per demo"),
    "health.runtime.value": Text("{demo}: {provider} · Threads {threads} · {precision}",
                                 "{demo}: {provider} · threads {threads} · {precision}"),
    "health.runtime.providers": Text("Verfügbar: {providers}", "Available: {providers}"),
    "health.runtime.none": Text("Noch keine Demo geladen.", "No demo loaded yet."),
    "health.problems": Text("Hinweise", "Notices"),
    "health.problems.none": Text("Keine.", "None."),
    "health.store.kept": Text(
        "{n} Besucherereignisse warten im Arbeitsspeicher und werden geschrieben, sobald das "
        "behoben ist.",
        "{n} visitor events are waiting in memory and will be written when it is fixed."),
    "health.store.lost": Text(
        "{n} Besucherereignisse gingen verloren, weil die Datenbank zu lange nicht geschrieben "
        "werden konnte (Grenze im Arbeitsspeicher: {limit} Ereignisse).",
        "{n} visitor events were lost because the database could not be written for too long "
        "(memory limit {limit} events)."),
    "health.store.invalid": Text(
        "{n} fehlerhafte Ereignisse wurden abgelehnt (ein Softwarefehler; siehe Protokolldatei).",
        "{n} malformed events were refused (a software bug; see the log file)."),
    "health.disk.read_only": Text(
        "Der Datenordner {path} ist schreibgeschützt. Die Demos laufen weiter, aber Besuche "
        "werden nur im Arbeitsspeicher gehalten und keine Pakete installiert. Datenträger "
        "prüfen (schreibgeschützt eingehängt oder defekt?) und den Kiosk neu starten.",
        "The data folder {path} is read-only. The demos keep running, but visits are only "
        "kept in memory and no packs are installed. Check the disk (mounted read-only or "
        "failing?) and restart the kiosk."),
    "health.disk.full": Text(
        "Der Datenträger mit dem Datenordner {path} ist voll. Die Demos laufen weiter, aber "
        "Besuche werden nur im Arbeitsspeicher gehalten und keine Pakete installiert. Platz "
        "schaffen (z. B. alte Exporte oder Pakete entfernen).",
        "The disk holding the data folder {path} is full. The demos keep running, but visits "
        "are only kept in memory and no packs are installed. Free some space (e.g. remove "
        "old exports or packs)."),
    "health.version": Text("Version", "Version"),
    "health.camera": Text("Kamera", "Camera"),
    "health.camera.index": Text("Kamera {n}", "Camera {n}"),
    "health.camera.sample": Text("Beispielbilder", "Sample photos"),
    "health.camera.live": Text("liefert Bilder", "delivering pictures"),
    "health.camera.fallback": Text("nicht erreichbar – Besucher sehen Beispielbilder",
                                   "not available – visitors see sample photos"),
    "health.camera.unopened": Text("wird mit der ersten Demo geöffnet",
                                   "opens with the first demo"),
    "health.crash": Text("Letzter Absturz", "Last crash"),
    "health.crash.none": Text("Kein Absturz aufgezeichnet.", "No crash recorded."),
    "health.unknown": Text("unbekannt", "unknown"),
    "health.sync": Text("Zentrale Datenbank", "Central database"),
    "health.sync.ok": Text("synchronisiert vor {ago}", "synced {ago} ago"),
    "health.sync.sending": Text("sendet …", "sending …"),
    "health.sync.never": Text("noch nicht verbunden", "not connected yet"),
    "health.sync.offline": Text("offline seit {since}", "offline since {since}"),
    "health.sync.waiting": Text("{n} Ereignisse warten", "{n} events waiting"),
    "health.sync.all": Text("alle Ereignisse gesendet", "all events sent"),
    "health.sync.why.offline": Text("Server nicht erreichbar", "server unreachable"),
    "health.sync.why.login": Text("Anmeldung abgelehnt (Benutzer/Passwort)",
                                  "login refused (user/password)"),
    "health.sync.why.full": Text("Server voll", "server full"),
    "health.sync.why.schema": Text("Tabellen von Hand geändert", "tables changed by hand"),
    "health.sync.why.newer_schema": Text("Server neuer als dieser Kiosk: Kiosk aktualisieren",
                                         "server newer than this kiosk: update the kiosk"),
    "health.sync.why.old_schema": Text("Server veraltet: kiosk central init ausführen",
                                       "server outdated: run kiosk central init"),
    "health.sync.why.config": Text("Adresse ungültig (central_url)",
                                   "address invalid (central_url)"),
    "health.sync.why.privilege": Text("keine Schreibrechte", "no write permission"),
    "health.sync.why.local": Text("lokales Protokoll nicht lesbar", "local log unreadable"),
    "health.sync.why.error": Text("Fehler, siehe Hinweise", "error, see notices"),
    # the note under "Notices": what is wrong in the staff's language, then the details as
    # the database driver gave them (for IT; not translatable)
    "health.sync.note": Text("Zentrale Datenbank: {why} – {detail}",
                             "Central database: {why} – {detail}"),
    "health.sync.note.error": Text("Fehler beim Senden", "sending failed"),
    "health.failed": Text("Zustand nicht verfügbar: {error}", "Health unavailable: {error}"),
    # Units
    "unit.s": Text("{n} s", "{n} s"),
    "unit.min": Text("{n} min", "{n} min"),
    "unit.h": Text("{h} Std. {m} min", "{h} h {m} min"),
    "unit.d": Text("{d} T. {h} Std.", "{d} d {h} h"),
}


def tr(key: str, lang: Lang, **values: object) -> str:
    """Staff text ``key`` in ``lang`` with ``values`` filled in (a :class:`Text` value in
    ``lang`` too)."""
    text = TEXTS[key]
    values = {k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()}
    return (text.format(**values) if values else text).get(lang)


def error_text(exc: BaseException) -> Text:
    """An error for staff: settings problems and known disk trouble in both languages,
    anything else as its first line."""
    if isinstance(exc, SettingsError):
        return Text(exc.text("de"), exc.text("en"))
    return failure(exc)


def store_notes(problem_code: str | None, buffered: int, dropped: int, invalid: int,
                limit: int, english: Sequence[str]) -> Text | None:
    """The event store's trouble for the Health page: German from the codes and counts,
    English as the store words it (``EventStore.problems()``, with its cause); None if
    there is none."""
    from kiosk.ui.dashboard import PROBLEM_TEXTS

    de: list[str] = []
    if problem_code is not None:
        cause = PROBLEM_TEXTS.get(problem_code, PROBLEM_TEXTS["io"]).de
        de.append(f"{cause} {tr('health.store.kept', 'de', n=buffered)}")
    if dropped:
        de.append(tr("health.store.lost", "de", n=dropped, limit=limit))
    if invalid:
        de.append(tr("health.store.invalid", "de", n=invalid))
    if not de and not english:
        return None
    # one note; its lines are bullets of their own on the page
    return Text("\n• ".join(de or english), "\n• ".join(english or de))


def sync_note(state: SyncState, lang: Lang) -> str | None:
    """The central database's problem for the Health page's notes, or None."""
    if state.problem is None:
        return None
    key = f"health.sync.why.{state.code}"
    why = tr(key if key in TEXTS and state.code != "error" else "health.sync.note.error", lang)
    return tr("health.sync.note", lang, why=why, detail=state.problem)


def said(value: str | Text, lang: Lang) -> str:
    """A line the app produced for staff: a :class:`Text` in ``lang``; a plain string (a
    file name, an error from the system) as it is."""
    return value.get(lang) if isinstance(value, Text) else value


def duration(seconds: float, lang: Lang) -> str:
    """``45 s``, ``2 min``, ``3 h 05 min`` / ``3 Std. 05 min``, ``2 d 4 h``."""
    s = round(seconds)
    if s < 60:
        return tr("unit.s", lang, n=s)
    if s < 3600:
        minutes, rest = divmod(s, 60)
        shown = f"{minutes}" if not rest else f"{minutes}:{rest:02d}"
        return tr("unit.min", lang, n=shown)
    if s < 86400:
        hours, rest = divmod(s, 3600)
        return tr("unit.h", lang, h=hours, m=f"{rest // 60:02d}")
    days, rest = divmod(s, 86400)
    return tr("unit.d", lang, d=days, h=rest // 3600)


def size(n_bytes: int, lang: Lang) -> str:
    """``12.3 GB`` / ``12,3 GB``."""
    value = float(n_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    text = f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
    return text.replace(".", ",") if lang == "de" else text


def sync_line(state: SyncState, lang: Lang, now: float) -> tuple[str, str]:
    """The central database's state for staff: ("synced 2 min ago", "all events sent") or
    ("offline since 14:02", "12,431 events waiting · server unreachable").

    ``now`` is the monotonic clock (``SyncState.last_ok`` is one), so a kiosk clock that
    jumps does not show nonsense; the time of day shown is the wall clock's.
    """
    waiting = state.waiting or 0
    count = f"{waiting:,}".replace(",", "." if lang == "de" else ",")
    pending = (tr("health.sync.waiting", lang, n=count) if waiting
               else tr("health.sync.all", lang))
    if state.problem is not None:
        since = state.offline_since_wall
        when = "?"
        if since:
            today = time.localtime(since)[:3] == time.localtime()[:3]
            when = time.strftime("%H:%M" if today else "%d.%m. %H:%M" if lang == "de"
                                 else "%d %b %H:%M", time.localtime(since))
        key = f"health.sync.why.{state.code}"
        why = tr(key if key in TEXTS else "health.sync.why.error", lang)
        return tr("health.sync.offline", lang, since=when), f"{pending} · {why}"
    if state.last_ok is None:
        return tr("health.sync.never", lang), pending
    ago = max(0.0, now - state.last_ok)
    ago = ago if ago < 60 else round(ago / 60) * 60.0  # "2 min ago", not "2:01 min ago"
    value = tr("health.sync.ok", lang, ago=duration(ago, lang))
    return (value if not waiting else tr("health.sync.sending", lang)), pending
