"""Record workflow transitions (who, when, from, to, why) and read an object's timeline."""
from __future__ import annotations

from sqlalchemy import select

from portal.core import audit, clock
from portal.core.context import current_actor
from portal.core.models import StateTransition
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
