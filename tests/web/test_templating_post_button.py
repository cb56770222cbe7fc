"""post_button (templates/macros/forms.html) renders exactly what the portal's post buttons always did."""
from __future__ import annotations

import pytest
from flask import g

REFERENCE_MACRO = """{% macro post_button(action, label, class_="button", confirm=None, fields={}) %}
<form method="post" action="{{ action }}" class="inline"{% if confirm %} data-confirm="{{ confirm }}"{% endif %}>
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {% for k, v in fields.items() %}<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}
  <button type="submit" class="{{ class_ }}">{{ label }}</button>
</form>
{% endmacro %}"""

CALLS = [
    "post_button('/a', 'Go')",
    "post_button('/a?x=1&y=<2>', '<Go> & \"stop\"', 'link-button')",
    "post_button(url_for('home.inbox_read'), _('Open'), 'link-button', fields={'id': 7})",
    "post_button('/a', _('Delete'), confirm=_('Delete this draft?'))",
    "post_button('/a', 'x', class_='button danger', confirm='Sure \"now\" <b>?', fields={'active': '0', 'n': '<i>'})",
    "post_button('/a', 'x', fields=dict(v, action='pass'))",
    "post_button('/a', 'x', 'button primary', '', {'version': none})",
    "post_button('/a', label='x', fields={})",
]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("call", CALLS)
def test_post_button_matches_the_former_macro(app, lang, call):
    g.pop("_flask_babel", None)
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        env = app.jinja_env
        context = {"v": {"version": 3}}
        ours = env.from_string('{% from "macros/forms.html" import post_button %}[{{ ' + call + ' }}]').render(context)
        reference = env.from_string(REFERENCE_MACRO + "[{{ " + call + " }}]").render(context)
    assert ours == reference
    assert 'name="csrf_token" value="' in ours


def test_inbox_buttons_post_to_the_inbox(client, build, login):
    from portal.core import clock
    from portal.core.models import Notification
    from portal.extensions import db

    user = build.user("regulator")
    login(user)
    db.session.add(Notification(user_id=user.id, message="Inbox", params={}, link="/home/", created_at=clock.utcnow()))
    db.session.commit()
    html = client.get("/home/inbox?lang=en").get_data(as_text=True)
    assert html.count('<form method="post" action="/home/inbox/read" class="inline">') == 2
    assert '<input type="hidden" name="id" value="' in html
