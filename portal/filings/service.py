"""Project filings (项目报备): drafts, submission rules, the filing workflow, scoping and receipts.

Every state change goes through `_move`, which resolves the transition in the workflow table, writes
the timeline and audit rows, notifies the people concerned and mirrors the service case to the
government platform through the outbox, all in the caller's single transaction.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.core import (
    access,
    clock,
    docnumbers,
    inbox,
    local_rules,
    localtime,
    outbox,
    timeline,
    transactions,
)
from portal.core import cache as aggregates
from portal.core import uploads as attachments
from portal.core.constants import QUANTITY_UNITS, SERVICE_TYPES
from portal.core.context import Actor, current_actor
from portal.core.digests import same_secret
from portal.core.errors import Conflict, InvalidState, NotAllowed, NotFound, ValidationFailed
from portal.core.models import Attachment, StateTransition
from portal.core.msgids import N_
from portal.core.workflows import PROJECT_FILING
from portal.extensions import db
from portal.filings import fields
from portal.filings import numbers as filing_numbers
from portal.filings import queries as filing_queries
from portal.filings import rules as acceptance_rules
from portal.filings import submission as filing_rules
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm, StaffMember
from portal.orgs.models import Agency

OBJECT_TYPE = "project_filing"
ATTACHMENT_OWNER = "filing"
EDITABLE_STATES = ("draft", "returned", "declined")
ACTIVE_STATES = ("registered", "in_progress")
WAITING_FOR_REVIEW = filing_queries.WAITING_FOR_REVIEW
UNITS = tuple(QUANTITY_UNITS)
FILING_ATTACHMENT_KINDS = ("contract", "work_plan", "commitment", "handback_sheet", "other")

# Site security measures (digitisation outsourcing security rules, 2014).
SECURITY_CHECKLIST = {
    "network_isolation": N_("Processing machines are isolated from the internet"),
    "dedicated_media": N_("Only approved dedicated media are used, and every use is logged"),
    "video_coverage": N_("Full video coverage of the work area, recordings retained"),
    "no_personal_devices": N_("No personal phones, cameras or storage devices in the work area"),
    "visitor_log": N_("Visitor log and daily sign-in of staff"),
    "data_wipe": N_("Data wiped and checked before any media leave the site"),
}

# Plain fields a firm user edits on a draft (staff, quantities and the checklist are handled apart).
# What a draft saves from the form: the declared fields (portal.filings.fields).
DRAFT_FIELDS = fields.NAMES

_STAMPS = {
    "submitted": "submitted_at",
    "confirmed": "confirmed_at",
    "registered": "registered_at",
    "completed": "completed_at",
    "accepted": "accepted_at",
    "closed": "closed_at",
}

NOTIFY_MESSAGE = N_("Project filing %(number)s (%(title)s): %(action)s; it is now %(state)s.")


# --- who sees what -------------------------------------------------------------------------------

def visible_filings(actor: Actor | None = None) -> Select:
    """SELECT of the filings the actor may see, with firm and agency loaded in the same query."""
    actor = actor or current_actor()
    return (
        select(ProjectFiling)
        .where(access.visible(actor, ProjectFiling))
        .options(joinedload(ProjectFiling.firm, innerjoin=True), joinedload(ProjectFiling.agency, innerjoin=True))
    )


def get_filing(actor: Actor | None, filing_id: int) -> ProjectFiling:
    """The filing if the actor may see it; NotFound otherwise (existence is never confirmed)."""
    actor = actor or current_actor()
    filing = db.session.scalar(visible_filings(actor).where(ProjectFiling.id == filing_id))
    if filing is None:
        raise NotFound()
    return filing


def _read_rule(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    return access.can_see(actor, db.session.get(ProjectFiling, owner_id))


attachments.register_read_rule(ATTACHMENT_OWNER, _read_rule)


def filing_attachments(filing: ProjectFiling) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment)
        .where(Attachment.owner_type == ATTACHMENT_OWNER, Attachment.owner_id == filing.id)
        .order_by(Attachment.uploaded_at, Attachment.id)
    ))


# --- people concerned ----------------------------------------------------------------------------

def regulators_for(district_code: str) -> list[int]:
    """Active regulators and leads of the city office and of the district office covering `district_code`."""
    return inbox.regulators_for(district_code, include_leads=True)


def people_concerned(filing: ProjectFiling) -> list[int]:
    ids = set(inbox.users_of_firm(filing.firm_id))
    if filing.status != "draft":
        ids.update(inbox.users_of_agency(filing.agency_id))
        ids.update(regulators_for(filing.district_code))
    ids.discard(current_actor().user_id)
    return sorted(ids)


def link_for(filing: ProjectFiling) -> str:
    return f"/filings/{filing.id}"


# --- transitions ---------------------------------------------------------------------------------

def _firm_of(filing: ProjectFiling) -> Firm:
    return db.session.get(Firm, filing.firm_id)


def _move(filing: ProjectFiling, action: str, reason: str = "", audit_detail: dict | None = None,
          case_kind: str = "case_update") -> StateTransition:
    """Apply one workflow transition with its timeline, audit, notifications and platform case."""
    actor = current_actor()
    transition = PROJECT_FILING.resolve(filing.status, action, actor.roles, reason)
    from_state = filing.status
    now = clock.utcnow()
    filing.status = transition.to_state
    stamp = _STAMPS.get(transition.to_state)
    if stamp:
        setattr(filing, stamp, now)
    if transition.to_state == "in_progress" and filing.started_at is None:
        filing.started_at = now
    if transition.to_state == "registered":
        docnumbers.allocate(docnumbers.RECEIPT, filing.id, localtime.local_date(now))  # 备案回执
    # Flush first: the version check of version_id_col fires here if someone else got in before us.
    db.session.flush()
    row = timeline.record_transition(OBJECT_TYPE, filing, action, from_state, transition.to_state,
                                     reason or "", audit_detail)
    db.session.flush()
    firm = _firm_of(filing)
    inbox.notify(
        people_concerned(filing), NOTIFY_MESSAGE,
        {"number": filing.number or "", "title": filing.title, "action": f"msg:{transition.label}",
         "state": f"msg:{PROJECT_FILING.states[transition.to_state]}"},
        link=link_for(filing), dedupe=f"filing:{filing.id}:{row.id}",
    )
    outbox.enqueue(
        case_kind,
        {"case_no": filing.number, "status": transition.to_state, "title": filing.title,
         "applicant_uscc": firm.uscc},
        idempotency_key=f"case:{filing.id}:{row.id}",
    )
    return row


def _load_for_action(filing_id: int, version) -> ProjectFiling:
    filing = get_filing(current_actor(), filing_id)
    transactions.check_version(filing, version)
    return filing


def transition(filing_id: int, action: str, *, reason: str = "", version: int | str | None = None) -> ProjectFiling:
    """Any workflow action on a filing; actions that need more data are routed to their function."""
    if action == "submit":
        return submit_filing(filing_id, version=version)
    if action in ("complete", "accept", "fail_acceptance"):
        raise InvalidState(N_("This action needs its own form."))
    filing = _load_for_action(filing_id, version)
    _move(filing, action, reason)
    transactions.commit()
    return filing


def allowed_actions(filing: ProjectFiling, actor: Actor | None = None) -> list[str]:
    actor = actor or current_actor()
    return [t.action for t in PROJECT_FILING.allowed_actions(filing.status, actor.roles)]


def confirmation_warnings(filing: ProjectFiling) -> list[tuple[str, dict]]:
    """DESIGN §3 result application: warn an agency confirming a project with a C- or D-graded firm."""
    firm = _firm_of(filing)
    if firm is not None and firm.grade in ("C", "D"):
        return [(N_("The firm %(firm)s is graded %(grade)s in the latest published scoring; check its "
                    "record before you confirm."), {"firm": firm.name, "grade": firm.grade})]
    return []


# --- drafts --------------------------------------------------------------------------------------

def _require_vendor(actor: Actor) -> None:
    if "vendor" not in actor.roles or not actor.firm_id:
        raise NotAllowed(N_("Only a firm user can file projects."))


def _clean_int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _clean_quantities(values: dict | None) -> dict:
    result = {}
    for unit in UNITS:
        number = _clean_int((values or {}).get(unit))
        if number:
            result[unit] = number
    return result


def _clean_checklist(values: dict | None) -> dict:
    values = values or {}
    result = {key: bool(values.get(key)) for key in SECURITY_CHECKLIST}
    result["video_retention_days"] = _clean_int(values.get("video_retention_days"))
    return result


def _clean_value(spec: fields.FilingField, value):
    """One declared field's submitted value, cleaned by its kind (bad values become empty)."""
    if spec.kind == fields.SERVICE_TYPES:
        return [code for code in (value or []) if code in SERVICE_TYPES]
    if spec.kind == fields.AMOUNT:
        try:
            return None if value in (None, "") else Decimal(str(value))
        except InvalidOperation:
            return None
    if spec.kind in (fields.YEAR, fields.AGENCY):
        return _clean_int(value)
    if spec.kind == fields.FLAG:
        return bool(value)
    if spec.kind == fields.SITE:
        return value if value in fields.SITE_TYPES else fields.DEFAULT_SITE_TYPE
    if spec.kind == fields.DATE:
        return value if isinstance(value, date) else None
    return "" if value is None else value


