"""Every visible text exists in German and English."""

from __future__ import annotations

import pytest

from kiosk.core.i18n import LANGS, STRINGS, Text, parse_lang, tr


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_has_both_languages(key: str) -> None:
    text = STRINGS[key]
    assert text.de.strip() and text.en.strip()


def test_german_and_english_differ_where_they_should() -> None:
    same = [k for k, t in STRINGS.items() if t.de == t.en and not k.startswith("lang.")]
    assert same == []


def test_placeholders_match_between_languages() -> None:
    import string

    for key, text in STRINGS.items():
        fields_de = {f for _, f, _, _ in string.Formatter().parse(text.de) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(text.en) if f}
        assert fields_de == fields_en, key


def test_parse_lang() -> None:
    assert parse_lang(" DE ") == "de"
    assert LANGS == ("de", "en")
    with pytest.raises(ValueError, match="de, en"):
        parse_lang("fr")


def test_tr_and_format() -> None:
    assert tr("demo.back", "de") == "Zurück"
    assert Text("{n} Bilder", "{n} frames").format(n=3).en == "3 frames"
