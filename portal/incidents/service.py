"""Security incidents (安全事件): reported by agencies, firms or regulators, concluded by a regulator,
upheld loss/leak/copy/tampering marked as a grade veto, and rectification ordered from an upheld one."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from portal.core import access, audit, clock, inbox, localtime, transactions
from portal.core import uploads as attachments
from portal.core.access import regulators_for_district
from portal.core.constants import AGENCY, INCIDENT_TYPES, SEVERITIES, VETO_INCIDENT_TYPES
from portal.core.context import Actor, current_actor
from portal.core.errors import Conflict, InvalidState, NotFound, ValidationFailed
from portal.core.exports import Column, fetch_rows
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.timeline import record_transition
from portal.core.workflows import INCIDENT
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.incidents.models import Incident
from portal.supervision.models import RectificationOrder

OWNER_TYPE = "incident"
OPEN_STATUSES = ("reported", "investigating")
# Work that has been registered can have an incident; drafts and refused filings cannot.
REPORTABLE_STATUSES = ("registered", "in_progress", "completed", "accepted", "closed")
RECTIFICATION_DEFAULT_DAYS = 30

Upload = tuple[bytes, str]


# -- scoping ---------------------------------------------------------------------------------------

def visible_incidents(actor: Actor | None = None) -> Select:
    """Incidents with project number/title and firm name, limited to what the actor may see."""
    actor = actor or current_actor()
    return (
        select(Incident, ProjectFiling.number, ProjectFiling.title, Firm.name.label("firm_name"))
        .outerjoin(ProjectFiling, ProjectFiling.id == Incident.filing_id)
        .join(Firm, Firm.id == Incident.firm_id)
        .where(access.visible(actor, Incident))
    )


def get_incident(actor: Actor | None, incident_id: int) -> Incident:
    return access.get_visible(actor or current_actor(), Incident, incident_id)


def reportable_filings(actor: Actor | None = None, limit: int = 300) -> list[ProjectFiling]:
    """Filings the actor may report an incident on (newest first)."""
    actor = actor or current_actor()
    return list(db.session.scalars(
        select(ProjectFiling).where(access.visible(actor, ProjectFiling), ProjectFiling.status.in_(REPORTABLE_STATUSES))
        .order_by(ProjectFiling.id.desc()).limit(limit)
    ))


def _can_read_attachment(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    try:
        get_incident(actor, owner_id)
    except NotFound:
        return False
    return True


attachments.register_read_rule(OWNER_TYPE, _can_read_attachment)


def files_of(incident_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.owner_type == OWNER_TYPE, Attachment.owner_id == incident_id)
        .order_by(Attachment.id)
    ))


def _people(incident: Incident, agency_id: int | None) -> list[int]:
    ids = set(inbox.users_of_firm(incident.firm_id)) | set(regulators_for_district(incident.district_code))
    if agency_id:
        ids |= set(inbox.users_of_agency(agency_id))
    actor_id = current_actor().user_id
    ids.discard(actor_id)
    return sorted(ids)


def _agency_of(incident: Incident) -> int | None:
    if incident.filing_id is None:
        return None
    return db.session.scalar(select(ProjectFiling.agency_id).where(ProjectFiling.id == incident.filing_id))


# -- report ----------------------------------------------------------------------------------------

@dataclass
class IncidentReport:
    filing_id: int | None
    incident_type: str
    severity: str
    occurred_at: datetime | None
    description: str


def _validate(report: IncidentReport) -> None:
    errors: dict[str, list] = {}
    if report.incident_type not in INCIDENT_TYPES:
        errors["incident_type"] = [N_("Choose the kind of incident.")]
    if report.severity not in SEVERITIES:
        errors["severity"] = [N_("Choose the severity.")]
    if report.occurred_at is None:
        errors["occurred_at"] = [N_("Give the date and time the incident happened.")]
    elif report.occurred_at > clock.utcnow() + timedelta(minutes=5):
        errors["occurred_at"] = [N_("The incident cannot have happened in the future.")]
    if len((report.description or "").strip()) < 10:
        errors["description"] = [N_("Describe what happened (at least 10 characters).")]
    if errors:
        raise ValidationFailed(errors)


def report_incident(report: IncidentReport, files: Sequence[Upload] = ()) -> Incident:
    """Record an incident on a filing the reporter may see (agency: naming it; firm: own; regulator)."""
    actor = current_actor()
    if not (access.is_agency_user(actor) or access.is_firm_user(actor) or access.is_supervisor(actor)):
        raise NotFound()
    if report.filing_id is None:
        raise ValidationFailed({"filing_id": [N_("Choose the project.")]})
    # A filing the reporter may not see (another firm's, or a draft for an agency or a regulator) is
    # "not found", whatever its state: the state check below must not confirm that it exists.
    filing = access.get_visible(actor, ProjectFiling, report.filing_id)
    if filing.status not in REPORTABLE_STATUSES:
        raise ValidationFailed({"filing_id": [N_("Incidents can be reported on registered projects only.")]})
    _validate(report)
    role = "regulator" if access.is_supervisor(actor) else ("agency" if AGENCY in actor.roles else "vendor")
    incident = Incident(
        filing_id=filing.id, firm_id=filing.firm_id, district_code=filing.district_code,
        incident_type=report.incident_type, severity=report.severity, occurred_at=report.occurred_at,
        description=report.description.strip(), status=INCIDENT.initial, reported_by_id=actor.user_id,
        reporter_role=role, veto=False,
    )
    db.session.add(incident)
    db.session.flush()
    for data, name in files:
        attachments.save_upload(data, name, owner_type=OWNER_TYPE, owner_id=incident.id, kind="evidence",
                                firm_id=filing.firm_id, field="files")
    record_transition("incident", incident, "report", None, incident.status,
                      audit_detail={"type": incident.incident_type, "severity": incident.severity,
                                    "filing": filing.number})
    inbox.notify(_people(incident, filing.agency_id),
                 N_("A security incident (%(type)s) was reported on project %(number)s."),
                 {"type": f"msg:{INCIDENT_TYPES[incident.incident_type]}", "number": filing.number or ""},
                 link=f"/incidents/{incident.id}")
    transactions.commit()
    return incident


# -- regulator's handling --------------------------------------------------------------------------

def _decide(incident_id: int, action: str, reason: str, version: str | int | None) -> Incident:
    actor = current_actor()
    incident = get_incident(actor, incident_id)
    transactions.check_version(incident, version)
    transition = INCIDENT.resolve(incident.status, action, actor.roles, reason)
    before = incident.status
    incident.status = transition.to_state
    if transition.to_state in ("upheld", "not_upheld"):
        incident.conclusion = (reason or "").strip()
        incident.decided_by_id = actor.user_id
        incident.decided_at = clock.utcnow()
        # Only an upheld loss, leak, unauthorised copy, tampering or destruction vetoes the grade.
        incident.veto = transition.to_state == "upheld" and incident.incident_type in VETO_INCIDENT_TYPES
    record_transition("incident", incident, action, before, incident.status, reason or "",
                      audit_detail={"veto": incident.veto})
    inbox.notify(_people(incident, _agency_of(incident)),
                 N_("Incident #%(id)s is now %(state)s."),
                 {"id": incident.id, "state": f"msg:{INCIDENT.state_label(incident.status)}"},
                 link=f"/incidents/{incident.id}")
    transactions.commit()
    return incident


def start_investigation(incident_id: int, version: str | int | None = None) -> Incident:
    return _decide(incident_id, "investigate", "", version)


def uphold_incident(incident_id: int, reason: str, version: str | int | None = None) -> Incident:
    return _decide(incident_id, "uphold", reason, version)


def dismiss_incident(incident_id: int, reason: str, version: str | int | None = None) -> Incident:
    return _decide(incident_id, "dismiss", reason, version)


# -- the firm's statement --------------------------------------------------------------------------

def can_give_statement(actor: Actor, incident: Incident) -> bool:
    """The firm the incident is about may state its side while the incident is still open."""
    return bool(actor.firm_id) and "vendor" in actor.roles and actor.firm_id == incident.firm_id \
        and incident.status in OPEN_STATUSES


def give_firm_statement(incident_id: int, statement: str, version: str | int | None = None) -> Incident:
    """The firm's statement on an incident, before the regulator concludes (it may be revised until then);
    audited, and the regulators of the district are told."""
    actor = current_actor()
    incident = get_incident(actor, incident_id)
    if not (actor.firm_id and actor.firm_id == incident.firm_id and "vendor" in actor.roles):
        raise NotFound()
    transactions.check_version(incident, version)
    if incident.status not in OPEN_STATUSES:
        raise InvalidState(N_("The incident is concluded: a statement can no longer be given."))
    text = (statement or "").strip()
    if len(text) < 10:
        raise ValidationFailed({"statement": [N_("Write the firm's statement (at least 10 characters).")]})
    revised = bool(incident.firm_statement)
    incident.firm_statement = text
    incident.firm_statement_by_id = actor.user_id
    incident.firm_statement_at = clock.utcnow()
    audit.record("incident.firm_statement", "incident", incident.id, detail={"revised": revised})
    inbox.notify(sorted(set(regulators_for_district(incident.district_code)) - {actor.user_id}),
                 N_("The firm gave its statement on incident #%(id)s."), {"id": incident.id},
                 link=f"/incidents/{incident.id}")
    transactions.commit()
    return incident


# -- rectification ---------------------------------------------------------------------------------

def next_rectification_number(year: int) -> str:
    """`ZG-YYYY-NNNN`: one more than the year's highest number (the unique index catches a race)."""
    prefix = f"ZG-{year:04d}-"
    last = db.session.scalar(
        select(RectificationOrder.number).where(RectificationOrder.number.like(f"{prefix}%"))
        .order_by(RectificationOrder.number.desc()).limit(1)
    )
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def rectification_of(incident_id: int) -> RectificationOrder | None:
    return db.session.scalar(select(RectificationOrder).where(RectificationOrder.incident_id == incident_id))


