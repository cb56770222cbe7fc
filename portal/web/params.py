"""Numbers and dates from the query string or a posted form, parsed in one place: a value that is not
what the page expects is a 400 page, never a 500 from deep inside a query.

Whole numbers are bounded by the database's integer (PostgreSQL `integer`): a longer number could not
be an id or a page and would overflow the driver (OverflowError in SQLite, DataError in PostgreSQL).
The same bound applies to ids in URLs through the `int` route converter registered here.

Every request's values pass one check first (`refuse_unreadable_values`): a query-string value longer
than MAX_QUERY_VALUE characters (no filter, page or return address is that long; a 100 kB search term made
SQLite refuse the LIKE pattern) or any query or form value holding a NUL character (no text has one, and
PostgreSQL refuses to store or compare it) is a 400 page in the reader's language, before any view runs.
"""
from __future__ import annotations

import unicodedata
from datetime import date

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1
MIN_DATE = date(1900, 1, 1)  # far enough for archives' dates, near enough that UTC shifts cannot overflow
MAX_DATE = date(9000, 12, 31)
MAX_TEXT = 100  # a search word or filter text: longer is not a search, and would only cost the database
MAX_QUERY_VALUE = 2000
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def parse_int(raw: str | None, low: int = 0, high: int = MAX_INT) -> int | None:
    """A whole number from user text within [low, high], or None when the text is not one."""
    text = (raw or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_date(raw: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) from user text within the dates the portal can store, or None."""
    text = (raw or "").strip()
    try:
        value = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return value if value is not None and MIN_DATE <= value <= MAX_DATE else None


def int_arg(name: str, default: int | None = None, *, source=None, low: int = 0,
            high: int = MAX_INT) -> int | None:
    """The whole-number parameter `name` of the query string (or `source`, e.g. request.form);
    `default` when absent or empty; 400 when it is anything but a number in [low, high]."""
    raw = (request.args if source is None else source).get(name)
    if raw is None or not raw.strip():
        return default
    value = parse_int(raw, low, high)
    if value is None:
        abort(400)
    return value


def date_arg(name: str, default: date | None = None, *, source=None) -> date | None:
    """The ISO date parameter `name`; `default` when absent or empty; 400 when it is not a date."""
    raw = (request.args if source is None else source).get(name)
    if raw is None or not raw.strip():
        return default
    value = parse_date(raw)
    if value is None:
        abort(400)
    return value


def _is_control(char: str) -> bool:
    # Cc (NUL, CR, LF, ...), Cf (zero-width, direction overrides), Cs/Co (surrogates, private use):
    # nothing a person types into a search box, and NUL is refused by PostgreSQL's text type.
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co")


def clean_text(raw: str | None, max_length: int = MAX_TEXT) -> str:
    """User text for a filter, cleaned leniently: control characters dropped, runs of whitespace made one
    space, ends stripped, cut to `max_length` characters."""
    text = "".join(" " if char.isspace() else char for char in (raw or "") if char.isspace() or not _is_control(char))
    return " ".join(text.split())[:max_length]


def text_arg(name: str, default: str = "", *, source=None, max_length: int = MAX_TEXT) -> str:
    """The text parameter `name` (spaces collapsed, ends stripped); `default` when absent or blank;
    400 when it holds a control character (NUL included) or is longer than `max_length`."""
    raw = (request.args if source is None else source).get(name)
    if raw is None or not raw.strip():
        return default
    if len(raw) > max_length * 2 or any(_is_control(c) for c in raw if not c.isspace()):
        abort(400)
    text = " ".join(raw.split())
    if len(text) > max_length:
        abort(400)
    return text


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only numbers an id column can hold: a 30-digit id is a 404."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def unreadable_value(args, form) -> str | None:
    """The name of the first query value that is too long or query or form value holding a NUL, else None."""
    for name, value in args.items(multi=True):
        if len(value) > MAX_QUERY_VALUE or "\x00" in value or "\x00" in name:
            return name.replace("\x00", "")
    for name, value in form.items(multi=True):
        if "\x00" in value or "\x00" in name:
            return name.replace("\x00", "")
    return None


def refuse_unreadable_values():
    """before_request: the 400 page for values no page reads (see the module's docstring)."""
    form = MultiDict()
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_MIMETYPES:
        if request.mimetype != "multipart/form-data":
            request.get_data(cache=True)  # a signed body (the platform callback) stays readable as bytes
        form = request.form
    name = unreadable_value(request.args, form)
    if name is not None:
        from portal.web.errors import render_error
        from portal.web.permissions import wants_json

        if wants_json():  # a program reads which parameter it was; people read the sentence below
            return render_error(400, _("The parameter “%(name)s” is too long or contains a character that is "
                                       "not allowed.", name=name))
        return render_error(400, _("The request holds a value that is too long or contains a character "
                                   "that is not allowed. Check what you entered and try again."))
    return None


def init_app(app: Flask) -> None:
    """Before the blueprints: their rules are compiled with the converter in place when added."""
    app.url_map.converters["int"] = BoundedIntConverter


def init_request_hooks(app: Flask) -> None:
    app.before_request(refuse_unreadable_values)
