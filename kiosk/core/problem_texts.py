"""The catalog behind :mod:`kiosk.core.problems`: every sentence core and runtime tell staff,
in German and English, by a stable key.

German is staff-facing and speaks to them with "du", as the staff panel does ("Lege …",
"Prüfe …"). Placeholders (``{name}``) are the same in both languages;
``tests/unit/test_problem_texts.py`` checks that and that every key is used.
"""

from __future__ import annotations

from kiosk.core.i18n import Text

_REBUILD_ZIP = Text(
    "Erstelle die ZIP-Datei neu aus dem Demo-Ordner selbst (Rechtsklick → Komprimieren)",
    "rebuild the zip from the pack folder itself (right-click → compress)")
_SMALLER_MODEL = Text(
    "Nimm ein kleineres Modell (z. B. quantisiert oder eine Export-Größe „n“ oder „s“)",
    "use a smaller model (e.g. a quantised or 'n'/'s' size export)")
_TRUSTED_ONLY = Text(
    "Nutze nur Demos von Leuten, denen du vertraust; packe den echten Demo-Ordner neu",
    "only use packs from people you trust; zip the real pack folder again")
_FEW_FILES = Text(
    "Eine Demo braucht nur demo.toml, das Modell, Labels und ein Bild",
    "a pack needs only demo.toml, the model, labels and a picture")

