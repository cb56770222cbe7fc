"""Firm registration (企业备案): self-registration, review, key-field changes, re-check, certificates.

Object-level scoping lives here: `visible_firms(actor)` and `get_firm(actor, id)` serve every list,
detail page, export and download of firm records.
"""
from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import Select, String, cast, func, or_, select

from portal.auth import accounts
from portal.auth.models import User
from portal.core import access, audit, clock, crypto, inbox, timeline, transactions
from portal.core import local_rules as rules
from portal.core import uploads as attachments
from portal.core.constants import CERTIFICATE_TYPES, GRADES, NOT_GRADED, SERVICE_TYPES
from portal.core.context import Actor, current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.identifiers import (
    DISTRICTS,
    clean_optional_mobile,
    normalize_uscc,
    validate_firm_uscc,
)
from portal.core.masking import mask_phone
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.textmatch import contains
from portal.core.workflows import CHANGE_REQUEST, FIRM_REGISTRATION
from portal.extensions import db
from portal.firms.models import Certificate, Firm, FirmChangeRequest

OBJECT_TYPE = "firm"

# Fields whose change on an active firm needs the bureau's review (FirmChangeRequest).
KEY_FIELDS = ("name", "legal_representative", "registered_address", "operating_address", "district_code",
              "business_scope", "service_types", "secrecy_level")
# Fields the firm keeps current itself; every change is audited.
DIRECT_FIELDS = ("premises_area", "premises_ownership", "premises_security", "equipment_summary",
                 "management_systems", "liaison_name", "liaison_phone", "liaison_email")
FIELD_LABELS = {
    "name": N_("Firm name"),
    "legal_representative": N_("Legal representative"),
    "registered_address": N_("Registered address"),
    "operating_address": N_("Operating address"),
    "district_code": N_("District"),
    "business_scope": N_("Business scope"),
    "service_types": N_("Service types"),
    "secrecy_level": N_("Secrecy qualification level"),
}
VERIFICATION_LABELS = {
    "not_checked": N_("not checked yet"),
    "pending": N_("being checked"),
    "verified": N_("verified by the government platform"),
    "failed": N_("not confirmed by the government platform"),
}
# States in which the firm may still change everything itself (nothing has been approved yet).
OPEN_STATES = ("draft", "returned")
PENDING_REVIEW_STATES = ("submitted", "under_review", "recheck_submitted")
FILING_STATES = ("active", "expiring")
MANDATORY_CERTIFICATE = "business_licence"
SECRECY_CERTIFICATE = "secrecy_qualification"

MSG_APPLICATION_RECEIVED = N_("New firm registration application from %(firm)s.")
MSG_REGISTRATION_APPROVED = N_("The registration of %(firm)s was approved; valid until %(until)s.")
MSG_REGISTRATION_RETURNED = N_("The registration of %(firm)s was returned: %(reason)s")
MSG_CHANGE_SUBMITTED = N_("%(firm)s asks to change its registration (key fields).")
MSG_CHANGE_APPROVED = N_("Your registration change request was approved.")
MSG_CHANGE_RETURNED = N_("Your registration change request was returned: %(reason)s")
MSG_RECHECK_SUBMITTED = N_("%(firm)s submitted its registration re-check.")
MSG_RECHECK_APPROVED = N_("The registration re-check of %(firm)s was approved; valid until %(until)s.")
MSG_RECHECK_RETURNED = N_("The registration re-check of %(firm)s was returned: %(reason)s")

# Problems that stop a firm from filing a project (msgid, params).
CERT_MISSING = N_("No %(certificate)s is on record.")
CERT_EXPIRED = N_("The %(certificate)s (No. %(number)s) expired on %(date)s.")
FIRM_NOT_ACTIVE = N_("The firm's registration is %(state)s; only active firms can file projects.")
REGISTRATION_EXPIRED = N_("The firm's registration expired on %(date)s; submit the re-check.")
REGISTRATION_NO_VALIDITY = N_("The firm's registration has no validity date.")
NEGATIVE_LISTED = N_("The firm is on the negative list and cannot file new projects.")

# What a registration approval needs (issue 14 item 3), or else a recorded reason.
APPROVAL_UNVERIFIED = N_("Enterprise verification has not confirmed this firm (%(status)s).")
APPROVAL_NO_LICENCE = N_("No current business licence with its scan is on file.")
APPROVAL_NEEDS_REASON = N_("To approve this registration anyway, give the reason in the reason box; it is "
                           "shown on the firm's page and audited.")
LICENCE_NUMBER_REQUIRED = N_("Give the business licence number with its scan.")


# --- scoping ---------------------------------------------------------------------------------------

def visible_firms(actor: Actor | None = None) -> Select:
    """Firms the actor may see (portal.core.access)."""
    return select(Firm).where(access.visible(actor or current_actor(), Firm))


