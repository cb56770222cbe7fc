"""A GET changes no business state, and hostile query parameters or ids are a 4xx page, never a 500."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.scoring.models import RuleSetVersion
from portal.supervision.models import ChecklistItem, ChecklistTemplate
from portal.web.params import MAX_INT, parse_date, parse_int

HUGE = "9" * 30


def _row_counts() -> dict[str, int]:
    # data_version is the aggregate cache's bookkeeping (portal.core.cache), not business state.
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables
            if t.name != "data_version"}


@pytest.mark.parametrize("url", ["/scoring/rule-sets", "/scoring/rule-sets/new", "/supervision/checklists"])
def test_reading_rule_sets_and_checklists_on_an_empty_database_writes_no_row(url, client, build, login):
    login(build.user("regulator", "lead"))
    before = _row_counts()
    response = client.get(url + "?lang=en")
    assert response.status_code == 200
    assert _row_counts() == before
    assert before["rule_set_version"] == 0 and before["checklist_template"] == 0


def test_the_built_in_defaults_are_shown_before_they_are_stored(client, build, login):
    login(build.user("regulator", "lead"))
    rule_sets = client.get("/scoring/rule-sets?lang=en").get_data(as_text=True)
    checklists = client.get("/supervision/checklists?lang=en").get_data(as_text=True)
    assert "current" in rule_sets and "/scoring/rule-sets/new" in rule_sets
    assert "built-in, not saved yet" in checklists


def test_the_lead_stores_the_built_in_checklists_with_a_post(client, build, login):
    login(build.user("regulator", "lead"))
    assert client.post("/supervision/checklists").status_code == 302
    templates = db.session.scalar(select(func.count()).select_from(ChecklistTemplate))
    assert templates > 0 and db.session.scalar(select(func.count()).select_from(ChecklistItem)) > 0
    assert "built-in, not saved yet" not in client.get("/supervision/checklists?lang=en").get_data(as_text=True)


def test_a_regulator_who_is_not_the_lead_cannot_store_the_checklists(client, build, login):
    login(build.user("regulator"))
    assert client.post("/supervision/checklists").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ChecklistTemplate)) == 0


def test_the_rule_set_is_stored_by_the_first_write_that_needs_it(client, build, login):
    login(build.user("regulator", "lead"))
    assert client.post("/scoring/periods", data={"label": "2026q3"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RuleSetVersion)) == 1


# Several hostile parameters per request: a page reads the ones it knows and ignores the rest.
HOSTILE = ["page=abc&date_from=garbage&firm_id=abc&year=abc",
           f"page={HUGE}&date_from=0001-01-01&date_to=9999-12-31&firm_id={HUGE}&firm={HUGE}&year=99999"
           f"&filing_id={HUGE}&from={HUGE}&per_page={HUGE}&inspection_id={HUGE}&incident_id={HUGE}",
           "page=-1&date_to=0001-01-01&date_from=9999-12-31"]


def _users(build):
    firm = build.firm()
    agency = build.agency()
    # One of each kind of page: supervision and scoring, the firm's, the agency's, the administrators'.
    return [build.user("regulator", "lead"), build.user("vendor", firm_id=firm.id),
            build.user("agency", agency_id=agency.id), build.user("sysadmin"), build.user("auditor")]


def _get_routes(app, with_ids: bool):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/auth/logout"):
            continue
        ints = re.findall(r"<int:(\w+)>", rule.rule)
        if set(rule.arguments) - set(ints):
            continue  # string arguments (actions, numbers): not a number to overflow
        if bool(ints) != with_ids:
            continue
        yield rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}").format(
            **{name: HUGE for name in ints})


def test_hostile_query_parameters_on_get_pages_are_never_a_500(app, build, login):
    routes = sorted(set(_get_routes(app, with_ids=False)))
    assert "/filings/" in routes and "/supervision/inspections" in routes
    failures = []
    for user in _users(build):
        client = app.test_client()
        login(user, c=client)
        for url in routes:
            for query in HOSTILE:
                status = client.get(f"{url}?{query}").status_code
                if status >= 500:
                    failures.append((user.username, url, query, status))
    assert failures == []


def test_an_id_too_long_for_the_database_is_a_404(app, build, login):
    routes = sorted(set(_get_routes(app, with_ids=True)))
    assert f"/filings/{HUGE}" in routes
    client = app.test_client()
    login(build.user("regulator", "lead"), c=client)
    answers = {url: client.get(url).status_code for url in routes}
    assert {url: status for url, status in answers.items() if status != 404} == {}
    assert client.post(f"/filings/{HUGE}/act/confirm").status_code == 404


def test_parse_helpers_accept_only_plain_bounded_values():
    assert parse_int("42") == 42 and parse_int(" 7 ") == 7
    assert [parse_int(v) for v in ("", "abc", "-1", "1e3", "٣", str(MAX_INT + 1), HUGE)] == [None] * 7
    assert parse_int(str(MAX_INT)) == MAX_INT
    assert parse_date("2026-03-01").isoformat() == "2026-03-01"
    assert [parse_date(v) for v in ("", "garbage", "2026-02-30", "0001-01-01", "9999-12-31")] == [None] * 5
