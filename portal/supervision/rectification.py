"""Rectification orders (整改通知, Archives Law Art. 45): issue, answer, verify or reject, overdue,
escalation with a summons (约谈) and an optional penalty case."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select

from portal.core import access, audit, clock, docnumbers, inbox, localtime, timeline, transactions
from portal.core import uploads as attachments
from portal.core.access import (
    in_jurisdiction,
    regulators_for_district,
    require_supervisor,
)
from portal.core.context import Actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.pagination import Page, paginate
from portal.core.quarters import parse_quarter
from portal.core.workflows import INSPECTION, RECTIFICATION
from portal.extensions import db
from portal.firms.models import Firm
from portal.incidents.models import Incident
from portal.supervision import rules as supervision_rules
from portal.supervision.models import (
    ChecklistItem,
    Inspection,
    InspectionResult,
    PenaltyCase,
    RectificationOrder,
    RectificationResponse,
    Summons,
)
from portal.supervision.penalties import PenaltyError, check_amount

DEFAULT_DEADLINE_DAYS = 30
OPEN_STATUSES = ("issued", "answered", "rejected", "overdue", "escalated")


def visible_orders(actor: Actor) -> Select:
    """The rectification orders the actor may see (portal.core.access)."""
    return select(RectificationOrder).where(access.visible(actor, RectificationOrder))


def get_order(actor: Actor, order_id: int) -> RectificationOrder:
    return access.get_visible(actor, RectificationOrder, order_id)


@dataclass
class OrderFilter:
    status: str = ""
    firm_id: int | None = None
    district: str = ""
    overdue_only: bool = False
    closed_in: str = ""  # closed in this quarter (2026Q3)


def filtered_orders(actor: Actor, f: OrderFilter) -> Select:
    stmt = visible_orders(actor)
    if f.status == "open":
        stmt = stmt.where(RectificationOrder.status.in_(OPEN_STATUSES))
    elif f.status in RECTIFICATION.states:
        stmt = stmt.where(RectificationOrder.status == f.status)
    if f.firm_id:
        stmt = stmt.where(RectificationOrder.firm_id == f.firm_id)
    if f.district:
        stmt = stmt.where(RectificationOrder.district_code == f.district)
    if f.overdue_only:
        stmt = stmt.where(RectificationOrder.status.in_(("overdue", "escalated")))
    bounds = parse_quarter(f.closed_in)
    if bounds:
        stmt = stmt.where(RectificationOrder.closed_at >= localtime.day_start_utc(bounds[0]),
                          RectificationOrder.closed_at < localtime.day_start_utc(bounds[1] + timedelta(days=1)))
    return stmt.order_by(RectificationOrder.issued_at.desc(), RectificationOrder.id.desc())


def list_orders(actor: Actor, f: OrderFilter, page: int | None) -> Page:
    return paginate(filtered_orders(actor, f), page)


def firm_names(firm_ids) -> dict[int, str]:
    ids = set(firm_ids)
    return dict(db.session.execute(select(Firm.id, Firm.name).where(Firm.id.in_(ids))).all()) if ids else {}


def _next_number(year: int) -> str:
    prefix = f"ZG-{year}-"
    last = db.session.scalar(select(func.max(RectificationOrder.number))
                             .where(RectificationOrder.number.like(f"{prefix}%")))
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def issue_order(actor: Actor, firm_id: int, items: list[str], requirement: str, deadline: date | None = None,
                *, inspection_id: int | None = None, incident_id: int | None = None,
                filing_id: int | None = None, district_code: str | None = None) -> RectificationOrder:
    """Order a firm to rectify by a deadline (default 30 days); the firm's users are notified."""
    require_supervisor(actor)
    firm = db.session.get(Firm, firm_id)
    district = district_code or (firm.district_code if firm else None)
    if firm is None or not in_jurisdiction(actor, district):
        raise NotFound()
    items = [i.strip() for i in items if i and i.strip()]
    errors: dict[str, list] = {}
    if not items:
        errors["items"] = [N_("List at least one item to rectify.")]
    if not requirement or not requirement.strip():
        errors["requirement"] = [N_("Say what the firm must do.")]
    deadline = deadline or clock.today() + timedelta(days=DEFAULT_DEADLINE_DAYS)
    if deadline <= clock.today():
        errors["deadline"] = [N_("The deadline must be after today.")]
    if errors:
        raise ValidationFailed(errors)
    order = RectificationOrder(
        number=_next_number(clock.today().year), firm_id=firm.id, district_code=district, filing_id=filing_id,
        inspection_id=inspection_id, incident_id=incident_id, items=items, requirement=requirement.strip(),
        deadline=deadline, status="issued", issued_by_id=actor.user_id, issued_at=clock.utcnow(),
    )
    db.session.add(order)
    db.session.flush()
    docnumbers.allocate(docnumbers.RECTIFICATION, order.id, clock.today())  # 整改通知书 issued with it
    timeline.record_transition("rectification", order, "issue", None, "issued",
                               audit_detail={"number": order.number, "firm_id": firm.id})
    inbox.notify(inbox.users_of_firm(firm.id),
                 N_("Rectification order %(number)s: answer by %(date)s"),
                 {"number": order.number, "date": deadline.isoformat()}, link=f"/supervision/rectifications/{order.id}")
    return order