def firm_name(actor: Actor | None, firm_id: int) -> str:
    """The name of a firm the actor may see ("" otherwise): a list filter's firm in words."""
    name = db.session.scalar(select(Firm.name).where(Firm.id == firm_id,
                                                     access.visible(actor or current_actor(), Firm)))
    return name or ""


def get_firm(actor: Actor | None, firm_id: int) -> Firm:
    return access.get_visible(actor or current_actor(), Firm, firm_id)


def get_own_firm(actor: Actor, firm_id: int) -> Firm:
    """The firm, when the actor is one of its own users (regulators read, firms write)."""
    firm = db.session.get(Firm, firm_id)
    if firm is None or actor.firm_id != firm.id or "vendor" not in actor.roles:
        raise NotFound()
    return firm


def _supervised_firm(actor: Actor, firm_id: int) -> Firm:
    firm = get_firm(actor, firm_id)
    if not access.is_supervisor(actor):
        raise NotFound()
    return firm


def regulators_for(district_code: str) -> list[int]:
    """Active regulators whose jurisdiction covers the district (the city office and that district office)."""
    return inbox.regulators_for(district_code)


def validity_days() -> int:
    return int(current_app.config.get("FIRM_REGISTRATION_VALID_DAYS", 365))


# --- firm list -------------------------------------------------------------------------------------

@dataclass
class FirmFilter:
    status: str = ""
    district: str = ""
    service_type: str = ""
    q: str = ""
    sort: str = "name"
    grade: str = ""  # A-D, or NOT_GRADED




SORTS = {
    "name": (Firm.name, Firm.id),
    "valid_until": (Firm.valid_until, Firm.id),
    "status": (Firm.status, Firm.name),
    "newest": (Firm.created_at.desc(), Firm.id.desc()),
}


def firm_query(actor: Actor, flt: FirmFilter) -> Select:
    query = visible_firms(actor)
    if flt.status in FIRM_REGISTRATION.states:
        query = query.where(Firm.status == flt.status)
    if flt.district in DISTRICTS:
        query = query.where(Firm.district_code == flt.district)
    if flt.service_type in SERVICE_TYPES:
        # JSON list stored as text on SQLite and rendered as text on PostgreSQL: both quote each code.
        query = query.where(cast(Firm.service_types, String).like(f'%"{flt.service_type}"%'))
    if flt.grade in GRADES:
        query = query.where(Firm.grade == flt.grade)
    elif flt.grade == NOT_GRADED:
        query = query.where(Firm.grade.is_(None))
    text = (flt.q or "").strip()
    if text:
        query = query.where(or_(contains(Firm.name, text), contains(Firm.uscc, text)))
    return query.order_by(*SORTS.get(flt.sort, SORTS["name"]))


# --- self-registration -----------------------------------------------------------------------------

def _ref_hash(reference: str) -> str:
    return hashlib.sha256(reference.strip().encode()).hexdigest()


def _clean_registration(data: dict, firm: Firm | None = None) -> tuple[dict, dict[str, list]]:
    """Shape and check the registration fields shared by the application and the edit form."""
    errors: dict[str, list] = {}
    values: dict = {}
    for name in ("name", "legal_representative", "registered_address", "operating_address", "business_scope",
                 "premises_ownership", "premises_security", "equipment_summary", "management_systems",
                 "liaison_name", "liaison_email"):
        if name in data:
            values[name] = (data.get(name) or "").strip()
    for name in ("name", "legal_representative"):
        if name in values and not values[name]:
            errors[name] = [N_("This field is required.")]
    if "district_code" in data:
        values["district_code"] = data.get("district_code") or ""
        if values["district_code"] not in DISTRICTS:
            errors["district_code"] = [N_("Choose a district of Luzhou.")]
    if "service_types" in data:
        types = [t for t in (data.get("service_types") or []) if t in SERVICE_TYPES]
        if not types:
            errors["service_types"] = [N_("Choose at least one service type.")]
        values["service_types"] = sorted(set(types), key=list(SERVICE_TYPES).index)
    if "secrecy_level" in data:
        values["secrecy_level"] = (data.get("secrecy_level") or "").strip() or None
    if "premises_area" in data:
        raw = data.get("premises_area")
        if raw in (None, ""):
            values["premises_area"] = None
        else:
            try:
                area = Decimal(str(raw))
                if area < 0:
                    raise InvalidOperation
                values["premises_area"] = area.quantize(Decimal("0.01"))
            except (InvalidOperation, ValueError):
                errors["premises_area"] = [N_("Enter the area in square metres.")]
    if "liaison_phone" in data:
        phone, problems = clean_optional_mobile(data.get("liaison_phone"))
        if problems:
            errors["liaison_phone"] = problems
        values["liaison_phone"] = phone
    return values, errors


