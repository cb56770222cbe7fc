"""Lists, the follow-up rate and the export of bad-rating follow-ups, scoped by portal.core.access."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, or_, select

from portal.core import access, clock, localtime
from portal.core.context import Actor
from portal.core.exports import Column, fetch_rows
from portal.core.identifiers import DISTRICTS
from portal.core.msgids import N_
from portal.extensions import db
from portal.feedback.rules import DIMENSIONS
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.followups import rules
from portal.followups.models import FollowUp
from portal.orgs.models import Agency

STATUS_FILTERS = ("pending", "overdue", *rules.FOLLOW_UP.states)
SORTS = {
    "deadline": (FollowUp.deadline.asc(), FollowUp.id.asc()),
    "newest": (FollowUp.opened_on.desc(), FollowUp.id.desc()),
}


@dataclass
class FollowUpFilter:
    status: str = ""
    district: str = ""
    firm_id: int | None = None
    sort: str = "deadline"


def visible_followups(actor: Actor) -> Select:
    """(FollowUp, project number, project title, firm name, agency name) rows the actor may see."""
    return (
        select(FollowUp, ProjectFiling.number, ProjectFiling.title, Firm.name.label("firm_name"),
               Agency.name.label("agency_name"))
        .join(ProjectFiling, ProjectFiling.id == FollowUp.filing_id)
        .join(Firm, Firm.id == FollowUp.firm_id)
        .join(Agency, Agency.id == FollowUp.agency_id)
        .where(access.visible(actor, FollowUp))
    )


def _overdue(today: date):
    return and_(FollowUp.status == rules.OPEN, FollowUp.deadline < today)


def filtered(actor: Actor, f: FollowUpFilter, today: date | None = None) -> Select:
    today = today or clock.today()
    stmt = visible_followups(actor)
    if f.status == "pending":
        stmt = stmt.where(FollowUp.status.in_(rules.PENDING))
    elif f.status == "overdue":
        stmt = stmt.where(_overdue(today))
    elif f.status in rules.FOLLOW_UP.states:
        stmt = stmt.where(FollowUp.status == f.status)
    if f.district in DISTRICTS:
        stmt = stmt.where(FollowUp.district_code == f.district)
    if f.firm_id:
        stmt = stmt.where(FollowUp.firm_id == f.firm_id)
    return stmt.order_by(*SORTS.get(f.sort, SORTS["deadline"]))


def _due(today: date):
    """Counted in the rate: closed by the agency, or past its deadline; never withdrawn."""
    return and_(FollowUp.status != rules.WITHDRAWN,
                or_(FollowUp.status.in_((rules.SATISFIED, rules.UNSATISFIED)), FollowUp.deadline < today))


def followup_rate(actor: Actor, f: FollowUpFilter | None = None, today: date | None = None) -> rules.FollowUpRate:
    """Closed satisfied ÷ due (goal 100%) over the follow-ups the actor sees (and the filter's district
    and firm): one SQL aggregate, counting as rules.followup_rate does."""
    today = today or clock.today()
    stmt = select(func.count(FollowUp.id), func.sum(case((FollowUp.status == rules.SATISFIED, 1), else_=0))) \
        .where(access.visible(actor, FollowUp), _due(today))
    if f is not None and f.district in DISTRICTS:
        stmt = stmt.where(FollowUp.district_code == f.district)
    if f is not None and f.firm_id:
        stmt = stmt.where(FollowUp.firm_id == f.firm_id)
    due, satisfied = db.session.execute(stmt).one()
    return rules.FollowUpRate(int(satisfied or 0), int(due or 0))


def count_waiting(actor: Actor, status: str) -> int:
    """Follow-ups in one state the actor sees (home panels: the firm's to answer, the agency's to confirm)."""
    return db.session.scalar(select(func.count(FollowUp.id))
                             .where(access.visible(actor, FollowUp), FollowUp.status == status)) or 0


def count_overdue(actor: Actor, today: date | None = None) -> int:
    return db.session.scalar(select(func.count(FollowUp.id))
                             .where(access.visible(actor, FollowUp), _overdue(today or clock.today()))) or 0


def export_columns(translate=lambda s: s) -> tuple[Column, ...]:
    """Columns of the follow-up export, for rows of `visible_followups`."""
    def dims(row) -> str:
        return "; ".join(translate(DIMENSIONS[c]) for c in row[0].dimensions or () if c in DIMENSIONS)

    return (
        Column(N_("Follow-up"), lambda r: r[0].id, "number"),
        Column(N_("Project"), lambda r: f"{r[1] or ''} {r[2]}", width=30),
        Column(N_("Firm"), lambda r: r[3], width=24),
        Column(N_("Agency"), lambda r: r[4], width=24),
        Column(N_("Rated low"), dims, width=30),
        Column(N_("Status"), lambda r: translate(rules.FOLLOW_UP.state_label(r[0].status)), width=20),
        Column(N_("Opened"), lambda r: r[0].opened_on, "date"),
        Column(N_("Deadline"), lambda r: r[0].deadline, "date"),
        Column(N_("Answered"), lambda r: localtime.to_local(r[0].answered_at) if r[0].answered_at else None,
               "datetime"),
        Column(N_("Firm's answer"), lambda r: r[0].answer, width=40),
        Column(N_("Confirmed"), lambda r: localtime.to_local(r[0].confirmed_at) if r[0].confirmed_at else None,
               "datetime"),
        Column(N_("Agency's note"), lambda r: r[0].confirm_note or r[0].withdrawn_reason, width=40),
    )


def export_rows(query: Select) -> Iterable:
    return fetch_rows(query)