def failed_items(inspection_id: int, translate=lambda text: text) -> list[str]:
    """The failed checklist items as lines of an order; `translate` puts the item text (a msgid) in the
    reader's language (a Chinese order must not be pre-filled in English)."""
    rows = db.session.execute(
        select(ChecklistItem.code, ChecklistItem.text, InspectionResult.note)
        .join(ChecklistItem, ChecklistItem.id == InspectionResult.item_id)
        .where(InspectionResult.inspection_id == inspection_id, InspectionResult.result == "fail")
        .order_by(ChecklistItem.position)
    ).all()
    return [f"{code} {translate(text)}" + (f" — {note}" if note else "") for code, text, note in rows]


def issue_from_inspection(actor: Actor, inspection_id: int, requirement: str, deadline: date | None = None,
                          items: list[str] | None = None) -> RectificationOrder:
    """From an inspection's failed items; a checked inspection moves to "rectification required"."""
    from portal.core.workflows import INSPECTION
    from portal.supervision.inspections import get_inspection

    inspection: Inspection = get_inspection(actor, inspection_id)
    items = items or failed_items(inspection.id)
    if inspection.refused and not items:
        items = [N_("The firm refused the inspection")]
    order = issue_order(actor, inspection.firm_id, items, requirement, deadline, inspection_id=inspection.id,
                        filing_id=inspection.filing_id, district_code=inspection.district_code)
    if inspection.status == "checked":
        t = INSPECTION.resolve(inspection.status, "require_rectification", actor.roles)
        timeline.record_transition("inspection", inspection, t.action, inspection.status, t.to_state)
        inspection.status = t.to_state
    transactions.commit()
    return order


def issue_from_incident(actor: Actor, incident_id: int, requirement: str, deadline: date | None = None,
                        items: list[str] | None = None) -> RectificationOrder:
    """From an upheld incident."""
    require_supervisor(actor)
    incident = db.session.get(Incident, incident_id)
    if incident is None or not in_jurisdiction(actor, incident.district_code):
        raise NotFound()
    if incident.status != "upheld":
        raise Conflict(N_("Only an upheld incident can lead to a rectification order."))
    order = issue_order(actor, incident.firm_id, items or [incident.description[:500]], requirement, deadline,
                        incident_id=incident.id, filing_id=incident.filing_id, district_code=incident.district_code)
    transactions.commit()
    return order


def issue_by_hand(actor: Actor, firm_id: int, items: list[str], requirement: str,
                  deadline: date | None = None) -> RectificationOrder:
    order = issue_order(actor, firm_id, items, requirement, deadline)
    transactions.commit()
    return order


def _move(actor: Actor, order: RectificationOrder, action: str, reason: str = "") -> None:
    t = RECTIFICATION.resolve(order.status, action, actor.roles, reason)
    timeline.record_transition("rectification", order, t.action, order.status, t.to_state, reason=reason)
    order.status = t.to_state