def _set_liaison_phone(firm: Firm, phone: str) -> None:
    firm.liaison_phone_enc = crypto.encrypt(phone) if phone else None


def liaison_phone(firm: Firm) -> str:
    return crypto.decrypt(firm.liaison_phone_enc)


@dataclass
class Application:
    firm: Firm
    reference: str


def apply(data: dict, licence_upload: tuple[bytes, str] | None = None) -> Application:
    """A firm applies on the public page: a `submitted` Firm and an inactive first user, one commit.

    The applicant may upload the business licence scan (with its number and expiry) at once, which the
    approval needs. Returns the secret reference (shown once); only its hash is stored.
    """
    uscc = normalize_uscc(data.get("uscc") or "")
    values, errors = _clean_registration(data)
    problems = validate_firm_uscc(uscc)
    if problems:
        errors["uscc"] = problems
    elif db.session.scalar(select(Firm.id).where(Firm.uscc == uscc)) is not None:
        errors["uscc"] = [N_("A firm with this unified social credit code is already registered or has applied.")]
    username = (data.get("username") or "").strip()
    display_name = (data.get("display_name") or "").strip()
    password = data.get("password") or ""
    if not username:
        errors["username"] = [N_("This field is required.")]
    elif db.session.scalar(select(User.id).where(User.username == username)) is not None:
        errors["username"] = [N_("This username is already taken.")]
    if not display_name:
        errors["display_name"] = [N_("This field is required.")]
    pw_problems = accounts.validate_new_password(password, username)
    if pw_problems:
        errors["password"] = pw_problems
    has_licence = bool(licence_upload and (licence_upload[0] or licence_upload[1]))
    licence_number = (data.get("licence_number") or "").strip()[:80]
    if has_licence and not licence_number:
        errors["licence_number"] = [LICENCE_NUMBER_REQUIRED]
    if errors:
        raise ValidationFailed(errors)
    phone = values.pop("liaison_phone", "")
    reference = "-".join(secrets.token_hex(3).upper() for _ in range(4))
    transition = FIRM_REGISTRATION.resolve("draft", "submit", ("vendor",))  # the applicant acts for the future firm
    firm = Firm(uscc=uscc, status=transition.to_state, application_ref_hash=_ref_hash(reference),
                verification_status="not_checked", **values)
    _set_liaison_phone(firm, phone)
    db.session.add(firm)
    db.session.flush()
    _verify_or_refuse(firm)
    if has_licence:
        _attach_application_licence(firm, licence_number, data.get("licence_expires_on"), licence_upload)
    user = accounts.create_user(username=username, display_name=display_name, password=password,
                                roles=["vendor"], firm_id=firm.id, active=False, must_change_password=False,
                                commit=False)
    timeline.record_transition(OBJECT_TYPE, firm, "submit", "draft", firm.status,
                               audit_detail={"uscc": uscc, "first_user": user.id, "self_registration": True})
    inbox.notify(regulators_for(firm.district_code), MSG_APPLICATION_RECEIVED, {"firm": firm.name},
                 link=f"/firms/{firm.id}")
    transactions.commit()
    return Application(firm, reference)


def _attach_application_licence(firm: Firm, number: str, expires_on: date | None,
                                upload: tuple[bytes, str] | None) -> None:
    """The business licence the applicant uploaded with the application, checked like every upload."""
    cert = Certificate(firm_id=firm.id, cert_type=MANDATORY_CERTIFICATE, number=number,
                       expires_on=expires_on if isinstance(expires_on, date) else None)
    db.session.add(cert)
    db.session.flush()
    with clean_on_failure():
        attachment = _attach(firm, upload, "certificate", cert.id, "certificate", field="licence_file")
    cert.attachment_id = attachment.id if attachment is not None else None
    audit.record("certificate.create", "certificate", cert.id,
                 detail={"firm": firm.id, "type": cert.cert_type, "number": cert.number, "with_application": True})


def _verify_or_refuse(firm: Firm) -> None:
    """Check the USCC with the platform: a deregistered or revoked enterprise is refused with the
    registry's reason; a mismatch is recorded for the regulator; no answer leaves it pending."""
    from portal.firms.verification import verify_firm_for_application

    _status, note, refused = verify_firm_for_application(firm)
    if refused:
        db.session.rollback()
        raise ValidationFailed({"uscc": [note]})


def application_by_reference(reference: str) -> Firm:
    firm = db.session.scalar(select(Firm).where(Firm.application_ref_hash == _ref_hash(reference or "")))
    if firm is None or not reference:
        raise NotFound(N_("No application has this reference."))
    return firm


