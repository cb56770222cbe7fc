"""What each API caller may see: the same object-level rules as the portal's pages.

Firm users see their own firm, its filings, its scores once published and the notices sent to it;
agency users see the (submitted) filings naming their agency; a district
regulator sees its district, a city regulator or the lead everything.
"""
from __future__ import annotations

from functools import cache

from sqlalchemy import Select, select, true

from portal.core.constants import AGENCY, LEAD, REGULATOR, VENDOR
from portal.core.context import Actor
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.orgs.models import Agency
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import Notice, NoticeRecipient

PUBLISHED_PERIODS = ("published", "final", "applied")
# The filing columns the API serialises (portal.api.views.filing_json), read as plain rows: no ORM
# objects of ~55 columns (five JSON decoded on load) nor their selectin staff lists.
FILING_COLUMNS = (ProjectFiling.id, ProjectFiling.number, ProjectFiling.title, ProjectFiling.status,
                  ProjectFiling.firm_id, ProjectFiling.agency_id, ProjectFiling.district_code,
                  ProjectFiling.service_types, ProjectFiling.start_date, ProjectFiling.end_date,
                  ProjectFiling.submitted_at, ProjectFiling.registered_at, ProjectFiling.is_late,
                  Firm.name.label("firm_name"), Agency.name.label("agency_name"))


def _supervisor(actor: Actor) -> bool:
    return REGULATOR in actor.roles or LEAD in actor.roles


def firms(actor: Actor) -> Select:
    stmt = select(Firm)
    if _supervisor(actor):
        return stmt.where(Firm.district_code == actor.district_code) if actor.district_code else stmt
    if VENDOR in actor.roles and actor.firm_id:
        return stmt.where(Firm.id == actor.firm_id)
    return stmt.where(Firm.id.is_(None))


@cache
def filing_rows() -> Select:
    """FILING_COLUMNS of every filing, unscoped, built once per process (statements are immutable;
    `filings` adds the actor's conditions to a copy). portal.api.views reads a page's rows from it."""
    return (select(*FILING_COLUMNS).join(Firm, Firm.id == ProjectFiling.firm_id)
            .join(Agency, Agency.id == ProjectFiling.agency_id))


def filings(actor: Actor) -> Select:
    stmt = filing_rows()
    if _supervisor(actor):
        stmt = stmt.where(ProjectFiling.status != "draft")
        if actor.district_code:
            return stmt.where(ProjectFiling.district_code == actor.district_code)
        return stmt
    if VENDOR in actor.roles and actor.firm_id:
        return stmt.where(ProjectFiling.firm_id == actor.firm_id)
    if AGENCY in actor.roles and actor.agency_id:
        return stmt.where(ProjectFiling.agency_id == actor.agency_id, ProjectFiling.status != "draft")
    return stmt.where(ProjectFiling.id.is_(None))


def scores(actor: Actor) -> Select:
    stmt = (select(FirmScore, ScoringPeriod.label.label("period_label"),
                   ScoringPeriod.status.label("period_status"), Firm.name.label("firm_name"))
            .join(ScoringPeriod, ScoringPeriod.id == FirmScore.period_id)
            .join(Firm, Firm.id == FirmScore.firm_id))
    if _supervisor(actor):
        return stmt.where(Firm.district_code == actor.district_code) if actor.district_code else stmt
    if VENDOR in actor.roles and actor.firm_id:
        return stmt.where(FirmScore.firm_id == actor.firm_id, ScoringPeriod.status.in_(PUBLISHED_PERIODS))
    return stmt.where(FirmScore.id.is_(None))


def notices(actor: Actor) -> Select:
    if _supervisor(actor):
        return select(Notice, true().label("for_all")).where(Notice.published_at.is_not(None))
    if VENDOR in actor.roles and actor.firm_id:
        return (select(Notice, NoticeRecipient)
                .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
                .where(NoticeRecipient.firm_id == actor.firm_id, Notice.published_at.is_not(None)))
    return select(Notice, true()).where(Notice.id.is_(None))
