"""Language selection (zh_CN by default, `?lang=` switches for the session) and catalogue discovery."""
from __future__ import annotations

from pathlib import Path

from babel import Locale
from flask import Flask, current_app, g, request, session
from flask_babel import Domain, get_domain, lazy_gettext, lazy_pgettext, refresh
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from portal.extensions import babel

PORTAL_DIR = Path(__file__).resolve().parent.parent
_LOCALES: dict[str, Locale] = {}


def translation_directories() -> list[str]:
    """Each area keeps its own catalogue (portal/<area>/translations); Flask-Babel merges them."""
    return sorted(str(p) for p in PORTAL_DIR.glob("**/translations") if p.is_dir())


def select_locale() -> Locale:
    languages = current_app.config["LANGUAGES"]
    if request.path.startswith("/api/"):
        # API clients keep no session: their messages follow Accept-Language (zh_CN by default).
        chosen = request.accept_languages.best_match([code.replace("_", "-") for code in languages])
        chosen = chosen.replace("-", "_") if chosen else None
    else:
        chosen = session.get("lang")
    code = chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    # A parsed Locale, kept: Flask-Babel would parse the code again on every request.
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def remember_requested_language() -> None:
    lang = request.args.get("lang")
    if lang and lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    # Flask-Babel caches the locale on the app context, which outlives one request when an app
    # context is already active (CLI, tests); choose the locale afresh for every request.
    refresh()


def translations():
    """The reader's catalogue, looked up once per request (or per `force_locale` block).

    Flask-Babel resolves the locale and its cache key on every gettext call, and a page makes a
    hundred. The result is kept in Flask-Babel's own per-context slot `babel_translations`, which its
    `refresh()` clears and its `force_locale()` saves and restores, so a language switch is followed.
    """
    try:
        cached = g._flask_babel.babel_translations
    except (AttributeError, RuntimeError):  # nothing cached yet, or no application context
        cached = None
    if cached is None:
        cached = Domain.get_translations(get_domain())  # Flask-Babel's own lookup
        if g:  # outside an application context Flask-Babel answers with null translations
            g._flask_babel.babel_translations = cached
    return cached


class RequestCachedDomain(Domain):
    """Flask-Babel's default domain with `translations()` as its lookup, so that Python-side gettext,
    lazy_gettext (form labels) and templates all share the per-request catalogue."""

    def get_translations(self):
        return translations()


def gettext(string: str, **variables) -> str:
    """Same as flask_babel.gettext, through the per-request catalogue."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def pgettext(context: str, string: str, **variables) -> str:
    """Same as flask_babel.pgettext, through the per-request catalogue: the msgid `string` in the sense
    `context` (one English word, several Chinese words: "Open" an alert is 未处理, a link 打开)."""
    text = translations().upgettext(context, string)
    return text % variables if variables else text


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


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
    """Jinja's newstyle gettext (jinja2.ext._make_new_gettext) minus a Context.call per message: the
    message is trusted markup under autoescape, its variables are escaped, and it is always
    %-formatted (`%%` gives `%`); a message without `%` and no variables formats to itself."""
    text = translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    if variables or "%" in text:
        return text % variables
    return text


def _install_template_gettext(app: Flask) -> None:
    """Templates' `_`, `gettext`, `ngettext`, `pgettext`: Flask-Babel's callables with the catalogue
    looked up once per request; Jinja's newstyle wrappers keep `%(name)s` formatting and escaping."""
    env = app.jinja_env
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # The common call, `_()` (and `{% trans %}` without a plural), goes straight to the catalogue;
    # Jinja's own `_` would also look `gettext` up in the template context on every call.
    env.globals["gettext"] = env.globals["_"] = _template_gettext


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(translation_directories()))
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = RequestCachedDomain(domain=app.extensions["babel"].default_domain)
    _install_template_gettext(app)
    app.before_request(remember_requested_language)
    app.jinja_env.globals["translate"] = translate
    app.jinja_env.policies["ext.i18n.trimmed"] = True


__all__ = ["gettext", "lazy_gettext", "lazy_pgettext", "pgettext", "translate", "translations", "init_app", "translation_directories"]