def application_reason(firm: Firm) -> str:
    """The reason of the last return, for the applicant's status page."""
    rows = [r for r in timeline.timeline(OBJECT_TYPE, firm.id) if r.action in ("return", "return_recheck")]
    return rows[-1].reason if rows else ""


def resubmit_application(firm_id: int, data: dict) -> Firm:
    """The applicant (holding the reference) corrects a returned application and submits it again."""
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        raise NotFound()
    transition = FIRM_REGISTRATION.resolve(firm.status, "submit", ("vendor",))
    values, errors = _clean_registration(data, firm)
    if errors:
        raise ValidationFailed(errors)
    phone = values.pop("liaison_phone", None)
    changed = _assign(firm, values)
    if phone is not None and phone != liaison_phone(firm):
        _set_liaison_phone(firm, phone)
        changed.append("liaison_phone")
    before = firm.status
    firm.status = transition.to_state
    timeline.record_transition(OBJECT_TYPE, firm, "submit", before, firm.status,
                               audit_detail={"changed": changed})
    inbox.notify(regulators_for(firm.district_code), MSG_APPLICATION_RECEIVED, {"firm": firm.name},
                 link=f"/firms/{firm.id}")
    transactions.commit()
    return firm


def _assign(firm: Firm, values: dict) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(firm, name) != value:
            setattr(firm, name, value)
            changed.append(name)
    return changed


def _first_users(firm: Firm) -> list[User]:
    return list(db.session.scalars(select(User).where(User.firm_id == firm.id).order_by(User.id)))


def _supervised_move(firm_id: int, action: str, version: str | int | None, reason: str | None = None) -> tuple[Firm, str]:
    """A regulator's registration step: the firm in their jurisdiction, at the version their page showed,
    moved by `action`; returns the firm and the state it left (no commit)."""
    actor = current_actor()
    firm = _supervised_firm(actor, firm_id)
    transactions.check_version(firm, version)
    t = FIRM_REGISTRATION.resolve(firm.status, action, actor.roles, reason)
    before, firm.status = firm.status, t.to_state
    return firm, before


def start_review(firm_id: int, version: str | int | None = None) -> Firm:
    firm, before = _supervised_move(firm_id, "start_review", version)
    timeline.record_transition(OBJECT_TYPE, firm, "start_review", before, firm.status)
    transactions.commit()
    return firm


@dataclass(frozen=True)
class ReviewCheck:
    """One check a reviewer sees beside a decision: what (msgid), how it stands (msgid + params) and its
    state: "ok", "wait" (being checked) or "bad"."""

    label: str
    detail: str
    params: dict
    state: str


def review_checks(firm: Firm, today: date, staff=None,
                  certificates: list[Certificate] | None = None) -> list[ReviewCheck]:
    """The checks that apply to a decision on the firm (or on one of its projects, with its staff):
    enterprise verification, a current business licence with its scan, staff eligibility. A page that
    has read the firm's certificates (`certificates_of`) passes them in."""
    status = firm.verification_status
    checks = [ReviewCheck(N_("Enterprise verification"),
                          VERIFICATION_LABELS.get(status, VERIFICATION_LABELS["not_checked"]), {},
                          "ok" if status == "verified" else "wait" if status == "pending" else "bad")]
    licence = has_current_licence_scan(_certificates(firm, certificates), today)
    checks.append(ReviewCheck(N_("Business licence"),
                              N_("current, scan on file") if licence else N_("no current licence scan on file"),
                              {}, "ok" if licence else "bad"))
    if staff is not None:
        unqualified = [m for m in staff if not m.is_qualified]
        if not staff:
            checks.append(ReviewCheck(N_("Staff eligibility"), N_("no staff assigned"), {}, "bad"))
        else:
            checks.append(ReviewCheck(
                N_("Staff eligibility"),
                N_("%(bad)s of %(n)s not qualified") if unqualified else N_("all %(n)s qualified"),
                {"bad": len(unqualified), "n": len(staff)}, "bad" if unqualified else "ok"))
    return checks


def approval_blockers(firm: Firm, today: date,
                      certificates: list[Certificate] | None = None) -> list[tuple[str, dict]]:
    """(msgid, params) for what stops a plain approval: the platform has not confirmed the enterprise,
    or no business licence that is current and has its scan is on file."""
    problems: list[tuple[str, dict]] = []
    if firm.verification_status != "verified":
        label = VERIFICATION_LABELS.get(firm.verification_status, VERIFICATION_LABELS["not_checked"])
        problems.append((APPROVAL_UNVERIFIED, {"status": "msg:" + label}))
    if not has_current_licence_scan(_certificates(firm, certificates), today):
        problems.append((APPROVAL_NO_LICENCE, {}))
    return problems


