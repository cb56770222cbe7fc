"""The main navigation, worked out once per set of roles, lists exactly the entries the user may visit."""
from __future__ import annotations

import re

import pytest
from flask import url_for

from portal.core.constants import ROLES
from portal.web import nav
from portal.web.permissions import access_of, allowed


def _visible(app, user) -> list[str]:
    views = app.view_functions
    return [i.endpoint for i in nav.items()
            if i.endpoint in views and allowed(user, access_of(views[i.endpoint]))]


@pytest.mark.parametrize("roles", [(r,) for r in ROLES] + [("regulator", "lead"), ("vendor", "agency")])
def test_menu_is_the_entries_the_roles_may_visit(app, build, roles):
    user = build.user(*roles)
    with app.test_request_context("/"):
        first = nav.menu(user)
        assert [i.endpoint for i, _href in first] == _visible(app, user)
        assert [href for _i, href in first] == [url_for(e) for e in _visible(app, user)]
        assert nav.menu(user) is first  # worked out once
    with app.test_request_context("/", base_url="http://localhost/portal"):
        assert all(href.startswith("/portal/") for _i, href in nav.menu(user))


def test_page_shows_each_user_their_own_menu(app, client, build, login):
    regulator, sysadmin = build.user("regulator"), build.user("sysadmin")
    with app.test_request_context("/"):
        expected = {u.username: [url_for(e) for e in _visible(app, u)] for u in (regulator, sysadmin)}
    for user in (regulator, sysadmin):
        c = app.test_client()
        login(user, c=c)
        html = c.get("/home/inbox").get_data(as_text=True)
        block = re.search(r'<nav class="main-nav.*?</nav>', html, re.S).group(0)
        assert re.findall(r'href="([^"]+)"', block) == expected[user.username]
        assert 'href="/home/inbox" aria-current="page"' in block
    assert expected[regulator.username] != expected[sysadmin.username]


def test_no_menu_while_a_password_change_is_due(client, build, login):
    user = build.user("regulator", must_change_password=True)
    login(user)
    response = client.get("/auth/password")
    assert response.status_code == 200
    assert "main-nav" not in response.get_data(as_text=True)


def test_menus_for_many_hosts_do_not_grow_without_bound(app, build, monkeypatch):
    monkeypatch.setattr(nav, "MAX_MENUS", 5)
    user = build.user("regulator")
    for i in range(12):
        with app.test_request_context("/", base_url=f"http://host{i}.example/"):
            assert nav.menu(user)
    assert len(app.extensions["portal.nav_menus"]) <= 5
