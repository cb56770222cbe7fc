"""Supervision dashboard: jurisdiction-scoped counts (GROUP BY, a fixed number of queries whatever the
data size), the drill-down by district and quarter behind its charts, and the annual supervision summary
workbook."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, extract, func, select

from portal.core import cache as aggregates
from portal.core import clock, localtime
from portal.core.access import PUBLISHED_PERIOD_STATUSES, require_supervisor, scope_key, scoped, visible
from portal.core.context import Actor
from portal.core.exports import BATCH, Column, Sheet
from portal.core.identifiers import DISTRICTS
from portal.core.localtime_sql import local_date
from portal.core.msgids import N_
from portal.core.quarters import quarter_label, quarters_ending
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.filings.queries import WAITING_FOR_REVIEW, waiting_for_review_count
from portal.firms.models import Firm
from portal.incidents.models import Incident
from portal.incidents.service import OPEN_STATUSES as OPEN_INCIDENT_STATUSES
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.inspections import UPCOMING as UPCOMING_INSPECTION
from portal.supervision.models import Alert, Inspection, InspectionResult, RectificationOrder
from portal.supervision.rectification import OPEN_STATUSES

OPEN_RECTIFICATION = OPEN_STATUSES  # the rectification list's "open" filter
OPEN_INCIDENT = OPEN_INCIDENT_STATUSES  # the incident list's "open" filter


@dataclass
class WaitingFiling:
    id: int
    number: str | None
    title: str
    status: str
    since: datetime | None
    age_days: int


@dataclass
class Dashboard:
    firms_by_status: dict[str, int] = field(default_factory=dict)
    firms_by_grade: dict[str, int] = field(default_factory=dict)
    filings_by_status: dict[str, int] = field(default_factory=dict)
    waiting: list[WaitingFiling] = field(default_factory=list)
    waiting_total: int = 0
    rectifications_open: int = 0
    rectifications_overdue: int = 0
    incidents_open: int = 0
    alerts_by_rule: dict[str, int] = field(default_factory=dict)
    inspections_planned: int = 0


def build(actor: Actor, waiting_limit: int = 10) -> Dashboard:
    """Everything on the dashboard: the counts from the aggregate cache (seven GROUP BY queries when a
    table they read has changed, none otherwise), the oldest waiting filings live."""
    require_supervisor(actor)
    counts = aggregates.value("dashboard.counts", actor.district_code, COUNTED, lambda: _counts(actor))
    d = Dashboard(**{k: dict(v) if isinstance(v, dict) else v for k, v in counts.items()})
    if waiting_limit:
        since = func.coalesce(ProjectFiling.confirmed_at, ProjectFiling.submitted_at)
        rows = db.session.execute(scoped(
            select(ProjectFiling.id, ProjectFiling.number, ProjectFiling.title, ProjectFiling.status, since)
            .where(ProjectFiling.status.in_(WAITING_FOR_REVIEW)).order_by(since, ProjectFiling.id)
            .limit(waiting_limit), actor, ProjectFiling.district_code)).all()
        now = clock.utcnow()
        d.waiting = [WaitingFiling(i, num, title, st, s, (now - s).days if s else 0) for i, num, title, st, s in rows]
    return d


COUNTED = (Firm, ProjectFiling, RectificationOrder, Incident, Alert, Inspection)


def _counts(actor: Actor) -> dict:
    """The dashboard's counts in the actor's jurisdiction (plain data: it is cached and shared)."""
    firm_rows = db.session.execute(scoped(
        select(Firm.status, Firm.grade, func.count(Firm.id)).group_by(Firm.status, Firm.grade), actor,
        Firm.district_code)).all()
    status_counts: dict[str, int] = defaultdict(int)
    grade_counts: dict[str, int] = defaultdict(int)
    for status, grade, n in firm_rows:
        status_counts[status] += n
        grade_counts[grade or "-"] += n
    filings_by_status = dict(db.session.execute(scoped(
        select(ProjectFiling.status, func.count(ProjectFiling.id)).group_by(ProjectFiling.status), actor,
        ProjectFiling.district_code)).all())
    rect = dict(db.session.execute(scoped(
        select(RectificationOrder.status, func.count(RectificationOrder.id))
        .where(RectificationOrder.status.in_(OPEN_RECTIFICATION)).group_by(RectificationOrder.status), actor,
        RectificationOrder.district_code)).all())
    return {
        "firms_by_status": dict(status_counts),
        "firms_by_grade": dict(grade_counts),
        "filings_by_status": filings_by_status,
        # The same query as the home panel and the filing list (one figure, one query).
        "waiting_total": waiting_for_review_count(actor),
        "rectifications_open": sum(rect.values()),
        "rectifications_overdue": rect.get("overdue", 0) + rect.get("escalated", 0),
        "incidents_open": db.session.scalar(scoped(
            select(func.count(Incident.id)).where(Incident.status.in_(OPEN_INCIDENT)), actor,
            Incident.district_code)) or 0,
        "alerts_by_rule": dict(db.session.execute(scoped(
            select(Alert.rule, func.count(Alert.id)).where(Alert.closed_at.is_(None)).group_by(Alert.rule), actor,
            Alert.district_code)).all()),
        "inspections_planned": db.session.scalar(scoped(
            select(func.count(Inspection.id)).where(Inspection.status.in_(UPCOMING_INSPECTION)), actor,
            Inspection.district_code)) or 0,
    }


# --- drill-down: districts and the last quarters ----------------------------------------------------------
# Every figure below is counted with the same visibility rule (access.visible) and the same condition as
# the list it links to, so the list's total equals the number shown.

TREND_QUARTERS = 8
OVERDUE_RECTIFICATION = ("overdue", "escalated")  # the rectification list's "overdue" filter


@dataclass
class DistrictRow:
    code: str
    firms: int = 0
    filed: int = 0  # filings submitted in the chosen quarter
    in_progress: int = 0
    overdue: int = 0  # rectifications overdue or escalated
    open_alerts: int = 0  # neither acknowledged nor closed (the alert centre's "open")
    average_score: float | None = None  # the quarter's published scoring period


@dataclass
class QuarterFigures:
    label: str  # 2026Q3
    first: date
    last: date
    filed: int = 0
    inspections: int = 0  # planned in the quarter
    rectifications_closed: int = 0
    average_score: float | None = None
    period_id: int | None = None


@dataclass
class Drilldown:
    label: str  # the chosen quarter
    first: date
    last: date
    district: str  # "" for the whole jurisdiction
    rows: list[DistrictRow]
    totals: DistrictRow
    trend: list[QuarterFigures]
    period_id: int | None  # the chosen quarter's published scoring period


DRILLDOWN_TABLES = (Firm, ProjectFiling, RectificationOrder, Alert, Inspection, FirmScore, ScoringPeriod)


def drilldown(actor: Actor, first: date, district: str = "") -> Drilldown:
    """The district table of the quarter starting `first` and the trends of the eight quarters up to it,
    for the actor's jurisdiction (or one district of it): a fixed number of grouped statements, kept in the
    aggregate cache until one of the tables they read is written."""
    require_supervisor(actor)
    key = (scope_key(actor), first, district)
    return aggregates.value("dashboard.drilldown", key, DRILLDOWN_TABLES,
                            lambda: _drilldown(actor, first, district))


def _in(column, lo, hi):
    return case((and_(column >= lo, column < hi), 1), else_=0)


def _drilldown(actor: Actor, first: date, district: str) -> Drilldown:
    quarters = quarters_ending(first, TREND_QUARTERS)
    last = quarters[-1][1]
    lo, hi = localtime.day_start_utc(first), localtime.day_start_utc(last + timedelta(days=1))
    rows = {code: DistrictRow(code) for code in DISTRICTS}

    def grouped(model, *columns, where=()):
        stmt = select(model.district_code, *columns).where(visible(actor, model), *where)
        if district:
            stmt = stmt.where(model.district_code == district)
        return db.session.execute(stmt.group_by(model.district_code)).all()

    for code, n in grouped(Firm, func.count(Firm.id)):
        rows.setdefault(code, DistrictRow(code)).firms = n
    for code, n in grouped(ProjectFiling, func.count(ProjectFiling.id), where=(ProjectFiling.status == "in_progress",)):
        rows.setdefault(code, DistrictRow(code)).in_progress = n
    for code, n in grouped(ProjectFiling, func.count(ProjectFiling.id),
                           where=(ProjectFiling.submitted_at >= lo, ProjectFiling.submitted_at < hi)):
        rows.setdefault(code, DistrictRow(code)).filed = n
    for code, n in grouped(RectificationOrder, func.count(RectificationOrder.id),
                           where=(RectificationOrder.status.in_(OVERDUE_RECTIFICATION),)):
        rows.setdefault(code, DistrictRow(code)).overdue = n
    for code, n in grouped(Alert, func.count(Alert.id), where=(Alert.closed_at.is_(None), Alert.acknowledged_at.is_(None))):
        rows.setdefault(code, DistrictRow(code)).open_alerts = n

    # Scores: the published quarterly periods of the eight quarters, averaged per period and district.
    starts = [q[0] for q in quarters]
    total = func.coalesce(FirmScore.amended_total, FirmScore.total)
    score_rows = db.session.execute(
        select(ScoringPeriod.id, ScoringPeriod.starts_on, Firm.district_code, func.sum(total), func.count(FirmScore.id))
        .join(FirmScore, FirmScore.period_id == ScoringPeriod.id).join(Firm, Firm.id == FirmScore.firm_id)
        .where(ScoringPeriod.kind == "quarter", ScoringPeriod.starts_on.in_(starts),
               ScoringPeriod.status.in_(PUBLISHED_PERIOD_STATUSES), FirmScore.status == "rated",
               visible(actor, Firm), *((Firm.district_code == district,) if district else ()))
        .group_by(ScoringPeriod.id, ScoringPeriod.starts_on, Firm.district_code)).all()
    periods: dict[date, int] = {}
    sums: dict[date, list[float]] = defaultdict(lambda: [0.0, 0])
    for period_id, starts_on, code, score_sum, n in score_rows:
        periods[starts_on] = period_id
        sums[starts_on][0] += float(score_sum or 0)
        sums[starts_on][1] += n
        if starts_on == first and code in rows and n:
            rows[code].average_score = round(float(score_sum) / n, 1)

    # Trends: one statement per table, a conditional count per quarter.
    bounds = [(localtime.day_start_utc(a), localtime.day_start_utc(b + timedelta(days=1))) for a, b in quarters]

    def per_quarter(model, column, window, where=()):
        stmt = select(*[func.coalesce(func.sum(_in(column, a, b)), 0) for a, b in window]).where(
            visible(actor, model), column >= window[0][0], column < window[-1][1], *where)
        if district:
            stmt = stmt.where(model.district_code == district)
        return [int(n) for n in db.session.execute(stmt).one()]

    filed = per_quarter(ProjectFiling, ProjectFiling.submitted_at, bounds)
    planned = per_quarter(Inspection, Inspection.planned_on, [(a, b + timedelta(days=1)) for a, b in quarters])
    closed = per_quarter(RectificationOrder, RectificationOrder.closed_at, bounds)
    trend = []
    for i, (a, b) in enumerate(quarters):
        n_sum, n = sums.get(a, (0.0, 0))
        trend.append(QuarterFigures(quarter_label(a), a, b, filed[i], planned[i], closed[i],
                                    round(n_sum / n, 1) if n else None, periods.get(a)))
    shown = [r for code, r in sorted(rows.items()) if not district or code == district]
    totals = DistrictRow("", sum(r.firms for r in shown), sum(r.filed for r in shown),
                         sum(r.in_progress for r in shown), sum(r.overdue for r in shown),
                         sum(r.open_alerts for r in shown), trend[-1].average_score)
    if actor.district_code:  # a district office sees its own district only
        shown = [r for r in shown if r.code == actor.district_code]
    return Drilldown(quarter_label(first), first, last, district, shown, totals, trend, periods.get(first))


# --- annual supervision summary --------------------------------------------------------------------------

# A month as text in the reader's words ("2026年10月"), never a date Excel would reformat.
MONTH_TEXT = N_("%(month)s/%(year)s")


def annual_summary(actor: Actor, year: int) -> list[Sheet]:
    """One sheet per subject, for one year, limited to the actor's jurisdiction (rows read when written)."""
    require_supervisor(actor)
    lo, hi = localtime.year_bounds_utc(year)

    def rows(stmt, column):  # run when its sheet is written, not all at once
        yield from db.session.execute(scoped(stmt, actor, column).execution_options(yield_per=BATCH))

    from portal.core.constants import INCIDENT_TYPES, SEVERITIES
    from portal.core.workflows import FIRM_REGISTRATION, INCIDENT, INSPECTION, PROJECT_FILING, RECTIFICATION
    from portal.web.i18n import translate
    from portal.web.templating import district_label

    def cell(i):
        return lambda r: r[i]

    def flag(i):
        return lambda r: translate(N_("Yes")) if r[i] else ""

    def district(i):
        return lambda r: district_label(r[i])

    def word(i, vocabulary):  # a stored code → its label in the reader's language
        return lambda r: translate(vocabulary[r[i]]) if r[i] in vocabulary else (r[i] or "")

    kinds = {"random": N_("Random draw"), "planned": N_("Planned by hand")}

    month = extract("month", local_date(ProjectFiling.submitted_at))
    year_from, year_to = date(year, 1, 1), date(year + 1, 1, 1)
    # Failed items of the year's inspections, counted in one grouped pass off the (inspection_id, result)
    # index and joined, instead of a count per inspection row.
    failed = (select(InspectionResult.inspection_id, func.count().label("n"))
              .join(Inspection, Inspection.id == InspectionResult.inspection_id)
              .where(InspectionResult.result == "fail", Inspection.planned_on >= year_from,
                     Inspection.planned_on < year_to)
              .group_by(InspectionResult.inspection_id).subquery("failed"))
    return [
        Sheet(N_("Firms"), (
            Column(N_("District"), district(0)), Column(N_("Status"), word(1, FIRM_REGISTRATION.states)), Column(N_("Grade"), cell(2)),
            Column(N_("Firms"), cell(3), "number"),
        ), rows(select(Firm.district_code, Firm.status, Firm.grade, func.count(Firm.id))
                .group_by(Firm.district_code, Firm.status, Firm.grade)
                .order_by(Firm.district_code, Firm.status, Firm.grade), Firm.district_code)),
        Sheet(N_("Filings"), (
            Column(N_("District"), district(0)), Column(N_("Month"), lambda r: translate(MONTH_TEXT) % {"year": year, "month": int(r[1])}),
            Column(N_("Status"), word(2, PROJECT_FILING.states)), Column(N_("Filings"), cell(3), "number"),
        ), rows(select(ProjectFiling.district_code, month, ProjectFiling.status, func.count(ProjectFiling.id))
                .where(ProjectFiling.submitted_at >= lo, ProjectFiling.submitted_at < hi)
                .group_by(ProjectFiling.district_code, month, ProjectFiling.status)
                .order_by(ProjectFiling.district_code, month), ProjectFiling.district_code)),
        Sheet(N_("Inspections"), (
            Column(N_("District"), district(0)), Column(N_("Firm"), cell(1)), Column(N_("Kind"), word(2, kinds)),
            Column(N_("Status"), word(3, INSPECTION.states)), Column(N_("Planned on"), cell(4), "date"),
            Column(N_("Failed items"), cell(5), "number"), Column(N_("Refused"), flag(6)),
            Column(N_("Results published"), flag(7)),
        ), rows(select(Inspection.district_code, Firm.name, Inspection.kind, Inspection.status, Inspection.planned_on,
                       func.coalesce(failed.c.n, 0), Inspection.refused, Inspection.published)
                .join(Firm, Firm.id == Inspection.firm_id)
                .outerjoin(failed, failed.c.inspection_id == Inspection.id)
                .where(Inspection.planned_on >= year_from, Inspection.planned_on < year_to)
                .order_by(Inspection.planned_on), Inspection.district_code)),
        Sheet(N_("Rectifications"), (
            Column(N_("Number"), cell(0)), Column(N_("District"), district(1)), Column(N_("Firm"), cell(2)),
            Column(N_("Status"), word(3, RECTIFICATION.states)), Column(N_("Deadline"), cell(4), "date"),
            Column(N_("Closed"), lambda r: localtime.to_local(r[5]) if r[5] else None, "datetime"),
        ), rows(select(RectificationOrder.number, RectificationOrder.district_code, Firm.name,
                       RectificationOrder.status, RectificationOrder.deadline, RectificationOrder.closed_at)
                .join(Firm, Firm.id == RectificationOrder.firm_id)
                .where(RectificationOrder.issued_at >= lo, RectificationOrder.issued_at < hi)
                .order_by(RectificationOrder.number), RectificationOrder.district_code)),
        Sheet(N_("Incidents"), (
            Column(N_("District"), district(0)), Column(N_("Type"), word(1, INCIDENT_TYPES)), Column(N_("Severity"), word(2, SEVERITIES)),
            Column(N_("Status"), word(3, INCIDENT.states)), Column(N_("Incidents"), cell(4), "number"),
        ), rows(select(Incident.district_code, Incident.incident_type, Incident.severity, Incident.status,
                       func.count(Incident.id))
                .where(Incident.occurred_at >= lo, Incident.occurred_at < hi)
                .group_by(Incident.district_code, Incident.incident_type, Incident.severity, Incident.status)
                .order_by(Incident.district_code), Incident.district_code)),
    ]
