"""Language selection (zh_CN by default, `?lang=` switches for the session) and catalogue discovery."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import gettext, lazy_gettext, refresh

from portal.extensions import babel

PORTAL_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    """Each area keeps its own catalogue (portal/<area>/translations); Flask-Babel merges them."""
    return sorted(str(p) for p in PORTAL_DIR.glob("**/translations") if p.is_dir())


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_requested_language() -> None:
    lang = request.args.get("lang")
    if lang and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    # Flask-Babel caches the locale on the app context, which outlives one request when an app
    # context is already active (CLI, tests); choose the locale afresh for every request.
    refresh()


def translate(message: str, params: dict | None = None) -> str:
    """Translate a stored msgid (inbox messages, domain errors) for the current reader."""
    text = gettext(message) if message else ""
    if params:
        try:
            return text % {k: _translate_param(v) for k, v in params.items()}
        except (KeyError, ValueError, TypeError):
            return text
    return text


def _translate_param(value):
    # Parameters that are themselves msgids (state labels, role names) are marked with a "msg:" prefix.
    if isinstance(value, str) and value.startswith("msg:"):
        return gettext(value[4:])
    return value


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    babel.init_app(app, locale_selector=select_locale)
    app.before_request(remember_requested_language)
    app.jinja_env.globals["translate"] = translate
    app.jinja_env.policies["ext.i18n.trimmed"] = True


__all__ = ["gettext", "lazy_gettext", "translate", "init_app", "translation_directories"]