PROBLEM_TEXTS: dict[str, Text] = {
    # ---- pack signatures (kiosk.runtime.pack_signing)
    "sign.unsigned": Text("Die Demo ist nicht signiert", "the pack is not signed"),
    "sign.unreadable": Text(
        "{file} kann nicht gelesen werden ({detail})", "{file} cannot be read ({detail})"),
    "sign.changed": Text(
        "{file} wurde nach dem Signieren geändert (die Signatur von {signer} passt nicht)",
        "{file} was changed after signing (the signature of {signer} does not match)"),
    "sign.files_differ": Text(
        "Dateien weichen von dem ab, was {signer} signiert hat ({files})",
        "files differ from what {signer} signed ({files})"),
    "sign.untrusted": Text(
        "signiert als {signer} mit einem Schlüssel, dem dieser Kiosk nicht vertraut (trage ihn "
        "in trusted_pack_keys ein: {entry})",
        "signed as {signer} with a key this kiosk does not trust (add it to "
        "trusted_pack_keys: {entry})"),
    "sign.trusted": Text("signiert von {name}", "signed by {name}"),
    "sign.not_checked": Text("Signatur nicht geprüft", "signature not checked"),
    "sign.refused": Text("abgelehnt: {reason}", "refused: {reason}"),
    "sign.fix.unsigned": Text(
        "Bitte die Person, die die Demo gemacht hat, um eine signierte Fassung (`kiosk packs "
        "sign`), oder schalte require_signed_packs aus",
        "ask its maker for a signed pack (`kiosk packs sign`), or turn off "
        "require_signed_packs"),
    "sign.fix.untrusted": Text(
        "Trage den Schlüssel in trusted_pack_keys ein, wenn du der Person vertraust",
        "add the maker's key to trusted_pack_keys if you trust it"),
    "sign.fix.changed": Text(
        "Hol dir die Demo noch einmal von der Person, die sie gemacht hat: Sie wurde verändert",
        "get the pack again from its maker: it was changed"),
    # ---- catch-all for a value that carries its own explanation (an OS or library error)
    "detail": Text("{detail}", "{detail}"),
    # ---- refused files (kiosk.core.safe_read); {what} is a FILE_KINDS entry
    "read.missing": Text("{what} {name} fehlt.", "{what} {name} is missing."),
    "read.unreadable": Text(
        "{what} {name} kann nicht gelesen werden ({reason}).",
        "{what} {name} cannot be read ({reason})."),
    "read.link": Text("ist eine Verknüpfung", "is a link"),
    "read.not_plain": Text(
        "{what} {name} ist keine normale Datei.", "{what} {name} is not a plain file."),
    "read.too_big": Text(
        "{what} {name} ist {size} MiB groß (höchstens {limit} MiB).",
        "{what} {name} is {size} MiB (at most {limit} MiB)."),
    "read.grew": Text(
        "{what} {name} ist größer als {limit} MiB.", "{what} {name} is larger than {limit} MiB."),
    "read.not_utf8": Text(
        "{what} {name} ist kein UTF-8-Text.", "{what} {name} is not UTF-8 text."),
    "read.not_plain_limit": Text(
        "{what} {name} ist keine normale Datei mit höchstens {limit} MiB.",
        "{what} {name} is not a plain file of at most {limit} MiB."),
    # ---- demo.toml: general
    "missing": Text("fehlt", "missing"),
    "missing_or_empty": Text("fehlt oder ist leer", "missing or empty"),
    "not_found": Text("nicht gefunden", "not found"),
    "unknown_key": Text("unbekannter Schlüssel", "unknown key"),
    "unknown_language": Text("unbekannte Sprache", "unknown language"),
    "must_be_table": Text("muss eine Tabelle sein", "must be a table"),
    "too_long_text": Text("ist länger als {n} Zeichen", "is longer than {n} characters"),
    "not_plain_name": Text(
        "{name} ist kein einfacher Dateiname", "{name} is not a plain file name"),
    "fix.remove": Text("Entferne es", "remove it"),
    "fix.remove_or_spell": Text(
        "Entferne es oder prüfe die Schreibweise (bekannt: {known})",
        "remove it or check its spelling (known: {known})"),
    "fix.remove_allowed": Text(
        "Entferne es (erlaubt: {allowed})", "remove it (allowed: {allowed})"),
    "fix.did_you_mean": Text(
        "Meintest du {guess}? Sonst entferne es (bekannt: {known})",
        "did you mean {guess}? Otherwise remove it (known: {known})"),
    "fix.rename_or_remove": Text("Benenne es um oder entferne es", "rename or remove it"),
    "fix.example": Text("z. B. {example}", "e.g. {example}"),
    "fix.put_next_to_manifest": Text(
        "Lege die Datei neben demo.toml und gib nur ihren Namen an",
        "put the file next to demo.toml and give its name only"),
    "fix.utf8": Text("Speichere sie als UTF-8-Text", "save it as UTF-8 text"),
    "fix.utf8_labels": Text(
        "Speichere sie als UTF-8-Text, ein Label pro Zeile",
        "save it as UTF-8 text, one label per line"),
    # ---- demo.toml: texts
    "text.not_table": Text(
        "muss eine Tabelle mit deutschem und englischem Text sein",
        "must be a table with German and English text"),
    "text.fix.add_table": Text(
        'Füge eine Tabelle [{key}] mit de = "…" und en = "…" hinzu',
        'add a [{key}] table with de = "…" and en = "…"'),
    "text.fix.write_table": Text(
        'Schreibe [{key}] mit de = "…" und en = "…"',
        'write [{key}] with de = "…" and en = "…"'),
    "text.fix.add_lang": Text(
        'Ergänze {lang} = "…" in [{key}]: Jeder Besuchertext braucht Deutsch und Englisch',
        'add {lang} = "…" to [{key}]: every visitor text needs German and English'),
    "text.fix.shorten": Text(
        "Kürze ihn: Besucher lesen höchstens ein paar Sätze",
        "shorten it: visitors read a few sentences at most"),
    "text.fix.only_de_en": Text(
        "Nur de und en werden unterstützt; entferne sie",
        "only de and en are supported; remove it"),
    # ---- demo.toml: models
    "models.fix.add": Text(
        'Füge z. B. [models.main] mit file = "model.onnx" und sha256 = "…" hinzu',
        'add e.g. [models.main] with file = "model.onnx" and sha256 = "…"'),
    "models.fix.write": Text(
        "Schreibe [{where}] mit file = und sha256 =", "write [{where}] with file = and sha256 ="),
    "models.not_onnx": Text("muss eine .onnx-Datei nennen", "must name an .onnx file"),
    "models.not_plain": Text(
        "muss ein einfacher Dateiname mit höchstens {n} Zeichen sein, kein Pfad",
        "must be a plain file name of at most {n} characters, not a path"),
    "models.fix.next_to_manifest": Text(
        "Lege das Modell neben demo.toml und gib nur seinen Namen an",
        "put the model next to demo.toml and give its name only"),
    "models.bad_sha": Text(
        "muss aus 64 Hex-Ziffern in Kleinbuchstaben bestehen",
        "must be 64 lower-case hex digits"),
    "models.fix.sha": Text(
        "Berechne sie mit `sha256sum MODEL.onnx` und füge die erste Spalte ein",
        "compute it with `sha256sum MODEL.onnx` and paste the first column"),
    "models.card_not_name": Text("muss ein Dateiname sein", "must be a file name"),
    "models.data.bad": Text(
        "{name} braucht einen einfachen Dateinamen und 64 Hex-Ziffern in Kleinbuchstaben",
        "{name} needs a plain file name and 64 lower-case hex digits"),
    "models.data.fix": Text(
        'Schreibe [{where}] mit "weights.onnx.data" = "<sha256 dieser Datei>"',
        'write [{where}] with "weights.onnx.data" = "<sha256 of that file>"'),
    # ---- demo.toml: top-level fields
    "sample_media.bad": Text(
        "muss ein Bildname oder eine Liste mit bis zu {n} Namen sein",
        "must be a picture name or a list of up to {n}"),
    "sample_media.fix": Text(
        'z. B. sample_media = ["sample.jpg"] (ein Bild im Demo-Ordner oder ein eingebautes)',
        'e.g. sample_media = ["sample.jpg"] (a picture in the demo folder or a built-in one)'),
    "about.fix.write": Text(
        "Schreibe [about] mit model, source, licence", "write [about] with model, source, licence"),
    "about.bad_value": Text(
        "fehlt, ist leer oder länger als {n} Zeichen",
        "missing, empty or longer than {n} characters"),
    "about.fix.add": Text('Ergänze {key} = "…" in [about]', 'add {key} = "…" to [about]'),
    "schema.wrong": Text(
        "ist {value}, dieser Kiosk liest {expected}", "is {value}, this kiosk reads {expected}"),
    "schema.fix": Text("Setze schema_version = {expected}", "set schema_version = {expected}"),
    "id.bad": Text("{value} ist keine gültige Demo-ID", "{value} is not a valid demo id"),
    "id.fix": Text(
        'Nimm 2–48 Kleinbuchstaben, Ziffern und Bindestriche, z. B. id = "meine-demo"',
        'use 2–48 lower-case letters, digits and dashes, e.g. id = "my-demo"'),
    "version.bad": Text(
        "muss eine kurze Textzeile sein", "must be one short line of text"),
    "task.unknown": Text(
        "{value} ist keine Aufgabe, die dieser Kiosk kennt",
        "{value} is not a task this kiosk knows"),
    "fix.use_one_of": Text("Nimm eins davon: {choices}", "use one of: {choices}"),
    "thumbnail.bad": Text(
        "muss ein einfacher Dateiname (höchstens {n} Zeichen) im Demo-Ordner sein",
        "must be a plain file name (at most {n} characters) inside the demo folder"),
    "order.bad": Text(
        "muss eine ganze Zahl von {low} bis {high} sein",
        "must be a whole number from {low} to {high}"),
    "bool.bad": Text("muss true oder false sein", "must be true or false"),
    "params.fix.table": Text(
        "Schreibe die Einstellungen der Aufgabe unter [params]",
        "write the task's settings under [params]"),
    # ---- demo.toml: the file itself
    "manifest.fix.add": Text(
        "Lege eine {name} in den Demo-Ordner", "add a {name} to the demo folder"),
    "manifest.fix.plain": Text(
        "Lege eine einfache {name} mit höchstens {kib} KiB in den Demo-Ordner",
        "put a plain {name} of at most {kib} KiB into the demo folder"),
    "manifest.too_large": Text("ist größer als {kib} KiB", "is larger than {kib} KiB"),
    "manifest.fix.shorten": Text(
        "Eine Manifest-Datei enthält nur Einstellungen; kürze sie",
        "a manifest holds settings only; shorten it"),
    "manifest.not_utf8": Text("ist kein UTF-8-Text", "is not UTF-8 text"),
    "manifest.fix.utf8": Text("Speichere sie als UTF-8", "save it as UTF-8"),
    "manifest.too_deep": Text(
        "verschachtelt Listen oder Tabellen tiefer als {n} Ebenen",
        "nests lists or tables more than {n} levels deep"),
    "manifest.fix.too_deep": Text(
        "Eine Manifest-Datei braucht zwei oder drei Ebenen; schreibe sie so neu wie in "
        "docs/demo-packs.md",
        "a manifest needs two or three levels; rewrite it as in docs/demo-packs.md"),
    "manifest.dotted_key": Text(
        "hat einen Schlüssel mit Punkten aus mehr als {n} Teilen",
        "has a dotted key of more than {n} parts"),
    "manifest.fix.dotted_key": Text(
        "Schlüssel sehen aus wie models.main.file; schreibe die Datei so neu wie in "
        "docs/demo-packs.md",
        "keys look like models.main.file; rewrite it as in docs/demo-packs.md"),
    "manifest.bad_toml": Text("ist kein gültiges TOML ({detail})", "is not valid TOML ({detail})"),
    "manifest.fix.syntax": Text(
        "Korrigiere die Syntax an der genannten Stelle", "fix the syntax at the position named"),
    "manifest.bad_value": Text(
        "enthält einen Wert, den dieser Kiosk nicht lesen kann ({detail})",
        "holds a value this kiosk cannot read ({detail})"),
    "manifest.fix.bad_value": Text(
        "Zahlen in einer Manifest-Datei sind klein; korrigiere oder entferne den Wert",
        "numbers in a manifest are small; fix or remove the value"),
    # ---- [params] (kiosk.core.tasks.params)
    "param.not_allowed": Text("{value} ist nicht erlaubt", "{value} is not allowed"),
    "param.out_of_range": Text("{value} liegt außerhalb des Bereichs", "{value} is out of range"),
    "param.must_be_text": Text("muss Text sein", "must be text"),
    "param.fix.text": Text("Nimm Text", "use text"),
    "param.fix.number": Text(
        "Nimm eine Zahl von {low} bis {high}", "use a number from {low} to {high}"),
    "param.fix.integer": Text(
        "Nimm eine ganze Zahl von {low} bis {high}", "use a whole number from {low} to {high}"),
    "param.fix.bool": Text(
        "Nimm {key} = true oder {key} = false", "use {key} = true or {key} = false"),
    "param.fractions": Text("{value} enthält Bruchzahlen", "{value} holds fractions"),
    "param.fix.whole_pixels": Text(
        "Nimm ganze Pixel, z. B. [640, 640]", "use whole pixels, e.g. [640, 640]"),
    "param.fix.numbers": Text(
        "Nimm eine Liste mit {count} Zahlen von {low} bis {high}",
        "use a list of {count} numbers from {low} to {high}"),
    # ---- task checks (kiosk.runtime.task_*)
    "labels.fix.next_to_manifest": Text(
        "Lege die Label-Datei neben demo.toml und gib nur ihren Namen an",
        "put the labels file next to demo.toml and give its name only"),
    "labels.not_found": Text(
        "Datei {name} nicht im Demo-Ordner gefunden (Verknüpfungen werden nicht verfolgt)",
        "file {name} not found in the demo folder (links are not followed)"),
    "labels.fix.add": Text(
        "Füge die Label-Datei hinzu (ein Label pro Zeile) oder korrigiere den Namen",
        "add the labels file (one label per line) or fix the name"),
    "labels.not_plain_file": Text(
        "{name} ist keine normale Datei im Demo-Ordner",
        "{name} is not a plain file in the demo folder"),
    "labels.fix.detection": Text(
        "Füge die Label-Datei hinzu (ein Label pro Zeile, in der Klassenreihenfolge des "
        "Modells) oder entferne die Zeile, um die Klassennamen des Modells zu nehmen",
        "add the labels file (one label per line, in the model's class order) or remove the "
        "line to use the model's own class names"),
    "models.needs_main": Text(
        "Eine Demo vom Typ {task} braucht ein Modell namens main",
        "a {task} demo needs a model named main"),
    "models.fix.add_main": Text(
        'Füge [models.main] mit file = "…onnx" und sha256 = "…" hinzu',
        'add [models.main] with file = "…onnx" and sha256 = "…"'),
    "models.fix.needs": Text(
        "Eine Demo vom Typ {task} braucht [models.{name}]", "a {task} demo needs [models.{name}]"),
    "drawing.fix.model": Text(
        "Eine Zeichen-Demo braucht das Ziffernmodell: Füge [models.main] hinzu",
        "a drawing demo needs the digit model: add [models.main]"),
    "faces.fix.model": Text(
        "Eine Gesichter-Demo braucht die drei MTCNN-Netze: Füge [models.{name}] hinzu",
        "a faces demo needs the three MTCNN nets: add [models.{name}]"),
    "few_shot.fix.model": Text(
        "Eine Few-Shot-Demo braucht ein Embedding-Modell namens main",
        "a few-shot demo needs an embedding model named main"),
    "ocr.fix.model": Text(
        "Eine Texterkennungs-Demo braucht einen Textdetektor (det) und einen Erkenner (rec): "
        "Füge [models.{name}] hinzu",
        "an ocr demo needs a text detector (det) and a recogniser (rec): add [models.{name}]"),
    "file.not_found": Text("Datei {name} nicht gefunden", "file {name} not found"),
    "scenes.fix.put": Text(
        "Lege das Bild neben demo.toml oder korrigiere den Namen",
        "put the picture next to demo.toml or fix the name"),
    "scenes.bad": Text(
        "muss eine Liste mit bis zu 8 Bildern sein", "must be a list of up to 8 pictures"),
    "scenes.fix": Text(
        'z. B. scenes = ["beach.jpg", "space.jpg"] (JPEG oder PNG neben demo.toml)',
        'e.g. scenes = ["beach.jpg", "space.jpg"] (JPEG or PNG next to demo.toml)'),
    "detection.fix.metadata": Text(
        "Exportiere das Modell neu oder setze den Wert in [params]",
        "re-export the model, or set the value in [params]"),
    "detection.label_counts": Text(
        "hat {de} Labels, die englische Liste {en}", "has {de} labels, the English list {en}"),
    "detection.fix.label_counts": Text(
        "Gib für jede Klasse ein deutsches Label an, in derselben Reihenfolge",
        "give one German label per class, in the same order"),
    "detection.fix.image_model": Text(
        "Ein Detektor nimmt ein Bild: (1, 3, Höhe, Breite); nimm ein Bildmodell",
        "a detector takes one picture: (1, 3, height, width); use an image model"),
    "detection.fix.size": Text(
        "Setze size = {model} oder entferne die Zeile", "set size = {model} or remove the line"),
    "detection.stride": Text(
        "{size} ist kein Vielfaches der Schrittweite {stride} des Modells",
        "{size} is not a multiple of the model's stride {stride}"),
    "detection.fix.stride": Text(
        "Nimm Vielfache von {stride}, z. B. [640, 640]",
        "use multiples of {stride}, e.g. [640, 640]"),
    "detection.fix.format": Text(
        'Setze params.output_format auf "yolov8" (1, 4+Klassen, Boxen), "yolov5" '
        '(1, Boxen, 5+Klassen) oder "end2end" (1, Boxen, 6)',
        'set params.output_format to "yolov8" (1, 4+classes, boxes), "yolov5" '
        '(1, boxes, 5+classes) or "end2end" (1, boxes, 6)'),
    "detection.no_classes": Text(
        "Form {shape} lässt für das Layout {layout} keine Klassen übrig",
        "shape {shape} leaves no classes for layout {layout}"),
    "detection.fix.check_format": Text(
        "Prüfe params.output_format", "check params.output_format"),
    "detection.names_metadata": Text(
        "die Klassennamen in den Metadaten des Modells", "the model's names metadata"),
    "detection.label_count": Text(
        "{where} hat {labels} Labels, aber das Modell hat {classes} Klassen",
        "{where} has {labels} labels but the model has {classes} classes"),
    "detection.fix.label_count": Text(
        "Gib genau ein Label pro Klasse an, in der Reihenfolge des Modells",
        "give exactly one label per class, in the model's order"),
    # ---- external weight files (kiosk.runtime.onnx_external)
    "weights.not_plain": Text(
        "liest Gewichte aus {location}, das ist kein einfacher Dateiname neben dem Modell",
        "reads weights from {location}, which is not a plain file name next to the model"),
    "weights.fix.plain": Text(
        "Lege die Gewichtsdatei unter einem einfachen Namen neben das Modell (exportiere neu, "
        'z. B. mit location="model.onnx.data")',
        "keep the weight file next to the model under a plain name (export again with e.g. "
        'location="model.onnx.data")'),
    "weights.missing": Text(
        "braucht die Gewichtsdatei {location}, die fehlt oder eine Verknüpfung ist",
        "needs the weight file {location}, which is missing or a link"),
    "weights.fix.put": Text(
        "Lege die echte Datei {location} neben das Modell",
        "put the real {location} next to the model"),
    "weights.uncovered": Text(
        "liest die Gewichtsdatei {location}, für die die Demo keine sha256 angibt",
        "reads the weight file {location}, which no sha256 in the pack covers"),
    "weights.fix.add_sha": Text(
        'Ergänze "{location}" = "<ihre sha256>" unter [models.<name>.data] in demo.toml',
        'add "{location}" = "<its sha256>" under [models.<name>.data] in demo.toml'),
    "weights.sha_mismatch": Text(
        "Gewichtsdatei {location} passt nicht zu ihrer sha256",
        "weight file {location} does not match its sha256"),
    "weights.fix.sha_mismatch": Text(
        "Kopiere die Originaldatei noch einmal oder aktualisiere ihre sha256, wenn sie "
        "absichtlich geändert wurde",
        "copy the original file again, or update its sha256 if it was changed on purpose"),
    # ---- a model tried in a child process (kiosk.runtime.isolated); {what}: "model x.onnx"
    "isolated.model": Text("Modell {name}", "model {name}"),
    "isolated.timeout": Text(
        "{what} ist nicht innerhalb von {seconds} s fertig geworden und wurde gestoppt",
        "{what} did not finish within {seconds} s and was stopped"),
    "isolated.killed_memory": Text(
        "{what} hat den Testprozess beendet ({signal}); vielleicht braucht es mehr als "
        "{gb} GB Arbeitsspeicher",
        "{what} stopped the test process ({signal}); it may need more than {gb} GB of memory"),
    "isolated.killed": Text(
        "{what} hat den Testprozess beendet ({signal})",
        "{what} stopped the test process ({signal})"),
    "isolated.no_result": Text(
        "{what} endete ohne Ergebnis (Exit-Code {code})",
        "{what} ended without a result (exit code {code})"),
    "isolated.memory": Text(
        "{what} braucht mehr als {gb} GB Arbeitsspeicher",
        "{what} needs more than {gb} GB of memory"),
    "isolated.memory_detail": Text(
        "{what} braucht mehr als {gb} GB Arbeitsspeicher ({detail})",
        "{what} needs more than {gb} GB of memory ({detail})"),
    "isolated.failed": Text("{what} ist fehlgeschlagen: {detail}", "{what} failed: {detail}"),
    # ---- proposing a pack for a bare model (kiosk.runtime.pack_import)
    "import.not_model": Text(
        "ist weder ein ONNX-Modell noch ein Demo-Ordner noch eine ZIP-Datei",
        "is not an ONNX model, a pack folder or a .zip"),
    "import.fix.not_model": Text(
        "Gib eine .onnx-Datei, einen Ordner oder eine ZIP-Datei mit einer demo.toml oder einer "
        ".onnx-Datei an",
        "give a .onnx file, a folder or a .zip with a demo.toml or one .onnx file"),
    "import.link_or_special": Text(
        "ist eine symbolische Verknüpfung oder keine normale Datei",
        "is a symbolic link or not a plain file"),
    "import.fix.copy_model_in": Text(
        "Kopiere stattdessen die echte Modelldatei in den Ordner",
        "copy the real model file into the folder instead"),
    "import.fix.copy_file": Text(
        "Kopiere stattdessen die echte Datei neben das Modell",
        "copy the real file next to the model instead"),
    "import.empty": Text(
        "enthält weder eine demo.toml noch ein .onnx-Modell",
        "holds neither a demo.toml nor an .onnx model"),
    "import.fix.empty": Text(
        "Füge die Modelldatei (.onnx) hinzu oder eine demo.toml, die die Demo beschreibt",
        "add the model file (.onnx), or a demo.toml describing the demo"),
    "import.many_models": Text(
        "enthält {count} Modelle ({names}) und keine demo.toml",
        "holds {count} models ({names}) and no demo.toml"),
    "import.fix.many_models": Text(
        "Lass nur eine .onnx-Datei übrig oder schreibe eine demo.toml, die das Modell nennt "
        "(siehe docs/demo-packs.md)",
        "keep only one .onnx file, or write a demo.toml naming the model (see "
        "docs/demo-packs.md)"),
    "import.fix.labels": Text(
        "Gib einen Klassennamen pro Zeile an, als UTF-8-Text",
        "give one class name per line, as UTF-8 text"),
    "import.unsupported": Text(
        "ist {task} ({kind}); das zeigt dieser Kiosk noch nicht",
        "is {task} ({kind}), which this kiosk does not show yet"),
    "import.fix.unsupported": Text(
        "Exportiere ein Erkennungsmodell (task=detect) oder einen Klassifikator "
        "(task=classify)",
        "export a detection model (task=detect) or a classifier (task=classify)"),
    "import.unknown_task": Text(
        "sagt nicht, was es tut (keine Ultralytics-Metadaten), und daneben liegt keine "
        "labels.txt",
        "does not say what it does (no Ultralytics metadata) and there is no labels.txt next "
        "to it"),
    "import.fix.unknown_task": Text(
        "Lege eine labels.txt (ein Klassenname pro Zeile, in der Reihenfolge des Modells) neben "
        "das Modell oder schreibe eine demo.toml (siehe docs/demo-packs.md)",
        "put a labels.txt (one class name per line, in the model's order) next to the model, "
        "or write a demo.toml (see docs/demo-packs.md)"),
    "import.fix.output_format": Text(
        "Schreibe eine demo.toml mit params.output_format (siehe docs/demo-packs.md)",
        "write a demo.toml with params.output_format (see docs/demo-packs.md)"),
    "import.trial_failed": Text(
        "läuft nicht mit einem Beispielbild ({detail})",
        "does not run on a sample picture ({detail})"),
    "import.fix.label_count": Text(
        "Gib genau ein Label pro Zeile an, in der Klassenreihenfolge des Modells",
        "give exactly one label per line, in the model's class order"),
    # ---- discovery of installed demos (kiosk.runtime.demos)
    "model.not_found": Text("Modell {file} nicht gefunden", "model {file} not found"),
    "model.fix.reinstall": Text(
        "Im Ordner der eingebauten Modelle fehlt {file}: Installiere den Programmordner "
        "vollständig neu",
        "the built-in models folder lacks {file}: reinstall the complete program folder"),
    "model.fix.next_to": Text("Lege es neben {name}", "put it next to {name}"),
    "model.named_unreadable": Text(
        "Modell {name} kann nicht gelesen werden ({detail})",
        "model {name} cannot be read ({detail})"),
    "model.fix.check_file": Text("Prüfe die Datei", "check the file"),
    "model.named_changed": Text(
        "Modell {name} wurde verändert: Seine sha256 ist {actual}…, die Demo sagt "
        "{expected}…",
        "model {name} has changed: its sha256 is {actual}…, the pack says {expected}…"),
    "model.fix.named_changed": Text(
        "Kopiere das Original-Modell noch einmal oder importiere die Demo neu, wenn das Modell "
        "absichtlich geändert wurde",
        "copy the original model again, or import the pack again if the model was changed "
        "on purpose"),
    "model.external": Text(
        "Modelldatei {name}: {problem} – {fix}.", "Model file {name} {problem}: {fix}."),
    "thumbnail.fix.add": Text(
        "Füge das Bild hinzu (eine einfache JPEG- oder PNG-Datei) oder entferne die Zeile",
        "add the picture (a plain JPEG or PNG file) or remove the line"),
    "thumbnail.not_image": Text(
        "kein JPEG, PNG, BMP, GIF oder WebP", "not a JPEG, PNG, BMP, GIF or WebP"),
    "thumbnail.too_large": Text(
        "{name} ist {what} (höchstens {side} Pixel pro Seite)",
        "{name} is {what} (at most {side} pixels a side)"),
    "thumbnail.fix.smaller": Text(
        "Nimm ein kleineres Bild, z. B. 640x400", "use a smaller picture, e.g. 640x400"),
    "thumbnail.fix.plain": Text(
        "Lege dort eine lesbare, normale Bilddatei ab (keine Verknüpfung) oder entferne die "
        "Zeile",
        "put a readable, plain picture file there (not a link) or remove the line"),
    "sample_media.missing": Text(
        "{name} ist weder ein Bild (.jpg, .png, …) im Demo-Ordner noch ein eingebautes "
        "Beispielfoto",
        "{name} is neither a picture (.jpg, .png, …) in the demo folder nor a built-in sample "
        "photo"),
    "sample_media.fix.missing": Text(
        "Füge es hinzu oder entferne den Namen", "add it or remove the name"),
    "id.twice": Text("Die ID {value} kommt zweimal vor", "id {value} is used twice"),
    "id.fix.twice": Text("Benenne eine davon um", "rename one"),
    "demo.not_ready": Text(
        "Demo {id} ist nicht bereit: {reasons}", "Demo {id} is not ready: {reasons}"),
    # ---- settings.toml and saving settings (kiosk.core.settings)
    "settings.schema": Text(
        "schema_version muss eine ganze Zahl sein (1 oder mehr)",
        "schema_version must be a whole number (1 or more)"),
    "settings.lang": Text(
        "lang: unbekannte Sprache {value}: Nimm eins davon: {choices}",
        "lang: unknown language {value}: use one of {choices}"),
    "settings.number": Text(
        "{name} muss eine Zahl von {low} bis {high} sein",
        "{name} must be a number from {low} to {high}"),
    "settings.camera": Text(
        'camera muss eine Kameranummer, ein Datei- oder Ordnerpfad oder "sample" sein',
        'camera must be a camera index, a file or folder path, or "sample"'),
    "settings.kiosk_id": Text(
        "Der Kiosk-Name muss aus 1 bis 40 Buchstaben, Ziffern, „.“, „_“ oder „-“ bestehen und "
        "mit einem Buchstaben oder einer Ziffer beginnen",
        "kiosk_id must be 1 to 40 letters, digits, '.', '_' or '-', starting with a letter "
        "or digit"),
    "settings.bool": Text("{name} muss true oder false sein", "{name} must be true or false"),
    "settings.line": Text(
        "{name} muss eine Zeile Text sein", "{name} must be one line of text"),
    "settings.keys": Text(
        'trusted_pack_keys muss eine Liste von Einträgen "NAME:BASE64KEY" sein, wie sie '
        "`kiosk packs keygen` ausgibt",
        'trusted_pack_keys must be a list of "NAME:BASE64KEY" entries as printed by '
        "`kiosk packs keygen`"),
    "settings.ids": Text(
        '{name} muss eine Liste von Demo-IDs sein, z. B. ["image-classification"]',
        '{name} must be a list of demo ids, e.g. ["image-classification"]'),
    "settings.unknown": Text("unbekannte Einstellung {name}", "unknown setting {name}"),
    "settings.idle_order": Text(
        "idle_warning muss kürzer als idle_timeout sein",
        "idle_warning must be shorter than idle_timeout"),
    "settings.newer": Text(
        "{file} stammt von einer neueren Kiosk-Version (Schema {version}, diese Version kennt "
        "{known}); unbekannte Einstellungen werden ignoriert",
        "{file} was written by a newer version of the kiosk (schema {version}, this version "
        "knows {known}); settings it does not know are ignored"),
    "settings.ignored": Text(
        "{file}: unbekannte Einstellung {name} wurde ignoriert",
        "{file}: unknown setting {name} was ignored"),
    "settings.default": Text(
        "{file}: {problem}; es gilt der Standardwert", "{file}: {problem}; using the default"),
    "settings.defaults_both": Text(
        "{file}: {problem}; für beide gelten die Standardwerte",
        "{file}: {problem}; using the defaults for both"),
    "settings.not_changeable": Text(
        "{name} ist keine Einstellung, die man ändern kann (Einstellungen: {names})",
        "{name} is not a setting you can change (settings: {names})"),
    "settings.unreadable": Text(
        "{file} kann nicht gelesen werden ({detail}); es gelten die Standardwerte",
        "{file} cannot be read ({detail}); using defaults"),
    "settings.kept": Text(
        "die beschädigte Datei liegt jetzt unter {name}",
        "the damaged file was kept as {name}"),
    "settings.not_kept": Text(
        "die beschädigte Datei ließ sich nicht beiseitelegen",
        "the damaged file could not be moved aside"),
    "settings.damaged": Text(
        "{file} ist beschädigt ({detail}); es gelten die Standardwerte — {where}",
        "{file} is damaged ({detail}); using defaults — {where}"),
    "settings.not_saved": Text(
        "Die Einstellungen können nicht in {path} gespeichert werden ({detail})",
        "settings cannot be saved to {path} ({detail})"),
    # ---- installing a pack and testing a demo (summaries for staff, not problems)
    "install.failed.one": Text(
        "{source}: nicht installiert, {count} Problem", "{source}: not installed, {count} problem"),
    "install.failed": Text(
        "{source}: nicht installiert, {count} Probleme",
        "{source}: not installed, {count} problems"),
    "install.done": Text(
        "{id} {version} ({task}) installiert", "installed {id} {version} ({task})"),
    "install.done.proposed": Text(
        "{id} {version} ({task}) installiert (demo.toml aus dem Modell vorgeschlagen)",
        "installed {id} {version} ({task}) (demo.toml proposed from the model)"),
    "install.replaced": Text(
        "{id} {version} ({task}) installiert, ersetzt {was}",
        "installed {id} {version} ({task}), replacing {was}"),
    "install.replaced.proposed": Text(
        "{id} {version} ({task}) installiert, ersetzt {was} (demo.toml aus dem Modell "
        "vorgeschlagen)",
        "installed {id} {version} ({task}), replacing {was} (demo.toml proposed from the "
        "model)"),
    "inbox.proposed": Text("Vorgeschlagene demo.toml:", "Proposed demo.toml:"),
    "inbox.not_installed": Text(
        "{name} wurde NICHT installiert. Behebe diese Probleme und kopiere es noch einmal in "
        "den Ordner inbox:",
        "{name} was NOT installed. Fix these problems and copy it into the inbox again:"),
    "selftest.frames": Text(
        "{count} Beispielbilder verarbeitet", "{count} sample frames processed"),
    "selftest.failed": Text("fehlgeschlagen: {detail}", "failed: {detail}"),
    "selftest.no_demo": Text("Keine Demo {id}", "no demo {id}"),
    # ---- how models run on this machine (kiosk.runtime.tuning): notes for the Health page
    "tuning.no_samples": Text(
        "{file}: keine Beispieleingaben, bleibt bei {kept}",
        "{file}: no sample inputs, kept {kept}"),
    "tuning.no_load": Text(
        "{file}: {candidate} ließ sich nicht laden ({detail})",
        "{file}: {candidate} did not load ({detail})"),
    "tuning.disagrees": Text(
        "{file}: {candidate} weicht von fp32 ab ({summary}), nicht verwendet",
        "{file}: {candidate} disagrees with fp32 ({summary}), not used"),
    "tuning.run_failed": Text(
        "{file}: {candidate} ist beim Rechnen fehlgeschlagen ({detail})",
        "{file}: {candidate} failed at run time ({detail})"),
    "tuning.failed": Text(
        "{file}: Abstimmung fehlgeschlagen ({detail})", "{file}: tuning failed ({detail})"),
    "tuning.fallback_load": Text(
        "{file}: {provider} ({precision}) ließ sich nicht laden; läuft jetzt auf der CPU",
        "{file}: {provider} ({precision}) did not load; running on the CPU"),
    "tuning.fallback_run": Text(
        "{file}: {provider} ({precision}) ist beim Rechnen fehlgeschlagen ({error}); läuft "
        "jetzt auf der CPU",
        "{file}: {provider} ({precision}) failed while running ({error}); running on the CPU"),
    # ---- zip files and pack folders (kiosk.runtime.packs)
    "zip.unreadable": Text(
        "ist keine lesbare ZIP-Datei ({detail})", "is not a readable zip ({detail})"),
    "zip.fix.copy_again": Text(
        "Kopiere sie noch einmal; bleibt sie kaputt, packe den Demo-Ordner neu",
        "copy it again; if it stays broken, zip the pack folder again"),
    "zip.too_many": Text(
        "hat {count} Einträge (höchstens {limit})", "has {count} entries (at most {limit})"),
    "fix.few_files": _FEW_FILES,
    "fix.rebuild_zip": _REBUILD_ZIP,
    "fix.smaller_model": _SMALLER_MODEL,
    "fix.trusted_only": _TRUSTED_ONLY,
    "name.nul": Text("hat ein NUL-Zeichen im Namen", "has a NUL character in its name"),
    "name.absolute": Text("ist ein absoluter Pfad", "is an absolute path"),
    "name.dotdot": Text("zeigt aus der Demo heraus (..)", "points outside the pack (..)"),
    "name.unstorable": Text(
        "hat einen Namen, den manche Systeme nicht speichern können (zu lang oder Sonderzeichen)",
        "has a name some systems cannot store (too long or special characters)"),
    "name.reserved": Text(
        "hat einen Namen, den Windows reserviert (CON, NUL, COM1, …) oder nicht speichern kann",
        "has a name Windows reserves (CON, NUL, COM1, …) or cannot store"),
    "file.symlink": Text("ist eine symbolische Verknüpfung", "is a symbolic link"),
    "file.fix.real": Text(
        "Lege stattdessen die echte Datei in die Demo", "put the real file in the pack instead"),
    "file.fix.copy_real_model": Text(
        "Kopiere die echte Modelldatei", "copy the real model file"),
    "zip.not_plain": Text(
        "ist keine normale Datei und kein normaler Ordner", "is not a plain file or folder"),
    "zip.encrypted": Text("ist verschlüsselt", "is encrypted"),
    "zip.fix.no_password": Text(
        "Packe die Demo ohne Passwort", "zip the pack without a password"),
    "zip.twice": Text("kommt doppelt vor", "appears twice"),
    "zip.entry_too_big": Text(
        "ist entpackt {size} groß (höchstens {limit} pro Datei)",
        "is {size} unpacked (at most {limit} per file)"),
    "zip.ratio": Text(
        "wird beim Entpacken {ratio}-mal größer (eine ZIP-Bombe?)",
        "unpacks {ratio}x larger than it is packed (a zip bomb?)"),
    "zip.total": Text(
        "wird entpackt {size} groß (höchstens {limit})", "unpacks to {size} (at most {limit})"),
    "fix.leave_out": Text(
        "Lass Dateien weg, die die Demo nicht braucht", "leave out files the demo does not use"),
    "zip.outside": Text("zeigt aus der Demo heraus", "points outside the pack"),
    "zip.fix.rebuild_short": Text(
        "Erstelle die ZIP-Datei neu aus dem Demo-Ordner selbst",
        "rebuild the zip from the pack folder itself"),
    "zip.bomb": Text(
        "wird größer als angegeben oder als erlaubt (eine ZIP-Bombe?)",
        "unpacks to more than it declares or than allowed (a zip bomb?)"),
    "zip.cannot_unpack": Text(
        "kann nicht entpackt werden ({detail})", "cannot be unpacked ({detail})"),
    "zip.fix.incomplete": Text(
        "Kopiere die ZIP-Datei noch einmal; vielleicht ist sie unvollständig",
        "copy the zip again; it may be incomplete"),
    "folder.too_many": Text(
        "enthält mehr als {limit} Dateien", "holds more than {limit} files"),
    "file.unreadable": Text(
        "kann nicht gelesen werden ({detail})", "cannot be read ({detail})"),
    "file.fix.permissions": Text(
        "Prüfe die Zugriffsrechte der Datei", "check the file's permissions"),
    "file.not_plain": Text("ist keine normale Datei", "is not a plain file"),
    "file.too_big": Text(
        "ist {size} groß (höchstens {limit} pro Datei)", "is {size} (at most {limit} per file)"),
    "folder.total": Text("enthält {size} (höchstens {limit})", "holds {size} (at most {limit})"),
    # ---- checks against the model (kiosk.runtime.packs)
    "fit.input_dims": Text("hat {count} Dimensionen {shape}", "has {count} dimensions {shape}"),
    "fit.fix.image_model": Text(
        "Ein Klassifikator für Kamerabilder nimmt (1, 3, Höhe, Breite); nimm ein Bildmodell",
        "a classifier for camera pictures takes (1, 3, height, width); use an image model"),
    "fit.channels": Text(
        "hat die Form {shape}: {channels} Farbkanäle für das Layout {layout}",
        "has shape {shape}: {channels} colour channels for layout {layout}"),
    "fit.fix.channels": Text(
        'Das Modell braucht 3 Farbkanäle; prüfe params.layout ("NCHW" oder "NHWC")',
        'the model needs 3 colour channels; check params.layout ("NCHW" or "NHWC")'),
    "fit.size": Text(
        "ist {size}, aber das Modell nimmt genau {model}",
        "is {size} but the model takes exactly {model}"),
    "fit.fix.size": Text("Setze size = {model}", "set size = {model}"),
    "fit.no_output": Text(
        "Das Modell hat keinen Ausgang {name}", "the model has no output {name}"),
    "fit.fix.output": Text(
        "Nimm einen von {names} oder entferne die Zeile",
        "use one of {names} or remove the line"),
    "fit.label_count": Text(
        "hat {labels} Labels, aber das Modell hat {classes} Klassen",
        "has {labels} labels but the model has {classes} classes"),
    "fit.fix.label_count": Text(
        "Gib genau ein Label pro Zeile an, in der Reihenfolge des Modells",
        "give exactly one label per line, in the model's order"),
    "fit.label_lengths": Text(
        "{de} und {en} sind unterschiedlich lang", "{de} and {en} have different lengths"),
    "fit.fix.label_lengths": Text(
        "Gib zu jedem englischen Label ein deutsches an, in derselben Reihenfolge",
        "give one German label for every English one, in the same order"),
    "model.file": Text("Modelldatei {name}: {problem}", "Model file {name} {problem}"),
    "model.missing": Text("fehlt.", "is missing."),
    "model.unreadable": Text(
        "kann nicht gelesen werden ({detail}).", "cannot be read ({detail})."),
    "model.changed": Text(
        "wurde verändert (sha256 {actual}…, erwartet {expected}…): Kopiere die Originaldatei "
        "noch einmal oder aktualisiere die sha256 der Demo.",
        "has changed (sha256 {actual}…, expected {expected}…): copy the original file again "
        "or update the pack's sha256."),
    "model.cannot_load": Text(
        "kann nicht geladen werden: {detail}", "cannot be loaded: {detail}"),
    "model.fix.copy_again": Text(
        "Kopiere die Datei noch einmal (vielleicht ist sie unvollständig) oder exportiere das "
        "Modell neu",
        "copy the file again (it may be incomplete) or export the model again"),
    # ---- smoke run
    "smoke.failed": Text("ist fehlgeschlagen: {detail}", "failed: {detail}"),
    "smoke.wrong_output": Text(
        "Die Ausgabe sieht falsch aus: {detail}", "output looks wrong: {detail}"),
    "smoke.not_finite": Text(
        "Die Ausgabe enthält NaN oder Unendlich", "output holds NaN or infinity"),
    "smoke.scores": Text(
        "Box-Werte liegen außerhalb von 0..1", "box scores lie outside 0..1"),
    "smoke.fix.output_format": Text(
        "Prüfe params.output_format (yolov8, yolov5 oder end2end) und params.output",
        "check params.output_format (yolov8, yolov5 or end2end) and params.output"),
    "smoke.fix.check": Text(
        "Prüfe das Modell und [params]; `kiosk packs validate --json` zeigt Einzelheiten",
        "check the model and [params]; `kiosk packs validate --json` shows details"),
    "smoke.fix.too_slow": Text(
        "Das Modell ist zu langsam für diesen Rechner oder wird nie fertig (eine Schleife?); "
        "exportiere es neu oder nimm ein kleineres Modell",
        "the model is too slow for this computer or never finishes (a loop?); "
        "export it again, or use a smaller model"),
    "trial.fix.too_slow": Text(
        "Das Modell ist zu langsam für diesen Rechner oder wird nie fertig; exportiere es neu",
        "the model is too slow for this computer or never finishes; export it again"),
    "trial.fix.rgb": Text(
        "Prüfe, ob das Modell ein RGB-Bild nimmt; sonst schreibe eine demo.toml",
        "check that the model takes one RGB picture; else write a demo.toml"),
    # ---- validating a pack (kiosk.runtime.packs)
    "id.builtin": Text(
        "{value} ist die ID einer eingebauten Demo", "{value} is the id of a built-in demo"),
    "id.fix.other": Text(
        'Wähle eine andere ID, z. B. id = "{suggestion}"',
        'choose another id, e.g. id = "{suggestion}"'),
    "task.unsupported": Text(
        "{value} wird von dieser Kiosk-Version nicht unterstützt",
        "{value} is not supported by this kiosk version"),
    "task.fix.update": Text(
        "Aktualisiere den Kiosk oder wähle eine unterstützte Aufgabe",
        "update the kiosk or choose a supported task"),
    "model.fix.put": Text("Lege {file} neben demo.toml", "put {file} next to demo.toml"),
    "model.sha_mismatch": Text(
        "passt nicht zu {file} (deren sha256 ist {actual})",
        "does not match {file} (its sha256 is {actual})"),
    "model.fix.sha_mismatch": Text(
        "Kopiere das Original-Modell noch einmal oder füge die neue sha256 ein, wenn das Modell "
        "absichtlich geändert wurde",
        "copy the original model again, or paste the new sha256 if the model was changed on "
        "purpose"),
    "pack.no_manifest": Text(
        "hat keine demo.toml und ist deshalb noch keine Demo",
        "has no demo.toml, so it is not a pack yet"),
    "pack.fix.no_manifest": Text(
        "`kiosk packs import` schlägt für ein .onnx-Modell eine vor (mit labels.txt für einen "
        "Klassifikator); oder schreibe demo.toml wie in docs/demo-packs.md",
        "`kiosk packs import` proposes one for an .onnx model (with labels.txt for a "
        "classifier); or write demo.toml as in docs/demo-packs.md"),
    "pack.source_missing": Text(
        "{path} gibt es nicht", "{path} does not exist"),
    "pack.not_a_pack": Text("ist keine Demo", "is not a pack"),
    "pack.fix.not_a_pack": Text(
        "Gib einen Demo-Ordner, eine ZIP-Datei davon oder ein .onnx-Modell an",
        "give a pack folder, a .zip of one, or an .onnx model"),
    "inbox.interrupted": Text(
        "Der Kiosk wurde beim Installieren beendet (vielleicht ist die Demo zu langsam oder "
        "zu groß für diesen Rechner, oder der Strom war weg)",
        "the kiosk stopped while installing it (it may be too slow or too large for this "
        "computer, or the power went off)"),
    "inbox.fix.interrupted": Text(
        "Prüfe sie mit `kiosk packs validate`; kopiere sie noch einmal in den Ordner inbox, "
        "um es erneut zu versuchen",
        "try `kiosk packs validate` on it; copy it into the inbox again to retry"),
    "inbox.failed": Text(
        "konnte nicht installiert werden ({detail})", "could not be installed ({detail})"),
    "inbox.fix.failed": Text(
        "Sieh im Kiosk-Protokoll nach; prüfe sie mit `kiosk packs validate`",
        "see the kiosk log; try `kiosk packs validate` on it"),
}
