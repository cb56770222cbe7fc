"""Use cases of the bad-rating follow-up (差评整改): open on a bad rating, the firm's answer, the agency's
confirmation (回访), withdrawal by a regulator, and the reminder job. Writes go through
portal.core.transactions; every change is on the timeline, audited and told to the other party."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.core import access, audit, clock, inbox, local_rules, timeline, transactions
from portal.core.context import Actor, current_actor
from portal.core.errors import NotFound, ValidationFailed
from portal.core.msgids import N_
from portal.core.workdays import add_workdays
from portal.extensions import db
from portal.feedback import rules as feedback_rules
from portal.feedback.models import Feedback
from portal.filings.models import ProjectFiling
from portal.followups import rules
from portal.followups.models import FollowUp

OBJECT_TYPE = "followup"
MAX_TEXT = 5000


def followup_workdays() -> int:
    """The local rule `followup_workdays` (default 15 working days)."""
    value = local_rules.get("followup_workdays")
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return rules.DEFAULT_WORKDAYS


def link(followup_id: int) -> str:
    return f"/followups/{followup_id}"


def _number(row: FollowUp) -> str:
    """The project's filing number, which people use to name the work (never a record id)."""
    return db.session.scalar(select(ProjectFiling.number).where(ProjectFiling.id == row.filing_id)) or ""


def get_followup(actor: Actor | None, followup_id: int) -> FollowUp:
    return access.get_visible(actor or current_actor(), FollowUp, followup_id)


# -- opening (called by the feedback service inside its own transaction) ---------------------------

def open_for_feedback(fb: Feedback, filing: ProjectFiling | None = None) -> FollowUp | None:
    """Open the feedback's follow-up when a rating is 1 or 2 and none exists yet; no commit here."""
    ratings = {k: getattr(fb, k) for k in feedback_rules.DIMENSIONS}
    if not rules.opens_followup(ratings):
        return None
    if db.session.scalar(select(FollowUp.id).where(FollowUp.feedback_id == fb.id)) is not None:
        return None
    filing = filing or db.session.get(ProjectFiling, fb.filing_id)
    today = clock.today()
    row = FollowUp(feedback_id=fb.id, filing_id=fb.filing_id, firm_id=fb.firm_id, agency_id=fb.agency_id,
                   district_code=filing.district_code, status=rules.OPEN,
                   dimensions=feedback_rules.bad_dimensions(ratings), opened_on=today,
                   deadline=rules.deadline(today, followup_workdays(), add_workdays))
    db.session.add(row)
    db.session.flush()
    timeline.record_transition(OBJECT_TYPE, row, "open", None, rules.OPEN,
                               audit_detail={"feedback": fb.id, "deadline": row.deadline.isoformat()})
    inbox.notify(inbox.users_of_firm(fb.firm_id),
                 N_("A bad rating on project %(number)s needs your answer by %(date)s: say what your firm has changed."),
                 {"number": filing.number or "", "date": row.deadline.isoformat()}, link=link(row.id),
                 dedupe=f"followup:{row.id}:open")
    return row


# -- the workflow -----------------------------------------------------------------------------------

def _text(value: str | None, field: str, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field: [missing]})
    if len(text) > MAX_TEXT:
        raise ValidationFailed({field: [(N_("Keep it under %(n)s characters."), {"n": MAX_TEXT})]})
    return text


def _move(row: FollowUp, action: str, actor: Actor, reason: str = "") -> None:
    t = rules.FOLLOW_UP.resolve(row.status, action, actor.roles, reason or None)
    timeline.record_transition(OBJECT_TYPE, row, t.action, row.status, t.to_state, reason=reason)
    row.status = t.to_state


def answer(followup_id: int, text: str, version=None) -> FollowUp:
    """The rated firm says what it changed (late answers are taken, and counted late)."""
    actor = current_actor()
    row = get_followup(actor, followup_id)
    if not access.is_firm_user(actor) or actor.firm_id != row.firm_id:
        raise NotFound()
    transactions.check_version(row, version)
    body = _text(text, "answer", N_("Say what your firm has changed."))
    _move(row, "answer", actor)
    row.answer, row.answered_at, row.answered_by_id = body, clock.utcnow(), actor.user_id
    inbox.notify(inbox.users_of_agency(row.agency_id),
                 N_("The firm has answered your bad rating on project %(number)s: please confirm whether you are now satisfied."),
                 {"number": _number(row)}, link=link(row.id), dedupe=f"followup:{row.id}:answered")
    transactions.commit()
    return row


