"""Passwords per 等保三级: sequences, keyboard runs, repeated groups, history in any letter case, expiry."""
from __future__ import annotations

import pytest

from portal.auth import accounts
from portal.auth import password_policy as policy
from portal.core.errors import ValidationFailed
from portal.extensions import db
from tests.auth.helpers import audits, password_step
from tests.conftest import PASSWORD


@pytest.mark.parametrize("password", ["1234567890aA", "Xy#9876zzwq", "Pass#abcd7Q", "Zyxw#7Lm2q!"])
def test_sequences_are_refused(password):
    assert policy.PASSWORD_HAS_SEQUENCE in policy.check_password(password, "someone")


@pytest.mark.parametrize("password", ["Qwer#2026xyz", "Kp7!asdfLm", "Zxcv-93Lmnb", "Poiu#82Lkmz", "Ab#9!@#$km"])
def test_keyboard_runs_are_refused(password):
    assert policy.PASSWORD_HAS_KEYBOARD_RUN in policy.check_password(password, "someone")


@pytest.mark.parametrize("password", ["Aa1!Aa1!Aa1!", "Xk7#aaaaLmz", "Ab1#Ab1#"])
def test_repeated_groups_are_refused(password):
    assert policy.PASSWORD_REPEATS in policy.check_password(password, "someone")


@pytest.mark.parametrize("password", ["Demo#2026pass", "Xk7#pq2Lmz", "tR0ub4dor&3x", "Luzhou-Archive-7q"])
def test_ordinary_strong_passwords_still_pass(password):
    assert policy.check_password(password, "someone") == []


def _change(user, current, new):
    accounts.change_password(user, current, new)
    db.session.refresh(user)


def test_a_case_change_of_the_current_password_is_refused(app, build):
    user = build.user("vendor")
    with pytest.raises(ValidationFailed) as failed:
        _change(user, PASSWORD, PASSWORD.swapcase())
    assert "new_password" in failed.value.field_errors
    assert audits("password.change", "failure") == 1


def test_the_last_five_passwords_are_refused_in_any_case(app, build):
    user = build.user("vendor")
    history = [PASSWORD, "Kite#Lamp5river", "Moss#Cart6lily", "Reed#Fork8tide", "Gull#Pine9mesa", "Wolf#Dune3opal"]
    for old, new in zip(history, history[1:], strict=False):
        _change(user, old, new)
    current = history[-1]
    for earlier in history[:-1]:  # the five before the current one
        with pytest.raises(ValidationFailed):
            _change(user, current, earlier.upper())
    _change(user, current, "Hawk#Reef4sand")  # the sixth one back now falls out of the history
    _change(user, "Hawk#Reef4sand", PASSWORD.lower().replace("t", "T", 1))
    assert audits("password.change", "success") == 7


def test_an_expired_password_must_be_changed_at_login(app, client, build, travel, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MAX_AGE_DAYS", 90)
    user = build.user("vendor")
    travel(days=89)
    assert password_step(client, user).headers["Location"] == "/home/"
    client.post("/auth/logout")
    travel(days=2)
    response = password_step(client, user)
    assert response.headers["Location"].startswith("/auth/password")
    assert client.get("/home/").headers["Location"].startswith("/auth/password")
    assert audits("password.expired") == 1
    response = client.post("/auth/password", data={"current_password": PASSWORD, "new_password": "Kite#Lamp5river",
                                                   "confirm": "Kite#Lamp5river"})
    assert response.status_code == 302
    assert client.get("/home/").status_code == 200


def test_expiry_is_off_when_the_setting_is_zero(app, client, build, travel):
    assert app.config["PASSWORD_MAX_AGE_DAYS"] == 0
    user = build.user("vendor")
    travel(days=4000)
    assert password_step(client, user).headers["Location"] == "/home/"
