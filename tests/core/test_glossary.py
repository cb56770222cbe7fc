"""The translations follow the glossary: every term docs/glossary.md names by msgid (and context) has exactly
the glossary's Chinese in the zh_CN catalogue that holds it."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
ROW = re.compile(r"^\| (?P<zh>[^|]+?) \| [^|]+? \| `(?P<msgid>[^`]+)` \| (?:`(?P<ctx>[^`]+)`)? *\|")


def glossary_terms() -> list[tuple[str, str | None, str]]:
    """(msgid, context, Chinese) for each glossary row that names a msgid."""
    return [(m["msgid"], m["ctx"], m["zh"].strip())
            for line in GLOSSARY.read_text(encoding="utf-8").splitlines() if (m := ROW.match(line))]


def catalogue() -> dict[tuple[str, str | None], str]:
    out: dict[tuple[str, str | None], str] = {}
    for path in ROOT.glob("portal/**/translations/zh_CN/LC_MESSAGES/messages.po"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id and isinstance(message.id, str):
                    out[(message.id, message.context)] = message.string
    return out


def test_the_glossary_names_terms():
    terms = glossary_terms()
    assert len(terms) >= 25
    assert ("Decision", "penalty", "处罚决定") in terms


def test_every_glossary_term_is_translated_as_the_glossary_says():
    translations = catalogue()
    wrong = [(msgid, ctx, zh, translations.get((msgid, ctx), "<missing>"))
             for msgid, ctx, zh in glossary_terms() if translations.get((msgid, ctx)) != zh]
    assert wrong == []