def respond(actor: Actor, order_id: int, body: str, files: list[tuple[bytes, str]] | None = None,
            version: str | int | None = None) -> RectificationResponse:
    """The firm answers with what it did and evidence files; the regulators are notified."""
    order = get_order(actor, order_id)
    if "vendor" not in actor.roles or order.firm_id != actor.firm_id:
        raise NotFound()
    transactions.check_version(order, version)
    if not body or not body.strip():
        raise ValidationFailed({"body": [N_("Describe what was rectified.")]})
    _move(actor, order, "answer")
    response = RectificationResponse(order_id=order.id, body=body.strip(), submitted_by_id=actor.user_id,
                                     submitted_at=clock.utcnow())
    db.session.add(response)
    db.session.flush()
    for data, filename in files or []:
        attachments.save_upload(data, filename, owner_type="rectification_response", owner_id=response.id,
                                kind="evidence", firm_id=order.firm_id, field="files")
    recipients = [order.issued_by_id] if order.issued_by_id else regulators_for_district(order.district_code)
    inbox.notify(recipients, N_("Rectification order %(number)s was answered"), {"number": order.number},
                 link=f"/supervision/rectifications/{order.id}")
    transactions.commit()
    return response


def _last_open_response(order: RectificationOrder) -> RectificationResponse | None:
    return db.session.scalar(select(RectificationResponse)
                             .where(RectificationResponse.order_id == order.id,
                                    RectificationResponse.decision.is_(None))
                             .order_by(RectificationResponse.id.desc()).limit(1))


def _decide(actor: Actor, order_id: int, action: str, reason: str, version: str | int | None) -> RectificationOrder:
    order = get_order(actor, order_id)
    require_supervisor(actor)
    transactions.check_version(order, version)
    _move(actor, order, action, reason)
    response = _last_open_response(order)
    if response is not None:
        response.decision = "accepted" if action == "verify" else "rejected"
        response.decision_reason = reason.strip()
        response.decided_by_id = actor.user_id
        response.decided_at = clock.utcnow()
    if action == "verify":
        order.closed_at = clock.utcnow()
        message = N_("Rectification order %(number)s is verified and closed")
        if order.inspection_id:
            _close_inspection_if_rectified(actor, order.inspection_id)
    else:
        message = N_("The answer to rectification order %(number)s was rejected: %(reason)s")
    inbox.notify(inbox.users_of_firm(order.firm_id), message, {"number": order.number, "reason": reason},
                 link=f"/supervision/rectifications/{order.id}")
    transactions.commit()
    return order


def _close_inspection_if_rectified(actor: Actor, inspection_id: int) -> None:
    """rectification required → closed once every order the inspection led to is verified."""
    inspection = db.session.get(Inspection, inspection_id)
    if inspection is None or inspection.status != "rectification_required":
        return
    db.session.flush()
    statuses = db.session.scalars(select(RectificationOrder.status)
                                  .where(RectificationOrder.inspection_id == inspection_id)).all()
    if not supervision_rules.can_close_after_rectification(statuses):
        return
    t = INSPECTION.resolve(inspection.status, "close", actor.roles)
    timeline.record_transition("inspection", inspection, t.action, inspection.status, t.to_state)
    inspection.status = t.to_state


def verify(actor: Actor, order_id: int, version: str | int | None = None, note: str = "") -> RectificationOrder:
    return _decide(actor, order_id, "verify", note, version)


def reject(actor: Actor, order_id: int, reason: str, version: str | int | None = None) -> RectificationOrder:
    if not reason or not reason.strip():
        raise ValidationFailed({"reason": [N_("Give the reasons for rejecting the answer.")]})
    return _decide(actor, order_id, "reject", reason, version)


@dataclass
class PenaltyInput:
    legal_basis: str
    decision: str
    amount: str | None
    decided_on: date