def confirm(followup_id: int, satisfied: bool, note: str = "", version=None) -> FollowUp:
    """The agency's confirmation (回访): now satisfied, or still dissatisfied (with a reason)."""
    actor = current_actor()
    row = get_followup(actor, followup_id)
    if not access.is_agency_user(actor) or actor.agency_id != row.agency_id:
        raise NotFound()
    transactions.check_version(row, version)
    note = (note or "").strip()
    if not satisfied and not note:
        raise ValidationFailed({"note": [N_("Say what is still wrong.")]})
    if len(note) > MAX_TEXT:
        raise ValidationFailed({"note": [(N_("Keep it under %(n)s characters."), {"n": MAX_TEXT})]})
    _move(row, "confirm_satisfied" if satisfied else "confirm_unsatisfied", actor, note if not satisfied else "")
    row.confirm_note, row.confirmed_at, row.confirmed_by_id = note, clock.utcnow(), actor.user_id
    message = (N_("The agency is now satisfied with your answer on project %(number)s.") if satisfied else
               N_("The agency is still dissatisfied after your answer on project %(number)s."))
    inbox.notify(inbox.users_of_firm(row.firm_id), message, {"number": _number(row)}, link=link(row.id),
                 dedupe=f"followup:{row.id}:confirmed")
    if not satisfied:
        inbox.notify(inbox.regulators_for(row.district_code), message, {"number": _number(row)}, link=link(row.id),
                     dedupe=f"followup:{row.id}:confirmed:reg")
    transactions.commit()
    return row


def withdraw(followup_id: int, reason: str, version=None) -> FollowUp:
    """A regulator in jurisdiction withdraws a follow-up (e.g. the rating was given in error), with reason."""
    actor = current_actor()
    row = get_followup(actor, followup_id)
    if not access.in_jurisdiction(actor, row.district_code):
        raise NotFound()
    transactions.check_version(row, version)
    reason = _text(reason, "reason", N_("Give the reason for withdrawing the follow-up."))
    _move(row, "withdraw", actor, reason)
    row.withdrawn_reason = reason
    people = inbox.users_of_firm(row.firm_id) + inbox.users_of_agency(row.agency_id)
    inbox.notify(people, N_("The archives bureau withdrew the follow-up of the bad rating on project %(number)s: %(reason)s"),
                 {"number": _number(row), "reason": reason}, link=link(row.id), dedupe=f"followup:{row.id}:withdrawn")
    transactions.commit()
    return row


def available_actions(actor: Actor, row: FollowUp) -> set[str]:
    """What the actor may do now on the detail page (the services check again)."""
    actions: set[str] = set()
    if row.status == rules.OPEN and access.is_firm_user(actor) and actor.firm_id == row.firm_id:
        actions.add("answer")
    if row.status == rules.ANSWERED and access.is_agency_user(actor) and actor.agency_id == row.agency_id:
        actions.add("confirm")
    if row.status in rules.PENDING and access.in_jurisdiction(actor, row.district_code):
        actions.add("withdraw")
    return actions


# -- reminders --------------------------------------------------------------------------------------

def send_reminders(today: date | None = None) -> int:
    """Remind firms of open follow-ups: once when the deadline is near, once when it has passed.

    The stage sent is stored on the row, so running the job again (or twice at once: the version
    column settles it) sends nothing new."""
    today = today or clock.today()
    soon_from_cutoff = add_workdays(today, rules.REMIND_BEFORE_WORKDAYS)
    rows = list(db.session.scalars(
        select(FollowUp).where(FollowUp.status == rules.OPEN, FollowUp.deadline <= soon_from_cutoff)
        .order_by(FollowUp.id)))
    sent = 0
    for row in rows:
        soon_from = add_workdays(row.deadline, -rules.REMIND_BEFORE_WORKDAYS)
        stage = rules.reminder_stage(row.status, row.deadline, today, soon_from)
        if not stage or stage == row.reminder_stage:
            continue
        row.reminder_stage = stage
        params = {"number": _number(row), "date": row.deadline.isoformat()}
        if stage == "overdue":
            message = N_("The answer to the bad rating on project %(number)s was due on %(date)s and is overdue.")
            inbox.notify(inbox.regulators_for(row.district_code), message, params, link=link(row.id),
                         dedupe=f"followup:{row.id}:overdue:reg")
        else:
            message = N_("Reminder: the bad rating on project %(number)s needs your answer by %(date)s.")
        inbox.notify(inbox.users_of_firm(row.firm_id), message, params, link=link(row.id),
                     dedupe=f"followup:{row.id}:{stage}")
        audit.record("followup.reminder", OBJECT_TYPE, row.id, detail={"stage": stage})
        sent += 1
    transactions.commit()
    return sent
