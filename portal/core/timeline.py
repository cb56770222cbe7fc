"""Record workflow transitions (who, when, from, to, why) and read an object's timeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.core import audit, clock
from portal.core.context import current_actor
from portal.core.models import StateTransition
from portal.core.msgids import N_
from portal.core.workflows import WORKFLOWS
from portal.extensions import db


def record_transition(object_type: str, obj, action: str, from_state: str | None, to_state: str,
                      reason: str = "", audit_detail: dict | None = None) -> StateTransition:
    """Timeline row plus audit row, in the caller's transaction."""
    actor = current_actor()
    row = StateTransition(
        object_type=object_type,
        object_id=obj.id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.user_id,
        actor_name=actor.username,
        at=clock.utcnow(),
        reason=reason or "",
    )
    db.session.add(row)
    detail = {"from": from_state, "to": to_state}
    if reason:
        detail["reason"] = reason
    if audit_detail:
        detail.update(audit_detail)
    audit.record(f"{object_type}.{action}", object_type, obj.id, detail=detail)
    return row


def timeline(object_type: str, object_id: int) -> list[StateTransition]:
    return list(
        db.session.scalars(
            select(StateTransition)
            .where(StateTransition.object_type == object_type, StateTransition.object_id == object_id)
            .order_by(StateTransition.at, StateTransition.id)
        )
    )


# The workflow whose table labels an object type's actions and states.
WORKFLOW_OF = {
    "firm": "firm_registration",
    "project_filing": "project_filing",
    "change_filing": "change_filing",
    "inspection": "inspection",
    "rectification": "rectification",
    "incident": "incident",
    "scoring_period": "scoring_period",
    "objection": "objection",
    "change_request": "change_request",
}
# Actions recorded outside a workflow table (the first step of an object, or a refusal on site).
EXTRA_ACTION_LABELS = {
    "create": N_("Create"),
    "plan": N_("Plan"),
    "issue": N_("Issue"),
    "report": N_("Report"),
    "refused": N_("Inspection refused"),
    "resubmit": N_("Resubmit"),
    "negative_list": N_("Put on the negative list"),
    "reinstate": N_("Reinstate"),
    "apply": N_("Apply the consequences"),
    "recompute": N_("Recompute"),
}
SYSTEM_ACTOR = N_("System")


@dataclass(frozen=True)
class Step:
    """One timeline step as a reader sees it; every text is a msgid except the person's name and reason."""

    action_label: str
    from_label: str | None
    to_label: str
    actor: str
    actor_is_system: bool
    at: datetime
    reason: str


def action_label(object_type: str, action: str) -> str:
    """The msgid naming `action` on `object_type`: the workflow table's label, else a known extra label."""
    workflow = WORKFLOWS.get(WORKFLOW_OF.get(object_type, object_type))
    if workflow is not None:
        for transition in workflow.transitions:
            if transition.action == action:
                return transition.label
    return EXTRA_ACTION_LABELS.get(action, N_("Update"))


def _state_label(workflow, code: str | None) -> str | None:
    if code is None:
        return None
    return workflow.states.get(code, N_("unknown state")) if workflow is not None else N_("unknown state")


def steps(object_type: str, object_id: int) -> list[Step]:
    """The object's timeline in words: action labels, state labels and the person's display name (one query)."""
    from portal.auth.models import User

    workflow = WORKFLOWS.get(WORKFLOW_OF.get(object_type, object_type))
    rows = db.session.execute(
        select(StateTransition, User.display_name)
        .outerjoin(User, User.id == StateTransition.actor_id)
        .where(StateTransition.object_type == object_type, StateTransition.object_id == object_id)
        .order_by(StateTransition.at, StateTransition.id)
    ).all()
    return [
        Step(action_label=action_label(object_type, row.action), from_label=_state_label(workflow, row.from_state),
             to_label=_state_label(workflow, row.to_state) or "", actor=name or "", actor_is_system=not name,
             at=row.at, reason=row.reason or "")
        for row, name in rows
    ]
