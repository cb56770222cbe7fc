"""Project filing workflow through the service: every transition, refusals, timeline, outbox, inbox."""
import pytest
from sqlalchemy import select

from portal.core import audit
from portal.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification, OutboxMessage, StateTransition
from portal.core.workflow import ActionNotPermitted, InvalidTransition, ReasonRequired
from portal.core.workflows import PROJECT_FILING
from portal.extensions import db
from portal.filings import service as filings
from portal.filings.models import ProjectFiling
from tests.filings.builders import PDF, FilingWorld, acting_as


@pytest.fixture
def world(build):
    return FilingWorld(build)


def _trail(filing):
    return [(t.action, t.from_state, t.to_state) for t in db.session.scalars(
        select(StateTransition).where(StateTransition.object_type == "project_filing",
                                      StateTransition.object_id == filing.id).order_by(StateTransition.id))]


def test_full_happy_path_records_every_transition(world):
    filing = world.submitted()
    filing = world.advance(filing, "confirm", "start_review", "register", "start_work", "complete", "accept", "close")
    assert filing.status == "closed"
    assert [a for a, _f, _t in _trail(filing)] == [
        "create", "submit", "confirm", "start_review", "register", "start_work", "complete", "accept", "close"]
    assert filing.confirmed_at and filing.registered_at and filing.started_at and filing.completed_at
    assert filing.accepted_at and filing.closed_at
    assert filing.acceptance_attempts == 1
    assert audit.verify().ok


def test_register_straight_from_confirmed(world):
    filing = world.advance(world.submitted(), "confirm", "register")
    assert filing.status == "registered"


def test_decline_needs_reason_and_firm_may_resubmit(world):
    filing = world.submitted()
    with acting_as(world.agency_user), pytest.raises(ReasonRequired):
        filings.transition(filing.id, "decline", reason="")
    filing = world.advance(filing, "decline")
    assert filing.status == "declined"
    number = filing.number
    filing = world.advance(filing, "submit")
    assert filing.status == "submitted" and filing.number == number


def test_return_then_edit_and_resubmit(world):
    filing = world.advance(world.submitted(), "confirm", "start_review", "return")
    assert filing.status == "returned"
    with acting_as(world.vendor):
        filings.save_draft({"title": "Corrected title", "agency_id": world.agency.id}, filing_id=filing.id)
    filing = world.advance(filing, "submit")
    assert filing.status == "submitted" and filing.title == "Corrected title"


# Once a filing leaves the firm's hands its content is what the agency and the regulator decided on.
LOCKED_STATES = sorted(set(PROJECT_FILING.states) - {"draft", "returned", "declined"})


@pytest.mark.parametrize("state", LOCKED_STATES)
def test_save_draft_refuses_a_filing_that_is_not_draft_returned_or_declined(build, world, state):
    filing = build.filing(firm=world.firm, agency=world.agency, status=state, title="As filed")
    version = filing.version_id
    with acting_as(world.vendor), pytest.raises(InvalidState):
        filings.save_draft({"title": "Rewritten afterwards", "agency_id": world.agency.id}, filing_id=filing.id,
                           version=version)
    db.session.expire_all()
    stored = db.session.get(ProjectFiling, filing.id)
    assert (stored.status, stored.title, stored.version_id) == (state, "As filed", version)


@pytest.mark.parametrize("state", ["draft", "returned", "declined"])
def test_save_draft_edits_a_draft_returned_or_declined_filing(build, world, state):
    filing = build.filing(firm=world.firm, agency=world.agency, status=state, title="As filed")
    with acting_as(world.vendor):
        filings.save_draft({"title": "Corrected", "agency_id": world.agency.id}, filing_id=filing.id)
    db.session.expire_all()
    stored = db.session.get(ProjectFiling, filing.id)
    assert (stored.status, stored.title) == (state, "Corrected")


def test_reject_is_final(world):
    filing = world.advance(world.submitted(), "confirm", "reject")
    assert filing.status == "rejected"
    with acting_as(world.vendor), pytest.raises(InvalidTransition):
        filings.submit_filing(filing.id)


@pytest.mark.clause("ACCEPT-sampling")
def test_failed_acceptance_goes_back_to_in_progress_with_opinion(world):
    filing = world.advance(world.submitted(), "confirm", "register", "start_work", "complete", "fail_acceptance")
    assert filing.status == "in_progress" and filing.completed_at is None
    assert filing.acceptance_attempts == 1
    assert "blurred" in filing.acceptance_opinion
    filing = world.advance(filing, "complete", "accept")
    assert filing.status == "accepted" and filing.acceptance_attempts == 2


@pytest.mark.clause("ACCEPT-sampling")
def test_fail_acceptance_without_opinion_is_refused(world):
    filing = world.advance(world.submitted(), "confirm", "register", "start_work", "complete")
    with acting_as(world.agency_user), pytest.raises(ValidationFailed) as exc:
        filings.record_acceptance(filing.id, passed=False, sample_size=50, pass_rate=70, opinion=" ")
    assert "opinion" in exc.value.field_errors


def test_completion_requires_handback_sheet_and_data_wipe(world):
    filing = world.advance(world.submitted(), "confirm", "register", "start_work")
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        filings.report_completion(filing.id, delivered_quantities={}, data_wipe_confirmed=False)
    assert set(exc.value.field_errors) == {"qty_volumes", "data_wipe_confirmed", "handback_sheet"}
    assert db.session.get(ProjectFiling, filing.id).status == "in_progress"