def _assign(filing: ProjectFiling, data: dict) -> None:
    for spec in fields.FIELDS:
        if spec.name in data:
            setattr(filing, spec.name, _clean_value(spec, data[spec.name]))
    if "quantities" in data:
        filing.quantities = _clean_quantities(data["quantities"])
    if "security_checklist" in data:
        filing.security_checklist = _clean_checklist(data["security_checklist"])


def firm_staff(firm_id: int, active_only: bool = True) -> list[StaffMember]:
    stmt = select(StaffMember).where(StaffMember.firm_id == firm_id).order_by(StaffMember.name, StaffMember.id)
    if active_only:
        stmt = stmt.where(StaffMember.active.is_(True))
    return list(db.session.scalars(stmt))


def _staff_members(firm_id: int, staff_ids: Iterable[int]) -> list[StaffMember]:
    ids = sorted({int(i) for i in staff_ids})
    if not ids:
        return []
    members = list(db.session.scalars(
        select(StaffMember).where(StaffMember.id.in_(ids), StaffMember.firm_id == firm_id,
                                  StaffMember.active.is_(True))
    ))
    if len(members) != len(ids):
        raise ValidationFailed({"staff_ids": [N_("Choose staff from the firm's active roster only.")]})
    return members


def _store_uploads(filing: ProjectFiling, uploads: Iterable[tuple[str, str, bytes]]) -> None:
    for kind, filename, data in uploads:
        if kind not in FILING_ATTACHMENT_KINDS:
            kind = "other"
        attachments.save_upload(data, filename, owner_type=ATTACHMENT_OWNER, owner_id=filing.id, kind=kind,
                                firm_id=filing.firm_id, field=f"file_{kind}")


