"""Sessions: a limit per account (the oldest ends at a new login) and a page to end one's own sessions."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.auth.models import UserSession
from portal.extensions import db
from tests.auth.helpers import audits, enrol, freeze


def _logged_in(c) -> bool:
    return c.get("/home/").status_code == 200


def test_a_fourth_login_ends_the_oldest_session(app, build, login, travel):
    user = build.user("vendor")
    clients = []
    for _ in range(4):
        clients.append(login(user, c=app.test_client()))
        travel(seconds=5)
    assert [_logged_in(c) for c in clients] == [False, True, True, True]
    assert audits("session.ended") == 1
    ended = db.session.scalar(select(UserSession).where(UserSession.end_reason == "session_limit"))
    assert ended is not None and ended.user_id == user.id


def test_an_administrator_has_one_session(app, build, login, travel):
    admin = build.user("secadmin")
    first = login(admin, c=app.test_client())
    travel(seconds=5)
    second = login(admin, c=app.test_client())
    assert not _logged_in(first) and _logged_in(second)


def test_a_user_sees_and_ends_their_own_session(app, build, login, travel):
    user = build.user("vendor")
    laptop = login(user, c=app.test_client())
    travel(seconds=5)
    phone = login(user, c=app.test_client())
    page = laptop.get("/auth/sessions").get_data(as_text=True)
    ids = [int(n) for n in re.findall(r"/auth/sessions/(\d+)/end", page)]
    assert len(ids) == 2
    phone_session = max(ids)  # the newer one
    assert laptop.post(f"/auth/sessions/{phone_session}/end").status_code == 302
    assert not _logged_in(phone) and _logged_in(laptop)
    assert audits("session.ended") == 1


def test_a_user_cannot_end_someone_elses_session(app, build, login):
    owner = login(build.user("vendor"), c=app.test_client())
    other_id = db.session.scalar(select(UserSession.id))
    intruder = login(build.user("vendor"), c=app.test_client())
    page = intruder.get("/auth/sessions").get_data(as_text=True)
    assert page.count('data-testid="session-row"') == 1  # only the intruder's own session is listed
    assert f"/auth/sessions/{other_id}/end" not in page
    assert intruder.post(f"/auth/sessions/{other_id}/end").status_code == 404
    assert _logged_in(owner)


def test_ending_the_current_session_logs_out(app, client, build, login):
    login(build.user("vendor"))
    own = db.session.scalar(select(UserSession.id))
    response = client.post(f"/auth/sessions/{own}/end")
    assert response.headers["Location"].startswith("/auth/login")
    assert not _logged_in(client)


def test_the_security_policy_page_states_the_new_rules(app, client, build, login, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
    monkeypatch.setitem(app.config, "PASSWORD_MAX_AGE_DAYS", 90)
    freeze()
    login(build.user("secadmin"))
    enrol(client)  # MFA_REQUIRED: nothing else until the security admin has a factor
    page = client.get("/admin/security?lang=en").get_data(as_text=True)
    assert "expires after 90 days" in page
    assert "the last 5" in page
    assert "At most 3 live sessions per account (1 for administrators)" in page
    assert 'data-testid="mfa-required">' in page and "authenticator app): yes" in page
