"""What each API caller may see: the statements the API reads, limited by portal.core.access, the
rule the pages, exports and downloads use (so an actor's roles are OR-ed here exactly as there)."""
from __future__ import annotations

from functools import cache

from sqlalchemy import Select, and_, select, true

from portal.core import access
from portal.core.context import Actor
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.orgs.models import Agency
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import Notice, NoticeRecipient

# The filing columns the API serialises (portal.api.views.filing_json), read as plain rows: no ORM
# objects of ~55 columns (five JSON decoded on load) nor their selectin staff lists.
FILING_COLUMNS = (ProjectFiling.id, ProjectFiling.number, ProjectFiling.title, ProjectFiling.status,
                  ProjectFiling.firm_id, ProjectFiling.agency_id, ProjectFiling.district_code,
                  ProjectFiling.service_types, ProjectFiling.start_date, ProjectFiling.end_date,
                  ProjectFiling.submitted_at, ProjectFiling.registered_at, ProjectFiling.is_late,
                  Firm.name.label("firm_name"), Agency.name.label("agency_name"))


def firms(actor: Actor) -> Select:
    return select(Firm).where(access.visible(actor, Firm))


@cache
def filing_rows() -> Select:
    """FILING_COLUMNS of every filing, unscoped, built once per process (statements are immutable;
    `filings` adds the actor's conditions to a copy). portal.api.views reads a page's rows from it."""
    return (select(*FILING_COLUMNS).join(Firm, Firm.id == ProjectFiling.firm_id)
            .join(Agency, Agency.id == ProjectFiling.agency_id))


def filings(actor: Actor) -> Select:
    return filing_rows().where(access.visible(actor, ProjectFiling))


def filing_scope(actor: Actor) -> Select:
    """The filings the actor may see, project_filing alone: the API list filters, counts and pages over
    it, then reads the page's rows from `filing_rows`. Firm and agency are joined for those rows only, not
    for every row a deep page skips (page 4,000 skips 80,000; firm_id and agency_id are never null, so
    the inner joins drop no filing)."""
    return select(ProjectFiling).where(access.visible(actor, ProjectFiling))


def scores(actor: Actor) -> Select:
    return (select(FirmScore, ScoringPeriod.label.label("period_label"),
                   ScoringPeriod.status.label("period_status"), Firm.name.label("firm_name"))
            .join(ScoringPeriod, ScoringPeriod.id == FirmScore.period_id)
            .join(Firm, Firm.id == FirmScore.firm_id)
            .where(access.visible(actor, FirmScore)))


def notices(actor: Actor) -> Select:
    """(Notice, the firm's receipt) for a firm user, whose receipt shows what it read; (Notice, true)
    for anyone else."""
    stmt = select(Notice).where(access.visible(actor, Notice))
    if access.is_firm_user(actor):
        return stmt.add_columns(NoticeRecipient).outerjoin(
            NoticeRecipient, and_(NoticeRecipient.notice_id == Notice.id, NoticeRecipient.firm_id == actor.firm_id))
    return stmt.add_columns(true().label("for_all"))