def firm_of_actor(actor: Actor) -> Firm | None:
    return db.session.get(Firm, actor.firm_id) if actor.firm_id else None


def new_filing_refusal(actor: Actor) -> tuple[str, dict] | None:
    """Why the actor's firm may not start a new filing at all, or None. Only the negative-list local
    rule refuses the whole form: other problems (a certificate to renew, staff to train) are named at
    submission, and the draft meanwhile keeps what was typed."""
    from portal.firms import service as firm_service

    firm = firm_of_actor(actor)
    if firm is None:
        return None
    for msgid, params in firm_service.firm_can_file(firm):
        if msgid == firm_service.NEGATIVE_LISTED:
            return msgid, params
    return None


def save_draft(data: dict, *, filing_id: int | None = None, staff_ids: Iterable[int] | None = None,
               uploads: Iterable[tuple[str, str, bytes]] = (), version=None) -> ProjectFiling:
    """Create or update a draft (or a returned/declined filing) of the actor's firm; one commit.

    `data` holds DRAFT_FIELDS plus `quantities` and `security_checklist` dicts; `uploads` are
    (kind, filename, bytes) triples stored as the filing's attachments.
    """
    actor = current_actor()
    _require_vendor(actor)
    try:
        if filing_id is None:
            refusal = new_filing_refusal(actor)
            if refusal is not None:
                raise NotAllowed(*refusal)
            firm = db.session.get(Firm, actor.firm_id)
            filing = ProjectFiling(firm_id=firm.id, status="draft", created_by_id=actor.user_id, title="",
                                   district_code=firm.district_code, quantities={}, security_checklist={},
                                   service_types=[], delivered_quantities={})
            db.session.add(filing)
        else:
            filing = get_filing(actor, filing_id)
            if filing.firm_id != actor.firm_id:
                raise NotFound()
            if filing.status not in EDITABLE_STATES:
                raise InvalidState(N_("Only a draft, returned or declined filing can be edited."))
            transactions.check_version(filing, version)
        _assign(filing, data)
        agency = db.session.get(Agency, filing.agency_id) if filing.agency_id else None
        if agency is None:
            raise ValidationFailed({"agency_id": [N_("Choose the agency (立档单位) that hires the firm.")]})
        filing.district_code = agency.district_code
        if staff_ids is not None:
            filing.staff = _staff_members(actor.firm_id, staff_ids)
        db.session.flush()
        _store_uploads(filing, uploads)
        if filing_id is None:
            timeline.record_transition(OBJECT_TYPE, filing, "create", None, "draft")
    except (ValidationFailed, NotFound, InvalidState, Conflict):
        db.session.rollback()
        raise
    transactions.commit()
    return filing