def approve_registration(firm_id: int, version: str | int | None = None, override_reason: str = "") -> Firm:
    """Approve: the firm becomes active for the configured validity and its inactive users are enabled.

    Without a matching verification and a current licence scan the approval needs an override reason,
    which is kept on the firm (shown on its page) and audited."""
    firm, before = _supervised_move(firm_id, "approve", version)
    today = clock.today()
    blockers = approval_blockers(firm, today)
    reason = (override_reason or "").strip()
    if blockers and not reason:
        raise ValidationFailed({"reason": [APPROVAL_NEEDS_REASON, *blockers]})
    firm.approval_override_reason = reason[:2000] if blockers else ""
    if blockers:
        audit.record("firm.approval_override", "firm", firm.id,
                     detail={"reason": firm.approval_override_reason, "blockers": [m for m, _p in blockers],
                             "verification": firm.verification_status})
    firm.valid_until = today + timedelta(days=validity_days())
    firm.registered_at = clock.utcnow()
    firm.status_reason = ""
    activated = []
    for user in _first_users(firm):
        if not user.active:
            user.active = True
            activated.append(user.id)
            audit.record("account.enabled", "user", user.id, detail={"reason": "firm registration approved"})
    timeline.record_transition(OBJECT_TYPE, firm, "approve", before, firm.status,
                               audit_detail={"valid_until": firm.valid_until.isoformat(), "activated": activated})
    inbox.notify([u.id for u in _first_users(firm)], MSG_REGISTRATION_APPROVED,
                 {"firm": firm.name, "until": firm.valid_until.isoformat()}, link="/firms/mine")
    transactions.commit()
    return firm


def _return_to_firm(firm_id: int, action: str, reason: str, version: str | int | None) -> Firm:
    """A regulator sends an application or a re-check back with a reason the firm sees (no commit)."""
    firm, before = _supervised_move(firm_id, action, version, reason)
    firm.status_reason = reason.strip()
    timeline.record_transition(OBJECT_TYPE, firm, action, before, firm.status, reason.strip())
    return firm


def return_registration(firm_id: int, reason: str, version: str | int | None = None) -> Firm:
    firm = _return_to_firm(firm_id, "return", reason, version)
    inbox.notify([u.id for u in _first_users(firm) if u.active], MSG_REGISTRATION_RETURNED,
                 {"firm": firm.name, "reason": reason.strip()}, link="/firms/mine")
    transactions.commit()
    return firm


# --- registration record edits and change requests -------------------------------------------------

def _comparable(name: str, value):
    if name == "service_types":
        return sorted(value or [])
    if value is None:
        return "" if name != "premises_area" else None
    return value


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def pending_change_request(firm_id: int) -> FirmChangeRequest | None:
    return db.session.scalar(select(FirmChangeRequest).where(
        FirmChangeRequest.firm_id == firm_id, FirmChangeRequest.status == "submitted"))


@dataclass
class EditOutcome:
    applied: list[str]
    change_request: FirmChangeRequest | None


def update_registration(firm_id: int, data: dict, version: str | int | None = None) -> EditOutcome:
    """The firm edits its record. Non-key fields apply at once (audited); key-field changes of an
    approved firm become one FirmChangeRequest for the bureau to review."""
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    transactions.check_version(firm, version)
    values, errors = _clean_registration(data, firm)
    if errors:
        raise ValidationFailed(errors)
    phone = values.pop("liaison_phone", None)
    key_changes = {k: v for k, v in values.items()
                   if k in KEY_FIELDS and _comparable(k, getattr(firm, k)) != _comparable(k, v)}
    direct = {k: v for k, v in values.items() if k not in KEY_FIELDS}
    review_needed = firm.status not in OPEN_STATES and bool(key_changes)
    if review_needed and pending_change_request(firm.id) is not None:
        raise ValidationFailed({"": [N_("A change request is already waiting for review; wait for the decision before asking for another.")]})
    if not review_needed:
        direct.update(key_changes)
    applied = _assign(firm, direct)
    audit_detail: dict = {"fields": applied}
    if phone is not None and phone != liaison_phone(firm):
        _set_liaison_phone(firm, phone)
        applied.append("liaison_phone")
        audit_detail["liaison_phone"] = mask_phone(phone)
    request = None
    if review_needed:
        request = FirmChangeRequest(
            firm_id=firm.id, status=CHANGE_REQUEST.initial, submitted_by_id=actor.user_id,
            old_values={k: _json_value(getattr(firm, k)) for k in key_changes},
            new_values={k: _json_value(v) for k, v in key_changes.items()},
        )
        db.session.add(request)
        db.session.flush()
        audit.record("change_request.submit", "change_request", request.id,
                     detail={"firm": firm.id, "fields": sorted(key_changes)})
        inbox.notify(regulators_for(firm.district_code), MSG_CHANGE_SUBMITTED, {"firm": firm.name},
                     link=f"/firms/change-requests/{request.id}")
    if applied:
        audit.record("firm.update", OBJECT_TYPE, firm.id, detail={**audit_detail, "fields": applied})
    transactions.commit()
    return EditOutcome(applied, request)


