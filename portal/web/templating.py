"""Jinja helpers shared by every template: locale, labels, dates in China time, masking."""
from __future__ import annotations

from datetime import date, datetime
from functools import cache

from flask import Flask, current_app, g
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.core import constants, localtime
from portal.core.identifiers import CITY_CODE, district_name
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


def docdate(value: date | datetime | None) -> str:
    """A document's date as official documents write it: 2026年12月6日 (6 December 2026 in English)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = localtime.local_date(value)
    if current_locale() == "zh_CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%B')} {value.year}"


def label(vocabulary: str, code: str | None) -> str:
    mapping = getattr(constants, vocabulary, {})
    text = mapping.get(code) if isinstance(mapping, dict) else None
    return gettext(text) if text else (code or "")


def district_label(code: str | None) -> str:
    """A Luzhou district's name in the reader's language (the code itself for anything else)."""
    if not code:
        return ""
    if code == CITY_CODE:
        return gettext("Luzhou (whole city)")
    return district_name(code, current_locale()) or code


def role_label(code: str) -> str:
    return label("ROLE_LABELS", code)


def csrf_token() -> str:
    """Flask-WTF's generate_csrf reads its settings on every call, and a page with a list of post
    buttons makes dozens; it keeps the request's token on `g`, so later calls just read it there."""
    return g.get(current_app.config["WTF_CSRF_FIELD_NAME"]) or generate_csrf()


def _context():
    unread = 0
    if current_user and current_user.is_authenticated:
        from portal.core.inbox import unread_count

        unread = unread_count(current_user.id)
    # Registered after Flask-WTF's context processor, so this csrf_token replaces its generate_csrf.
    return {"unread_count": unread, "csrf_token": csrf_token}


def workflow_steps(workflow_name: str, state: str, until: str | None = None):
    """The stepper of an object in workflow ``workflow_name`` (a name from portal.core.workflows)."""
    from portal.core.workflow import progress
    from portal.core.workflows import WORKFLOWS

    return progress(WORKFLOWS[workflow_name], state, until)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(current_locale=current_locale, role_label=role_label, label=label,
                                 district_label=district_label)
    app.jinja_env.filters.update(localdt=localdt, localdate=localdate, docdate=docdate, mask_id=mask_id_number,
                                 mask_phone=mask_phone)
    app.jinja_env.globals["workflow_steps"] = workflow_steps
    app.jinja_env.globals["csrf_token"] = csrf_token  # replaces generate_csrf (macros see only globals)
    app.context_processor(_context)
