"""Rectification: from a failed inspection item through answer, rejection, second answer and
verification; and overdue → escalation with a summons and a bounded penalty."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import NotFound, ValidationFailed
from portal.core.models import Notification
from portal.core.workflow import InvalidTransition
from portal.core.workflows import RECTIFICATION
from portal.extensions import db
from portal.scoring import evidence as scoring_evidence
from portal.supervision import alerts, rectification
from portal.supervision.models import Inspection, PenaltyCase, RectificationOrder, Summons
from tests.supervision import builders as sb

PNG = sb.png()


@pytest.fixture
def setup(build):
    return sb.rectification_cast(build)


@pytest.mark.clause("AL45")
def test_full_cycle_inspection_to_closed_order(setup):
    r1, r2, lead, firm, vendor = setup
    inspection = sb.failed_inspection(r1, r2, firm)
    order = rectification.issue_from_inspection(sb.actor(r1), inspection.id, "Write and adopt the rules")
    assert order.number == f"ZG-{clock.today().year}-0001"
    assert order.deadline == clock.today() + timedelta(days=30)
    assert "No written responsibility rules" in order.items[0]
    assert db.session.get(Inspection, inspection.id).status == "rectification_required"
    firm_actor = sb.actor(vendor)
    with pytest.raises(ValidationFailed):
        rectification.respond(firm_actor, order.id, "")
    rectification.respond(firm_actor, order.id, "Rules drafted", files=[(PNG, "rules.png")])
    assert db.session.get(RectificationOrder, order.id).status == "answered"
    with pytest.raises(ValidationFailed):
        rectification.reject(sb.actor(r1), order.id, "")
    rectification.reject(sb.actor(r1), order.id, "Not signed by the manager")
    assert db.session.get(RectificationOrder, order.id).status == "rejected"
    rectification.respond(firm_actor, order.id, "Signed version attached", files=[(PNG, "signed.png")])
    rectification.verify(sb.actor(r2), order.id)
    order = db.session.get(RectificationOrder, order.id)
    assert order.status == "verified" and order.closed_at is not None
    hist = rectification.history(order)
    assert [r.decision for r in hist.responses] == ["rejected", "accepted"]
    assert sum(len(v) for v in hist.evidence.values()) == 2
    assert [t.to_label for t in hist.timeline] == [RECTIFICATION.states[s] for s in
                                                  ("issued", "answered", "rejected", "answered", "verified")]
    evidence = scoring_evidence.collect(clock.today(), clock.today() + timedelta(days=40))
    assert evidence.inputs[firm.id]["rectification.closed_on_time"] == (1, 1)
    assert "rectification_overdue" not in evidence.vetoes[firm.id]


def test_numbers_are_sequential_per_year(setup):
    r1, r2, lead, firm, vendor = setup
    a = rectification.issue_by_hand(sb.actor(r1), firm.id, ["a"], "do a")
    b = rectification.issue_by_hand(sb.actor(r1), firm.id, ["b"], "do b")
    assert a.number.endswith("-0001") and b.number.endswith("-0002")


@pytest.mark.clause("AL45", "AL48", "IR51")
def test_overdue_then_escalation_with_summons_and_penalty_bounds(setup, travel):
    r1, r2, lead, firm, vendor = setup
    order = rectification.issue_by_hand(sb.actor(r1), firm.id, ["Video coverage missing"], "Install cameras",
                                        clock.today() + timedelta(days=5))
    with pytest.raises(InvalidTransition):
        rectification.escalate(sb.actor(lead), order.id, "late", clock.today(), "", "record")
    travel(days=6)
    alerts.scan()
    assert db.session.get(RectificationOrder, order.id).status == "overdue"
    with pytest.raises(NotFound):
        rectification.verify(sb.actor(vendor), order.id)  # a firm never decides on its own order
    with pytest.raises(NotFound):
        rectification.escalate(sb.actor(vendor), order.id, "x", clock.today(), "", "record")
    too_small = rectification.PenaltyInput("art48_2", "Fine", "19999", clock.today())
    with pytest.raises(ValidationFailed) as exc:
        rectification.escalate(sb.actor(lead), order.id, "Deadline missed", clock.today(), "Firm manager",
                               "Talked", too_small)
    assert "amount" in exc.value.field_errors
    assert db.session.get(RectificationOrder, order.id).status == "overdue"
    penalty = rectification.PenaltyInput("art48_2", "Fine for unauthorised copying", "50000", clock.today())
    rectification.escalate(sb.actor(lead), order.id, "Deadline missed", clock.today(), "Firm manager; bureau",
                           "The firm admits the delay", penalty)
    order = db.session.get(RectificationOrder, order.id)
    assert order.status == "escalated"
    assert db.session.scalar(select(func.count(Summons.id)).where(Summons.order_id == order.id)) == 1
    case = db.session.scalar(select(PenaltyCase).where(PenaltyCase.order_id == order.id))
    assert str(case.amount) == "50000.00"
    with pytest.raises(ValidationFailed):
        rectification.add_penalty(sb.actor(r1), order.id,
                                  rectification.PenaltyInput("art48_4", "More", "200000.01", clock.today()))
    evidence = scoring_evidence.collect(clock.today() - timedelta(days=30), clock.today())
    assert evidence.vetoes[firm.id] == {"rectification_overdue", "administrative_penalty"}
    assert evidence.refs[firm.id]["administrative_penalty"] == [f"penalty:{case.id}"]
    # The firm may still answer an escalated order.
    rectification.respond(sb.actor(vendor), order.id, "Cameras installed")
    assert db.session.get(RectificationOrder, order.id).status == "answered"


def test_firm_sees_only_its_orders_and_district_regulator_only_its_district(setup, build):
    r1, r2, lead, firm, vendor = setup
    other_firm = build.firm(district_code="510503")
    mine = rectification.issue_by_hand(sb.actor(r1), firm.id, ["a"], "do a")
    theirs = rectification.issue_by_hand(sb.actor(r1), other_firm.id, ["b"], "do b")
    with pytest.raises(NotFound):
        rectification.get_order(sb.actor(vendor), theirs.id)
    assert rectification.get_order(sb.actor(vendor), mine.id).id == mine.id
    district = build.district_regulator("510503")
    page = rectification.list_orders(sb.actor(district), rectification.OrderFilter(), 1)
    assert [o.id for o in page.items] == [theirs.id]
    with pytest.raises(NotFound):
        rectification.issue_by_hand(sb.actor(district), firm.id, ["x"], "y")
    agency = build.user("agency")
    with pytest.raises(NotFound):
        rectification.get_order(sb.actor(agency), mine.id)


def test_firm_users_are_notified_of_the_order(setup):
    r1, r2, lead, firm, vendor = setup
    rectification.issue_by_hand(sb.actor(r1), firm.id, ["a"], "do a")
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == vendor.id, Notification.message.like("Rectification order%"))) == 1
