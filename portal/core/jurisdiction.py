"""Jurisdiction of a regulator: a district office sees its district only, a city office the whole city."""
from __future__ import annotations

from sqlalchemy import Select, select

from portal.auth.models import User, UserRole
from portal.core import inbox
from portal.core.constants import SUPERVISOR_ROLES
from portal.core.context import Actor
from portal.core.errors import NotFound
from portal.extensions import db
from portal.orgs.models import RegulatorOffice


def is_supervisor(actor: Actor) -> bool:
    return bool(set(actor.roles) & set(SUPERVISOR_ROLES))


def require_supervisor(actor: Actor) -> None:
    """Supervision records exist only for regulators and leads; others get 404, never a hint."""
    if not is_supervisor(actor):
        raise NotFound()


def scoped(stmt: Select, actor: Actor, district_column) -> Select:
    """Limit a statement to the actor's district when the actor works for a district office."""
    if actor.district_code:
        return stmt.where(district_column == actor.district_code)
    return stmt


def in_jurisdiction(actor: Actor, district_code: str | None) -> bool:
    return actor.district_code is None or actor.district_code == district_code


def regulators_of(district_code: str | None) -> list[int]:
    """Active regulators of a jurisdiction: a district office's staff, or the city office's staff."""
    stmt = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(RegulatorOffice, RegulatorOffice.id == User.office_id)
        .where(UserRole.role == "regulator", User.active.is_(True))
    )
    if district_code:
        stmt = stmt.where(RegulatorOffice.level == "district", RegulatorOffice.district_code == district_code)
    else:
        stmt = stmt.where(RegulatorOffice.level == "city")
    return sorted(set(db.session.scalars(stmt)))


def regulators_for_district(district_code: str | None) -> list[int]:
    """Who hears about something in a district: its district office and the city office."""
    return inbox.regulators_for(district_code)