def add_attachment(filing_id: int, kind: str, filename: str, data: bytes) -> Attachment:
    """A firm user adds a document to its own filing (any state but closed)."""
    actor = current_actor()
    _require_vendor(actor)
    filing = get_filing(actor, filing_id)
    if filing.firm_id != actor.firm_id:
        raise NotFound()
    if filing.status in ("closed", "rejected"):
        raise InvalidState(N_("Documents cannot be added to a closed or rejected filing."))
    try:
        _store_uploads(filing, [(kind, filename, data)])
    except ValidationFailed:
        transactions.commit()  # keep the audit record of the refused upload
        raise
    transactions.commit()
    return filing_attachments(filing)[-1]


def delete_draft(filing_id: int) -> None:
    actor = current_actor()
    _require_vendor(actor)
    filing = get_filing(actor, filing_id)
    if filing.status != "draft" or filing.number:
        raise InvalidState(N_("Only a draft that was never submitted can be deleted."))
    from portal.core import audit

    audit.record("project_filing.delete_draft", OBJECT_TYPE, filing.id, detail={"title": filing.title})
    db.session.delete(filing)
    transactions.commit()


# --- submission ----------------------------------------------------------------------------------

def submission_problems(filing: ProjectFiling, actor: Actor | None = None) -> dict[str, list[tuple[str, dict]]]:
    """Every reason the filing cannot be submitted now, keyed by form field ("" = the whole form)."""
    actor = actor or current_actor()
    today = clock.today()
    problems: dict[str, list[tuple[str, dict]]] = {}
    user = db.session.get(User, actor.user_id) if actor.user_id else None
    level_problems = filing_rules.user_problems(user.gov_real_name_level if user else None)
    if level_problems:
        problems[""] = list(level_problems)
    firm = _firm_of(filing)
    problems.setdefault("", []).extend(filing_rules.firm_problems(firm, today))
    staff = filing_rules.staff_problems(filing.firm_id, filing.staff)
    if staff:
        problems["staff_ids"] = staff
    for field, items in filing_rules.filing_problems(filing).items():
        problems.setdefault(field, []).extend(items)
    return {field: items for field, items in problems.items() if items}


