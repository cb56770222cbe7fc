"""In-app inbox: notify users in the caller's transaction; push through the platform when linked."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, insert, or_, select, update

from portal.auth.models import User, UserRole
from portal.core import cache as aggregates
from portal.core import clock, outbox, transactions
from portal.core.models import Notification
from portal.extensions import db
from portal.orgs.models import RegulatorOffice


@dataclass(frozen=True)
class Message:
    """One inbox message for some users: a msgid with its parameters, a link and an optional dedupe key."""

    user_ids: Iterable[int]
    message: str
    params: dict | None = None
    link: str = ""
    dedupe: str | None = None


def notify(user_ids: Iterable[int], message: str, params: dict | None = None, link: str = "",
           dedupe: str | None = None) -> int:
    """Queue an inbox message (msgid + params) for each user; linked users also get a platform push.

    `dedupe` (optional) makes the platform push idempotent across retries of the same business event.
    """
    return notify_many([Message(user_ids, message, params, link, dedupe)])


def notify_many(messages: Iterable[Message], chunk: int = 1000) -> int:
    """notify() for many messages at once (the alert scan): the inbox rows and the platform pushes are
    inserted in bulk, `chunk` messages at a time, with one query for the linked users of each chunk."""
    total = 0
    pending: list[Message] = []
    for item in messages:
        pending.append(item)
        if len(pending) >= chunk:
            total += _write(pending)
            pending = []
    return total + (_write(pending) if pending else 0)


def _write(messages: list[Message]) -> int:
    recipients = [sorted({uid for uid in m.user_ids if uid}) for m in messages]
    now = clock.utcnow()
    rows = [{"user_id": uid, "message": m.message, "params": m.params or {}, "link": m.link, "created_at": now,
             "read_at": None} for m, ids in zip(messages, recipients, strict=True) for uid in ids]
    if not rows:
        return 0
    # The table, not the mapped class: a plain executemany, without the ORM's per-row bookkeeping.
    db.session.execute(insert(Notification.__table__), rows)
    everyone = sorted({uid for ids in recipients for uid in ids})
    linked: dict[int, str] = {}
    for start in range(0, len(everyone), 500):
        linked.update(db.session.execute(
            select(User.id, User.gov_user_id)
            .where(User.id.in_(everyone[start:start + 500]), User.gov_user_id.is_not(None))
        ).all())
    pushes = []
    for m, ids in zip(messages, recipients, strict=True):
        params = m.params or {}
        for uid in ids:
            if uid in linked:
                pushes.append(("push_message",
                               {"platform_user_id": linked[uid], "template_code": "PORTAL_NOTICE",
                                "params": {"message": m.message, **{k: str(v) for k, v in params.items()},
                                           "link": m.link}},
                               f"push:{m.dedupe}:{uid}" if m.dedupe else None))
    outbox.enqueue_many(pushes)
    return len(rows)


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
