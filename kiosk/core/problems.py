"""The wording of every pack problem (and of the other lines core and runtime tell staff),
in German and English.

A problem found in a demo pack (:class:`kiosk.core.manifest.ManifestProblem`) says what is
wrong and how to fix it. Both halves are a :class:`Msg`: a stable key into the catalog
(:data:`kiosk.core.problem_texts.PROBLEM_TEXTS`) plus the values for its placeholders. The
command line, the JSON and the log read English (``Msg.text("en")``); the staff panel reads
the staff's language.
Settings problems, install summaries, signature checks and tuning notes use the same
catalog, so core and runtime stay free of Qt and of any notion of the staff's language.
Values (file names, numbers, an operating system's error text) are not translated, except
those given as :class:`~kiosk.core.i18n.Text` (e.g. the kind of a file).

``tests/unit/test_problem_texts.py`` checks that every key has both languages with the same
placeholders, and that every key used in the code is in the catalog.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.core.i18n import Lang, Text
from kiosk.core.problem_texts import PROBLEM_TEXTS


@dataclass(frozen=True)
class Msg:
    """One sentence of a problem: its catalog key and placeholder values."""

    key: str
    params: tuple[tuple[str, str | Text], ...] = ()

    def text(self, lang: Lang = "en") -> str:
        """The sentence in ``lang``."""
        values = {k: v.get(lang) if isinstance(v, Text) else v for k, v in self.params}
        return PROBLEM_TEXTS[self.key].get(lang).format(**values)

    def both(self) -> Text:
        """The sentence in both languages."""
        return Text(self.text("de"), self.text("en"))

    def __str__(self) -> str:
        return self.text("en")


def msg(key: str, /, **params: object) -> Msg:
    """A :class:`Msg`; ``key`` must be in :data:`PROBLEM_TEXTS` (a typo fails at once).

    Values become text; a :class:`Text` value is shown in the reader's language.
    """
    if key not in PROBLEM_TEXTS:
        raise KeyError(f"no problem text {key!r}")
    return Msg(key, tuple(sorted(
        (name, value if isinstance(value, Text) else str(value))
        for name, value in params.items())))



def unknown_key_fix(key: str, known: Iterable[str], fallback: str = "fix.remove_or_spell") -> Msg:
    """How to fix the unknown key ``key``: "did you mean …?" for a near miss of a ``known``
    key (``topk`` for ``top_k``), else ``fallback`` (its placeholder: ``known`` or
    ``allowed``) listing them all, in the order given."""
    names = list(known)
    listed = ", ".join(names)
    guess = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if guess:
        return msg("fix.did_you_mean", guess=guess[0], known=listed)
    placeholder = "allowed" if fallback == "fix.remove_allowed" else "known"
    return msg(fallback, **{placeholder: listed})


#: The kinds of file :mod:`kiosk.core.safe_read` names in its refusals.
FILE_KINDS: dict[str, Text] = {
    "File": Text("Die Datei", "File"),
    "Journal": Text("Das Journal", "Journal"),
    "Manifest": Text("Die Manifest-Datei", "Manifest"),
    "Marker": Text("Die Markierungsdatei", "Marker"),
    "Picture": Text("Das Bild", "Picture"),
    "Thumbnail": Text("Das Vorschaubild", "Thumbnail"),
    "Labels file": Text("Die Label-Datei", "Labels file"),
}


def file_kind(what: str) -> Text:
    """``what`` (e.g. "Labels file") in both languages; unknown kinds stay as written."""
    return FILE_KINDS.get(what, Text(what, what))


#: Where a problem is when it is not a manifest field: shown translated, kept as-is in JSON.
PLACE_TEXTS: dict[str, Text] = {
    "smoke run": Text("Probelauf", "smoke run"),
    "trial run": Text("Testlauf", "trial run"),
    "external data": Text("externe Gewichte", "external data"),
    "model": Text("Modell", "model"),
    "metadata task": Text("Aufgabe in den Metadaten", "metadata task"),
}
# "input images", "model x.onnx": a word, then a name that stays as it is
_PLACE_PREFIXES: dict[str, Text] = {
    "input ": Text("Eingang ", "input "),
    "output ": Text("Ausgang ", "output "),
    "model ": Text("Modell ", "model "),
}


def place(name: str, lang: Lang) -> str:
    """A problem's ``field`` in ``lang`` (manifest field names stay as written)."""
    known = PLACE_TEXTS.get(name)
    if known is not None:
        return known.get(lang)
    for prefix, text in _PLACE_PREFIXES.items():
        if name.startswith(prefix):
            return text.get(lang) + name.removeprefix(prefix)
    return name
