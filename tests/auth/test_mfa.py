"""Second factor (TOTP): enrolment, the code step of a login, replay, drift, recovery codes, lockout,
the security admin's reset and MFA_REQUIRED."""
from __future__ import annotations

import pytest

from portal.auth.models import User
from portal.extensions import db
from tests.auth.helpers import audits, code, enrol, freeze, password_step


@pytest.fixture
def enrolled(app, client, build, login):
    """A vendor enrolled through the pages, logged out again; returns (user, secret, recovery codes)."""
    freeze()
    user = build.user("vendor")
    login(user)
    secret, codes = enrol(client)
    client.post("/auth/logout")
    return user, secret, codes


def _logged_in(client) -> bool:
    response = client.get("/home/")
    return response.status_code == 200


def test_setup_page_shows_otpauth_uri_and_a_code_confirms(app, client, build, login):
    freeze()
    user = build.user("vendor")
    login(user)
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    assert "otpauth://totp/" in page and "data:image/svg+xml" in page
    secret, codes = enrol(client)
    db.session.refresh(user)
    assert user.mfa_enrolled and user.mfa_secret_enc and secret not in user.mfa_secret_enc  # stored encrypted
    assert len(codes) == 10 and len(set(codes)) == 10
    assert audits("mfa.enrol") == 1


def test_setup_refuses_a_wrong_code(app, client, build, login):
    freeze()
    user = build.user("vendor")
    login(user)
    client.get("/auth/mfa/setup")
    response = client.post("/auth/mfa/setup", data={"code": "000000"})
    assert response.status_code == 200 and "otpauth://" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert not user.mfa_enrolled
    assert audits("mfa.enrol", "failure") == 1


def test_login_needs_the_code_after_the_password(enrolled, client):
    user, secret, _codes = enrolled
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/mfa")
    assert not _logged_in(client)  # the pending session logs nobody in
    response = client.post("/auth/mfa", data={"code": code(secret, 30)})
    assert response.status_code == 302 and "/auth/mfa" not in response.headers["Location"]
    assert _logged_in(client)
    assert audits("mfa.verify", "success") == 1


def test_the_code_page_without_a_password_step_sends_to_login(app, client):
    response = client.post("/auth/mfa", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_replayed_code_is_refused(enrolled, client):
    user, secret, _codes = enrolled
    password_step(client, user)
    used = code(secret, 30)
    client.post("/auth/mfa", data={"code": used})
    client.post("/auth/logout")
    password_step(client, user)
    response = client.post("/auth/mfa", data={"code": used})
    assert response.status_code == 200 and not _logged_in(client)
    assert audits("mfa.replay", "failure") == 1
    # The code of the enrolment step and the one used just now are both spent; an older one too.
    assert client.post("/auth/mfa", data={"code": code(secret, 0)}).status_code == 200
    assert not _logged_in(client)


@pytest.mark.parametrize("offset, accepted", [(-30, True), (30, True), (-60, False), (60, False)])
def test_one_step_of_drift_is_accepted_two_are_not(app, client, build, login, offset, accepted):
    freeze()
    user = build.user("vendor")
    login(user)
    secret, _codes = enrol(client)
    client.post("/auth/logout")
    # Move on two minutes so the enrolment step lies behind every step tried here.
    from datetime import timedelta

    from tests.auth.helpers import NOW
    freeze(NOW + timedelta(minutes=2))
    password_step(client, user)
    client.post("/auth/mfa", data={"code": code(secret, offset)})
    assert _logged_in(client) is accepted


def test_a_recovery_code_works_once(enrolled, client):
    user, _secret, codes = enrolled
    password_step(client, user)
    client.post("/auth/mfa", data={"code": codes[0].upper()})  # case and dash do not matter
    assert _logged_in(client)
    assert audits("mfa.recovery_code_used") == 1
    client.post("/auth/logout")
    password_step(client, user)
    response = client.post("/auth/mfa", data={"code": codes[0]})
    assert response.status_code == 200 and not _logged_in(client)
    client.post("/auth/mfa", data={"code": codes[1]})
    assert _logged_in(client)


def test_wrong_codes_lock_the_account(enrolled, client, app):
    user, secret, _codes = enrolled
    password_step(client, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/auth/mfa", data={"code": "000000"})
    db.session.refresh(user)
    assert user.locked_until is not None
    assert audits("account.locked") == 1
    assert audits("mfa.verify", "failure") == app.config["LOGIN_MAX_FAILURES"]
    # Locked: neither the right code on the old pending session nor the password works now.
    client.post("/auth/mfa", data={"code": code(secret, 30)})
    assert not _logged_in(client)
    response = password_step(client, user)
    assert response.status_code == 200


def test_a_correct_password_does_not_reset_the_count_of_wrong_codes(enrolled, client, app):
    user, _secret, _codes = enrolled
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        password_step(client, user)
        client.post("/auth/mfa", data={"code": "000000"})
    db.session.refresh(user)
    assert user.locked_until is not None


def test_security_admin_resets_a_factor(enrolled, client, app, build, login):
    user, _secret, _codes = enrolled
    admin_client = app.test_client()
    login(build.user("secadmin"), c=admin_client)
    page = admin_client.get(f"/admin/accounts/{user.id}").get_data(as_text=True)
    assert f"/admin/accounts/{user.id}/mfa-reset" in page
    response = admin_client.post(f"/admin/accounts/{user.id}/mfa-reset")
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.mfa_enrolled and user.mfa_secret_enc is None
    assert audits("mfa.reset") == 1
    # The password alone logs in again; the user can enrol anew.
    response = password_step(client, user)
    assert response.status_code == 302 and "/auth/mfa" not in response.headers["Location"]


def test_only_the_security_admin_may_reset_a_factor(enrolled, app, build, login):
    user, _secret, _codes = enrolled
    other = app.test_client()
    login(build.user("sysadmin"), c=other)
    assert other.post(f"/admin/accounts/{user.id}/mfa-reset").status_code == 403
    assert db.session.get(User, user.id).mfa_enrolled


def test_mfa_required_forces_enrolment_for_a_regulator(app, client, build, monkeypatch):
    freeze()
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
    regulator = build.user("regulator")
    response = password_step(client, regulator)
    assert response.headers["Location"].startswith("/auth/mfa/setup")
    response = client.get("/home/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/mfa/setup")
    enrol(client)
    assert client.get("/home/").status_code == 200


def test_mfa_required_does_not_force_a_vendor(app, client, build, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
    vendor = build.user("vendor")
    response = password_step(client, vendor)
    assert "/auth/mfa" not in response.headers["Location"]
    assert client.get("/home/").status_code == 200


def test_without_mfa_required_a_regulator_logs_in_with_the_password(app, client, build):
    regulator = build.user("regulator")
    password_step(client, regulator)
    assert client.get("/home/").status_code == 200