def incident_item(incident: Incident) -> str:
    """The line a rectification order lists for an incident: what happened and the regulator's conclusion,
    written like an inspection's failed item ("text — note"). An order's items are lines of text
    (portal.supervision.rectification.issue_order), shown as they are on the order and its print."""
    text = (incident.description or "").strip()
    conclusion = (incident.conclusion or "").strip()
    return text + (f" — {conclusion}" if conclusion else "")


def issue_rectification_from_incident(incident: Incident, requirement: str,
                                      deadline: date | None = None) -> RectificationOrder:
    """Add a rectification order (status issued) for an upheld incident to the current transaction.

    The caller commits. Items are taken from the incident; the deadline defaults to 30 days.
    """
    if incident.status != "upheld":
        raise InvalidState(N_("Rectification can be ordered only for an upheld incident."))
    if rectification_of(incident.id) is not None:
        raise Conflict(N_("A rectification order has already been issued for this incident."))
    requirement = (requirement or "").strip()
    if not requirement:
        raise ValidationFailed({"requirement": [N_("State what the firm must put right.")]})
    today = clock.today()
    deadline = deadline or today + timedelta(days=RECTIFICATION_DEFAULT_DAYS)
    if deadline <= today:
        raise ValidationFailed({"deadline": [N_("The deadline must be after today.")]})
    items = [incident_item(incident)]
    order = None
    for _attempt in range(3):
        order = RectificationOrder(
            number=next_rectification_number(today.year), firm_id=incident.firm_id,
            district_code=incident.district_code, filing_id=incident.filing_id, incident_id=incident.id,
            items=items, requirement=requirement, deadline=deadline, status="issued",
            issued_by_id=current_actor().user_id, issued_at=clock.utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(order)
                db.session.flush()
            break
        except IntegrityError:
            order = None
    if order is None:
        raise Conflict(N_("Another order took the same number; please try again."))
    record_transition("rectification", order, "issue", None, order.status,
                      audit_detail={"number": order.number, "incident": incident.id})
    inbox.notify(inbox.users_of_firm(incident.firm_id),
                 N_("Rectification order %(number)s was issued after incident #%(id)s; deadline %(deadline)s."),
                 {"number": order.number, "id": incident.id, "deadline": deadline.isoformat()},
                 link=f"/incidents/{incident.id}")
    return order


def order_rectification(incident_id: int, requirement: str, deadline: date | None = None,
                        version: str | int | None = None) -> RectificationOrder:
    """The regulator's action on an upheld incident in their jurisdiction (one commit)."""
    actor = current_actor()
    incident = get_incident(actor, incident_id)
    if not access.is_supervisor(actor):
        raise NotFound()
    transactions.check_version(incident, version)
    order = issue_rectification_from_incident(incident, requirement, deadline)
    transactions.commit()
    return order


# -- export ----------------------------------------------------------------------------------------

INCIDENT_TYPE = N_("Incident type")


def export_columns(translate=lambda s: s) -> tuple[Column, ...]:
    """Columns of the incident export, for rows of a `visible_incidents` query."""
    return (
        Column(N_("Incident"), lambda r: r[0].id, "number"),
        Column(INCIDENT_TYPE, lambda r: translate(INCIDENT_TYPES[r[0].incident_type])),
        Column(N_("Severity"), lambda r: translate(SEVERITIES[r[0].severity])),
        Column(N_("State"), lambda r: translate(INCIDENT.states[r[0].status])),
        Column(N_("Project"), lambda r: f"{r[1] or ''} {r[2] or ''}".strip(), width=30),
        Column(N_("Firm"), lambda r: r[3], width=24),
        Column(N_("Happened"), lambda r: localtime.to_local(r[0].occurred_at), "datetime"),
        Column(N_("Conclusion"), lambda r: r[0].conclusion, width=40),
        Column(N_("veto"), lambda r: translate(N_("Yes")) if r[0].veto else translate(N_("No"))),
    )


def export_rows(query: Select) -> Iterable:
    """Every row of a `visible_incidents` query (already filtered and sorted), fetched in batches."""
    return fetch_rows(query)

