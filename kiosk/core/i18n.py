"""Bilingual texts (German and English) for everything visitors and staff read.

Every visible string lives in :data:`STRINGS` with both languages, so a missing
translation is a failing unit test rather than a blank label in the showroom.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Literal, get_args

Lang = Literal["de", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)
DEFAULT_LANG: Lang = "de"


def parse_lang(value: str) -> Lang:
    """Return ``value`` as a :data:`Lang`, or raise ``ValueError`` naming the choices."""
    low = value.strip().lower()
    for lang in LANGS:
        if low == lang:
            return lang
    raise ValueError(f"unknown language {value!r}: use one of {', '.join(LANGS)}")


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    de: str
    en: str

    def get(self, lang: Lang) -> str:
        """The text in ``lang``."""
        return self.de if lang == "de" else self.en

    def format(self, **values: object) -> Text:
        """Both languages with ``str.format`` placeholders filled in."""
        return Text(self.de.format(**values), self.en.format(**values))


#: Why a file could not be written, by ``errno``: what staff at a stick can act on.
WRITE_ERRORS: dict[int, Text] = {
    errno.ENOSPC: Text("Auf dem Datenträger ist kein Platz mehr.", "The disk is full."),
    errno.EROFS: Text("Der Datenträger ist schreibgeschützt.", "The disk is read-only."),
    errno.EACCES: Text("Dieser Ordner erlaubt kein Schreiben.",
                       "This folder does not allow writing."),
    errno.ENOENT: Text("Der Ordner fehlt (Datenträger entfernt?).",
                       "The folder is missing (disk removed?)."),
    errno.EIO: Text("Lesefehler am Datenträger (USB-Stick abgezogen oder defekt?).",
                    "The disk reports an error (USB stick pulled out or faulty?)."),
}


def failure(exc: BaseException) -> Text:
    """Why saving failed, for staff: a known disk trouble in both languages (with the
    system's own words after it), else the error's first line as it is."""
    first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    known = WRITE_ERRORS.get(exc.errno) if isinstance(exc, OSError) and exc.errno else None
    if known is None:
        return Text(first, first)
    return Text(f"{known.de} ({first})", f"{known.en} ({first})")


STRINGS: dict[str, Text] = {
    "attract.title": Text("Entdecke, was KI sieht", "Discover what AI sees"),
    "attract.subtitle": Text(
        "Live-Demos mit echten neuronalen Netzen – direkt hier auf diesem Rechner",
        "Live demos with real neural networks – running right here on this computer",
    ),
    "attract.touch": Text("Berühre den Bildschirm, um zu starten", "Touch the screen to start"),
    "greeting.hello": Text("Hallo! Tippe, um zu starten", "Hello! Tap to start"),
    "home.title": Text("Wähle eine Demo", "Choose a demo"),
    "home.subtitle": Text(
        "Alles läuft offline auf diesem Gerät. Keine Bilder werden gespeichert – nur anonyme "
        "Zählungen, welche Demos genutzt werden.",
        "Everything runs offline on this device. No pictures are stored — only anonymous "
        "counts of which demos are used.",
    ),
    "home.done": Text("Fertig", "Done"),
    "home.unavailable": Text("Gerade nicht verfügbar", "Not available right now"),
    "home.no_demos": Text(
        "Gerade sind keine Demos bereit. Bitte wende dich an das Team vor Ort.",
        "No demos are ready right now. Please ask the staff on site.",
    ),
    "demo.back": Text("Zurück", "Back"),
    "demo.how": Text("So funktioniert's", "How it works"),
    "demo.loading": Text("Die KI wird vorbereitet …", "Getting the AI ready …"),
    "demo.waiting": Text("Die KI schaut hin …", "The AI is looking …"),
    "demo.no_camera_badge": Text("Demo-Modus: keine Kamera", "Demo mode: no camera"),
    "demo.camera_lost.title": Text("Die Kamera macht gerade Pause", "The camera is taking a break"),
    "demo.camera_lost.body": Text(
        "Wir verbinden sie neu – das dauert nur einen Moment.",
        "We are reconnecting it – this only takes a moment.",
    ),
    "demo.failed.title": Text("Diese Demo macht gerade Pause", "This demo is taking a break"),
    "demo.failed.body": Text(
        "Bitte probiere eine andere Demo aus. Das Team vor Ort weiß Bescheid.",
        "Please try another demo. The staff on site have been told.",
    ),
    "demo.privacy": Text(
        "Das Kamerabild wird nur live ausgewertet und nie gespeichert.",
        "The camera picture is only analysed live and never stored.",
    ),
    "demo.stats": Text("{fps} Bilder/s · {ms} ms pro Bild", "{fps} frames/s · {ms} ms per frame"),
    "idle.title": Text("Bist du noch da?", "Are you still there?"),
    "idle.body": Text(
        "Gleich geht es zurück zum Startbildschirm für die nächsten Besucher.",
        "In a moment it goes back to the start screen for the next visitors.",
    ),
    "idle.continue": Text("Ja, weiter!", "Yes, continue!"),
    "lang.de": Text("Deutsch", "Deutsch"),
    "lang.en": Text("English", "English"),
    "classification.top": Text("Die KI vermutet:", "The AI thinks it sees:"),
    "classification.unsure": Text(
        "Die KI ist sich unsicher – halte etwas Deutliches in die Kamera.",
        "The AI is unsure – hold up something clear to the camera.",
    ),
    "unsure.title": Text("Ich bin mir nicht sicher", "I'm not sure"),
    "explain.button": Text("Wo schaut die KI hin?", "Where is the AI looking?"),
    "explain.on": Text(
        "Rot: hier sieht die KI „{label}“. Grau: bekommt sie gar nicht zu sehen.",
        "Red: where the AI sees “{label}”. Grey: it never gets to see that part.",
    ),
    "modelview.button": Text("Was die KI bekommt", "What the AI gets"),
    "modelview.title": Text("So sieht es die KI", "What the AI gets to see"),
    "modelview.crop": Text(
        "Die KI bekommt nur dieses kleine Quadrat aus der Bildmitte: 224 × 224 Punkte. "
        "Was am Rand ist, sieht sie nicht.",
        "The AI only gets this small square from the middle of the picture: 224 × 224 dots. "
        "It never sees what is at the edges.",
    ),
    "modelview.drawing": Text(
        "Die KI bekommt deine Zeichnung als 8 × 8 Kästchen – mehr nicht. "
        "Jedes Kästchen sagt nur, wie viel Farbe darin ist.",
        "The AI gets your drawing as 8 × 8 squares – nothing more. "
        "Each square only says how much ink is in it.",
    ),
    "modelview.ocr": Text(
        "Erst sucht eine KI die Textzeilen. Eine zweite liest jede Zeile als schmalen "
        "Streifen, Buchstabe für Buchstabe.",
        "One AI first finds the lines of text. A second one reads each line as a thin "
        "strip, letter by letter.",
    ),
    "modelview.faces": Text(
        "Drei kleine Netze arbeiten nacheinander: Das erste schlägt viele Stellen vor (links), "
        "das zweite sortiert aus (Mitte), das dritte entscheidet und findet Augen, Nase und "
        "Mund (rechts).",
        "Three small networks work one after another: the first suggests many places (left), "
        "the second sorts them out (middle), the third decides and finds eyes, nose and "
        "mouth (right).",
    ),
    "modelview.none": Text(
        "Gerade gibt es nichts zu zeigen – halte etwas in die Kamera.",
        "Nothing to show right now – hold something up to the camera.",
    ),
    "modelview.draw_first": Text(
        "Zeichne zuerst etwas ins Feld – dann siehst du hier, was die KI davon bekommt.",
        "Draw something in the field first – then you will see here what the AI gets.",
    ),
    "modelview.in_picture": Text(
        "Diese KI bekommt das ganze Kamerabild, stark verkleinert. Was sie darin findet, "
        "zeigt sie dir direkt im Bild.",
        "This AI gets the whole camera picture, made much smaller. It shows you what it "
        "finds right on the picture.",
    ),
    "fool.button": Text("Trick die KI aus", "Try to fool it"),
    "fool.title": Text("Trick die KI aus: verändere, was sie bekommt",
                       "Try to fool it: change what the AI gets"),
    "fool.blur": Text("Unschärfe", "Blur"),
    "fool.noise": Text("Rauschen", "Noise"),
    "fool.brightness": Text("Helligkeit", "Brightness"),
    "fool.rotation": Text("Drehen", "Rotate"),
    "fool.patch": Text("Abdecken", "Cover up"),
    "fool.patch.on": Text("Abdecken: tippe ins Bild", "Cover up: tap the picture"),
    "fool.reset": Text("Zurücksetzen", "Reset"),
    "fool.preview": Text("Das bekommt die KI:", "The AI gets:"),
    "fool.lesson.start": Text("Schieb einen Regler – wann ändert die KI ihre Meinung?",
                              "Move a slider – when does the AI change its mind?"),
    "fool.lesson.noise": Text("Schon ein wenig Rauschen kann ihre Meinung ändern.",
                              "A little noise is enough to change its mind."),
    "fool.lesson.blur": Text("Ohne scharfe Kanten und Muster fehlen ihr die Hinweise.",
                             "Without sharp edges and patterns it loses its clues."),
    "fool.lesson.brightness": Text("Zu hell oder zu dunkel: Farben und Kanten verschwinden.",
                                   "Too bright or too dark: colours and edges disappear."),
    "fool.lesson.rotation": Text("Sie hat fast nur aufrechte Fotos gesehen – gedreht wird es "
                                 "schwer.",
                                 "It mostly saw upright photos – turned round, it struggles."),
    "fool.lesson.patch": Text("Deck das Wichtige ab und schau, wohin die Heatmap wandert.",
                              "Cover the important part and watch where the heat map goes."),
    "explain.button.freeze": Text("Anhalten: Wo schaut die KI hin?",
                                  "Freeze: where is the AI looking?"),
    "explain.working": Text("Die KI deckt Stück für Stück ab und rechnet … {pct} %",
                            "The AI covers one piece after another and computes … {pct} %"),
    "explain.too_slow": Text("Das dauert zu lange für dieses Modell – tippe noch einmal.",
                             "This takes too long for this model – tap again."),
    "explain.unavailable": Text(
        "Bei diesem Modell kann die KI nicht zeigen, wohin sie schaut.",
        "This model cannot show where it is looking.",
    ),
    "faces.heading": Text("Was die KI erkennt", "What the AI detects"),
    "faces.none": Text("Kein Gesicht im Bild", "No face in the picture"),
    "faces.one": Text("1 Gesicht erkannt", "1 face detected"),
    "faces.many": Text("{n} Gesichter erkannt", "{n} faces detected"),
    "faces.look": Text(
        "Schau in die Kamera – die KI sucht nach Augen, Nase und Mund.",
        "Look into the camera – the AI looks for eyes, nose and mouth.",
    ),
    "faces.pixelate.on": Text("Verpixeln: AN", "Pixelate: ON"),
    "faces.pixelate.off": Text("Verpixeln: AUS", "Pixelate: OFF"),
    "faces.pixelate.hint": Text(
        "Tippe auf den Schalter: Die KI macht jedes Gesicht unkenntlich – oder zeigt, "
        "wo sie Augen, Nase und Mund findet.",
        "Tap the switch: the AI makes every face unrecognisable – or shows where it finds "
        "eyes, nose and mouth.",
    ),
    "faces.privacy": Text(
        "Kein Bild wird gespeichert. Die KI findet Gesichter, erkennt aber nicht, wer du bist.",
        "No picture is stored. The AI finds faces but does not recognise who you are.",
    ),
    "teach.says": Text("Die KI sagt:", "The AI says:"),
    "teach.classes": Text("Deine Dinge", "Your things"),
    "teach.record": Text("Halten = aufnehmen", "Hold to record"),
    "teach.recording": Text("Nehme auf …", "Recording …"),
    "teach.examples": Text("{n} Beispiele", "{n} examples"),
    "teach.need_two": Text(
        "Halte eine Taste gedrückt und zeig der Kamera dabei ein Ding. "
        "Mach das für mindestens zwei verschiedene Dinge.",
        "Hold a button while you show the camera a thing. "
        "Do this for at least two different things.",
    ),
    "teach.learned": Text(
        "Gelernt in {ms} ms. Tippe auf einen Namen, um ihn zu ändern.",
        "Learned in {ms} ms. Tap a name to change it.",
    ),
    "teach.forget": Text("Alles vergessen", "Forget everything"),
    "ocr.heading": Text("Die KI liest:", "The AI reads:"),
    "ocr.hint": Text(
        "Halte ein Schild, eine Karte oder ein Buch mit großer Schrift in die Kamera.",
        "Hold a sign, a card or a book with large print up to the camera.",
    ),
    "ocr.freeze": Text("Anhalten und genau lesen", "Freeze and read carefully"),
    "ocr.live": Text("Weiter live", "Back to live"),
    "ocr.reading": Text("Lese genau …", "Reading carefully …"),
    "ocr.frozen_none": Text(
        "Auch genau hingeschaut: Hier findet die KI keinen Text.",
        "Even looking closely, the AI finds no text here.",
    ),
    "ocr.note": Text(
        "Gelesener Text wird nur angezeigt, nie gespeichert.",
        "Text that is read is only shown, never stored.",
    ),
    "about.button": Text("Mehr erfahren", "Learn more"),
    "about.source": Text("Quelle", "Source"),
    "about.licence": Text("Lizenz", "Licence"),
    "about.limits": Text("Was es nicht kann", "What it cannot do"),
    "about.close": Text("Schließen", "Close"),
    "draw.heading": Text("Die KI liest:", "The AI reads:"),
    "draw.hint": Text(
        "Zeichne mit dem Finger eine Ziffer von 0 bis 9 – groß, mitten ins Feld.",
        "Draw a digit from 0 to 9 with your finger – big, in the middle of the field.",
    ),
    "draw.all": Text("Wie sicher ist sie bei jeder Ziffer?", "How sure is it of each digit?"),
    "draw.clear": Text("Löschen", "Clear"),
    "draw.canvas": Text("Hier zeichnen", "Draw here"),
    "feedback.question": Text("Wie hat dir „{demo}“ gefallen?", "How did you like “{demo}”?"),
    "feedback.thanks": Text("Danke für deine Bewertung!", "Thank you for your rating!"),
}


def tr(key: str, lang: Lang) -> str:
    """The UI string ``key`` in ``lang``; raises ``KeyError`` for an unknown key."""
    return STRINGS[key].get(lang)
