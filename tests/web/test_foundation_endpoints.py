"""Every endpoint declares who may call it; every page carries the security headers; admin access matrix."""
from __future__ import annotations

import pytest
from flask import Flask

from portal import create_app
from portal.web.permissions import access_of, public

ROLES = ("vendor", "agency", "regulator", "lead", "sysadmin", "secadmin", "auditor")
REQUIRED_HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def undeclared_endpoints(app: Flask) -> list[str]:
    return sorted(endpoint for endpoint, view in app.view_functions.items()
                  if endpoint != "static" and access_of(view) is None)


def test_every_endpoint_declares_its_access(app):
    assert undeclared_endpoints(app) == []


def test_the_declaration_check_catches_a_missing_declaration(tmp_path):
    """The test above can fail: an app with one undeclared view is reported, and the view answers 403."""
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
                        "SECRET_KEY": "t", "UPLOAD_DIR": str(tmp_path)})
    other.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    other.add_url_rule("/declared", "declared", public(lambda: "fine"))
    assert undeclared_endpoints(other) == ["forgotten"]
    client = other.test_client()
    assert client.get("/forgotten").status_code == 403
    assert client.get("/declared").status_code == 200


def _get_endpoints(app: Flask) -> list[str]:
    """URLs of every GET endpoint that takes no URL parameters."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods or rule.arguments:
            continue
        urls.append(rule.rule)
    return sorted(set(urls))


def _assert_headers(response, url):
    for name, expected in REQUIRED_HEADERS.items():
        assert expected in response.headers.get(name, ""), f"{url}: {name} missing"
    if response.mimetype == "text/html":
        assert response.headers.get("Cache-Control") == "no-store", url


def test_security_headers_on_every_page_anonymous(app, client):
    urls = _get_endpoints(app)
    assert "/healthz" in urls and "/auth/login" in urls
    for url in urls:
        _assert_headers(client.get(url), url)
    _assert_headers(client.get("/no-such-page"), "/no-such-page")


@pytest.mark.parametrize("role", ROLES)
def test_security_headers_on_every_page_logged_in(app, client, build, login, role):
    login(build.user(role))
    for url in _get_endpoints(app):
        if url == "/auth/logout":
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        _assert_headers(response, url)


# Admin access matrix: who gets each admin page (explicit here, so a wrong declaration fails the test).
ADMIN_PAGES = {
    "/admin/accounts": {"sysadmin", "secadmin"},
    "/admin/accounts/new": {"sysadmin"},
    "/admin/accounts/{target}": {"sysadmin", "secadmin"},
    "/admin/accounts/{target}/password": {"sysadmin"},
    "/admin/accounts/{target}/roles": {"secadmin"},
    "/admin/accounts/{target}/sessions": {"secadmin"},
    "/admin/security": {"secadmin"},
    "/admin/agencies": {"sysadmin"},
    "/admin/agencies/new": {"sysadmin"},
    "/admin/agencies/{agency}": {"sysadmin"},
    "/admin/offices": {"sysadmin"},
    "/admin/offices/new": {"sysadmin"},
    "/admin/offices/{office}": {"sysadmin"},
    "/admin/audit": {"auditor"},
    "/admin/audit/export": {"auditor"},
}
ADMIN_POSTS = {
    "/admin/accounts/{target}/active": {"sysadmin"},
    "/admin/accounts/{target}/unlock": {"secadmin"},
    "/admin/accounts/{target}/mfa-reset": {"secadmin"},
    "/admin/accounts/{target}/sessions/end": {"secadmin"},
    "/admin/audit/verify": {"auditor"},
}


@pytest.fixture
def targets(build):
    target = build.user("agency")
    agency = build.agency()
    office = build.office()
    return {"target": target.id, "agency": agency.id, "office": office.id}


def test_admin_matrix_covers_every_admin_endpoint(app):
    declared = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")}
    listed = {url.replace("{target}", "<int:user_id>").replace("{agency}", "<int:agency_id>")
              .replace("{office}", "<int:office_id>") for url in [*ADMIN_PAGES, *ADMIN_POSTS]}
    assert declared == listed


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_access_matrix(client, build, login, targets, role):
    login(build.user(role))
    for template, allowed in ADMIN_PAGES.items():
        url = template.format(**targets)
        status = client.get(url).status_code
        if role in allowed:
            assert status == 200, (role, url, status)
        else:
            assert status == 403, (role, url, status)
    for template, allowed in ADMIN_POSTS.items():
        if role in allowed:
            continue  # their effects are tested in the admin page tests
        url = template.format(**targets)
        assert client.post(url, data={"active": "0"}).status_code == 403, (role, url)


def test_admin_pages_send_anonymous_visitors_to_login(client, targets):
    for template in [*ADMIN_PAGES, *ADMIN_POSTS]:
        url = template.format(**targets)
        response = client.get(url) if template in ADMIN_PAGES else client.post(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"], url


def test_navigation_shows_admin_entries_only_to_their_role(client, build, login):
    login(build.user("auditor"))
    page = client.get("/home/").get_data(as_text=True)
    assert 'href="/admin/audit"' in page
    assert 'href="/admin/accounts"' not in page and 'href="/admin/security"' not in page
