"""Supervision forms through HTTP: rejection needs reasons, escalation checks the penalty bounds and
keeps what was typed, the lead edits a checklist, the firm confirms its liaison, alerts are acknowledged."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.core import clock
from portal.extensions import db
from portal.firms.models import Firm
from portal.supervision import alerts, inspections, rectification
from portal.supervision.models import Alert, ChecklistTemplate, PenaltyCase, RectificationOrder
from tests.supervision import builders as sb


def _order(build, status="answered"):
    regulator = build.user("regulator")
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    order = rectification.issue_by_hand(sb.actor(regulator), firm.id, ["item"], "fix it")
    if status == "answered":
        rectification.respond(sb.actor(vendor), order.id, "done")
    return regulator, vendor, order


def test_reject_without_reasons_is_refused_and_with_reasons_goes_back_to_the_firm(build, login, client):
    regulator, vendor, order = _order(build)
    login(regulator)
    url = f"/supervision/rectifications/{order.id}/decide"
    response = client.post(url, data={"action": "reject", "reason": "", "version": order.version_id + 1})
    assert response.status_code == 422
    assert db.session.get(RectificationOrder, order.id).status == "answered"
    db.session.expire_all()
    current = db.session.get(RectificationOrder, order.id)
    response = client.post(url, data={"action": "reject", "reason": "No photos", "version": current.version_id})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).status == "rejected"


def test_stale_version_is_a_conflict(build, login, client):
    regulator, vendor, order = _order(build)
    login(regulator)
    response = client.post(f"/supervision/rectifications/{order.id}/decide",
                           data={"action": "verify", "version": 1})
    assert response.status_code == 409


@pytest.mark.clause("AL48", "IR51")
def test_escalation_form_keeps_input_and_checks_the_fine(build, login, client, travel):
    regulator, vendor, order = _order(build, status="issued")
    travel(days=31)
    alerts.scan()
    login(regulator)
    data = {"reason": "late", "held_on": clock.today().isoformat(), "attendees": "Manager",
            "record": "TYPED-RECORD", "with_penalty": "y", "legal_basis": "art48_1", "decision": "Fine",
            "amount": "250000", "decided_on": clock.today().isoformat()}
    response = client.post(f"/supervision/rectifications/{order.id}/escalate", data=data)
    assert response.status_code == 200
    assert "TYPED-RECORD" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).status == "overdue"
    data["amount"] = "80000"
    assert client.post(f"/supervision/rectifications/{order.id}/escalate", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(RectificationOrder, order.id).status == "escalated"
    assert db.session.scalar(select(PenaltyCase.amount)) == 80000


def test_firm_cannot_see_another_firms_order(build, login, client):
    regulator, vendor, order = _order(build)
    stranger = build.user("vendor")
    login(stranger)
    assert client.get(f"/supervision/rectifications/{order.id}").status_code == 404


def test_lead_edits_a_checklist_regulator_cannot(build, login, client):
    inspections.ensure_default_templates()
    db.session.commit()
    template = inspections.active_template("consulting")
    regulator = build.user("regulator")
    login(regulator)
    data = {"name": "Consulting v2", "items": "C-1 | Advice is documented | local | no\nC-2 | Files locked | local | yes"}
    assert client.post(f"/supervision/checklists/{template.id}", data=data).status_code == 403
    client.post("/auth/logout")
    lead = build.user("regulator", "lead")
    login(lead)
    response = client.post(f"/supervision/checklists/{template.id}", data=data)
    assert response.status_code == 302
    new = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.service_type == "consulting",
                                                            ChecklistTemplate.active.is_(True)))
    assert new.version == 2
    assert [(i.code, i.is_security) for i in inspections.template_items(new.id)] == [("C-1", False), ("C-2", True)]


def test_firm_confirms_liaison_through_the_form(build, login, client):
    firm = build.firm()
    vendor = build.user("vendor", firm_id=firm.id)
    login(vendor)
    assert 'data-testid="liaison-due"' in client.get("/supervision/liaison/confirm").get_data(as_text=True)
    response = client.post("/supervision/liaison/confirm", data={"name": "Wang", "phone": "123", "email": ""})
    assert response.status_code == 200 and "Wang" in response.get_data(as_text=True)
    response = client.post("/supervision/liaison/confirm",
                           data={"name": "Wang", "phone": "13912345678", "email": "w@example.cn"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).liaison_confirmed_at is not None


def test_regulator_acknowledges_an_alert_and_runs_a_scan_from_the_dashboard(build, login, client):
    regulator = build.user("regulator")
    build.firm(liaison_confirmed_at=clock.utcnow() - timedelta(days=100))
    login(regulator)
    assert client.post("/supervision/alerts/scan", data={"next": "/supervision/"}).status_code == 302
    alert = db.session.scalar(select(Alert))
    assert alert is not None
    response = client.post(f"/supervision/alerts/{alert.id}", data={"note": "Phoned the firm"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).ack_note == "Phoned the firm"
    listing = client.get("/supervision/alerts?state=acknowledged").get_data(as_text=True)
    assert 'data-testid="alert-row"' in listing


def test_contacts_are_masked_until_revealed(build, login, client):
    from portal.core import crypto

    regulator = build.user("regulator")
    firm = build.firm(liaison_name="Zhou")
    firm.liaison_phone_enc = crypto.encrypt("13812345678")
    db.session.commit()
    login(regulator)
    page = client.get("/supervision/contacts").get_data(as_text=True)
    assert "13812345678" not in page and "138****5678" in page
    revealed = client.post(f"/supervision/contacts/{firm.id}/reveal").get_data(as_text=True)
    assert "13812345678" in revealed