def visible_change_requests(actor: Actor | None = None) -> Select:
    return select(FirmChangeRequest).where(access.visible(actor or current_actor(), FirmChangeRequest))


def get_change_request(actor: Actor | None, request_id: int) -> FirmChangeRequest:
    actor = actor or current_actor()
    request = db.session.scalar(visible_change_requests(actor).where(FirmChangeRequest.id == request_id))
    if request is None:
        raise NotFound()
    return request


@dataclass
class DiffRow:
    field: str
    label: str
    old: object
    new: object
    changed: bool


def change_rows(request: FirmChangeRequest) -> list[DiffRow]:
    """Old and new side by side, in form order, each marked when it differs."""
    rows = []
    for name in KEY_FIELDS:
        if name in request.new_values or name in request.old_values:
            old, new = request.old_values.get(name), request.new_values.get(name)
            rows.append(DiffRow(name, FIELD_LABELS[name], old, new, _comparable(name, old) != _comparable(name, new)))
    return rows


def approve_change_request(request_id: int, version: str | int | None = None) -> FirmChangeRequest:
    actor = current_actor()
    request = get_change_request(actor, request_id)
    if not access.is_supervisor(actor):
        raise NotFound()
    transactions.check_version(request, version)
    t = CHANGE_REQUEST.resolve(request.status, "approve", actor.roles)
    firm = db.session.get(Firm, request.firm_id)
    for name, value in request.new_values.items():
        if name in KEY_FIELDS:
            setattr(firm, name, value)
    if {"name", "legal_representative"} & set(request.new_values):
        # The registry must still agree with the new name or representative (recorded, or queued).
        from portal.firms.verification import verify_firm

        verify_firm(firm)
        request.verification_status = firm.verification_status
    before, request.status = request.status, t.to_state
    request.decided_by_id, request.decided_at = actor.user_id, clock.utcnow()
    timeline.record_transition("change_request", request, t.action, before, request.status,
                               audit_detail={"firm": firm.id, "applied": sorted(request.new_values)})
    audit.record("firm.update", OBJECT_TYPE, firm.id,
                 detail={"fields": sorted(request.new_values), "change_request": request.id})
    inbox.notify(inbox.users_of_firm(firm.id), MSG_CHANGE_APPROVED, {}, link="/firms/mine")
    transactions.commit()
    return request


def return_change_request(request_id: int, reason: str, version: str | int | None = None) -> FirmChangeRequest:
    actor = current_actor()
    request = get_change_request(actor, request_id)
    if not access.is_supervisor(actor):
        raise NotFound()
    transactions.check_version(request, version)
    t = CHANGE_REQUEST.resolve(request.status, "return", actor.roles, reason)
    before, request.status = request.status, t.to_state
    request.decided_by_id, request.decided_at = actor.user_id, clock.utcnow()
    request.decision_reason = reason.strip()
    timeline.record_transition("change_request", request, t.action, before, request.status, reason.strip())
    inbox.notify(inbox.users_of_firm(request.firm_id), MSG_CHANGE_RETURNED, {"reason": reason.strip()},
                 link="/firms/mine")
    transactions.commit()
    return request


# --- validity: re-check, expiring, lapse -----------------------------------------------------------

def submit_recheck(firm_id: int, note: str = "", version: str | int | None = None) -> Firm:
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    transactions.check_version(firm, version)
    t = FIRM_REGISTRATION.resolve(firm.status, "submit_recheck", actor.roles)
    before, firm.status = firm.status, t.to_state
    timeline.record_transition(OBJECT_TYPE, firm, t.action, before, firm.status, (note or "").strip())
    inbox.notify(regulators_for(firm.district_code), MSG_RECHECK_SUBMITTED, {"firm": firm.name},
                 link=f"/firms/{firm.id}")
    transactions.commit()
    return firm


def approve_recheck(firm_id: int, version: str | int | None = None) -> Firm:
    firm, before = _supervised_move(firm_id, "approve_recheck", version)
    base = max(clock.today(), firm.valid_until or clock.today())
    firm.valid_until = base + timedelta(days=validity_days())
    timeline.record_transition(OBJECT_TYPE, firm, "approve_recheck", before, firm.status,
                               audit_detail={"valid_until": firm.valid_until.isoformat()})
    inbox.notify(inbox.users_of_firm(firm.id), MSG_RECHECK_APPROVED,
                 {"firm": firm.name, "until": firm.valid_until.isoformat()}, link="/firms/mine")
    transactions.commit()
    return firm


