"""Catalogue tooling: compile the zh_CN catalogues, extract msgids into them, check them.

Run as `python -m portal.i18n_tools compile|update|check`.

One catalogue per feature, and every msgid (with its msgctxt) in exactly one catalogue. Flask-Babel merges
all catalogues into one at run time, so a msgid kept in two would show whichever translation loaded last.
Where a msgid lives:

- the feature of a source file is its folder: `portal/<feature>/...` or `templates/<feature>/...`;
  files directly in `portal/` or `templates/` (base.html), `templates/macros` and `templates/errors`
  belong to no feature;
- a msgid used only by one feature that has a catalogue (`portal/<feature>/translations`) lives in
  that feature's catalogue;
- every other msgid lives in the core catalogue, `portal/translations`: one used by several features,
  by `portal/core` or `portal/web`, or by a feature without a catalogue of its own (auth, home,
  incidents, public, api, orgs, files, gov, seed ...).

Where one English word has several Chinese meanings, the code says which with `pgettext(context, msgid)`
(`lazy_pgettext` in forms), and the catalogue holds one entry per context ("msgctxt").

Commands:
  compile  every catalogue's .po to the .mo that Flask-Babel reads
  update   extract msgids from portal/ and templates/; add new ones, with an empty msgstr to fill in, to
           the catalogue where they live; move a msgid whose use changed to its new home, keeping its
           translation; drop msgids no source uses any more
  check    fail on a msgid without a translation, a msgid in two catalogues, or a msgid outside its home
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
TEMPLATES = ROOT / "templates"
CORE = PORTAL  # the core catalogue is portal/translations
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2"), ("**.txt", "jinja2")]
OPTIONS = {"**.html": {"trimmed": "true"}}
PO_PATH = Path("translations", "zh_CN", "LC_MESSAGES", "messages.po")

Key = tuple[str | None, str]  # (msgctxt, msgid); the singular msgid for a plural message


@dataclass
class Extracted:
    message: str | tuple[str, ...]  # (singular, plural) for ngettext
    locations: list[str] = field(default_factory=list)  # "portal/filings/views.py:12"


def catalogues() -> list[Path]:
    return sorted(PORTAL.glob(f"**/{PO_PATH}"))


def catalogue_dir(po_path: Path) -> Path:
    """portal/filings/translations/zh_CN/LC_MESSAGES/messages.po -> portal/filings"""
    return po_path.parents[len(PO_PATH.parts) - 1]


def _read(po_path: Path) -> Catalog:
    with po_path.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _key(message: Message) -> Key:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return message.context, msgid


def compile_all() -> int:
    count = 0
    for po_path in catalogues():
        catalog = _read(po_path)
        # Babel resolves "zh_CN" to zh_Hans_CN, and gettext then looks for "zh_Hans_CN" or "zh":
        # the compiled catalogue goes to translations/zh/ so the default locale finds it.
        mo_path = po_path.parent.parent.parent / "zh" / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        count += 1
    return count


def extract(paths: list[Path] | None = None) -> dict[Key, Extracted]:
    """(msgctxt, msgid) -> message and locations, from the Python and Jinja sources under `paths`
    (portal/ and templates/ by default)."""
    found: dict[Key, Extracted] = {}
    for base in paths or [PORTAL, TEMPLATES]:
        if not base.is_dir():
            continue
        prefix = base.relative_to(ROOT) if base.is_relative_to(ROOT) else base
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(base), method_map=METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS, strip_comment_tags=True,
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if not msgid:
                continue
            entry = found.setdefault((context, msgid), Extracted(message))
            entry.locations.append(f"{prefix}/{filename}:{lineno}")
    return found


def feature_of(location: str) -> str | None:
    """'portal/filings/views.py:3' -> 'filings'; None for files outside a feature folder."""
    parts = Path(location.rsplit(":", 1)[0]).parts
    return parts[1] if len(parts) > 2 else None


def home(locations: list[str], catalogue_dirs: set[Path]) -> Path:
    """The catalogue folder a msgid used at `locations` belongs in (see the module docstring)."""
    features = {feature_of(location) for location in locations}
    if len(features) == 1:
        (feature,) = features
        if feature is not None and PORTAL / feature in catalogue_dirs:
            return PORTAL / feature
    return CORE


def translated_ids() -> dict[Key, str]:
    """(msgctxt, msgid) -> translation, over every catalogue."""
    result: dict[Key, str] = {}
    for po_path in catalogues():
        for message in _read(po_path):
            if message.id and message.string and not message.fuzzy:
                string = message.string if isinstance(message.string, str) else message.string[0]
                if string:
                    result[_key(message)] = string
    return result


def missing() -> dict[Key, list[str]]:
    done = translated_ids()
    return {key: entry.locations for key, entry in extract().items() if key not in done}


def placement_problems() -> list[str]:
    """A msgid in more than one catalogue, or in a catalogue other than its home."""
    held: dict[Key, list[Path]] = {}
    for po_path in catalogues():
        for message in _read(po_path):
            if message.id:
                held.setdefault(_key(message), []).append(catalogue_dir(po_path))
    dirs = {catalogue_dir(p) for p in catalogues()}
    problems = []
    for key, places in sorted(held.items(), key=lambda item: (item[0][1], item[0][0] or "")):
        if len(places) > 1:
            names = ", ".join(str(p.relative_to(ROOT)) for p in places)
            problems.append(f"{_show(key)} is in {len(places)} catalogues: {names}")
    for key, entry in sorted(extract().items(), key=lambda item: (item[0][1], item[0][0] or "")):
        places = held.get(key, [])
        want = home(entry.locations, dirs)
        if len(places) == 1 and places[0] != want:
            problems.append(
                f"{_show(key)} belongs in {want.relative_to(ROOT)}, not {places[0].relative_to(ROOT)} "
                f"(used at {', '.join(entry.locations[:3])})"
            )
    return problems


def _show(key: Key) -> str:
    context, msgid = key
    return f"{context!r}|{msgid!r}" if context else repr(msgid)


def update() -> list[Path]:
    """Bring every catalogue in line with the sources (see `update` in the module docstring)."""
    paths = {catalogue_dir(p): p for p in catalogues()}
    loaded = {folder: _read(po_path) for folder, po_path in paths.items()}
    found = extract()
    for folder, catalog in loaded.items():
        for message in list(catalog):
            if message.id and _key(message) not in found:
                print(f"dropped from {folder.relative_to(ROOT)}: {_show(_key(message))} (no source uses it)")
                catalog.delete(message.id, context=message.context)
    for key, entry in found.items():
        target = home(entry.locations, set(loaded))
        holders = [folder for folder, catalog in loaded.items() if catalog.get(key[1], context=key[0]) is not None]
        # Keep the home catalogue's translation, else core's, else the first one found.
        holders.sort(key=lambda folder: (folder != target, folder != CORE, str(folder)))
        kept = loaded[holders[0]].get(key[1], context=key[0]) if holders else None
        for folder in holders:
            other = loaded[folder].get(key[1], context=key[0])
            if kept is not None and other is not kept and other.string and other.string != kept.string:
                print(f"{_show(key)}: kept {kept.string!r}, dropped {other.string!r} ({folder.relative_to(ROOT)})")
            if folder != target:
                loaded[folder].delete(key[1], context=key[0])
        if loaded[target].get(key[1], context=key[0]) is None:
            string = kept.string if kept is not None else ("", "") if isinstance(entry.message, tuple) else ""
            loaded[target].add(entry.message, string=string, context=key[0])
    for folder, catalog in loaded.items():
        out = BytesIO()
        # No "#:" location lines: they change with every edit elsewhere in a file and make merges conflict.
        write_po(out, catalog, width=100, omit_header=False, sort_output=True, no_location=True)
        paths[folder].write_bytes(out.getvalue().rstrip(b"\n") + b"\n")
    return sorted(paths.values())


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        print(f"compiled {compile_all()} catalogue(s)")
        return 0
    if command == "check":
        gaps = missing()
        for key, where in sorted(gaps.items(), key=lambda item: item[1][0]):
            print(f"{where[0]}: {_show(key)}")
        print(f"{len(gaps)} message(s) without a zh_CN translation")
        problems = placement_problems()
        for problem in problems:
            print(problem)
        print(f"{len(problems)} message(s) not in their one catalogue (run `update` to move them)")
        return 1 if gaps or problems else 0
    if command == "update":
        if len(argv) > 2:
            print("update takes no arguments any more: every msgid goes to the catalogue where it lives")
        for po_path in update():
            print(po_path.relative_to(ROOT))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