def submit_filing(filing_id: int, *, version=None) -> ProjectFiling:
    """Submit (or resubmit) a filing: every rule checked, number assigned at first submission."""
    actor = current_actor()
    filing = _load_for_action(filing_id, version)
    PROJECT_FILING.resolve(filing.status, "submit", actor.roles)
    problems = submission_problems(filing, actor)
    if problems:
        db.session.rollback()
        raise ValidationFailed(problems, message=N_("The filing was saved but not submitted: correct the "
                                                    "items marked below."))
    today = clock.today()
    first = filing.number is None
    if first:
        filing.is_late = bool(filing.start_date and filing.start_date < today)
        filing.number = filing_numbers.allocate(today.year)
    _move(filing, "submit", audit_detail={"number": filing.number, "late": filing.is_late},
          case_kind="case_create" if first else "case_update")
    transactions.commit()
    return filing


# --- completion and acceptance -------------------------------------------------------------------

def report_completion(filing_id: int, *, delivered_quantities: dict, data_wipe_confirmed: bool,
                      handback: tuple[str, bytes] | None = None, note: str = "", version=None) -> ProjectFiling:
    """The firm reports the work done: delivered quantities, hand-back sheet and data-wipe confirmation."""
    filing = _load_for_action(filing_id, version)
    PROJECT_FILING.resolve(filing.status, "complete", current_actor().roles)
    errors: dict[str, list] = {}
    delivered = _clean_quantities(delivered_quantities)
    if not delivered:
        errors["qty_volumes"] = [N_("Give the delivered quantity in at least one unit.")]
    if not data_wipe_confirmed:
        errors["data_wipe_confirmed"] = [N_("Confirm that the data was wiped from every device and medium.")]
    has_sheet = any(a.kind == "handback_sheet" for a in filing_attachments(filing))
    if handback is None and not has_sheet:
        errors["handback_sheet"] = [N_("Attach the signed hand-back sheet.")]
    if errors:
        raise ValidationFailed(errors)
    try:
        if handback is not None:
            attachments.save_upload(handback[1], handback[0], owner_type=ATTACHMENT_OWNER, owner_id=filing.id,
                                    kind="handback_sheet", firm_id=filing.firm_id, field="handback_sheet")
    except ValidationFailed:
        db.session.rollback()
        raise
    filing.delivered_quantities = delivered
    filing.data_wipe_confirmed = True
    _move(filing, "complete", note, audit_detail={"delivered": delivered})
    transactions.commit()
    return filing


def _acceptance_numbers(sample_size, pass_rate) -> tuple[int, Decimal]:
    errors: dict[str, list] = {}
    size = _clean_int(sample_size)
    if size is None or size <= 0:
        errors["sample_size"] = [N_("Give the number of items sampled.")]
    try:
        rate = Decimal(str(pass_rate))
        if not Decimal(0) <= rate <= Decimal(100):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["pass_rate"] = [N_("Give the pass rate as a percentage between 0 and 100.")]
        rate = Decimal(0)
    if errors:
        raise ValidationFailed(errors)
    return size, rate


def acceptance_thresholds() -> acceptance_rules.AcceptanceThresholds:
    """The acceptance practice in force (local rules acceptance_min_sampled_percent / _min_pass_rate)."""
    return acceptance_rules.AcceptanceThresholds(
        min_sampled_percent=Decimal(str(local_rules.get("acceptance_min_sampled_percent"))),
        min_pass_rate=Decimal(str(local_rules.get("acceptance_min_pass_rate"))),
    )


def sample_units(filing: ProjectFiling) -> list[str]:
    """The units the work was delivered in (the sample is counted in one of them), in the usual order."""
    delivered = filing.delivered_quantities or {}
    return [unit for unit in UNITS if (_clean_int(delivered.get(unit)) or 0) > 0]


