"""Every path applies the one visibility rule: for each role, a resource's page list, API list and Excel
export hold the same rows, and a hidden record is "not found" on every path that names it."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.api import tokens as api_tokens
from portal.core import uploads
from portal.core.context import Actor, reset_actor, set_actor
from portal.extensions import db
from portal.incidents.models import Incident
from tests.core.test_access_rules import EXPECTED, ROLES
from tests.core.world import build_world

SUPERVISORS = ("regulator", "lead", "district")


@pytest.fixture
def world(app, build):
    return build_world(build)


def _expected(world, kind: str, role: str) -> set[int]:
    (by_role,) = [v for (k, _model), v in EXPECTED.items() if k == kind]
    return world.ids(kind, *by_role[role])


def _page_ids(client, url: str, link: str) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return {int(i) for i in re.findall(rf'href="{re.escape(link)}(\d+)"', response.get_data(as_text=True))}


def _api_ids(client, user, url: str) -> set[int]:
    token, _row = api_tokens.create(user.username)
    response = client.get(url, query_string={"per_page": 100}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, (url, response.status_code)
    assert response.json["pages"] <= 1
    return {item["id"] for item in response.json["items"]}


def _export_column(client, url: str, column: int) -> list:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sheet = load_workbook(BytesIO(response.data)).active
    return [row[column] for row in sheet.iter_rows(min_row=3, values_only=True)]


def _by(rows: dict, attribute: str) -> dict:
    return {getattr(row, attribute): row.id for row in rows.values()}


@pytest.mark.parametrize("role", ROLES)
def test_page_list_api_list_and_export_hold_the_same_rows(world, client, login, role):
    user = world.users[role]
    login(user)
    supervisor = role in SUPERVISORS

    filings = _expected(world, "filings", role)
    assert _page_ids(client, "/filings/?per_page=100", "/filings/") == filings
    assert _api_ids(client, user, "/api/v1/filings") == filings
    titles = _by(world.filings, "title")
    assert {titles[t] for t in _export_column(client, "/filings/export.xlsx", 1)} == filings

    firms = _expected(world, "firms", role)
    if supervisor:
        assert _page_ids(client, "/firms/", "/firms/") == firms
        names = _by(world.firms, "name")
        assert {names[n] for n in _export_column(client, "/firms/export.xlsx", 0)} == firms
    if role != "agency":
        assert _api_ids(client, user, "/api/v1/firms") == firms

    feedback = _expected(world, "feedback", role)
    assert _page_ids(client, "/feedback/", "/feedback/") == feedback
    narratives = _by(world.feedback, "narrative")
    assert {narratives[n] for n in _export_column(client, "/feedback/export.xlsx", -2)} == feedback

    incidents = _expected(world, "incidents", role)
    assert _page_ids(client, "/incidents/", "/incidents/") == incidents
    assert set(_export_column(client, "/incidents/export.xlsx", 0)) == incidents

    orders = _expected(world, "orders", role)
    if role != "agency":
        assert _page_ids(client, "/supervision/rectifications", "/supervision/rectifications/") == orders
    firm_names = {f.id: f.name for f in world.firms.values()}
    if supervisor:
        numbers = _by(world.orders, "number")
        assert {numbers[n] for n in _export_column(client, "/supervision/rectifications?format=xlsx", 0)} == orders

        inspections = _expected(world, "inspections", role)
        assert _page_ids(client, "/supervision/inspections", "/supervision/inspections/") == inspections
        exported = _export_column(client, "/supervision/inspections?format=xlsx", 0)
        assert sorted(exported) == sorted(firm_names[world_row.firm_id] for world_row in world.inspections.values()
                                          if world_row.id in inspections)

        alerts = _expected(world, "alerts", role)
        assert _page_ids(client, "/supervision/alerts?state=all", "/supervision/alerts/") == alerts
        exported = _export_column(client, "/supervision/alerts?state=all&format=xlsx", 4)
        assert sorted(exported) == sorted(firm_names[a.firm_id] for a in world.alerts.values() if a.id in alerts)

    scores = _expected(world, "scores", role)
    if supervisor:
        on_pages = set()
        for period in world.periods.values():
            on_pages |= _page_ids(client, f"/scoring/periods/{period.id}", "/scoring/scores/")
        assert on_pages == scores
    elif role != "agency":
        assert _page_ids(client, "/scoring/", "/scoring/scores/") == scores
    if role != "agency":
        assert _api_ids(client, user, "/api/v1/scores") == scores

    notices = _expected(world, "notices", role)
    if role != "agency":
        assert _page_ids(client, "/supervision/notices", "/supervision/notices/") == notices
        assert _api_ids(client, user, "/api/v1/notices") == notices


def _attach(world, owner_type: str, owner_id: int, firm_id: int | None):
    token = set_actor(Actor(username="test"))
    try:
        attachment = uploads.save_upload(b"%PDF-1.4\n%test\n", "evidence.pdf", owner_type=owner_type,
                                         owner_id=owner_id, firm_id=firm_id)
        db.session.commit()
    finally:
        reset_actor(token)
    return attachment


def _incident_form(filing_id: int) -> dict:
    return {"filing_id": filing_id, "incident_type": "other", "severity": "low", "occurred_at": "2026-01-05T10:00",
            "description": "Something went missing from the site."}


@pytest.mark.parametrize("role,filing", [("agency", "p5"), ("regulator", "p5"), ("district", "p4"),
                                         ("vendor", "p3"), ("vendor", "p4"), ("vendor_agency", "p5")])
def test_a_hidden_filing_is_not_found_on_every_path(world, client, login, role, filing):
    user, hidden = world.users[role], world.filings[filing]
    document = _attach(world, "filing", hidden.id, hidden.firm_id)
    incidents = db.session.scalar(select(func.count(Incident.id)))
    login(user)
    token, _row = api_tokens.create(user.username)
    assert client.get(f"/filings/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/filings/{hidden.id}", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get(f"/files/{document.id}").status_code == 404
    assert client.post("/incidents/new", data=_incident_form(hidden.id)).status_code == 404
    if "agency" in user.role_codes:
        assert client.get(f"/feedback/project/{hidden.id}").status_code == 404
        assert client.get(f"/feedback/project/{hidden.id}/rate").status_code == 404
    assert db.session.scalar(select(func.count(Incident.id))) == incidents


def test_a_visible_filing_is_found_on_the_same_paths(world, client, login):
    """The counterpart of the test above: the same paths answer when the rule allows."""
    user, filing = world.users["agency"], world.filings["p1"]
    document = _attach(world, "filing", filing.id, filing.firm_id)
    login(user)
    token, _row = api_tokens.create(user.username)
    assert client.get(f"/filings/{filing.id}").status_code == 200
    assert client.get(f"/api/v1/filings/{filing.id}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"/files/{document.id}").status_code == 200
    assert client.get(f"/feedback/project/{filing.id}").status_code == 200
    assert client.post("/incidents/new", data=_incident_form(filing.id)).status_code == 302


def test_another_districts_firm_is_not_found_for_a_district_regulator(world, client, login):
    user, firm = world.users["district"], world.firms["f2"]
    document = _attach(world, "firm", firm.id, firm.id)
    login(user)
    token, _row = api_tokens.create(user.username)
    assert client.get(f"/firms/{firm.id}").status_code == 404
    assert client.get(f"/api/v1/firms/{firm.id}", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    assert client.get(f"/files/{document.id}").status_code == 404
    assert client.get(f"/firms/{firm.id}/staff").status_code == 404
    own = world.firms["f1"]
    assert client.get(f"/firms/{own.id}").status_code == 200


def test_incident_report_on_a_draft_does_not_reveal_that_the_draft_exists(world, app, client, login):
    """An agency naming a draft it may not see gets the same answer as for a filing that does not
    exist; before, it got "incidents can be reported on registered projects only", confirming the draft."""
    login(world.users["agency"])
    draft = client.post("/incidents/new", data=_incident_form(world.filings["p5"].id))
    missing = client.post("/incidents/new", data=_incident_form(999999))
    assert draft.status_code == missing.status_code == 404
    # The firm sees its own draft, so it is told why it cannot report on it.
    firm_client = login(world.users["vendor"], c=app.test_client())
    own_draft = firm_client.post("/incidents/new", data=_incident_form(world.filings["p5"].id))
    assert own_draft.status_code == 200


def test_api_ors_the_roles_of_a_user_with_two(world, client):
    """vendor_agency is a firm user of f2 and an agency user of a1: the API lists both sets (it used to
    take the first matching role only and drop the agency's filings)."""
    user = world.users["vendor_agency"]
    assert _api_ids(client, user, "/api/v1/filings") == world.ids("filings", "p1", "p3", "p4")
    token, _row = api_tokens.create(user.username)
    answer = client.get(f"/api/v1/filings/{world.filings['p1'].id}", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json["agency_id"] == world.agencies["a1"].id


def test_agency_workspace_does_not_count_drafts_naming_the_agency(world, client, login):
    from portal.feedback import service
    from portal.web.context import actor_for_user

    workspace = service.agency_workspace(actor_for_user(world.users["agency"]))
    assert "draft" not in workspace.by_status
    assert sum(workspace.by_status.values()) == len(_expected(world, "filings", "agency"))
