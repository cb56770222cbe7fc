"""Catalogue tooling: compile every area's .po, extract msgids, list those missing a zh_CN translation.

Run as `python -m portal.i18n_tools compile|check|update CATALOGUE_DIR SOURCE...`.
"""
from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
OPTIONS = {"**.html": {"trimmed": "true"}}


def catalogues() -> list[Path]:
    return sorted(PORTAL.glob("**/translations/zh_CN/LC_MESSAGES/messages.po"))


def compile_all() -> int:
    count = 0
    for po_path in catalogues():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        # Babel resolves "zh_CN" to zh_Hans_CN, and gettext then looks for "zh_Hans_CN" or "zh":
        # the compiled catalogue goes to translations/zh/ so the default locale finds it.
        mo_path = po_path.parent.parent.parent / "zh" / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        count += 1
    return count


def extract(paths: list[Path]) -> dict[str, list[str]]:
    """msgid -> locations, from Python and Jinja sources under the given folders."""
    found: dict[str, list[str]] = {}
    for base in paths:
        if not base.exists():
            continue
        method_map = METHOD_MAP if base.is_dir() else None
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(base), method_map=method_map or METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS,
            strip_comment_tags=True,
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{base.name}/{filename}:{lineno}")
    return found


def translated_ids() -> dict[str, str]:
    result: dict[str, str] = {}
    for po_path in catalogues():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                key = message.id if isinstance(message.id, str) else message.id[0]
                result[key] = message.string if isinstance(message.string, str) else message.string[0]
    return result


def missing() -> dict[str, list[str]]:
    found = extract([PORTAL, TEMPLATES])
    done = translated_ids()
    return {msgid: where for msgid, where in found.items() if msgid not in done}


def update(catalogue_dir: str, sources: list[str]) -> Path:
    """Add the untranslated msgids found in SOURCES to the catalogue under CATALOGUE_DIR (empty
    translations to fill in), e.g. `update portal/filings portal/filings templates/filings`."""
    po_path = ROOT / catalogue_dir / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    if po_path.exists():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale="zh_CN")
    else:
        catalog = Catalog(locale="zh_CN", project="portal", charset="utf-8")
    present = {m.id for m in catalog if m.id}
    done = translated_ids()
    found = extract([ROOT / s for s in sources])
    for msgid, where in sorted(found.items()):
        if msgid in done:
            continue
        if msgid not in present:
            catalog.add(msgid, string="", locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1])) for w in where[:3]])
    with po_path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return po_path


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        print(f"compiled {compile_all()} catalogue(s)")
        return 0
    if command == "check":
        gaps = missing()
        for msgid, where in sorted(gaps.items()):
            print(f"{where[0]}: {msgid!r}")
        print(f"{len(gaps)} message(s) without a zh_CN translation")
        return 1 if gaps else 0
    if command == "update" and len(argv) > 3:
        print(update(argv[2], argv[3:]))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
