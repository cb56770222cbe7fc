"""POSTs from another site are refused (Origin, or Referer over HTTPS); the Server header names no versions."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

FOREIGN = ["https://evil.example", "http://evil.example", "null", "http://localhost.evil.example"]


def _login_form(build):
    user = build.user("regulator")
    return {"username": user.username, "password": PASSWORD}


@pytest.mark.parametrize("origin", FOREIGN)
def test_post_with_a_foreign_origin_is_refused(build, client, origin):
    response = client.post("/auth/login", data=_login_form(build), headers={"Origin": origin})
    assert response.status_code == 403
    assert "Location" not in response.headers  # not logged in and sent on


def test_post_from_the_same_origin_or_the_public_base_url_is_accepted(app, build, client):
    data = _login_form(build)
    assert client.post("/auth/login", data=data, headers={"Origin": "http://localhost"}).status_code == 302
    public = app.config["PUBLIC_BASE_URL"]
    other = app.test_client()
    assert other.post("/auth/login", data=data, headers={"Origin": public}).status_code == 302


def test_foreign_referer_over_https_without_origin_is_refused(build, client):
    response = client.post("/auth/login", data=_login_form(build), base_url="https://localhost",
                           headers={"Referer": "https://evil.example/page"})
    assert response.status_code == 403


def test_same_site_referer_over_https_is_accepted(build, client):
    response = client.post("/auth/login", data=_login_form(build), base_url="https://localhost",
                           headers={"Referer": "https://localhost/auth/login"})
    assert response.status_code == 302


def test_signed_callback_is_not_subject_to_the_origin_check(client):
    response = client.post("/integrations/gov/callback", data=b"{}", headers={"Origin": "https://evil.example"})
    assert response.status_code in (400, 401)  # judged by its signature, not by where it came from


def test_server_header_names_no_versions(client):
    response = client.get("/auth/login")
    assert response.headers.get("Server") == "portal"
    assert not any(ch.isdigit() for ch in response.headers.get("Server", ""))
