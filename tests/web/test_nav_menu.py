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
        # Every entry once, in the order of its section, then its own order.
        assert sorted(re.findall(r'href="([^"]+)"', block)) == sorted(expected[user.username])
        assert 'href="/home/inbox" aria-current="page"' in block
        sections = re.findall(r"<summary[^>]*>([^<]+)</summary>", block)
        assert len(sections) == block.count("<details"), sections
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


@pytest.mark.parametrize("roles", [(r,) for r in ROLES] + [("regulator", "lead"), ("vendor", "agency")])
def test_menu_is_at_most_seven_sections_holding_every_entry_once(app, build, roles):
    user = build.user(*roles)
    with app.test_request_context("/"):
        sections = nav.grouped(user)
        entries = [item.endpoint for s in sections for item, _href in s.entries]
        assert len(sections) <= 7
        assert sorted(entries) == sorted(i.endpoint for i, _href in nav.menu(user))
        assert all(s.entries for s in sections)
        assert [s.key for s in sections] == [k for k in nav.GROUPS if k in {s.key for s in sections}]


def test_regulator_menu_drops_down_by_section(app, client, build, login):
    """Sections with several entries are <details> drop-downs (keyboard and no-JS friendly); a section
    with one entry is a plain link; the section holding the current page is marked."""
    login(build.user("regulator"))
    html = client.get("/supervision/alerts?lang=en").get_data(as_text=True)
    block = re.search(r'<nav class="main-nav.*?</nav>', html, re.S).group(0)
    assert re.search(r'<details class="nav-group" data-nav-group>\s*<summary class="current">Supervision</summary>',
                     block)
    assert 'href="/supervision/alerts" aria-current="page"' in block
    top_level = re.findall(r'^    <li>', block, re.M)
    assert 2 <= len(top_level) <= 7


def test_every_menu_entry_belongs_to_a_known_section():
    assert len(nav.GROUPS) <= 7
    assert {i.group for i in nav.items()} <= set(nav.GROUPS)
    with pytest.raises(ValueError):
        nav.register("home.index", "Home", 0, "nowhere")