@pytest.mark.parametrize("state,action,who", [
    ("draft", "confirm", "agency_user"),
    ("submitted", "register", "regulator"),
    ("submitted", "start_work", "vendor"),
    ("registered", "accept", "agency_user"),
    ("in_progress", "close", "vendor"),
    ("closed", "start_work", "vendor"),
])
def test_moves_not_in_the_table_are_refused(build, world, state, action, who):
    filing = build.filing(firm=world.firm, agency=world.agency, status=state)
    with acting_as(getattr(world, who)), pytest.raises((InvalidTransition, NotFound)):
        if action == "accept":
            filings.record_acceptance(filing.id, passed=True, sample_size=10, pass_rate=100)
        else:
            filings.transition(filing.id, action, reason="x")
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == state


@pytest.mark.parametrize("state,action,who", [
    ("submitted", "confirm", "vendor"),
    ("confirmed", "register", "agency_user"),
    ("registered", "start_work", "regulator"),
])
def test_wrong_role_is_refused(build, world, state, action, who):
    filing = build.filing(firm=world.firm, agency=world.agency, status=state)
    with acting_as(getattr(world, who)), pytest.raises(ActionNotPermitted):
        filings.transition(filing.id, action)
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == state


def test_each_transition_mirrors_the_service_case_in_the_outbox(world):
    filing = world.advance(world.submitted(), "confirm", "register")
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.like("case_%"))
                                       .order_by(OutboxMessage.id)))
    assert [m.kind for m in messages] == ["case_create", "case_update", "case_update"]
    assert [m.payload["status"] for m in messages] == ["submitted", "confirmed", "registered"]
    assert all(m.payload["case_no"] == filing.number for m in messages)
    assert messages[0].payload["applicant_uscc"] == world.firm.uscc
    rows = _trail(filing)
    assert len(rows) == 4
    ids = [t.id for t in db.session.scalars(select(StateTransition).where(
        StateTransition.object_id == filing.id, StateTransition.action != "create").order_by(StateTransition.id))]
    assert [m.idempotency_key for m in messages] == [f"case:{filing.id}:{i}" for i in ids]


def test_transitions_notify_firm_agency_and_regulators_in_jurisdiction(build, world):
    other_district = build.district_regulator("510503")
    filing = world.submitted()
    recipients = set(db.session.scalars(select(Notification.user_id)))
    assert {world.agency_user.id, world.regulator.id, world.district_regulator.id} <= recipients
    assert other_district.id not in recipients
    world.advance(filing, "confirm")
    assert world.vendor.id in set(db.session.scalars(select(Notification.user_id)))


def test_transition_is_audited_with_who_from_to_and_why(world):
    world.advance(world.submitted(), "confirm", "start_review", "return")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "project_filing.return")).one()
    assert event.actor == world.regulator.username
    assert '"from": "under_review"' in event.detail and '"to": "returned"' in event.detail
    assert "reason for return" in event.detail
    step = db.session.scalars(select(StateTransition).where(StateTransition.action == "return")).one()
    assert step.actor_id == world.regulator.id and step.reason == "reason for return"


def test_stale_version_is_a_conflict_and_nothing_changes(world):
    filing = world.advance(world.submitted(), "confirm")
    old_version = filing.version_id
    with acting_as(world.regulator):
        filings.transition(filing.id, "register", version=old_version)
    with acting_as(world.regulator), pytest.raises(Conflict):
        filings.transition(filing.id, "reject", reason="too late", version=old_version)
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "registered"
    assert not db.session.scalars(select(StateTransition).where(StateTransition.action == "reject")).all()


def test_concurrent_decision_caught_by_version_column(app, world):
    """Two sessions load the same version; the second commit finds the row changed (StaleDataError)."""
    from sqlalchemy.orm import Session

    filing = world.advance(world.submitted(), "confirm")
    with Session(db.engine) as other:
        mine = other.get(ProjectFiling, filing.id)
        with acting_as(world.regulator):
            filings.transition(filing.id, "register")
        mine.status = "rejected"
        from sqlalchemy.orm.exc import StaleDataError

        with pytest.raises(StaleDataError):
            other.commit()
    db.session.expire_all()
    assert db.session.get(ProjectFiling, filing.id).status == "registered"


def test_agency_warned_when_firm_graded_c_or_d(world):
    world.firm.grade = "C"
    db.session.commit()
    filing = world.submitted()
    warnings = filings.confirmation_warnings(filing)
    assert warnings and warnings[0][1]["grade"] == "C"
    world.firm.grade = "B"
    db.session.commit()
    assert filings.confirmation_warnings(filing) == []


def test_draft_save_keeps_everything_and_uploads_attachments(world):
    with acting_as(world.vendor):
        filing = filings.save_draft(
            {"title": "Half-finished", "agency_id": world.agency.id, "plan_schedule": "Phase 1 in March",
             "quantities": {"boxes": 12}},
            uploads=[("contract", "contract.pdf", PDF)])
    db.session.expire_all()
    filing = db.session.get(ProjectFiling, filing.id)
    assert filing.status == "draft" and filing.number is None
    assert filing.plan_schedule == "Phase 1 in March" and filing.quantities == {"boxes": 12}
    assert [a.kind for a in filings.filing_attachments(filing)] == ["contract"]


def test_renamed_html_upload_is_refused_and_draft_not_half_saved(world):
    with acting_as(world.vendor), pytest.raises(ValidationFailed) as exc:
        filings.save_draft({"title": "With a fake PDF", "agency_id": world.agency.id},
                           uploads=[("contract", "contract.pdf", b"<html><script>alert(1)</script></html>")])
    assert "file_contract" in exc.value.field_errors
    assert db.session.scalars(select(ProjectFiling)).all() == []
