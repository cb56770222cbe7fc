"""The layout's unread badge comes from the aggregate cache and follows every change at once."""
import re

from portal.core import inbox
from portal.extensions import db


def _badge(client) -> str | None:
    page = client.get("/home/inbox").get_data(as_text=True)
    found = re.search(r'data-testid="unread">(\d+)<', page)
    return found.group(1) if found else None


def test_badge_follows_new_and_read_messages(app, client, build, login):
    user = build.user("regulator")
    login(user)
    assert _badge(client) is None
    inbox.notify([user.id], "First message")
    db.session.commit()
    assert _badge(client) == "1"
    assert _badge(client) == "1"  # served again from the cache
    inbox.notify([user.id], "Second message")
    db.session.commit()
    assert _badge(client) == "2"
    client.post("/home/inbox/read", data={})
    assert _badge(client) is None


def test_one_users_badge_is_not_anothers(app, client, build, login):
    first, second = build.user("regulator"), build.user("regulator")
    inbox.notify([first.id], "For the first only")
    db.session.commit()
    login(first)
    assert _badge(client) == "1"
    client.post("/auth/logout")
    login(second)
    assert _badge(client) is None