def escalate(actor: Actor, order_id: int, reason: str, held_on: date, attendees: str, record: str,
             penalty: PenaltyInput | None = None, version: str | int | None = None) -> RectificationOrder:
    """Overdue → escalated: the summons (约谈) is recorded, and optionally a penalty case."""
    order = get_order(actor, order_id)
    require_supervisor(actor)
    transactions.check_version(order, version)
    errors: dict[str, list] = {}
    if not record or not record.strip():
        errors["record"] = [N_("Write the record of the summons.")]
    if penalty is not None:
        errors.update(_penalty_errors(penalty))
    if errors:
        raise ValidationFailed(errors)
    _move(actor, order, "escalate", reason)
    summons = Summons(order_id=order.id, held_on=held_on, attendees=attendees.strip(), record=record.strip(),
                      created_by_id=actor.user_id)
    db.session.add(summons)
    db.session.flush()
    docnumbers.allocate(docnumbers.SUMMONS, summons.id, held_on)  # 约谈记录
    audit.record("rectification.summons", "summons", summons.id, detail={"order": order.number})
    if penalty is not None:
        _add_penalty(actor, order, penalty)
    inbox.notify(inbox.users_of_firm(order.firm_id),
                 N_("Rectification order %(number)s was escalated: summons on %(date)s"),
                 {"number": order.number, "date": held_on.isoformat()}, link=f"/supervision/rectifications/{order.id}")
    transactions.commit()
    return order


def _penalty_errors(penalty: PenaltyInput) -> dict[str, list]:
    errors: dict[str, list] = {}
    try:
        check_amount(penalty.legal_basis, penalty.amount)
    except PenaltyError as exc:
        errors["amount"] = [(exc.args[0], exc.args[1])] if exc.args[1] else [exc.args[0]]
    if not penalty.decision or not penalty.decision.strip():
        errors["decision"] = [N_("Write the penalty decision.")]
    return errors


def _add_penalty(actor: Actor, order: RectificationOrder, penalty: PenaltyInput) -> PenaltyCase:
    case = PenaltyCase(order_id=order.id, firm_id=order.firm_id, legal_basis=penalty.legal_basis,
                       decision=penalty.decision.strip(), amount=check_amount(penalty.legal_basis, penalty.amount),
                       decided_on=penalty.decided_on, created_by_id=actor.user_id)
    db.session.add(case)
    db.session.flush()
    audit.record("penalty.record", "penalty_case", case.id,
                 detail={"order": order.number, "basis": case.legal_basis, "amount": str(case.amount)})
    return case


def add_penalty(actor: Actor, order_id: int, penalty: PenaltyInput) -> PenaltyCase:
    """A penalty case on an escalated order (regulator or lead)."""
    order = get_order(actor, order_id)
    require_supervisor(actor)
    if order.status != "escalated":
        raise Conflict(N_("A penalty case is recorded on an escalated order."))
    errors = _penalty_errors(penalty)
    if errors:
        raise ValidationFailed(errors)
    case = _add_penalty(actor, order, penalty)
    transactions.commit()
    return case


@dataclass
class OrderHistory:
    responses: list[RectificationResponse]
    evidence: dict[int, list[Attachment]]
    summonses: list[Summons]
    penalties: list[PenaltyCase]
    timeline: list


def history(order: RectificationOrder) -> OrderHistory:
    responses = list(db.session.scalars(select(RectificationResponse)
                                        .where(RectificationResponse.order_id == order.id)
                                        .order_by(RectificationResponse.id)))
    evidence: dict[int, list[Attachment]] = {}
    if responses:
        for a in db.session.scalars(select(Attachment).where(
                Attachment.owner_type == "rectification_response",
                Attachment.owner_id.in_([r.id for r in responses]))):
            evidence.setdefault(a.owner_id, []).append(a)
    return OrderHistory(
        responses=responses, evidence=evidence,
        summonses=list(db.session.scalars(select(Summons).where(Summons.order_id == order.id).order_by(Summons.id))),
        penalties=list(db.session.scalars(select(PenaltyCase).where(PenaltyCase.order_id == order.id))),
        timeline=timeline.steps("rectification", order.id),
    )


def _can_read_evidence(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    response = db.session.get(RectificationResponse, owner_id) if owner_id else None
    if response is None:
        return False
    return db.session.scalar(visible_orders(actor).where(RectificationOrder.id == response.order_id)) is not None


attachments.register_read_rule("rectification_response", _can_read_evidence)


def open_order_count_for_firm(firm_id: int) -> int:
    return db.session.scalar(select(func.count(RectificationOrder.id)).where(
        RectificationOrder.firm_id == firm_id, RectificationOrder.status.in_(OPEN_STATUSES))) or 0
