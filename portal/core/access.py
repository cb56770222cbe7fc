"""Who may see which project filing (as SQL conditions), and who is told about a project's events.

Feedback, incidents and the agency workspace share these so that a list, a detail page, a download
and a reminder all apply one rule: an agency sees filings naming it, a firm its own filings, a
district regulator its district, a city regulator everything.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from portal.core import inbox
from portal.core.constants import AGENCY, LEAD, REGULATOR, VENDOR
from portal.core.context import Actor
from portal.core.errors import NotFound
from portal.extensions import db
from portal.filings.models import ProjectFiling


def is_supervisor(actor: Actor) -> bool:
    return REGULATOR in actor.roles or LEAD in actor.roles


def filing_condition(actor: Actor, firm_col=None, agency_col=None, district_col=None) -> ColumnElement[bool]:
    """A WHERE condition on filing-like columns (defaults: ProjectFiling's) for what the actor may see."""
    firm_col = firm_col if firm_col is not None else ProjectFiling.firm_id
    agency_col = agency_col if agency_col is not None else ProjectFiling.agency_id
    district_col = district_col if district_col is not None else ProjectFiling.district_code
    parts = []
    if is_supervisor(actor):
        if actor.district_code is None:
            return true()
        parts.append(district_col == actor.district_code)
    if VENDOR in actor.roles and actor.firm_id:
        parts.append(firm_col == actor.firm_id)
    if AGENCY in actor.roles and actor.agency_id:
        parts.append(agency_col == actor.agency_id)
    if not parts:
        return false()
    return or_(*parts)


def get_visible_filing(actor: Actor, filing_id: int) -> ProjectFiling:
    filing = db.session.scalar(
        select(ProjectFiling).where(ProjectFiling.id == filing_id, filing_condition(actor))
    )
    if filing is None:
        raise NotFound()
    return filing


def regulators_for_district(district_code: str | None) -> list[int]:
    """Active regulator accounts whose jurisdiction covers the district (city offices cover all)."""
    return inbox.regulators_for(district_code)
