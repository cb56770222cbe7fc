"""Follow-up service: opened by a bad rating with a 15-working-day deadline, answered by the firm,
confirmed by the agency, withdrawn by a regulator; access, audit, timeline, inbox, reminders."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock, local_rules
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification, StateTransition
from portal.core.workdays import add_workdays
from portal.core.workflow import InvalidTransition
from portal.extensions import db
from portal.feedback import service as feedback_service
from portal.followups import service
from portal.followups.models import FollowUp
from tests.feedback.builders import GOOD, accepted_project, acting
from tests.followups.builders import bad_rating


def _inbox(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


@pytest.mark.clause("LOCAL-followup_workdays")
def test_rating_of_two_opens_followup_due_in_15_working_days(app, build):
    fu, fb, _agency_user, firm_user = bad_rating(build, level=2)
    assert fu is not None and fu.status == "open" and fu.firm_id == fb.firm_id
    assert fu.dimensions == ["timeliness"]
    assert fu.deadline == add_workdays(clock.today(), 15)
    assert any("needs your answer" in m for m in _inbox(firm_user))
    assert db.session.scalar(select(func.count(StateTransition.id)).where(
        StateTransition.object_type == "followup", StateTransition.object_id == fu.id)) == 1


@pytest.mark.clause("LOCAL-followup_workdays")
def test_local_rule_changes_the_deadline(app, build):
    with acting(build.user("regulator")):
        local_rules.set_rule("followup_workdays", 5, "Shorter window decided by the bureau")
    fu, *_ = bad_rating(build, level=1)
    assert fu.deadline == add_workdays(clock.today(), 5)


def test_good_rating_opens_nothing_and_an_edit_down_to_one_opens_one(app, build):
    filing, agency_user, _ = accepted_project(build)
    with acting(agency_user):
        fb = feedback_service.submit_feedback(filing.id, "completion", dict(GOOD), "", True)
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0
    with acting(agency_user):
        feedback_service.edit_feedback(fb.id, {**GOOD, "conduct": 1}, "Staff removed files from the room.", True)
    assert db.session.scalar(select(FollowUp.dimensions)) == ["conduct"]


def test_answer_then_satisfied_closes_and_tells_each_party(app, build):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    with acting(firm_user):
        service.answer(fu.id, "We added a second scanning shift and weekly progress reports.", fu.version_id)
    assert fu.status == "answered" and fu.answered_by_id == firm_user.id
    assert any("please confirm" in m for m in _inbox(agency_user))
    with acting(agency_user):
        service.confirm(fu.id, True, "")
    assert fu.status == "satisfied" and fu.confirmed_at is not None
    assert any("now satisfied" in m for m in _inbox(firm_user))
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "followup")))
    assert {"followup.open", "followup.answer", "followup.confirm_satisfied"} <= actions


def test_still_dissatisfied_needs_a_note_and_changes_nothing_without_it(app, build):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    with acting(firm_user):
        service.answer(fu.id, "New project manager.")
    with acting(agency_user), pytest.raises(ValidationFailed) as exc:
        service.confirm(fu.id, False, "  ")
    assert "note" in exc.value.field_errors
    db.session.refresh(fu)
    assert fu.status == "answered"
    with acting(agency_user):
        service.confirm(fu.id, False, "Still two weeks behind.")
    assert fu.status == "unsatisfied" and fu.confirm_note == "Still two weeks behind."


def test_empty_answer_refused(app, build):
    fu, _fb, _agency_user, firm_user = bad_rating(build)
    with acting(firm_user), pytest.raises(ValidationFailed) as exc:
        service.answer(fu.id, "   ")
    assert "answer" in exc.value.field_errors and fu.status == "open"


def test_stale_version_refused(app, build):
    fu, _fb, _agency_user, firm_user = bad_rating(build)
    with acting(firm_user), pytest.raises(Conflict):
        service.answer(fu.id, "Changed", "999")


def test_only_the_parties_may_act_and_others_do_not_see_it(app, build):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    other_firm_user = build.user("vendor", firm_id=build.firm().id)
    other_agency_user = build.user("agency", agency_id=build.agency().id)
    with acting(other_firm_user), pytest.raises(NotFound):
        service.answer(fu.id, "Not ours")
    with acting(agency_user), pytest.raises(NotFound):
        service.answer(fu.id, "An agency cannot answer")
    with acting(firm_user):
        service.answer(fu.id, "Ours")
    with acting(other_agency_user), pytest.raises(NotFound):
        service.confirm(fu.id, True)
    with acting(firm_user), pytest.raises(NotFound):
        service.confirm(fu.id, True)
    with acting(build.district_regulator("510503")), pytest.raises(NotFound):
        service.withdraw(fu.id, "Other district")


def test_regulator_withdraws_with_reason(app, build):
    fu, _fb, agency_user, firm_user = bad_rating(build)
    regulator = build.district_regulator(fu.district_code)
    with acting(regulator), pytest.raises(ValidationFailed):
        service.withdraw(fu.id, "")
    with acting(regulator):
        service.withdraw(fu.id, "The rating was entered for the wrong firm.")
    assert fu.status == "withdrawn" and fu.withdrawn_reason
    assert any("withdrew" in m for m in _inbox(firm_user)) and any("withdrew" in m for m in _inbox(agency_user))
    with acting(firm_user), pytest.raises(InvalidTransition):
        service.answer(fu.id, "Too late")


def test_reminders_once_near_the_deadline_and_once_overdue(app, build, runner):
    fu, _fb, _agency_user, firm_user = bad_rating(build)
    assert service.send_reminders(clock.today()) == 0
    near = add_workdays(fu.deadline, -2)
    assert service.send_reminders(near) == 1
    assert service.send_reminders(near) == 0  # idempotent
    result = runner.invoke(args=["followups", "remind", "--today", (fu.deadline + timedelta(days=1)).isoformat()])
    assert result.exit_code == 0 and "follow-up reminders sent: 1" in result.output
    messages = _inbox(firm_user)
    assert any(m.startswith("Reminder: the bad rating") for m in messages)
    assert any("is overdue" in m for m in messages)
    assert runner.invoke(args=["followups", "remind", "--today",
                               (fu.deadline + timedelta(days=2)).isoformat()]).output.strip().endswith(": 0")
