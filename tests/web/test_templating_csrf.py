"""Templates' csrf_token(): Flask-WTF's token for the request, read from `g` after the first call."""
from __future__ import annotations

import re

from flask import g, session
from flask_wtf.csrf import generate_csrf, validate_csrf

from portal.core import clock
from portal.core.models import Notification
from portal.extensions import db
from portal.web.templating import csrf_token


def test_csrf_token_is_flask_wtfs_token_for_the_request(app):
    g.pop("csrf_token", None)
    with app.test_request_context("/"):
        token = csrf_token()
        assert token == generate_csrf() == csrf_token()
        assert session["csrf_token"]  # the raw token the signed one is checked against
        validate_csrf(token)
        assert app.jinja_env.from_string("{{ csrf_token() }}").render() == token


def test_tokens_on_a_page_are_accepted_and_a_wrong_one_is_not(app, client, build, login):
    user = build.user("regulator")
    login(user)
    db.session.add(Notification(user_id=user.id, message="Inbox", params={}, link="/home/",
                                created_at=clock.utcnow()))
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        g.pop("csrf_token", None)
        page = client.get("/home/inbox").get_data(as_text=True)
        tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', page))
        assert len(tokens) == 1  # logout form, "mark all" and each message's button share the token
        assert client.post("/home/inbox/read", data={"csrf_token": "forged"}).status_code == 400
        assert client.post("/home/inbox/read", data={"csrf_token": tokens.pop()}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
