"""The per-request catalogue behind templates' `_()` and portal.web.i18n.gettext: same text, formatting and
escaping as Flask-Babel's own callables, and it follows the request's language, `refresh()` and
`force_locale()`."""
from __future__ import annotations

from contextlib import contextmanager

import flask_babel
import pytest
from flask import g, session
from jinja2 import Environment

from portal.web import i18n
from portal.web.templating import current_locale


@contextmanager
def request_in(app, lang: str | None):
    g.pop("_flask_babel", None)  # the tests' shared app context would carry the last request's locale
    with app.test_request_context("/"):
        if lang:
            session["lang"] = lang
        app.preprocess_request()
        yield


def _uncached():
    """Flask-Babel's own lookup (locale, cache key) on every call, as before the per-request cache."""
    return flask_babel.Domain.get_translations(flask_babel.get_domain())


def _babel_reference_env(app) -> Environment:
    """Flask-Babel's original installation, in an environment of its own to compare against."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.policies.update(app.jinja_env.policies)
    env.install_gettext_callables(
        gettext=lambda s: _uncached().ugettext(s),
        ngettext=lambda s, p, n: _uncached().ungettext(s, p, n),
        pgettext=lambda c, s: _uncached().upgettext(c, s),
        npgettext=lambda c, s, p, n: _uncached().unpgettext(c, s, p, n),
        newstyle=True,
    )
    return env


def test_the_app_environment_has_the_fast_gettext(app):
    assert app.jinja_env.globals["_"] is app.jinja_env.globals["gettext"] is i18n._template_gettext


TEMPLATES = [
    '{{ _("Inbox") }}',
    '{{ gettext("Log out") }}',
    '{{ _("a <b>%(v)s</b> 100%%", v="<i>&") }}',
    '{{ _(name) }}',
    '{{ ngettext("%(num)s file", "%(num)s files", 1) }}|{{ ngettext("%(num)s file", "%(num)s files", 3) }}',
    '{{ pgettext("menu", "Inbox") }}',
    '{% trans %}Request ID{% endtrans %}',
    '{% trans n=2 %}<{{ n }}> item{% pluralize %}<{{ n }}> items{% endtrans %}',
    '{% autoescape false %}{{ _("x %(v)s", v="<i>") }}{% endautoescape %}',
    '{% autoescape false %}{{ _("<b>100%%</b>") }}{{ _("Inbox") }}{% endautoescape %}',
    '{{ _("100%%") }}|{{ _("Inbox")|length }}|{{ _("") }}',
    '{% trans user="<b>" %}Hello {{ user }}{% endtrans %}',
    '{% trans %}100% sure{% endtrans %}',
    '{% set x = _("Inbox") %}{{ x ~ "<" }}',
]


@pytest.mark.parametrize("lang, expected", [(None, "消息"), ("zh_CN", "消息"), ("en", "Inbox")])
def test_template_gettext_follows_the_request_language(app, lang, expected):
    with request_in(app, lang):
        assert app.jinja_env.from_string('{{ _("Inbox") }}').render() == expected
        assert current_locale() == (lang or "zh_CN")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("source", TEMPLATES)
def test_template_gettext_matches_flask_babel(app, lang, source):
    reference = _babel_reference_env(app)
    with request_in(app, lang):
        ours = app.jinja_env.from_string(source).render(name="Password")
        theirs = reference.from_string(source).render(name="Password")
    assert ours == theirs


def test_template_gettext_escapes_variables_but_not_the_message(app):
    with request_in(app, "en"):
        html = app.jinja_env.from_string('{{ _("a <b>%(v)s</b> 100%%", v="<i>&") }}').render()
    assert html == "a <b>&lt;i&gt;&amp;</b> 100%"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_python_gettext_matches_flask_babel(app, lang):
    with request_in(app, lang):
        for msgid in ("Inbox", "Log out", "no such message"):
            expected = _uncached().ugettext(msgid)
            assert i18n.gettext(msgid) == flask_babel.gettext(msgid) == str(flask_babel.lazy_gettext(msgid)) == expected
        assert i18n.gettext("x %(v)s", v="<i>") == flask_babel.gettext("x %(v)s", v="<i>") == "x <i>"
        assert i18n.gettext("100%%") == flask_babel.gettext("100%%") == "100%%"  # no variables: not formatted


def test_refresh_and_force_locale_are_followed(app):
    render = app.jinja_env.from_string('{{ _("Inbox") }}').render
    with request_in(app, "zh_CN"):
        assert render() == "消息"
        with flask_babel.force_locale("en"):
            assert render() == "Inbox"
            assert i18n.translate("Inbox") == flask_babel.gettext("Inbox") == "Inbox"
        assert render() == "消息" == flask_babel.gettext("Inbox")
        session["lang"] = "en"
        flask_babel.refresh()
        assert render() == "Inbox" == str(flask_babel.lazy_gettext("Inbox"))
        assert current_locale() == "en"


def test_language_switch_per_request(client):
    english = client.get("/auth/login?lang=en").get_data(as_text=True)
    chinese = client.get("/auth/login?lang=zh_CN").get_data(as_text=True)
    assert 'lang="en"' in english and "Log in" in english
    assert 'lang="zh-CN"' in chinese and "登录" in chinese


def test_without_an_application_context_messages_stay_untranslated():
    assert i18n.gettext("Inbox") == flask_babel.gettext("Inbox") == "Inbox"
    assert i18n.gettext("x %(v)s", v=1) == "x 1"
