"""A firm gives its statement (陈述) on an incident before the regulator concludes: shown on the incident
page, audited, the regulators told; refused for other firms and once the incident is concluded."""
from sqlalchemy import select

from portal.core.models import AuditEvent, Notification
from portal.extensions import db
from portal.incidents.models import Incident
from tests.feedback.builders import accepted_project

REPORT = {"incident_type": "leak", "severity": "high", "occurred_at": "2026-01-05T09:30",
          "description": "A scanner operator photographed files with a phone."}
STATEMENT = "The operator used a personal phone against our rules; he was removed from the site."


def _reported(client, build, login):
    filing, agency_user, _ = accepted_project(build, status="in_progress")
    login(agency_user)
    client.post("/incidents/new", data={**REPORT, "filing_id": str(filing.id)})
    client.post("/auth/logout")
    return filing, db.session.scalar(select(Incident))


def test_firm_states_its_side_before_the_conclusion(client, build, login):
    filing, incident = _reported(client, build, login)
    regulator = build.user("regulator")
    vendor = build.user("vendor", firm_id=filing.firm_id)
    login(vendor)
    page = client.get(f"/incidents/{incident.id}?lang=en").get_data(as_text=True)
    assert f'action="/incidents/{incident.id}/statement"' in page
    response = client.post(f"/incidents/{incident.id}/statement",
                           data={"version": incident.version_id, "statement": STATEMENT})
    assert response.status_code == 302
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert incident.firm_statement == STATEMENT and incident.firm_statement_by_id == vendor.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "incident.firm_statement")) is not None
    assert db.session.scalar(select(Notification).where(Notification.user_id == regulator.id,
                                                        Notification.link == f"/incidents/{incident.id}")) is not None
    client.post("/auth/logout")
    login(regulator)
    page = client.get(f"/incidents/{incident.id}?lang=zh_CN").get_data(as_text=True)
    assert STATEMENT in page and "企业陈述" in page and "/statement" not in page


def test_too_short_or_after_conclusion_or_other_firm_is_refused(client, build, login):
    filing, incident = _reported(client, build, login)
    vendor = build.user("vendor", firm_id=filing.firm_id)
    login(vendor)
    client.post(f"/incidents/{incident.id}/statement", data={"version": incident.version_id, "statement": "no"})
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).firm_statement == ""
    client.post("/auth/logout")

    login(build.user("vendor", firm_id=build.firm().id))
    response = client.post(f"/incidents/{incident.id}/statement",
                           data={"version": incident.version_id, "statement": STATEMENT})
    assert response.status_code == 404
    client.post("/auth/logout")

    login(build.user("regulator"))
    client.post(f"/incidents/{incident.id}/investigate", data={"version": incident.version_id})
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    client.post(f"/incidents/{incident.id}/dismiss", data={"version": incident.version_id, "reason": "No evidence."})
    client.post("/auth/logout")
    login(vendor)
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f'action="/incidents/{incident.id}/statement"' not in page
    response = client.post(f"/incidents/{incident.id}/statement",
                           data={"version": incident.version_id, "statement": STATEMENT})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).firm_statement == ""
