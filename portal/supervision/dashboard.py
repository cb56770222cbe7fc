"""Supervision dashboard: jurisdiction-scoped counts (GROUP BY, a fixed number of queries whatever the
data size), server-side SVG charts (pygal, no script) and the annual supervision summary workbook."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import extract, func, select

from portal.core import cache as aggregates
from portal.core import clock, localtime
from portal.core.access import PUBLISHED_PERIOD_STATUSES, require_supervisor, scoped
from portal.core.context import Actor
from portal.core.exports import BATCH, Column, Sheet
from portal.core.localtime_sql import local_date
from portal.core.msgids import N_
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.filings.queries import WAITING_FOR_REVIEW, waiting_for_review_count
from portal.firms.models import Firm
from portal.incidents.models import Incident
from portal.scoring.models import FirmScore, ScoringPeriod
from portal.supervision.models import Alert, Inspection, InspectionResult, RectificationOrder

OPEN_RECTIFICATION = ("issued", "answered", "rejected", "overdue", "escalated")
OPEN_INCIDENT = ("reported", "investigating")


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
            select(func.count(Inspection.id)).where(Inspection.status.in_(("planned", "notified"))), actor,
            Inspection.district_code)) or 0,
    }


# --- chart data (one GROUP BY each) ---------------------------------------------------------------------

def filings_per_month(actor: Actor, months: int = 12) -> list[tuple[str, int]]:
    require_supervisor(actor)
    today = clock.today()
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    lo = localtime.day_start_utc(first)
    submitted_on = local_date(ProjectFiling.submitted_at)
    year, month = extract("year", submitted_on), extract("month", submitted_on)
    counts = {(int(y), int(m)): n for y, m, n in db.session.execute(scoped(
        select(year, month, func.count(ProjectFiling.id)).where(ProjectFiling.submitted_at >= lo)
        .group_by(year, month), actor, ProjectFiling.district_code))}
    series, cursor = [], first
    for _ in range(months):
        series.append((f"{cursor.year}-{cursor.month:02d}", counts.get((cursor.year, cursor.month), 0)))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return series


def grade_distribution(actor: Actor) -> dict[str, int]:
    require_supervisor(actor)
    rows = db.session.execute(scoped(
        select(Firm.grade, func.count(Firm.id)).where(Firm.grade.is_not(None)).group_by(Firm.grade), actor,
        Firm.district_code)).all()
    return {g: n for g, n in rows}


def score_trend(actor: Actor) -> list[tuple[str, float]]:
    """Average total score per scoring period (amended totals where a decision changed them)."""
    require_supervisor(actor)
    total = func.coalesce(FirmScore.amended_total, FirmScore.total)
    rows = db.session.execute(scoped(
        select(ScoringPeriod.label, ScoringPeriod.starts_on, func.avg(total))
        .join(FirmScore, FirmScore.period_id == ScoringPeriod.id).join(Firm, Firm.id == FirmScore.firm_id)
        .where(FirmScore.status == "rated", ScoringPeriod.status.in_(PUBLISHED_PERIOD_STATUSES))
        .group_by(ScoringPeriod.id, ScoringPeriod.label, ScoringPeriod.starts_on)
        .order_by(ScoringPeriod.starts_on), actor, Firm.district_code)).all()
    return [(label, round(float(avg), 1)) for label, _s, avg in rows if avg is not None]


def _pygal():
    """Import pygal without its legacy `sys.meta_path` hook (pygal.maps plugin loader).

    The hook lacks `find_spec`, so every later import in the process emits an ImportWarning; the
    portal uses no pygal map plugins, so the hook is taken out again right after import.
    """
    import sys

    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _style():
    _pygal()
    from pygal.style import Style

    return Style(background="white", plot_background="white", foreground="#1f2328", foreground_strong="#1f2328",
                 foreground_subtle="#57606a", colors=("#0b5cad", "#1a7f37", "#bf8700", "#cf222e"),
                 font_family="sans-serif")


_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.S | re.I)


def _render(chart) -> bytes:
    # pygal always writes a config <script> into <defs>, even with js=[]; the portal never runs chart
    # script (CSP, <img> embedding), so it is cut out of the markup we generated ourselves.
    return _SCRIPT.sub(b"", chart.render(is_unicode=False))


def chart_svg(actor: Actor, name: str, gettext=lambda s: s) -> bytes:
    """One chart as a standalone SVG document without any script (pygal's JS disabled)."""
    pygal = _pygal()
    config = dict(style=_style(), js=[], width=640, height=320, show_legend=False, disable_xml_declaration=False,
                  explicit_size=False, print_values=False, margin=12,
                  no_data_text=gettext(N_("No data yet")))
    if name == "filings":
        data = filings_per_month(actor)
        chart = pygal.Bar(title=gettext(N_("Filings per month")), x_label_rotation=30, **config)
        chart.x_labels = [m for m, _n in data]
        chart.add(gettext(N_("Filings")), [n for _m, n in data])
    elif name == "grades":
        data = grade_distribution(actor)
        chart = pygal.Bar(title=gettext(N_("Grade distribution")), **config)
        chart.x_labels = ["A", "B", "C", "D"]
        chart.add(gettext(N_("Firms")), [data.get(g, 0) for g in "ABCD"])
    elif name == "scores":
        data = score_trend(actor)
        chart = pygal.Line(title=gettext(N_("Average score per period")), range=(0, 100), **config)
        chart.x_labels = [label for label, _v in data]
        chart.add(gettext(N_("Average score")), [v for _l, v in data])
    else:
        raise KeyError(name)
    return _render(chart)


CHARTS = ("filings", "grades", "scores")
CHART_TITLES = {"filings": N_("Filings per month"), "grades": N_("Grade distribution"),
                "scores": N_("Average score per period")}


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
    failed = (select(func.count(InspectionResult.id)).where(InspectionResult.inspection_id == Inspection.id,
                                                             InspectionResult.result == "fail").scalar_subquery())
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
                       failed, Inspection.refused, Inspection.published)
                .join(Firm, Firm.id == Inspection.firm_id)
                .where(Inspection.planned_on >= date(year, 1, 1), Inspection.planned_on < date(year + 1, 1, 1))
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