def record_acceptance(filing_id: int, *, passed: bool, sample_size, pass_rate, opinion: str = "",
                      sample_unit: str | None = None, version=None) -> ProjectFiling:
    """The agency accepts the work, or fails it with a written opinion (back to in progress, rework).

    A passed acceptance must meet the acceptance rule (enough of the delivered units sampled, pass rate
    not below the minimum); otherwise it is refused and nothing is saved.
    """
    filing = _load_for_action(filing_id, version)
    action = "accept" if passed else "fail_acceptance"
    # State and role first (409/403); a missing opinion is a form message below, not a workflow error.
    PROJECT_FILING.resolve(filing.status, action, current_actor().roles, reason="opinion checked below")
    size, rate = _acceptance_numbers(sample_size, pass_rate)
    units = sample_units(filing)
    unit = sample_unit or (units[0] if units else None)
    if unit not in units:
        raise ValidationFailed({"sample_unit": [N_("Choose a unit the work was delivered in.")]})
    if passed:
        delivered = _clean_int((filing.delivered_quantities or {}).get(unit)) or 0
        errors = acceptance_rules.acceptance_meets_rule(size, delivered, rate, acceptance_thresholds())
        if errors:
            raise ValidationFailed(errors)
    if not passed and not (opinion or "").strip():
        raise ValidationFailed({"opinion": [N_("Write the rectification opinion for the firm.")]})
    filing.acceptance_sample_size = size
    filing.acceptance_sample_unit = unit
    filing.acceptance_pass_rate = rate
    filing.acceptance_attempts = (filing.acceptance_attempts or 0) + 1
    filing.acceptance_opinion = opinion or ""
    if not passed:
        # Back to rework: the project is no longer completed; the next report sets the date again and
        # the timeline keeps the first report.
        filing.completed_at = None
    _move(filing, action, opinion or "",
          audit_detail={"sample_size": size, "sample_unit": unit, "pass_rate": str(rate),
                        "attempt": filing.acceptance_attempts})
    transactions.commit()
    return filing


# --- receipt and public verification -------------------------------------------------------------

def verification_code(number: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"filing-receipt:{number}".encode(), hashlib.sha256).hexdigest()[:20]


def verify_public(number: str, code: str) -> dict:
    """What anyone holding a receipt may check: nothing personal, only the parties, status and dates."""
    if not number or not code or not same_secret(verification_code(number), code):
        raise NotFound()
    row = db.session.execute(
        select(ProjectFiling.id, ProjectFiling.number, ProjectFiling.status, ProjectFiling.title,
               ProjectFiling.start_date,
               ProjectFiling.end_date, ProjectFiling.submitted_at, ProjectFiling.registered_at,
               Firm.name.label("firm_name"), Agency.name.label("agency_name"))
        .join(Firm, Firm.id == ProjectFiling.firm_id)
        .join(Agency, Agency.id == ProjectFiling.agency_id)
        .where(ProjectFiling.number == number)
    ).first()
    if row is None:
        raise NotFound()
    return dict(row._mapping)


# --- dashboards ----------------------------------------------------------------------------------

def status_counts(actor: Actor | None = None) -> dict[str, int]:
    from sqlalchemy import func

    actor = actor or current_actor()

    def compute() -> dict[str, int]:
        rows = db.session.execute(
            select(ProjectFiling.status, func.count(ProjectFiling.id)).where(access.visible(actor, ProjectFiling))
            .group_by(ProjectFiling.status)
        ).all()
        return {status: count for status, count in rows}

    scope = (tuple(sorted(actor.roles)), actor.firm_id, actor.agency_id, actor.district_code)
    return dict(aggregates.value("filings.status_counts", scope, [ProjectFiling], compute))


def age_days(moment: datetime | None) -> int | None:
    return None if moment is None else (clock.utcnow() - moment).days
