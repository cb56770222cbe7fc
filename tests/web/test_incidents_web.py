"""Incident pages: report by form, regulator's steps, rectification, scoped lists and 404s."""
from sqlalchemy import func, select

from portal.extensions import db
from portal.incidents.models import Incident
from portal.supervision.models import RectificationOrder
from tests.feedback.builders import accepted_project

REPORT = {"incident_type": "leak", "severity": "high", "occurred_at": "2026-01-05T09:30",
          "description": "A scanner operator photographed files with a phone."}


def test_agency_reports_incident_then_regulator_upholds_and_orders_rectification(app, client, build, login):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    assert "rating-option" in client.get(f"/incidents/new?filing_id={filing.id}").get_data(as_text=True)
    response = client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    incident = db.session.scalar(select(Incident))
    assert incident.occurred_at.hour == 1  # 09:30 Beijing time is 01:30 UTC
    client.post("/auth/logout")
    login(build.user("regulator"))
    client.post(f"/incidents/{incident.id}/investigate", data={"version": incident.version_id})
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.status == "investigating"
    client.post(f"/incidents/{incident.id}/uphold", data={"version": incident.version_id, "reason": "Photos found."})
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.status, incident.veto) == ("upheld", True)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'data-testid="veto"' in page and "/rectification" in page
    client.post(f"/incidents/{incident.id}/rectification",
                data={"version": incident.version_id, "requirement": "Delete the photos; retrain."})
    order = db.session.scalar(select(RectificationOrder))
    assert order is not None and order.number.startswith("ZG-")
    assert order.number in client.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_uphold_without_reason_changes_nothing(app, client, build, login):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    incident = db.session.scalar(select(Incident))
    client.post("/auth/logout")
    login(build.user("regulator"))
    client.post(f"/incidents/{incident.id}/investigate")
    response = client.post(f"/incidents/{incident.id}/uphold", data={"reason": ""}, follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "investigating"


def test_agency_cannot_report_on_or_see_other_projects(app, client, build, login):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    outsider = build.user("agency")
    login(outsider)
    page = client.get("/incidents/new").get_data(as_text=True)
    assert filing.title not in page
    response = client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    assert response.status_code in (200, 404)
    assert db.session.scalar(select(func.count(Incident.id))) == 0
    client.post("/auth/logout")
    login(agency_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    incident = db.session.scalar(select(Incident))
    client.post("/auth/logout")
    login(outsider)
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    assert f"/incidents/{incident.id}\"" not in client.get("/incidents/").get_data(as_text=True)


def test_firm_and_agency_cannot_decide(app, client, build, login):
    filing, agency_user, firm_user = accepted_project(build, status="in_progress")
    login(firm_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    incident = db.session.scalar(select(Incident))
    assert incident.reporter_role == "vendor"
    assert client.post(f"/incidents/{incident.id}/investigate").status_code == 403
    client.post("/auth/logout")
    login(agency_user)
    assert client.post(f"/incidents/{incident.id}/investigate").status_code == 403
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "reported"


def test_district_regulator_outside_jurisdiction_gets_404(app, client, build, login):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    incident = db.session.scalar(select(Incident))
    client.post("/auth/logout")
    login(build.district_regulator("510525"))
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    assert client.post(f"/incidents/{incident.id}/investigate").status_code == 404
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).status == "reported"


def test_excel_export_follows_scope_and_filter(app, client, build, login):
    from io import BytesIO

    from openpyxl import load_workbook

    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    client.post("/incidents/new", data={**REPORT, "incident_type": "other", "filing_id": str(filing.id)})
    rows = list(load_workbook(BytesIO(client.get("/incidents/export.xlsx?type=leak").data)).active.values)[1:]
    assert len(rows) == 2 and filing.number in rows[1][4]
    client.post("/auth/logout")
    login(build.user("agency"))
    rows = list(load_workbook(BytesIO(client.get("/incidents/export.xlsx").data)).active.values)[1:]
    assert len(rows) == 1
