"""Incident service: reporting by each role, the regulator's workflow, veto marking, rectification."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.core import clock
from portal.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from portal.core.models import AuditEvent, Notification, StateTransition
from portal.core.workflow import ActionNotPermitted, InvalidTransition, ReasonRequired
from portal.extensions import db
from portal.incidents import service
from portal.incidents.models import Incident
from portal.scoring import evidence as scoring_evidence
from portal.supervision.models import RectificationOrder
from tests.feedback.builders import accepted_project, acting


def _report(user, filing, incident_type="leak", **kw):
    report = service.IncidentReport(
        filing_id=filing.id, incident_type=incident_type, severity=kw.pop("severity", "high"),
        occurred_at=kw.pop("occurred_at", clock.utcnow() - timedelta(hours=3)),
        description=kw.pop("description", "Scanned images were copied to a personal phone."),
    )
    with acting(user):
        return service.report_incident(report, kw.pop("files", ()))


@pytest.fixture
def project(build):
    filing, agency_user, firm_user = accepted_project(build, status="in_progress")
    regulator = build.user("regulator")
    return filing, agency_user, firm_user, regulator


def test_agency_reports_incident_with_timeline_audit_and_inbox(app, project):
    filing, agency_user, firm_user, regulator = project
    incident = _report(agency_user, filing)
    assert (incident.status, incident.firm_id, incident.reporter_role, incident.veto) == (
        "reported", filing.firm_id, "agency", False)
    assert db.session.scalar(select(StateTransition.to_state).where(StateTransition.object_id == incident.id)) == "reported"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "incident.report")) == 1
    for user in (firm_user, regulator):
        assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) == 1


def test_firm_self_reports_on_own_filing_only(app, build, project):
    filing, _agency_user, firm_user, _regulator = project
    assert _report(firm_user, filing).reporter_role == "vendor"
    other_firm_user = build.user("vendor")
    with pytest.raises(NotFound):
        _report(other_firm_user, filing)


def test_agency_cannot_report_on_filing_not_naming_it(app, build, project):
    filing, *_ = project
    with pytest.raises(NotFound):
        _report(build.user("agency"), filing)
    assert db.session.scalar(select(func.count(Incident.id))) == 0


def test_district_regulator_reports_in_jurisdiction_only(app, build, project):
    filing, *_ = project
    assert _report(build.district_regulator(filing.district_code), filing).reporter_role == "regulator"
    with pytest.raises(NotFound):
        _report(build.district_regulator("510525"), filing)


def test_report_validation(app, project):
    filing, agency_user, *_ = project
    with pytest.raises(ValidationFailed) as exc:
        _report(agency_user, filing, incident_type="gossip", description="short",
                occurred_at=clock.utcnow() + timedelta(days=1))
    assert set(exc.value.field_errors) == {"incident_type", "description", "occurred_at"}


def test_report_refused_on_draft_filing(app, build):
    """The firm sees its own draft, so it is told why; the agency may not see it, so it is not found."""
    firm = build.firm()
    agency = build.agency()
    filing = build.filing(firm=firm, agency=agency, status="draft")
    with pytest.raises(ValidationFailed):
        _report(build.user("vendor", firm_id=firm.id), filing)
    with pytest.raises(NotFound):
        _report(build.user("agency", agency_id=agency.id), filing)


@pytest.mark.parametrize("incident_type,veto", [
    ("loss", True), ("leak", True), ("unauthorised_copy", True), ("tampering_destruction", True),
    ("device_media_violation", False), ("personnel_violation", False), ("other", False),
])
def test_upheld_incident_veto_only_for_loss_leak_copy_tampering(app, project, incident_type, veto):
    filing, agency_user, _firm_user, regulator = project
    incident = _report(agency_user, filing, incident_type=incident_type)
    with acting(regulator):
        service.start_investigation(incident.id, incident.version_id)
        service.uphold_incident(incident.id, "CCTV confirms it.")
    db.session.refresh(incident)
    assert incident.status == "upheld" and incident.veto is veto
    assert incident.conclusion == "CCTV confirms it." and incident.decided_by_id == regulator.id
    assert [s.to_state for s in db.session.scalars(
        select(StateTransition).where(StateTransition.object_id == incident.id).order_by(StateTransition.id))] == [
        "reported", "investigating", "upheld"]


def test_not_upheld_never_vetoes(app, project):
    filing, agency_user, _firm_user, regulator = project
    incident = _report(agency_user, filing, incident_type="loss")
    with acting(regulator):
        service.start_investigation(incident.id)
        service.dismiss_incident(incident.id, "The volume was found in the agency's own store.")
    db.session.refresh(incident)
    assert (incident.status, incident.veto) == ("not_upheld", False)


def test_conclusion_needs_reasons_and_investigation_first(app, project):
    filing, agency_user, _firm_user, regulator = project
    incident = _report(agency_user, filing)
    with acting(regulator):
        with pytest.raises(InvalidTransition):
            service.uphold_incident(incident.id, "too early")
        service.start_investigation(incident.id)
        with pytest.raises(ReasonRequired):
            service.uphold_incident(incident.id, "  ")
    db.session.rollback()
    assert db.session.get(Incident, incident.id).status == "investigating"


def test_only_regulators_handle_incidents(app, project):
    filing, agency_user, firm_user, _regulator = project
    incident = _report(agency_user, filing)
    for user in (agency_user, firm_user):
        with acting(user), pytest.raises(ActionNotPermitted):
            service.start_investigation(incident.id)
        db.session.rollback()
    assert db.session.get(Incident, incident.id).status == "reported"


def test_stale_version_is_a_conflict(app, project):
    filing, agency_user, _firm_user, regulator = project
    incident = _report(agency_user, filing)
    stale = incident.version_id
    with acting(regulator):
        service.start_investigation(incident.id, stale)
        with pytest.raises(Conflict):
            service.uphold_incident(incident.id, "reason", stale)


def test_rectification_from_upheld_incident(app, project):
    filing, agency_user, firm_user, regulator = project
    incident = _report(agency_user, filing, incident_type="unauthorised_copy")
    with acting(regulator):
        service.start_investigation(incident.id)
        service.uphold_incident(incident.id, "Copies found on a personal phone.")
        order = service.order_rectification(incident.id, "Wipe all copies and retrain staff.")
    assert order.number == f"ZG-{clock.today().year}-0001"
    assert order.status == "issued" and order.incident_id == incident.id and order.firm_id == filing.firm_id
    assert order.deadline == clock.today() + timedelta(days=30)
    assert order.items == ["Scanned images were copied to a personal phone. — Copies found on a personal phone."]
    with acting(regulator), pytest.raises(Conflict):
        service.order_rectification(incident.id, "Again.")
    db.session.rollback()
    assert db.session.scalar(select(func.count(RectificationOrder.id))) == 1
    notes = db.session.scalars(select(Notification.message).where(Notification.user_id == firm_user.id)).all()
    assert any("Rectification order" in m for m in notes)


def test_rectification_numbers_increase_per_year(app, build, project):
    filing, agency_user, _firm_user, regulator = project
    numbers = []
    for _ in range(2):
        incident = _report(agency_user, filing)
        with acting(regulator):
            service.start_investigation(incident.id)
            service.uphold_incident(incident.id, "Confirmed.")
            numbers.append(service.order_rectification(incident.id, "Fix it.",
                                                       clock.today() + timedelta(days=10)).number)
    year = clock.today().year
    assert numbers == [f"ZG-{year}-0001", f"ZG-{year}-0002"]


def test_rectification_refused_unless_upheld(app, project):
    filing, agency_user, _firm_user, regulator = project
    incident = _report(agency_user, filing)
    with acting(regulator), pytest.raises(InvalidState):
        service.order_rectification(incident.id, "Too early.")


def test_lists_are_scoped_per_role(app, build, project):
    filing, agency_user, firm_user, regulator = project
    _report(agency_user, filing)
    other, other_agency_user, other_firm_user = accepted_project(build, status="in_progress")
    _report(other_firm_user, other)
    same_district = build.district_regulator(filing.district_code)
    elsewhere = build.district_regulator("510525")
    for user, expected in [(agency_user, 1), (firm_user, 1), (other_agency_user, 1), (regulator, 2),
                           (same_district, 2), (elsewhere, 0)]:
        with acting(user):
            assert len(db.session.execute(service.visible_incidents()).all()) == expected, user.username


def test_veto_incidents_for_scoring(app, project):
    filing, agency_user, _firm_user, regulator = project
    veto = _report(agency_user, filing, incident_type="loss")
    plain = _report(agency_user, filing, incident_type="other")
    with acting(regulator):
        for incident in (veto, plain):
            service.start_investigation(incident.id)
            service.uphold_incident(incident.id, "Confirmed.")
    evidence = scoring_evidence.collect(clock.today() - timedelta(days=1), clock.today())
    assert evidence.vetoes[filing.firm_id] == {"incident_loss"}
    assert evidence.deductions[filing.firm_id] == {"incident.other": 1}
    assert evidence.refs[filing.firm_id]["incident_loss"] == [f"incident:{veto.id}"]