def return_recheck(firm_id: int, reason: str, version: str | int | None = None) -> Firm:
    firm = _return_to_firm(firm_id, "return_recheck", reason, version)
    inbox.notify(inbox.users_of_firm(firm.id), MSG_RECHECK_RETURNED, {"firm": firm.name, "reason": reason.strip()},
                 link="/firms/mine")
    transactions.commit()
    return firm


# --- certificates ----------------------------------------------------------------------------------

def certificates_of(firm_id: int) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(Certificate.firm_id == firm_id)
                                   .order_by(Certificate.cert_type, Certificate.expires_on)))


def _certificates(firm: Firm, certificates: list[Certificate] | None) -> list[Certificate]:
    """The firm's certificates as the caller read them, else read now: a page that shows them and checks
    them sends one statement, not one per check."""
    return certificates_of(firm.id) if certificates is None else certificates


def has_current_licence_scan(certificates: list[Certificate], today: date) -> bool:
    """A business licence that is current and has its scan on file (approval and review both ask it)."""
    return any(c.cert_type == MANDATORY_CERTIFICATE and c.attachment_id is not None
               and (c.expires_on is None or c.expires_on >= today) for c in certificates)


def blocking_certificate_problems(firm: Firm, today: date,
                                  certificates: list[Certificate] | None = None) -> list[tuple[str, dict]]:
    """(msgid, params) for each mandatory certificate that is missing or expired: the business licence
    always, the secrecy qualification when the firm claims a secrecy level. Params that are msgids
    carry the "msg:" prefix."""
    required = [MANDATORY_CERTIFICATE]
    if firm.secrecy_level:
        required.append(SECRECY_CERTIFICATE)
    by_type: dict[str, list[Certificate]] = {}
    for cert in _certificates(firm, certificates):
        by_type.setdefault(cert.cert_type, []).append(cert)
    problems: list[tuple[str, dict]] = []
    for cert_type in required:
        label = "msg:" + CERTIFICATE_TYPES[cert_type]
        held = by_type.get(cert_type, [])
        if not held:
            problems.append((CERT_MISSING, {"certificate": label}))
            continue
        if any(c.expires_on is None or c.expires_on >= today for c in held):
            continue
        latest = max(held, key=lambda c: c.expires_on)
        problems.append((CERT_EXPIRED, {"certificate": label, "number": latest.number,
                                        "date": latest.expires_on.isoformat()}))
    return problems


def firm_can_file(firm: Firm, today: date | None = None,
                  certificates: list[Certificate] | None = None) -> list[tuple[str, dict]]:
    """Everything that stops the firm from filing a project now; an empty list means it may file."""
    today = today or clock.today()
    problems: list[tuple[str, dict]] = []
    negative = firm.status == "negative_listed" or (firm.negative_list_until is not None
                                                    and firm.negative_list_until >= today)
    if negative and rules.get("block_negative_listed_filings"):
        problems.append((NEGATIVE_LISTED, {}))
    # A negative-listed firm is judged by the local rule above, not refused a second time here.
    if firm.status not in FILING_STATES + ("negative_listed",):
        problems.append((FIRM_NOT_ACTIVE, {"state": "msg:" + FIRM_REGISTRATION.state_label(firm.status)}))
    if firm.valid_until is None:
        problems.append((REGISTRATION_NO_VALIDITY, {}))
    elif firm.valid_until < today:
        problems.append((REGISTRATION_EXPIRED, {"date": firm.valid_until.isoformat()}))
    problems.extend(blocking_certificate_problems(firm, today, certificates))
    return problems


def _clean_certificate(data: dict) -> tuple[dict, dict[str, list]]:
    errors: dict[str, list] = {}
    values = {
        "cert_type": data.get("cert_type") or "",
        "level": (data.get("level") or "").strip(),
        "number": (data.get("number") or "").strip(),
        "issuer": (data.get("issuer") or "").strip(),
        "issued_on": data.get("issued_on"),
        "expires_on": data.get("expires_on"),
    }
    if values["cert_type"] not in CERTIFICATE_TYPES:
        errors["cert_type"] = [N_("Choose a certificate type.")]
    if not values["number"]:
        errors["number"] = [N_("This field is required.")]
    if values["issued_on"] and values["expires_on"] and values["expires_on"] < values["issued_on"]:
        errors["expires_on"] = [N_("The expiry date is before the issue date.")]
    return values, errors


@contextmanager
def clean_on_failure():
    """Leave nothing half-done in the session when a rule refuses the change (the view re-renders the
    form in the same request); a refused upload is still audited, in its own transaction."""
    try:
        yield
    except ValidationFailed as exc:
        db.session.rollback()
        if any(name in ("file", "commitment_file", "licence_file") for name in exc.field_errors):
            audit.record_and_commit("upload.refused", "attachment", None, outcome="failure",
                                    detail={"fields": sorted(exc.field_errors)})
        raise


