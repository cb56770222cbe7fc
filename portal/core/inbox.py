"""In-app inbox: notify users in the caller's transaction; push through the platform when linked."""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import bindparam, func, or_, select, update

from portal.auth.models import User, UserRole
from portal.core import cache as aggregates
from portal.core import clock, outbox, transactions
from portal.core.models import Notification
from portal.extensions import db
from portal.orgs.models import RegulatorOffice


def notify(user_ids: Iterable[int], message: str, params: dict | None = None, link: str = "",
           dedupe: str | None = None) -> int:
    """Queue an inbox message (msgid + params) for each user; linked users also get a platform push.

    `dedupe` (optional) makes the platform push idempotent across retries of the same business event.
    """
    ids = sorted({uid for uid in user_ids if uid})
    if not ids:
        return 0
    params = params or {}
    for uid in ids:
        db.session.add(Notification(user_id=uid, message=message, params=params, link=link))
    linked = db.session.execute(
        select(User.id, User.gov_user_id).where(User.id.in_(ids), User.gov_user_id.is_not(None))
    ).all()
    for uid, gov_user_id in linked:
        key = f"push:{dedupe}:{uid}" if dedupe else None
        outbox.enqueue(
            "push_message",
            {"platform_user_id": gov_user_id, "template_code": "PORTAL_NOTICE",
             "params": {"message": message, **{k: str(v) for k, v in params.items()}, "link": link}},
            idempotency_key=key,
        )
    return len(ids)


def users_of_firm(firm_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.firm_id == firm_id, User.active.is_(True))))


def users_of_agency(agency_id: int) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.agency_id == agency_id, User.active.is_(True))))


@cache
def _unread_count_query():
    # Built once: the layout asks on every page, and making the statement cost as much as running it.
    return select(func.count(Notification.id)).where(Notification.user_id == bindparam("user_id"),
                                                     Notification.read_at.is_(None))


def unread_count(user_id: int) -> int:
    """The layout's badge: cached per user while no notification has changed (portal.core.cache)."""
    return aggregates.value("inbox.unread", user_id, [Notification],
                            lambda: db.session.scalar(_unread_count_query(), {"user_id": user_id}) or 0)


def mark_read(user_id: int, notification_id: int | None = None) -> None:
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=clock.utcnow()))
    transactions.commit()


def regulators_for(district_code: str | None, include_leads: bool = False) -> list[int]:
    """Active regulators whose jurisdiction covers the district: the city office and that district's
    office (city office only when no district is given). The one rule every area notifies by."""
    roles = ("regulator", "lead") if include_leads else ("regulator",)
    conditions = [RegulatorOffice.level == "city"]
    if district_code:
        conditions.append(RegulatorOffice.district_code == district_code)
    return sorted(set(db.session.scalars(
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(RegulatorOffice, RegulatorOffice.id == User.office_id)
        .where(User.active.is_(True), UserRole.role.in_(roles), or_(*conditions))
    )))
