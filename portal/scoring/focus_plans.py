"""Rectification plans (整改方案) of firms on the focus-supervision list (重点监管): the firm submits its
plan (text, an optional attachment), a regulator of its district accepts it or returns it with a reason,
the firm resubmits; every step on the timeline, audited, and the other side told in its inbox."""
from __future__ import annotations

from sqlalchemy import select

from portal.core import access, clock, inbox, transactions
from portal.core import uploads as attachments
from portal.core.context import Actor, current_actor
from portal.core.errors import Conflict, NotFound, ValidationFailed
from portal.core.models import Attachment
from portal.core.msgids import N_
from portal.core.timeline import record_transition
from portal.core.workflows import FOCUS_PLAN
from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring.models import FocusPlan, ResultApplication

OWNER_TYPE = "focus_plan"
MIN_PLAN_LENGTH = 20


def plan_requirement(firm_id: int) -> ResultApplication | None:
    """The firm's current focus-supervision listing when it requires a rectification plan, else None."""
    firm = db.session.get(Firm, firm_id)
    if firm is None or not firm.focus_supervision:
        return None
    listing = db.session.scalar(
        select(ResultApplication)
        .where(ResultApplication.firm_id == firm_id, ResultApplication.action == "focus_supervision",
               ResultApplication.lifted_at.is_(None))
        .order_by(ResultApplication.applied_at.desc(), ResultApplication.id.desc()))
    if listing is None or not (listing.detail or {}).get("plan_required"):
        return None
    return listing


def plan_for(listing_id: int) -> FocusPlan | None:
    """The plan answering a listing (one per listing: a returned plan is revised and resubmitted)."""
    return db.session.scalar(select(FocusPlan).where(FocusPlan.application_id == listing_id))


def get_plan(actor: Actor, plan_id: int) -> FocusPlan:
    return access.get_visible(actor, FocusPlan, plan_id)


def latest_plans(firm_ids: list[int]) -> dict[int, FocusPlan]:
    """Each listed firm's plan for its current listing (for the focus-list page), by firm id."""
    if not firm_ids:
        return {}
    rows = db.session.scalars(
        select(FocusPlan).join(ResultApplication, ResultApplication.id == FocusPlan.application_id)
        .where(FocusPlan.firm_id.in_(firm_ids), ResultApplication.lifted_at.is_(None)))
    return {plan.firm_id: plan for plan in rows}


def files_of(plan_id: int) -> list[Attachment]:
    return list(db.session.scalars(
        select(Attachment).where(Attachment.owner_type == OWNER_TYPE, Attachment.owner_id == plan_id)
        .order_by(Attachment.id)))


def _can_read_attachment(actor: Actor, owner_id: int | None, _attachment: Attachment) -> bool:
    if owner_id is None:
        return False
    try:
        get_plan(actor, owner_id)
    except NotFound:
        return False
    return True


attachments.register_read_rule(OWNER_TYPE, _can_read_attachment)


def submit_plan(plan_text: str, upload: tuple[bytes, str] | None = None, version=None) -> FocusPlan:
    """The firm submits its plan, or resubmits a returned one; refused when no plan is required, or
    while one waits for the regulator or has been accepted."""
    actor = current_actor()
    if not access.is_firm_user(actor):
        raise NotFound()
    listing = plan_requirement(actor.firm_id)
    if listing is None:
        raise Conflict(N_("Your firm is not asked for a rectification plan."))
    text = (plan_text or "").strip()
    if len(text) < MIN_PLAN_LENGTH:
        raise ValidationFailed({"plan_text": [(N_("Write the rectification plan (at least %(n)s characters)."),
                                               {"n": MIN_PLAN_LENGTH})]})
    plan = plan_for(listing.id)
    firm = db.session.get(Firm, actor.firm_id)
    if plan is None:
        plan = FocusPlan(firm_id=firm.id, application_id=listing.id, district_code=firm.district_code,
                         status=FOCUS_PLAN.initial)
        db.session.add(plan)
        db.session.flush()
        action, before = "submit", None
    else:
        transactions.check_version(plan, version)
        transition = FOCUS_PLAN.resolve(plan.status, "resubmit", actor.roles)
        action, before = transition.action, plan.status
        plan.status = transition.to_state
    plan.plan_text = text
    plan.submitted_by_id = actor.user_id
    plan.submitted_at = clock.utcnow()
    plan.decision_reason = ""
    if upload is not None:
        try:
            attachments.save_upload(upload[0], upload[1], owner_type=OWNER_TYPE, owner_id=plan.id, kind="other",
                                    firm_id=firm.id, field="attachment")
        except ValidationFailed:
            db.session.rollback()
            raise
    record_transition(OWNER_TYPE, plan, action, before, plan.status)
    inbox.notify(sorted(set(access.regulators_for_district(firm.district_code)) - {actor.user_id}),
                 N_("%(firm)s submitted its rectification plan for the focus-supervision list."),
                 {"firm": firm.name}, link=f"/scoring/focus/plans/{plan.id}")
    transactions.commit()
    return plan


def decide_plan(plan_id: int, action: str, reason: str = "", version=None) -> FocusPlan:
    """A regulator of the firm's district accepts the plan, or returns it with the reason to revise it."""
    actor = current_actor()
    if not access.is_supervisor(actor):
        raise NotFound()
    plan = get_plan(actor, plan_id)
    transactions.check_version(plan, version)
    if action not in ("accept", "return"):
        raise NotFound()
    if action == "return" and not (reason or "").strip():
        raise ValidationFailed({"reason": [N_("Give the reason for returning the plan: what must be revised.")]})
    transition = FOCUS_PLAN.resolve(plan.status, action, actor.roles, reason)
    before = plan.status
    plan.status = transition.to_state
    plan.decided_by_id = actor.user_id
    plan.decided_at = clock.utcnow()
    plan.decision_reason = (reason or "").strip()
    record_transition(OWNER_TYPE, plan, action, before, plan.status, reason or "")
    message = (N_("Your rectification plan was accepted.") if action == "accept"
               else N_("Your rectification plan was returned: %(reason)s"))
    inbox.notify(inbox.users_of_firm(plan.firm_id), message, {"reason": plan.decision_reason},
                 link=f"/scoring/focus/plans/{plan.id}")
    transactions.commit()
    return plan
