"""Login, lockout, server-side sessions and their revocation, forced password change, CSRF."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import User, UserSession
from portal.extensions import db
from tests.builders import PASSWORD

VOLATILE = re.compile(r'(name="csrf_token"[^>]*value="[^"]*"|[0-9a-f]{32})')


def _sid(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("sid")


def _post_login(client, username, password):
    return client.post("/auth/login", data={"username": username, "password": password})


def _logged_in(client) -> bool:
    response = client.get("/home/")
    return response.status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_page(client, build):
    user = build.user("vendor")
    unknown = _post_login(client, "no-such-user", "Whatever#2026x")
    wrong = _post_login(client, user.username, "Whatever#2026x")
    assert unknown.status_code == wrong.status_code == 200
    strip = lambda r: VOLATILE.sub("", r.get_data(as_text=True)).replace("no-such-user", user.username)  # noqa: E731
    assert strip(unknown) == strip(wrong)


def test_lockout_through_the_login_form_and_release_by_time(app, client, build, travel):
    user = build.user("agency")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _post_login(client, user.username, "Wrong#password1")
    locked = _post_login(client, user.username, PASSWORD)
    assert locked.status_code == 200 and not _logged_in(client)
    travel(minutes=app.config["LOGIN_LOCK_MINUTES"] + 1)
    assert _post_login(client, user.username, PASSWORD).status_code == 302
    assert _logged_in(client)


def test_session_id_is_new_at_every_login(app, client, build):
    user = build.user("regulator")
    with client.session_transaction() as sess:
        sess["sid"] = "planted-by-an-attacker"
        sess["other"] = "left-over"
    _post_login(client, user.username, PASSWORD)
    first = _sid(client)
    assert first and first != "planted-by-an-attacker"
    with client.session_transaction() as sess:
        assert "other" not in sess
    client.post("/auth/logout")
    _post_login(client, user.username, PASSWORD)
    assert _sid(client) not in (None, first)


def test_logout_ends_the_session_on_the_server(client, build):
    user = build.user("vendor")
    _post_login(client, user.username, PASSWORD)
    stolen = _sid(client)
    client.post("/auth/logout")
    with client.session_transaction() as sess:  # replay the old cookie contents
        sess["sid"] = stolen
        sess["_user_id"] = str(user.id)
    assert not _logged_in(client)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.end_reason == "logout"


def test_idle_timeout_after_30_minutes(app, client, build, travel):
    user = build.user("vendor")
    _post_login(client, user.username, PASSWORD)
    travel(minutes=29)
    assert _logged_in(client)
    travel(minutes=29)  # 58 minutes after login but only 29 idle
    assert _logged_in(client)
    travel(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    response = client.get("/home/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_absolute_timeout_after_12_hours_even_when_active(app, client, build, travel):
    user = build.user("vendor")
    _post_login(client, user.username, PASSWORD)
    for _ in range(app.config["SESSION_ABSOLUTE_HOURS"] * 3 - 1):  # every 20 minutes for 11 h 40
        travel(minutes=20)
        assert _logged_in(client)
    travel(minutes=21)
    assert not _logged_in(client)


def test_disabling_an_account_ends_its_sessions(client, app, build, login):
    user = build.user("agency")
    victim = app.test_client()
    login(user, c=victim)
    assert _logged_in(victim)
    login(build.user("sysadmin"))
    assert client.post(f"/admin/accounts/{user.id}/active", data={"active": "0"}).status_code == 302
    assert not _logged_in(victim)
    assert _post_login(app.test_client(), user.username, PASSWORD).status_code == 200  # refused


def test_password_change_ends_other_sessions_but_keeps_this_one(client, app, build, login):
    user = build.user("vendor")
    other = app.test_client()
    login(user, c=other)
    login(user)
    response = client.post("/auth/password", data={"current_password": PASSWORD,
                                                   "new_password": "Another#2026pw", "confirm": "Another#2026pw"})
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(other)


def test_secadmin_ending_sessions_logs_the_user_out(client, app, build, login):
    user = build.user("regulator")
    victim = app.test_client()
    login(user, c=victim)
    login(build.user("secadmin"))
    page = client.get(f"/admin/accounts/{user.id}/sessions").get_data(as_text=True)
    assert page.count('data-testid="session-row"') == 1
    assert client.post(f"/admin/accounts/{user.id}/sessions/end").status_code == 302
    assert not _logged_in(victim)


def test_admin_created_account_is_forced_to_change_password_first(client, app, build, login):
    firm = build.firm()
    login(build.user("sysadmin"))
    client.post("/admin/accounts/new", data={"username": "fresh.vendor", "display_name": "Fresh", "kind": "vendor",
                                             "firm_id": firm.id, "office_id": 0, "agency_id": 0,
                                             "password": "Temp#2026first"})
    client.post("/auth/logout")
    response = _post_login(client, "fresh.vendor", "Temp#2026first")
    assert response.headers["Location"].endswith("/auth/password")
    blocked = client.get("/home/")
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith("/auth/password")
    weak = client.post("/auth/password", data={"current_password": "Temp#2026first", "new_password": "short",
                                               "confirm": "short"})
    assert weak.status_code == 200 and "密码至少 10 位" in weak.get_data(as_text=True)
    client.post("/auth/password", data={"current_password": "Temp#2026first", "new_password": "Chosen#2026pass",
                                        "confirm": "Chosen#2026pass"})
    assert client.get("/home/").status_code == 200
    assert db.session.scalar(select(User.must_change_password).where(User.username == "fresh.vendor")) is False


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_post_without_csrf_token_is_rejected_and_changes_nothing(client, build, login, csrf_on):
    user = build.user("vendor")
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 400
    assert _sid(client) is None
    assert db.session.scalar(select(UserSession.id).where(UserSession.user_id == user.id)) is None


def test_admin_post_without_csrf_token_is_rejected(client, app, build, login):
    target = build.user("agency")
    login(build.user("sysadmin"))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/admin/accounts/{target.id}/active", data={"active": "0"})
        assert response.status_code == 400
        db.session.expire_all()
        assert db.session.get(User, target.id).active is True
        # With the token from the page the same request goes through: the check is what refused it.
        page = client.get(f"/admin/accounts/{target.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        ok = client.post(f"/admin/accounts/{target.id}/active", data={"active": "0", "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False


@pytest.mark.parametrize("target, expected", [
    ("/admin/accounts", "/admin/accounts"),
    ("https://evil.example/", "/home/"),
    ("//evil.example/", "/home/"),
    ("/\\evil.example/", "/home/"),
    ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
])
def test_login_redirects_only_to_this_site(client, build, target, expected):
    user = build.user("sysadmin")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_failed_login_keeps_the_username_and_shows_the_message_at_the_field(client, build):
    user = build.user("vendor")
    response = client.post("/auth/login?lang=en", data={"username": user.username, "password": "Wrong#2026pw"})
    page = response.get_data(as_text=True)
    assert f'value="{user.username}"' in page
    assert re.search(r'id="password-err"><li>Wrong username or password', page)


def test_request_id_from_a_proxy_is_kept_only_when_harmless(client, build, login):
    good = client.get("/healthz", headers={"X-Request-Id": "abc-123_DEF.456"})
    assert good.headers["X-Request-Id"] == "abc-123_DEF.456"
    bad = client.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", bad.headers["X-Request-Id"])


def test_audit_rows_carry_the_request_id(client, build, login):
    user = build.user("vendor")
    client.post("/auth/login", data={"username": user.username, "password": "Wrong#2026pw"},
                headers={"X-Request-Id": "req-0000-failed-login"})
    auditor = build.user("auditor")
    login(auditor)
    page = client.get("/admin/audit?request_id=req-0000-failed-login").get_data(as_text=True)
    assert page.count('data-action="login.failure"') == 1