def _attach(firm: Firm, upload: tuple[bytes, str] | None, owner_type: str, owner_id: int, kind: str,
            field: str = "file") -> Attachment | None:
    if not upload or (not upload[0] and not upload[1]):
        return None
    data, filename = upload
    return attachments.save_upload(data, filename, owner_type=owner_type, owner_id=owner_id, kind=kind,
                                   firm_id=firm.id, field=field)


def add_certificate(firm_id: int, data: dict, upload: tuple[bytes, str] | None = None) -> Certificate:
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    values, errors = _clean_certificate(data)
    if errors:
        raise ValidationFailed(errors)
    cert = Certificate(firm_id=firm.id, **values)
    db.session.add(cert)
    db.session.flush()
    with clean_on_failure():
        attachment = _attach(firm, upload, "certificate", cert.id, "certificate")
    if attachment is not None:
        cert.attachment_id = attachment.id
    audit.record("certificate.create", "certificate", cert.id,
                 detail={"firm": firm.id, "type": cert.cert_type, "number": cert.number})
    transactions.commit()
    return cert


def get_own_certificate(actor: Actor, cert_id: int) -> tuple[Firm, Certificate]:
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound()
    return get_own_firm(actor, cert.firm_id), cert


def update_certificate(cert_id: int, data: dict, upload: tuple[bytes, str] | None = None) -> Certificate:
    actor = current_actor()
    firm, cert = get_own_certificate(actor, cert_id)
    values, errors = _clean_certificate(data)
    if errors:
        raise ValidationFailed(errors)
    changed = _assign(cert, values)
    with clean_on_failure():
        attachment = _attach(firm, upload, "certificate", cert.id, "certificate")
    if attachment is not None:
        cert.attachment_id = attachment.id
        changed.append("file")
    audit.record("certificate.update", "certificate", cert.id, detail={"firm": firm.id, "fields": changed})
    transactions.commit()
    return cert


def delete_certificate(cert_id: int) -> None:
    actor = current_actor()
    firm, cert = get_own_certificate(actor, cert_id)
    audit.record("certificate.delete", "certificate", cert.id,
                 detail={"firm": firm.id, "type": cert.cert_type, "number": cert.number})
    db.session.delete(cert)
    transactions.commit()


def expiring_certificates(firm_id: int, today: date, days: int = 60) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.firm_id == firm_id, Certificate.expires_on.is_not(None),
                                  Certificate.expires_on <= today + timedelta(days=days))
        .order_by(Certificate.expires_on)))


# --- management-system documents -------------------------------------------------------------------

def documents_of(firm_id: int) -> list[Attachment]:
    return list(db.session.scalars(select(Attachment).where(
        Attachment.owner_type == "firm", Attachment.owner_id == firm_id).order_by(Attachment.uploaded_at)))


def add_document(firm_id: int, data: bytes, filename: str) -> Attachment:
    actor = current_actor()
    firm = get_own_firm(actor, firm_id)
    with clean_on_failure():
        attachment = _attach(firm, (data, filename), "firm", firm.id, "management_system")
    if attachment is None:
        raise ValidationFailed({"file": [N_("Choose a file.")]})
    audit.record("firm.document_added", OBJECT_TYPE, firm.id, detail={"attachment": attachment.id})
    transactions.commit()
    return attachment


# --- attachment read rules: the firm's users and supervisors in jurisdiction -----------------------

def firm_readable(actor: Actor, firm_id: int | None) -> bool:
    return firm_id is not None and access.can_see(actor, db.session.get(Firm, firm_id))


def _read_firm_document(actor: Actor, owner_id: int | None, attachment: Attachment) -> bool:
    return firm_readable(actor, owner_id) and attachment.firm_id == owner_id


def _read_certificate(actor: Actor, owner_id: int | None, attachment: Attachment) -> bool:
    return owner_id is not None and access.can_see(actor, db.session.get(Certificate, owner_id))


attachments.register_read_rule("firm", _read_firm_document)
attachments.register_read_rule("certificate", _read_certificate)
attachments.register_replaceable("certificate")  # a new scan replaces the old one


# --- counts for home panels and queues -------------------------------------------------------------

def pending_registrations(actor: Actor | None = None) -> Select:
    return visible_firms(actor).where(Firm.status.in_(PENDING_REVIEW_STATES)).order_by(Firm.updated_at)


def pending_change_requests(actor: Actor | None = None) -> Select:
    return (visible_change_requests(actor).where(FirmChangeRequest.status == "submitted")
            .order_by(FirmChangeRequest.created_at))


def count_of(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
