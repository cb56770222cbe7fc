"""Evidence from project filings for a firm over a period (for scoring and supervision helpers).

Filing compliance: filed before the start date, changes re-filed before they took effect,
completion reported by the planned end date; process: acceptance first-pass rate; personnel:
assigned staff meeting DA/T 68.2 §5.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from portal.core import localtime
from portal.core.models import StateTransition
from portal.extensions import db
from portal.filings.models import ChangeFiling, ProjectFiling, filing_staff
from portal.firms.models import StaffMember

WORKING_STATES = ("registered", "in_progress", "completed", "accepted", "closed")


@dataclass(frozen=True)
class FilingEvidence:
    firm_id: int
    filings_submitted: int
    filed_late: int
    changes_filed: int
    changes_late: int
    completions_due: int
    completions_late: int
    acceptances: int
    accepted_first_time: int
    failed_acceptances: int
    staff_assigned: int
    staff_qualified: int


def filing_evidence(firm_id: int, start: date, end: date) -> FilingEvidence:
    """Counts for `firm_id` over [start, end] (dates inclusive, timestamps in stored UTC)."""
    since, until = localtime.day_bounds_utc(start, end)
    firm_filings = ProjectFiling.firm_id == firm_id
    submitted = db.session.execute(
        select(func.count(ProjectFiling.id), func.count(ProjectFiling.id).filter(ProjectFiling.is_late.is_(True)))
        .where(firm_filings, ProjectFiling.submitted_at >= since, ProjectFiling.submitted_at < until)
    ).one()
    changes = db.session.execute(
        select(func.count(ChangeFiling.id), func.count(ChangeFiling.id).filter(ChangeFiling.is_late.is_(True)))
        .join(ProjectFiling, ProjectFiling.id == ChangeFiling.filing_id)
        .where(firm_filings, ChangeFiling.created_at >= since, ChangeFiling.created_at < until)
    ).one()
    due = list(db.session.execute(
        select(ProjectFiling.end_date, ProjectFiling.completed_at)
        .where(firm_filings, ProjectFiling.status.in_(WORKING_STATES), ProjectFiling.end_date >= start,
               ProjectFiling.end_date <= end)
    ))
    late_completions = sum(
        1 for end_date, completed_at in due
        if completed_at is None or completed_at >= localtime.day_start_utc(end_date + timedelta(days=1))
    )
    accepted = db.session.execute(
        select(func.count(ProjectFiling.id), func.count(ProjectFiling.id).filter(ProjectFiling.acceptance_attempts == 1))
        .where(firm_filings, ProjectFiling.accepted_at >= since, ProjectFiling.accepted_at < until)
    ).one()
    failed = db.session.scalar(
        select(func.count(StateTransition.id))
        .join(ProjectFiling, ProjectFiling.id == StateTransition.object_id)
        .where(StateTransition.object_type == "project_filing", StateTransition.action == "fail_acceptance",
               firm_filings, StateTransition.at >= since, StateTransition.at < until)
    ) or 0
    staff = list(db.session.scalars(
        select(StaffMember).join(filing_staff, filing_staff.c.staff_id == StaffMember.id)
        .join(ProjectFiling, ProjectFiling.id == filing_staff.c.filing_id)
        .where(firm_filings, ProjectFiling.status.in_(WORKING_STATES), ProjectFiling.start_date <= end,
               ProjectFiling.end_date >= start)
        .distinct()
    ))
    return FilingEvidence(
        firm_id=firm_id, filings_submitted=submitted[0], filed_late=submitted[1], changes_filed=changes[0],
        changes_late=changes[1], completions_due=len(due), completions_late=late_completions,
        acceptances=accepted[0], accepted_first_time=accepted[1], failed_acceptances=failed,
        staff_assigned=len(staff), staff_qualified=sum(1 for m in staff if m.is_qualified),
    )
