"""Public firm directory (公示, `/directory`): registered firms with their published status, grade and
inspection results. Nothing personal and nothing unpublished ever leaves this module."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import String, cast, func, select

from portal.core import cache as aggregates
from portal.core.pagination import Page, paginate
from portal.extensions import db
from portal.firms.models import Firm
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import Inspection

LISTED_STATUSES = ("active", "expiring", "recheck_submitted", "suspended", "negative_listed")
PUBLISHED_PERIOD_STATUSES = ("final", "applied")


@dataclass
class PublishedInspection:
    planned_on: date | None
    status: str
    published_at: object


@dataclass
class DirectoryEntry:
    """Only public facts: no phones, ID numbers, staff or liaison names."""

    id: int
    name: str
    uscc: str
    district_code: str
    status: str
    service_types: list[str]
    valid_until: date | None
    grade: str | None
    grade_period: str | None
    good_standing: bool
    focus_supervision: bool
    negative_listed: bool
    negative_list_until: date | None
    inspections: list[PublishedInspection] = field(default_factory=list)


def search(query: str = "", district: str = "", service_type: str = "", page: int | None = None) -> Page:
    """A page of DirectoryEntry: public facts that change rarely and are read by everyone, so the page
    comes from the aggregate cache until a firm, score, period or inspection changes."""
    key = (query.strip(), district, service_type, page, current_app.config.get("PAGE_SIZE", 20))
    return aggregates.value("directory.search", key, (Firm, FirmScore, ScoringPeriod, Inspection),
                            lambda: _search(query, district, service_type, page))


def _search(query: str, district: str, service_type: str, page: int | None) -> Page:
    """A page of DirectoryEntry, in three queries whatever the page holds."""
    stmt = select(Firm).where(Firm.status.in_(LISTED_STATUSES))
    if query:
        stmt = stmt.where(Firm.name.contains(query.strip()))
    if district:
        stmt = stmt.where(Firm.district_code == district)
    if service_type:
        stmt = stmt.where(cast(Firm.service_types, String).like(f'%"{service_type}"%'))
    result = paginate(stmt.order_by(Firm.name, Firm.id), page)
    firms: list[Firm] = result.items
    ids = [f.id for f in firms]
    grades = published_grades(ids)
    inspections: dict[int, list[PublishedInspection]] = {}
    if ids:
        for fid, planned_on, status, published_at in db.session.execute(
                select(Inspection.firm_id, Inspection.planned_on, Inspection.status, Inspection.published_at)
                .where(Inspection.firm_id.in_(ids), Inspection.published.is_(True))
                .order_by(Inspection.published_at.desc())):
            inspections.setdefault(fid, []).append(PublishedInspection(planned_on, status, published_at))
    result.items = [
        DirectoryEntry(
            id=f.id, name=f.name, uscc=f.uscc, district_code=f.district_code, status=f.status,
            service_types=list(f.service_types or []), valid_until=f.valid_until,
            grade=grades.get(f.id, (None, None))[0], grade_period=grades.get(f.id, (None, None))[1],
            good_standing=bool(f.good_standing), focus_supervision=bool(f.focus_supervision),
            negative_listed=f.status == "negative_listed", negative_list_until=f.negative_list_until,
            inspections=inspections.get(f.id, [])[:3],
        )
        for f in firms
    ]
    return result


def published_grades(firm_ids: list[int]) -> dict[int, tuple[str, str]]:
    """firm id → (grade, period label) from the latest final or applied period; drafts never count."""
    if not firm_ids:
        return {}
    rows = db.session.execute(
        select(FirmScore.firm_id, func.coalesce(FirmScore.amended_grade, FirmScore.grade), ScoringPeriod.label,
               ScoringPeriod.ends_on)
        .join(ScoringPeriod, ScoringPeriod.id == FirmScore.period_id)
        .where(FirmScore.firm_id.in_(firm_ids), ScoringPeriod.status.in_(PUBLISHED_PERIOD_STATUSES),
               FirmScore.status == "rated")
        .order_by(ScoringPeriod.ends_on)).all()
    latest: dict[int, tuple[str, str]] = {}
    for fid, grade, label, _ends in rows:
        if grade:
            latest[fid] = (grade, label)
    return latest
