"""Accounts service: lockout, password policy, three-admin separation (service and database), sessions."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError

from portal.auth import accounts
from portal.auth.models import User, UserRole, UserSession
from portal.core.context import Actor, reset_actor, set_actor
from portal.core.errors import NotAllowed, ValidationFailed
from portal.extensions import db
from tests.builders import PASSWORD


@pytest.fixture
def acting():
    """`acting(user)` makes the services see `user` as the actor."""
    tokens = []

    def _act(user):
        tokens.append(set_actor(Actor(user_id=user.id, username=user.username, roles=user.role_codes)))

    yield _act
    for token in reversed(tokens):
        reset_actor(token)


def _fail(username: str, password: str = "Wrong#password1") -> str:
    with pytest.raises(accounts.LoginFailed) as info:
        accounts.authenticate(username, password)
    return str(info.value)


def test_lockout_after_max_failures_then_released_after_lock_minutes(app, build, travel):
    user = build.user("regulator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _fail(user.username)
    db.session.refresh(user)
    assert user.locked_until is not None
    # Locked: even the right password is refused.
    _fail(user.username, PASSWORD)
    travel(minutes=app.config["LOGIN_LOCK_MINUTES"] - 1)
    _fail(user.username, PASSWORD)
    travel(minutes=2)
    assert accounts.authenticate(user.username, PASSWORD).user.id == user.id


def test_four_failures_do_not_lock_and_a_success_resets_the_count(app, build):
    user = build.user("agency")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _fail(user.username)
    accounts.authenticate(user.username, PASSWORD)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        _fail(user.username)
    db.session.refresh(user)
    assert user.locked_until is None


def test_unknown_wrong_locked_and_disabled_get_the_same_message(app, build, acting):
    admin = build.user("sysadmin")
    locked = build.user("vendor")
    disabled = build.user("vendor")
    acting(admin)
    accounts.set_active(disabled.id, False)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _fail(locked.username)
    messages = {
        _fail("nobody-at-all"),
        _fail(build.user("vendor").username),
        _fail(locked.username, PASSWORD),
        _fail(disabled.username, PASSWORD),
    }
    assert messages == {accounts.LOGIN_FAILED}


def test_unlock_by_security_admin_allows_login_at_once(app, build, acting):
    user = build.user("vendor")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _fail(user.username)
    acting(build.user("secadmin"))
    accounts.unlock(user.id)
    assert accounts.authenticate(user.username, PASSWORD).user.id == user.id


@pytest.mark.parametrize("password, fragment", [
    ("Short#1a", "10 characters"),
    ("alllowercaseletters", "three of"),
    ("Password123!", "too common"),
])
def test_password_policy_is_enforced_on_change(build, password, fragment):
    user = build.user("vendor")
    with pytest.raises(ValidationFailed) as info:
        accounts.change_password(user, PASSWORD, password)
    assert any(fragment in m for m in info.value.field_errors["new_password"])


def test_password_must_not_contain_the_username(build):
    user = build.user("vendor", username="zhangsan")
    with pytest.raises(ValidationFailed) as info:
        accounts.change_password(user, PASSWORD, "Zhangsan#2026x")
    assert any("user name" in m for m in info.value.field_errors["new_password"])


def test_admin_created_account_must_change_password(build, acting):
    acting(build.user("sysadmin"))
    firm = build.firm()
    user = accounts.create_user(username="newvendor", display_name="New", password="Temp#2026pass",
                                roles=["vendor"], firm_id=firm.id)
    assert user.must_change_password is True
    accounts.change_password(user, "Temp#2026pass", "Fresh#2026words")
    assert user.must_change_password is False


def test_reset_password_forces_change_and_ends_sessions(build, acting):
    user = build.user("agency")
    token = accounts.authenticate(user.username, PASSWORD).session_token
    acting(build.user("sysadmin"))
    accounts.reset_password(user.id, "Reset#2026temp")
    assert user.must_change_password is True
    assert accounts.load_session(token) is None


# --- 三员分立 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [["sysadmin", "secadmin"], ["secadmin", "auditor"], ["sysadmin", "auditor"],
                                   ["sysadmin", "secadmin", "auditor"]])
def test_service_refuses_two_admin_roles(build, acting, roles):
    target = build.user("secadmin")
    acting(build.user("secadmin"))
    with pytest.raises(ValidationFailed) as info:
        accounts.set_roles(target.id, roles)
    assert "roles" in info.value.field_errors
    db.session.refresh(target)
    assert target.role_codes == ("secadmin",)


def test_service_refuses_admin_with_business_role(build, acting):
    target = build.user("regulator")
    acting(build.user("secadmin"))
    with pytest.raises(ValidationFailed):
        accounts.set_roles(target.id, ["regulator", "auditor"])


def test_create_user_refuses_two_admin_roles(build, acting):
    acting(build.user("sysadmin"))
    with pytest.raises(ValidationFailed) as info:
        accounts.create_user(username="twohats", display_name="Two", password="Temp#2026pass",
                             roles=["sysadmin", "auditor"])
    assert "roles" in info.value.field_errors
    assert db.session.scalar(select(User).where(User.username == "twohats")) is None


def test_admin_cannot_change_own_roles(build, acting):
    me = build.user("secadmin")
    acting(me)
    with pytest.raises(NotAllowed):
        accounts.set_roles(me.id, ["secadmin"])


def test_admin_cannot_disable_self(build, acting):
    me = build.user("sysadmin")
    acting(me)
    with pytest.raises(NotAllowed):
        accounts.set_active(me.id, False)
    assert me.active is True


def test_swapping_one_admin_role_for_another_works(build, acting):
    target = build.user("sysadmin")
    acting(build.user("secadmin"))
    accounts.set_roles(target.id, ["auditor"])
    db.session.expire_all()
    assert db.session.get(User, target.id).role_codes == ("auditor",)


def test_adding_lead_to_a_regulator_keeps_the_regulator_row(build, acting):
    target = build.user("regulator")
    acting(build.user("secadmin"))
    accounts.set_roles(target.id, ["regulator", "lead"])
    db.session.expire_all()
    assert db.session.get(User, target.id).role_codes == ("lead", "regulator")


def test_business_role_needs_its_organisation(build, acting):
    target = build.user("regulator")
    acting(build.user("secadmin"))
    with pytest.raises(ValidationFailed):
        accounts.set_roles(target.id, ["vendor"])


def test_database_index_refuses_second_admin_role_inserted_by_orm(build):
    user = build.user("sysadmin")
    db.session.add(UserRole(user_id=user.id, role="auditor"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_index_refuses_second_admin_role_inserted_by_raw_sql(build):
    user = build.user("auditor")
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO user_role (user_id, role) VALUES (:u, 'secadmin')"), {"u": user.id})
        db.session.flush()
    db.session.rollback()
    db.session.execute(insert(UserRole).values(user_id=user.id, role="regulator"))  # non-admin rows are fine
    db.session.commit()


def test_database_refusal_becomes_a_field_message(build, acting, monkeypatch):
    """If the service check were bypassed (e.g. two admins at once), the index still refuses, politely."""
    target = build.user("sysadmin")
    acting(build.user("secadmin"))
    monkeypatch.setattr(accounts, "check_role_combination", lambda roles: [])
    with pytest.raises(ValidationFailed) as info:
        accounts.set_roles(target.id, ["sysadmin", "auditor"])
    assert info.value.field_errors["roles"] == ["The database refused this role combination."]
    db.session.expire_all()
    assert db.session.get(User, target.id).role_codes == ("sysadmin",)


# --- sessions -----------------------------------------------------------------------------------


def test_idle_and_absolute_limits(app, build, travel):
    user = build.user("vendor")
    token = accounts.authenticate(user.username, PASSWORD).session_token
    travel(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    assert accounts.load_session(token) is not None  # activity refreshes last_seen
    travel(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    assert accounts.load_session(token) is None
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.end_reason == "idle_timeout"

    token = accounts.authenticate(user.username, PASSWORD).session_token
    for _ in range(app.config["SESSION_ABSOLUTE_HOURS"] * 3):
        travel(minutes=20)
        if accounts.load_session(token) is None:
            break
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id.desc())).all()
    assert rows[0].end_reason == "absolute_timeout"
    assert rows[0].ended_at - rows[0].created_at <= timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=20)


def test_live_sessions_and_revocation(build, acting):
    user = build.user("agency")
    first = accounts.authenticate(user.username, PASSWORD).session_token
    second = accounts.authenticate(user.username, PASSWORD).session_token
    acting(build.user("secadmin"))
    live = accounts.live_sessions(user.id)
    assert len(live) == 2
    accounts.revoke_session(user.id, live[0].id)
    assert len(accounts.live_sessions(user.id)) == 1
    assert accounts.revoke_sessions(user.id) == 1
    assert accounts.load_session(first) is None and accounts.load_session(second) is None


def test_load_session_reads_session_user_and_roles_in_one_statement(app, build, count_queries):
    user = build.user("regulator")
    username = user.username
    token = accounts.authenticate(username, PASSWORD).session_token
    db.session.expunge_all()  # nothing cached in the identity map, as at the start of a request
    with count_queries() as q:
        loaded = accounts.load_session(token)
        assert loaded.username == username
        assert loaded.role_codes == ("regulator",)
        assert loaded.district_code is None or loaded.office is not None
    assert q.count == 1


def test_load_session_writes_last_seen_at_most_once_a_minute(app, build, travel, count_queries):
    user = build.user("vendor")
    token = accounts.authenticate(user.username, PASSWORD).session_token
    travel(seconds=30)
    with count_queries() as q:
        assert accounts.load_session(token) is not None
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in q.statements)
    travel(seconds=40)
    with count_queries() as q:
        assert accounts.load_session(token) is not None
    assert any(s.lstrip().upper().startswith("UPDATE") for s in q.statements)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_at is None


def test_load_session_of_a_disabled_user_ends_the_session(app, build):
    user = build.user("agency")
    user_id = user.id
    token = accounts.authenticate(user.username, PASSWORD).session_token
    db.session.execute(update(User).where(User.id == user_id).values(active=False))
    db.session.commit()
    db.session.expunge_all()
    assert accounts.load_session(token) is None
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user_id))
    assert row.end_reason == "disabled"
    assert accounts.load_session("no-such-token") is None
    assert accounts.load_session(None) is None
