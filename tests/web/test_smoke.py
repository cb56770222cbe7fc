"""The stable contract's basics: health check, login form, home page."""


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_login_then_home_shows_user(client, build, login):
    user = build.user("regulator")
    login(user)
    page = client.get("/home/").get_data(as_text=True)
    assert user.display_name in page


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/home/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_builders_make_a_filing_with_staff(app, build):
    firm = build.firm()
    member = build.staff(firm)
    filing = build.filing(firm=firm, status="in_progress", staff=[member])
    assert filing.number.startswith("LZWB-")
    assert member.is_qualified
    assert filing.staff == [member]
