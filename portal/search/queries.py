"""What one search word finds, per kind, among the rows the actor may see (portal.core.access).

Each kind is one statement of plain columns limited to CAP + 1 rows: the extra row only says "there
is more" (the page links to the full list where one exists), so a search costs four statements however
many rows match. Staff are found by name only: their ID numbers are encrypted and never searched.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, or_, select

from portal.core import access
from portal.core.context import Actor
from portal.core.textmatch import contains
from portal.extensions import db
from portal.filings import numbers
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm, StaffMember
from portal.orgs.models import Agency

CAP = 10  # rows shown per kind
MIN_LENGTH = 2  # characters: one letter matches half the database and tells nobody anything


@dataclass
class Group:
    kind: str
    rows: list = field(default_factory=list)
    more: bool = False  # more than CAP rows match


def filings(actor: Actor, q: str) -> Select:
    """Filings whose number or title contains `q`; when `q` is the start of a filing number (with its
    year), the filings whose number starts with it, read off the number's unique index."""
    leading = numbers.leading_part(q)
    matches = (or_(contains(ProjectFiling.number, q), contains(ProjectFiling.title, q)) if leading is None
               # A range the index answers on both databases (upper bound: past every character a
               # number holds), with LIKE keeping the match exact whatever the collation.
               else and_(ProjectFiling.number >= leading, ProjectFiling.number < leading + "\uffff",
                         ProjectFiling.number.startswith(leading, autoescape=True)))
    return (select(ProjectFiling.id, ProjectFiling.number, ProjectFiling.title, ProjectFiling.status,
                   Firm.name.label("firm_name"))
            .join(Firm, Firm.id == ProjectFiling.firm_id)
            .where(access.visible(actor, ProjectFiling), matches)
            .order_by(ProjectFiling.updated_at.desc(), ProjectFiling.id.desc()))


def firms(actor: Actor, q: str) -> Select:
    return (select(Firm.id, Firm.name, Firm.uscc, Firm.district_code)
            .where(access.visible(actor, Firm), or_(contains(Firm.name, q), contains(Firm.uscc, q)))
            .order_by(Firm.name, Firm.id))


def agencies(actor: Actor, q: str) -> Select:
    return (select(Agency.id, Agency.name, Agency.district_code)
            .where(access.visible(actor, Agency), contains(Agency.name, q))
            .order_by(Agency.name, Agency.id))


def staff(actor: Actor, q: str) -> Select:
    return (select(StaffMember.id, StaffMember.name, StaffMember.role, StaffMember.active, StaffMember.firm_id,
                   Firm.name.label("firm_name"))
            .join(Firm, Firm.id == StaffMember.firm_id)
            .where(access.visible(actor, StaffMember), contains(StaffMember.name, q))
            .order_by(StaffMember.active.desc(), StaffMember.name, StaffMember.id))


KINDS = {"filings": filings, "firms": firms, "agencies": agencies, "staff": staff}


def search(actor: Actor, q: str) -> list[Group]:
    """Every kind's first CAP matches for `q` (already cleaned, at least MIN_LENGTH characters)."""
    groups = []
    for kind, query in KINDS.items():
        rows = list(db.session.execute(query(actor, q).limit(CAP + 1)))
        groups.append(Group(kind, rows[:CAP], len(rows) > CAP))
    return groups
