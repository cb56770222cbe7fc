"""An inspection with a failed item (a safety item included) is not offered or accepted as passed; once
every rectification order it led to is verified, it closes (rectification required -> closed)."""
from __future__ import annotations

import pytest

from portal.core import clock, timeline
from portal.core.errors import ValidationFailed
from portal.extensions import db
from portal.supervision import inspections, rectification
from portal.supervision.models import Inspection
from portal.supervision.rules import can_close_after_rectification, can_pass
from tests.supervision import builders as sb

PNG = sb.png()


@pytest.fixture
def setup(build):
    office = build.office()
    r1 = build.user("regulator", office_id=office.id)
    r2 = build.user("regulator", office_id=office.id)
    firm = build.firm(liaison_confirmed_at=clock.utcnow())
    vendor = build.user("vendor", firm_id=firm.id)
    return r1, r2, firm, vendor


def _checked_with_failed_safety_item(r1, r2, firm) -> Inspection:
    actor = sb.actor(r1)
    inspection = inspections.plan_inspection(actor, firm.id, clock.today(), r1.id, r2.id)
    items = inspections.template_items(inspection.template_id)
    safety = next(i for i in items if i.is_security)
    results = [inspections.ItemResult(i.id, "fail" if i.id == safety.id else "pass",
                                      "Processing PC on the internet" if i.id == safety.id else "") for i in items]
    inspections.record_results(actor, inspection.id, results)
    return inspection


def test_pure_rules():
    assert can_pass(["pass", "na", "pass"], refused=False)
    assert not can_pass(["pass", "fail"], refused=False)
    assert not can_pass([], refused=True)
    assert can_close_after_rectification(["verified", "verified"])
    assert not can_close_after_rectification(["verified", "answered"])
    assert not can_close_after_rectification([])


def test_failed_safety_item_is_not_offered_or_accepted_as_passed(client, login, setup):
    r1, r2, firm, _vendor = setup
    inspection = _checked_with_failed_safety_item(r1, r2, firm)
    login(r1)
    page = client.get(f"/supervision/inspections/{inspection.id}?lang=en").get_data(as_text=True)
    assert 'name="action" value="pass"' not in page and 'data-testid="order-link"' in page
    client.post(f"/supervision/inspections/{inspection.id}/action",
                data={"action": "pass", "version": inspection.version_id})
    db.session.expire_all()
    assert db.session.get(Inspection, inspection.id).status == "checked"
    with pytest.raises(ValidationFailed):
        inspections.conclude(sb.actor(r1), inspection.id, "pass")


def test_inspection_closes_when_every_order_is_verified(client, login, setup):
    r1, r2, firm, vendor = setup
    inspection = _checked_with_failed_safety_item(r1, r2, firm)
    first = rectification.issue_from_inspection(sb.actor(r1), inspection.id, "Disconnect the processing PC")
    second = rectification.issue_by_hand(sb.actor(r1), firm.id, ["Log the media"], "Keep a media log")
    second.inspection_id = inspection.id
    db.session.commit()
    for order in (first, second):
        rectification.respond(sb.actor(vendor), order.id, "Done", files=[(PNG, "proof.png")])
    rectification.verify(sb.actor(r2), first.id)
    assert db.session.get(Inspection, inspection.id).status == "rectification_required"  # one still open
    rectification.verify(sb.actor(r2), second.id)
    db.session.expire_all()
    closed = db.session.get(Inspection, inspection.id)
    assert closed.status == "closed"
    assert [t.to_state for t in timeline.timeline("inspection", inspection.id)][-1] == "closed"
    login(r1)
    page = client.get(f"/supervision/inspections/{inspection.id}?lang=zh_CN").get_data(as_text=True)
    assert "整改后办结" in page
