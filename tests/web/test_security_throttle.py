"""Failed logins are rate limited per address and per username; a successful login is not counted."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def small_limits(app):
    saved = {k: app.config[k] for k in ("RATELIMIT_LOGIN_PER_ADDRESS", "RATELIMIT_LOGIN_PER_USERNAME")}
    app.config.update(RATELIMIT_LOGIN_PER_ADDRESS="5 per minute", RATELIMIT_LOGIN_PER_USERNAME="3 per minute")
    yield
    app.config.update(saved)


def _fail(client, username, addr="10.0.0.1"):
    return client.post("/auth/login", data={"username": username, "password": "wrong"},
                       environ_base={"REMOTE_ADDR": addr})


def test_failed_logins_per_username_get_429_with_retry_after(build, client, small_limits):
    user = build.user("regulator")
    statuses = [_fail(client, user.username, addr=f"10.0.0.{i}").status_code for i in range(3)]
    assert statuses == [200, 200, 200]
    response = _fail(client, user.username, addr="10.0.0.99")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "尝试次数过多" in response.get_data(as_text=True)  # the translated 429 page


def test_spray_over_30_usernames_from_one_address_is_limited(build, client, small_limits):
    statuses = [_fail(client, f"nobody{i}").status_code for i in range(30)]
    assert statuses[:5] == [200] * 5
    assert set(statuses[5:]) == {429}


def test_successful_logins_do_not_use_up_the_budget(build, app, small_limits):
    user = build.user("regulator")
    for _ in range(8):
        c = app.test_client()
        response = c.post("/auth/login", data={"username": user.username, "password": PASSWORD},
                          environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert response.status_code == 302


def test_api_clients_get_json_429(build, client, small_limits):
    for i in range(5):
        _fail(client, f"x{i}")
    response = client.post("/auth/login", data={"username": "y", "password": "z"},
                           headers={"Accept": "application/json"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert response.get_json()["error"] == "too_many_requests"
    assert "Retry-After" in response.headers


@pytest.mark.parametrize("setting, method, url", [
    ("RATELIMIT_PUBLIC_APPLICATION", "post", "/firms/apply"),
    ("RATELIMIT_PUBLIC_STATUS", "post", "/firms/apply/status"),
    ("RATELIMIT_RECEIPT_VERIFY", "get", "/filings/verify/NOPE-1"),
    ("RATELIMIT_GOV_CALLBACK", "post", "/integrations/gov/callback"),
])
def test_public_endpoints_are_limited_per_address(app, client, setting, method, url):
    saved = app.config[setting]
    app.config[setting] = "2 per minute"
    try:
        statuses = [getattr(client, method)(url, environ_base={"REMOTE_ADDR": "10.0.0.7"}).status_code
                    for _ in range(3)]
        other = getattr(client, method)(url, environ_base={"REMOTE_ADDR": "10.0.0.8"})
    finally:
        app.config[setting] = saved
    assert 429 not in statuses[:2] and statuses[2] == 429
    assert other.status_code != 429


def test_api_is_limited_per_bearer_token(app, build, client):
    from portal.api import tokens as api_tokens

    first, _row = api_tokens.create(build.user("regulator").username)
    second, _row = api_tokens.create(build.user("regulator").username)
    saved = app.config["RATELIMIT_API_PER_TOKEN"]
    app.config["RATELIMIT_API_PER_TOKEN"] = "2 per minute"
    try:
        responses = [client.get("/api/v1/firms", headers={"Authorization": f"Bearer {first}"}) for _ in range(3)]
        statuses = [r.status_code for r in responses]
        other = client.get("/api/v1/firms", headers={"Authorization": f"Bearer {second}"})
    finally:
        app.config["RATELIMIT_API_PER_TOKEN"] = saved
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    assert responses[2].get_json()["error"] == "too_many_requests" and "Retry-After" in responses[2].headers
    assert other.status_code == 200
