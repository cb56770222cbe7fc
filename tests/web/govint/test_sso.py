"""Single sign-on with the government-services account (GOV_MODE=fake)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal.auth.models import User, UserSession
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.gov.port import GovUserInfo
from portal.integrations import sso
from tests.builders import PASSWORD


@pytest.fixture(autouse=True)
def english(client):
    """Messages are asserted in English (the default language is zh_CN)."""
    client.get("/auth/login?lang=en")


def _start(client) -> tuple[str, str]:
    response = client.get("/auth/gov/start")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/auth/gov/fake-authorize"
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return query["state"][0], query["redirect_uri"][0]


def _sign_in(client, fake, platform_user_id: str):
    state, redirect_uri = _start(client)
    ticket = fake.mint_ticket(platform_user_id, redirect_uri)
    return client.get(f"/auth/gov/return?ticket={ticket}&state={state}"), ticket, redirect_uri


def _logged_in(client) -> bool:
    return client.get("/home/").status_code == 200


def _sessions() -> int:
    return db.session.scalar(select(func.count(UserSession.id)))


def test_login_page_offers_government_sign_in(client, fake):
    assert "/auth/gov/start" in client.get("/auth/login").get_data(as_text=True)


def test_linked_user_signs_in_with_a_server_side_session(client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    response, _, _ = _sign_in(client, fake, "gov-1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/home/")
    assert _logged_in(client)
    assert _sessions() == 1
    db.session.refresh(user)
    assert user.gov_real_name_level == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login.success"))
    assert '"method": "sso"' in event.detail


def test_wrong_state_is_refused_without_login(client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    _state, redirect_uri = _start(client)
    ticket = fake.mint_ticket("gov-1", redirect_uri)
    response = client.get(f"/auth/gov/return?ticket={ticket}&state=forged-state")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert not _logged_in(client) and _sessions() == 0


def test_state_from_another_browser_is_refused(app, client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    state, redirect_uri = _start(client)
    ticket = fake.mint_ticket("gov-1", redirect_uri)
    other = app.test_client()
    assert other.get(f"/auth/gov/return?ticket={ticket}&state={state}").status_code == 400
    assert _sessions() == 0


def test_replayed_ticket_is_refused(client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    response, ticket, _ = _sign_in(client, fake, "gov-1")
    assert response.status_code == 302
    client.post("/auth/logout")
    state, _ = _start(client)
    replay = client.get(f"/auth/gov/return?ticket={ticket}&state={state}")
    assert replay.status_code == 400
    assert "already used" in replay.get_data(as_text=True)
    assert not _logged_in(client) and _sessions() == 1


def test_expired_ticket_is_refused(client, fake, build, travel):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    state, redirect_uri = _start(client)
    ticket = fake.mint_ticket("gov-1", redirect_uri)
    travel(seconds=fake.ticket_ttl + 1)
    response = client.get(f"/auth/gov/return?ticket={ticket}&state={state}")
    assert response.status_code == 400
    assert not _logged_in(client) and _sessions() == 0


def test_expired_state_is_refused(client, fake, build, travel):
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    state, redirect_uri = _start(client)
    travel(minutes=11)
    ticket = fake.mint_ticket("gov-1", redirect_uri)
    assert client.get(f"/auth/gov/return?ticket={ticket}&state={state}").status_code == 400


def test_first_sign_in_links_after_the_portal_password(client, fake, build):
    user = build.user("vendor")
    fake.add_user(GovUserInfo("gov-new", "Wang Wu", "natural", None, 3))
    response, _, _ = _sign_in(client, fake, "gov-new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/auth/gov/link")
    assert not _logged_in(client)
    wrong = client.post("/auth/gov/link", data={"username": user.username, "password": "wrong-password"})
    assert wrong.status_code == 200 and not _logged_in(client)
    linked = client.post("/auth/gov/link", data={"username": user.username, "password": PASSWORD})
    assert linked.status_code == 302
    assert _logged_in(client)
    db.session.refresh(user)
    assert user.gov_user_id == "gov-new" and user.gov_real_name_level == 3
    # Next time the platform sign-in alone is enough.
    client.post("/auth/logout")
    response, _, _ = _sign_in(client, fake, "gov-new")
    assert response.headers["Location"].endswith("/home/")


def test_legal_person_links_only_to_its_own_firm(client, fake, build):
    own = build.firm()
    stranger = build.user("vendor")  # a user of another firm
    fake.add_user(GovUserInfo("gov-legal", "Firm account", "legal", own.uscc, 4))
    _sign_in(client, fake, "gov-legal")
    response = client.post("/auth/gov/link", data={"username": stranger.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "does not belong" in response.get_data(as_text=True)
    db.session.refresh(stranger)
    assert stranger.gov_user_id is None and not _logged_in(client)
    member = build.user("vendor", firm_id=own.id)
    response = client.post("/auth/gov/link", data={"username": member.username, "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.gov_user_id == "gov-legal"


def test_level_two_may_log_in_but_is_flagged_for_filings(client, fake, build):
    user = build.user("vendor")
    user.gov_user_id = "gov-low"
    db.session.commit()
    fake.add_user(GovUserInfo("gov-low", "Low Level", "natural", None, 2))
    response, _, _ = _sign_in(client, fake, "gov-low")
    assert response.status_code == 302
    page = client.get("/home/").get_data(as_text=True)
    assert "level 3" in page
    db.session.refresh(user)
    assert user.gov_real_name_level == 2
    assert not sso.can_submit_filings(user)


def test_platform_down_gives_a_clear_error(client, fake, build):
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    state, redirect_uri = _start(client)
    ticket = fake.mint_ticket("gov-1", redirect_uri)
    fake.set_unavailable(True)
    response = client.get(f"/auth/gov/return?ticket={ticket}&state={state}")
    assert response.status_code == 400 and "not reachable" in response.get_data(as_text=True)


def test_disabled_user_cannot_sign_in(client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-1"
    user.active = False
    db.session.commit()
    fake.add_user(GovUserInfo("gov-1", "Li Si", "natural", None, 4))
    response, _, _ = _sign_in(client, fake, "gov-1")
    assert response.status_code == 400 and _sessions() == 0
    assert db.session.scalar(select(User.active).where(User.id == user.id)) is False


def test_simulated_platform_page_signs_in_a_fake_user(client, fake, build):
    user = build.user("regulator")
    user.gov_user_id = "gov-demo-natural-3"
    db.session.commit()
    start = client.get("/auth/gov/start").headers["Location"]
    page = client.get(start).get_data(as_text=True)
    assert "Demo Citizen (level 3)" in page
    chosen = client.get(start + "&user=gov-demo-natural-3")
    assert chosen.status_code == 302
    assert client.get(chosen.headers["Location"]).status_code == 302
    assert _logged_in(client)


def test_simulated_platform_refuses_foreign_return_urls(client, fake):
    response = client.get("/auth/gov/fake-authorize?state=x&redirect_uri=https://evil.example/steal")
    assert response.status_code == 400


def test_old_states_are_purged(client, fake, travel):
    from portal.integrations.models import SsoState

    _start(client)
    travel(days=2)
    _start(client)
    assert db.session.scalar(select(func.count()).select_from(SsoState)) == 1
