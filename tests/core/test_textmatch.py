"""The one substring match (portal.core.textmatch.contains): the admin's agency and account filters match
the LIKE wildcards % and _ as themselves, like the lists and search."""
from __future__ import annotations

from portal.auth import accounts
from portal.extensions import db
from portal.orgs import service as organisations


def _agency_names(q: str) -> set[str]:
    return {a.name for a in db.session.scalars(organisations.search_agencies(q))}


def _display_names(q: str) -> set[str]:
    return {u.display_name for u in db.session.scalars(accounts.search_users(q))}


def test_agency_search_matches_percent_and_underscore_literally(build):
    build.agency(name="Rate 100% archive office")
    build.agency(name="Rate 1000 archive office")
    build.agency(name="snake_case records bureau")
    build.agency(name="severe case records bureau")  # "e c": `_` taken as a wildcard would match it
    assert _agency_names("100%") == {"Rate 100% archive office"}
    assert _agency_names("e_c") == {"snake_case records bureau"}
    assert _agency_names("%") == {"Rate 100% archive office"}
    assert _agency_names("_") == {"snake_case records bureau"}
    assert _agency_names("RATE") == {"Rate 100% archive office", "Rate 1000 archive office"}  # case ignored


def test_account_search_matches_percent_and_underscore_literally(build):
    names = {"Rate 100% reviewer": build.user("sysadmin"), "Rate 1000 reviewer": build.user("auditor"),
             "snake_case clerk": build.user("secadmin"), "severe case clerk": build.user("regulator")}
    for name, user in names.items():
        user.display_name = name
    db.session.commit()
    assert _display_names("100%") == {"Rate 100% reviewer"}
    assert _display_names("e_c") == {"snake_case clerk"}
    assert _display_names("%") == {"Rate 100% reviewer"}
    assert "severe case clerk" not in _display_names("_")
