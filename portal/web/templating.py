"""Jinja helpers shared by every template: locale, labels, dates in China time, masking."""
from __future__ import annotations

from datetime import date, datetime
from functools import cache

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from portal.core import constants, localtime
from portal.core.identifiers import district_name
from portal.core.masking import mask_id_number, mask_phone
from portal.web.i18n import gettext


def current_locale() -> str:
    """The portal's language code ("zh_CN" or "en"); Babel itself reports zh_CN as zh_Hans_CN."""
    return _portal_code(get_locale())


@cache
def _portal_code(locale) -> str:
    if locale is None or locale.language == "zh":
        return "zh_CN"
    return str(locale)


def localdt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Stored UTC → shown in China Standard Time."""
    return localtime.format_local(value, fmt)


def localdate(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = localtime.local_date(value)
    return value.isoformat()


def label(vocabulary: str, code: str | None) -> str:
    mapping = getattr(constants, vocabulary, {})
    text = mapping.get(code) if isinstance(mapping, dict) else None
    return gettext(text) if text else (code or "")


def district_label(code: str | None) -> str:
    """A Luzhou district's name in the reader's language (the code itself for anything else)."""
    if not code:
        return ""
    return district_name(code, current_locale()) or code


def role_label(code: str) -> str:
    return label("ROLE_LABELS", code)


def select_options(choices, selected=None) -> Markup:
    """`<option>` elements for (value, label) pairs, the `selected` value marked. Lists of several hundred
    firms render here in one join instead of a template loop (a tenth of the time)."""
    chosen = "" if selected is None else str(selected)
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>{escape(text)}</option>'
        for value, text in choices))


def csrf_token() -> str:
    """Flask-WTF's generate_csrf reads its settings on every call, and a page with a list of post
    buttons makes dozens; it keeps the request's token on `g`, so later calls just read it there."""
    return g.get(current_app.config["WTF_CSRF_FIELD_NAME"]) or generate_csrf()


def post_button(action, label, class_="button", confirm=None, fields=None) -> Markup:
    """A form whose one button POSTs `fields` (hidden) and the CSRF token to `action`; `confirm` asks
    first (portal.js). The layout of the former Jinja macro, in Python: lists call it on every row."""
    confirm_attr = Markup(' data-confirm="%s"') % confirm if confirm else ""
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in (fields or {}).items())
    return Markup(
        f'\n<form method="post" action="{escape(action)}" class="inline"{confirm_attr}>\n'
        f'  <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">\n'
        f"  {hidden}\n"
        f'  <button type="submit" class="{escape(class_)}">{escape(label)}</button>\n'
        "</form>\n"
    )


def _context():
    unread = 0
    if current_user and current_user.is_authenticated:
        from portal.core.inbox import unread_count

        unread = unread_count(current_user.id)
    # Registered after Flask-WTF's context processor, so this csrf_token replaces its generate_csrf.
    return {"unread_count": unread, "csrf_token": csrf_token}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_locale=current_locale, role_label=role_label, label=label,
                                 district_label=district_label, select_options=select_options,
                                 post_button=post_button)
    app.jinja_env.filters.update(localdt=localdt, localdate=localdate, mask_id=mask_id_number,
                                 mask_phone=mask_phone)
    app.jinja_env.globals["csrf_token"] = csrf_token  # replaces generate_csrf (macros see only globals)
    app.context_processor(_context)
