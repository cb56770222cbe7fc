"""Overdue and unsatisfied follow-ups raise alerts and cost points in the score, with evidence links."""
from datetime import timedelta

from sqlalchemy import select

from portal.core import clock
from portal.extensions import db
from portal.followups import service
from portal.scoring import evidence, refs
from portal.scoring.rules import DEDUCTION_INPUTS, DEFAULT_RULE_SET
from portal.supervision import alerts
from portal.supervision.models import Alert
from tests.feedback.builders import acting
from tests.followups.builders import bad_rating


def _open_alert(rule: str):
    return db.session.scalar(select(Alert).where(Alert.rule == rule, Alert.closed_at.is_(None)))


def test_overdue_followup_raises_an_alert_that_closes_when_answered(app, build, travel):
    fu, _fb, _agency_user, firm_user = bad_rating(build)
    with acting(build.user("regulator")):
        alerts.scan()
    assert _open_alert("followup_overdue") is None
    travel(days=(fu.deadline - clock.today()).days + 1)
    with acting(build.user("regulator")):
        alerts.scan()
    alert = _open_alert("followup_overdue")
    assert alert is not None and alert.object_id == fu.id and alert.firm_id == fu.firm_id
    with acting(firm_user):
        service.answer(fu.id, "Late, but here is what changed.")
    with acting(build.user("regulator")):
        alerts.scan()
    assert _open_alert("followup_overdue") is None


def test_unsatisfied_followup_raises_a_high_alert(app, build):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    with acting(firm_user):
        service.answer(fu.id, "Nothing much")
    with acting(agency_user):
        service.confirm(fu.id, False, "No change at all.")
    with acting(build.user("regulator")):
        alerts.scan()
    alert = _open_alert("followup_unsatisfied")
    assert alert is not None and alert.severity == "high" and alert.object_id == fu.id


def test_failed_followups_are_a_score_deduction_with_evidence(app, build, travel):
    assert "feedback.followup_failed" in DEDUCTION_INPUTS
    assert any(d.code == "feedback.followup_failed" for d in DEFAULT_RULE_SET.deductions)
    late, *_ = bad_rating(build)
    fu, _fb, agency_user, firm_user = bad_rating(build, firm=build.firm())
    with acting(firm_user):
        service.answer(fu.id, "Changed the team")
    with acting(agency_user):
        service.confirm(fu.id, False, "Still late.")
    travel(days=(late.deadline - clock.today()).days + 1)
    start, end = late.opened_on - timedelta(days=1), clock.today() + timedelta(days=1)
    found = evidence.collect(start, end)
    assert found.deductions[late.firm_id]["feedback.followup_failed"] == 1
    assert found.deductions[fu.firm_id]["feedback.followup_failed"] == 1
    assert found.refs[late.firm_id]["feedback.followup_failed"] == [f"followup:{late.id}"]
    assert found.for_firm(late.firm_id).deductions["feedback.followup_failed"] == 1
    with app.test_request_context():
        ref = refs.resolve([f"followup:{late.id}"])[f"followup:{late.id}"]
        assert ref.href == f"/followups/{late.id}" and ref.number  # linked, named by the project number


def test_answered_in_time_and_satisfied_costs_nothing(app, build, travel):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    with acting(firm_user):
        service.answer(fu.id, "Second shift added")
    with acting(agency_user):
        service.confirm(fu.id, True)
    travel(days=(fu.deadline - clock.today()).days + 1)
    found = evidence.collect(fu.opened_on - timedelta(days=1), clock.today())
    assert "feedback.followup_failed" not in found.deductions.get(fu.firm_id, {})
