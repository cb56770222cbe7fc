"""Reads of the site security checks, shared by pages, the alert scan, the reminder job, the export and
scoring: which days each site owed a patrol, which it recorded, and which it missed."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Date, Select, and_, case, func, literal, or_, select

from portal.core import cache as aggregates
from portal.core import clock, localtime
from portal.core.access import scope_key, visible
from portal.core.context import Actor
from portal.core.localtime_sql import local_date, next_day
from portal.core.pagination import Page, paginate
from portal.core.workdays import is_workday
from portal.extensions import db
from portal.filings.models import ProjectFiling
from portal.firms.models import Firm
from portal.sitechecks import rules
from portal.sitechecks.models import SiteMonthlyInspection, SitePatrol, SiteWeeklyCheck
from portal.sitechecks.service import IN_PROGRESS, patrol_mode, patrol_since

# States in which a project has been on site (its patrol record still counts for the quarter).
WORKED_STATES = ("in_progress", "completed", "accepted", "closed")
# The alert looks back this many days: an older gap is history (the site page and the score keep it).
ALERT_WINDOW_DAYS = 31
CHUNK = 500


@dataclass
class SiteGaps:
    """One site's record over a window: due days, recorded patrols (day -> in order) and missed days."""

    filing_id: int
    due: list[date] = field(default_factory=list)
    recorded: dict[date, bool] = field(default_factory=dict)

    @property
    def missing(self) -> list[date]:
        return rules.missing_days(self.due, self.recorded)

    @property
    def not_in_order(self) -> list[date]:
        return sorted(d for d, ok in self.recorded.items() if not ok)

    @property
    def good_days(self) -> int:
        """Due days with a patrol that found everything in order (the scoring indicator's numerator)."""
        return sum(1 for d in self.due if self.recorded.get(d) is True)


def _started_on(started_at, start_date) -> date | None:
    return localtime.local_date(started_at) if started_at else start_date


def _ended_on(completed_at) -> date | None:
    return localtime.local_date(completed_at) if completed_at else None


def gaps(rows: Sequence, first: date, last: date) -> dict[int, SiteGaps]:
    """Gaps of the given filings over [first, last]. `rows` are (id, started_at, start_date, completed_at).
    A filing owes patrols from its start (not before the local rule `site_patrol_since`) to its
    completion; days are every day or working days (local rule `site_patrol_days`)."""
    since, mode = patrol_since(), patrol_mode()
    result: dict[int, SiteGaps] = {}
    if first > last:
        return result
    window = rules.due_days(first, last, mode, is_workday) if since is not None else []
    for filing_id, started_at, start_date, completed_at in rows:
        span = rules.duty_span(since, _started_on(started_at, start_date), _ended_on(completed_at), last)
        site = result[filing_id] = SiteGaps(filing_id)
        if span is not None:
            lo = max(span[0], first)
            site.due = [d for d in window if lo <= d <= span[1]]
    ids = list(result)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for filing_id, day, in_order in db.session.execute(
            select(SitePatrol.filing_id, SitePatrol.patrol_date, SitePatrol.in_order)
            .where(SitePatrol.filing_id.in_(chunk), SitePatrol.patrol_date >= first, SitePatrol.patrol_date <= last)
        ):
            result[filing_id].recorded[day] = bool(in_order)
    return result


def _span_columns():
    return (ProjectFiling.id, ProjectFiling.started_at, ProjectFiling.start_date, ProjectFiling.completed_at)


def filing_gaps(filing: ProjectFiling, first: date, last: date) -> SiteGaps:
    return gaps([(filing.id, filing.started_at, filing.start_date, filing.completed_at)], first, last)[filing.id]


# --- the alert scan and the reminder job ---------------------------------------------------------------

@dataclass(frozen=True)
class MissedSite:
    filing_id: int
    number: str
    title: str
    firm_id: int
    district_code: str
    firm_name: str
    missing: list[date]


def missed_sites(today: date | None = None, window_days: int = ALERT_WINDOW_DAYS) -> list[MissedSite]:
    """In-progress sites with due days before today and no patrol, within the last `window_days` days."""
    today = today or clock.today()
    if patrol_since() is None:
        return []
    rows = db.session.execute(
        select(*_span_columns(), ProjectFiling.number, ProjectFiling.title, ProjectFiling.firm_id,
               ProjectFiling.district_code, Firm.name)
        .join(Firm, Firm.id == ProjectFiling.firm_id)
        .where(ProjectFiling.status == IN_PROGRESS)
        .order_by(ProjectFiling.id)
    ).all()
    found = gaps([r[:4] for r in rows], today - timedelta(days=window_days), today - timedelta(days=1))
    result = []
    for fid, _s, _d, _c, number, title, firm_id, district, firm_name in rows:
        missing = found[fid].missing
        if missing:
            result.append(MissedSite(fid, number or "", title, firm_id, district, firm_name, missing))
    return result


def sites_without_patrol_today(today: date | None = None) -> list[tuple[int, int, str]]:
    """(filing id, firm id, number) of in-progress sites owing a patrol today that have none yet."""
    today = today or clock.today()
    rows = db.session.execute(
        select(*_span_columns(), ProjectFiling.firm_id, ProjectFiling.number)
        .where(ProjectFiling.status == IN_PROGRESS).order_by(ProjectFiling.id)
    ).all()
    found = gaps([r[:4] for r in rows], today, today)
    return [(r[0], r[4], r[5] or "") for r in rows if found[r[0]].missing]


# --- pages and export -------------------------------------------------------------------------------

@dataclass
class SiteRow:
    filing_id: int
    number: str
    title: str
    firm_name: str
    district_code: str
    due: int
    recorded: int
    missed: int
    not_in_order: int
    last_missed: date | None
    weekly_waiting: int = 0
    weekly_disputed: int = 0
    monthly: int = 0


def _site_record(actor: Actor, first: date, last: date, *, firm_id: int | None = None, district: str = "",
                 with_last_missed: bool = False) -> tuple[Select, tuple[str, ...] | None]:
    """The quarter's record of the sites the actor may see, one row per site, as one statement: what `gaps`
    finds, counted in SQL so that the list sorts (most gaps first) and pages in the database.

    The due days come from the same rules (`rules.due_days` over the window, `rules.duty_span` per site):
    the window's days travel as a small table holding, per day, how many due days fall before it and up
    to it, so a site's due days are two joins on the first and the last day of its span, not a loop."""
    until = min(last, clock.today() - timedelta(days=1))
    since, mode = patrol_since(), patrol_mode()
    due_list = rules.due_days(first, until, mode, is_workday) if since is not None else []
    started_on = case((ProjectFiling.started_at.is_not(None), local_date(ProjectFiling.started_at)),
                      else_=ProjectFiling.start_date)
    ended_on = local_date(ProjectFiling.completed_at)
    in_window = (SitePatrol.filing_id == ProjectFiling.id, SitePatrol.patrol_date >= first,
                 SitePatrol.patrol_date <= until)
    recorded = select(func.count()).where(*in_window).correlate(ProjectFiling).scalar_subquery()
    not_in_order = (select(func.count()).where(*in_window, SitePatrol.in_order.is_(False))
                    .correlate(ProjectFiling).scalar_subquery())
    record = (
        select(ProjectFiling.id.label("filing_id"), ProjectFiling.number, ProjectFiling.title,
               Firm.name.label("firm_name"), ProjectFiling.district_code, ProjectFiling.completed_at,
               recorded.label("recorded"), not_in_order.label("not_in_order"))
        .join(Firm, Firm.id == ProjectFiling.firm_id)
        .where(visible(actor, ProjectFiling), ProjectFiling.status.in_(WORKED_STATES),
               func.coalesce(ProjectFiling.start_date, first) <= last,
               # A site that ended before the quarter owed nothing in it and recorded nothing in it (a
               # patrol is recorded only while the project is in progress, never for a later day).
               or_(ProjectFiling.completed_at.is_(None),
                   ProjectFiling.completed_at >= localtime.day_start_utc(first)))
    )
    if firm_id:
        record = record.where(ProjectFiling.firm_id == firm_id)
    if district:
        record = record.where(ProjectFiling.district_code == district)
    # What the count depends on, read before the window's days join (nothing in them is a table).
    tables = aggregates.tables_read(record)
    if not due_list:
        record = record.add_columns(literal(0).label("due"), literal(0).label("missed"),
                                    literal(None, Date).label("last_missed"))
    else:
        floor = max(first, since)
        # rules.duty_span clipped to the window: from the later of its start and `since` to its end.
        lo = case((started_on > floor, started_on), else_=literal(floor, Date))
        hi = case((ended_on < until, ended_on), else_=literal(until, Date))
        window = _window_table(first, until, due_list)
        at_hi, at_lo = window.alias("window_hi"), window.alias("window_lo")
        # Both ends inside the window, in order: outside it the joins find no day and nothing is owed.
        spanned = and_(started_on.is_not(None), at_lo.c.day.is_not(None), at_hi.c.day.is_not(None), lo <= hi)
        owed = at_hi.c.due_through - at_lo.c.due_before
        kept = [SitePatrol.filing_id == ProjectFiling.id, SitePatrol.patrol_date >= lo, SitePatrol.patrol_date <= hi]
        if mode == "workdays":
            kept.append(SitePatrol.patrol_date.in_(due_list))
        kept_count = select(func.count()).where(*kept).correlate(ProjectFiling).scalar_subquery()
        record = (record.outerjoin(at_lo, at_lo.c.day == lo).outerjoin(at_hi, at_hi.c.day == hi)
                  .add_columns(case((spanned, owed), else_=0).label("due"),
                               case((spanned, owed - kept_count), else_=0).label("missed")))
        if with_last_missed:
            day = window.alias("window_day")
            patrolled = (select(SitePatrol.id).where(SitePatrol.filing_id == ProjectFiling.id,
                                                     SitePatrol.patrol_date == day.c.day)
                         .correlate(ProjectFiling, day).exists())
            record = record.add_columns(
                case((spanned, select(func.max(day.c.day))
                      .where(day.c.is_due == 1, day.c.day >= lo, day.c.day <= hi, ~patrolled)
                      .correlate(ProjectFiling).scalar_subquery())).label("last_missed"))
        else:
            record = record.add_columns(literal(None, Date).label("last_missed"))
    sites = record.subquery("site_record")
    # Sites that ended before the quarter and recorded nothing in it are not part of its record.
    return (select(sites).where(or_(sites.c.due > 0, sites.c.recorded > 0, sites.c.completed_at.is_(None)))
            .order_by(sites.c.missed.desc(), sites.c.not_in_order.desc(), sites.c.number, sites.c.filing_id),
            tables)


def _window_table(first: date, until: date, due: list[date]):
    """The window's days as a table: (day, is_due, due days before it, due days up to and with it). The
    days are counted out in SQL and the due ones passed as one list, so the statement stays the same
    from one request to the next (SQLAlchemy's statement cache; a VALUES list of the days is not cached)."""
    days = select(literal(first, Date).label("day")).cte("window_days", recursive=True)
    days = days.union_all(select(next_day(days.c.day)).where(days.c.day < literal(until, Date)))
    is_due = case((days.c.day.in_(due), 1), else_=0)
    through = func.sum(is_due).over(order_by=days.c.day)
    return select(days.c.day.label("day"), is_due.label("is_due"), (through - is_due).label("due_before"),
                  through.label("due_through")).cte("patrol_window")


def _site_rows(rows, first: date, last: date) -> list[SiteRow]:
    ids = [r.filing_id for r in rows]
    weekly = _weekly_counts(ids, first, last)
    monthly = _monthly_counts(ids, first, last)
    return [SiteRow(r.filing_id, r.number or "", r.title, r.firm_name, r.district_code, int(r.due),
                    int(r.recorded), int(r.missed), int(r.not_in_order), _as_date(r.last_missed),
                    *weekly.get(r.filing_id, (0, 0)), monthly.get(r.filing_id, 0)) for r in rows]


def _as_date(value) -> date | None:
    """SQLite hands a computed date back as text."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def site_page(actor: Actor, first: date, last: date, page: int | None, *, district: str = "") -> Page:
    """One page of the sites the actor may see that were in progress, with the quarter's counts, most gaps
    first: the same statements whatever the number of sites."""
    until = min(last, clock.today() - timedelta(days=1))
    key = ("sitechecks.sites", scope_key(actor), first, last, until, district, patrol_since(), patrol_mode())
    stmt, tables = _site_record(actor, first, last, district=district)
    result = paginate(stmt, page, scalars=False, count_key=key, count_tables=tables)
    result.items = _site_rows(result.items, first, last)
    return result


def site_rows(actor: Actor, first: date, last: date, *, firm_id: int | None = None,
              district: str = "") -> list[SiteRow]:
    """Every site of `site_page` with the last day each missed (the export)."""
    stmt, _tables = _site_record(actor, first, last, firm_id=firm_id, district=district, with_last_missed=True)
    rows = db.session.execute(stmt).all()
    return _site_rows(rows, first, last)


def _weekly_counts(ids: Iterable[int], first: date, last: date) -> dict[int, tuple[int, int]]:
    ids = list(ids)
    out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for start in range(0, len(ids), CHUNK):
        for fid, status, n in db.session.execute(
            select(SiteWeeklyCheck.filing_id, SiteWeeklyCheck.status, func.count())
            .where(SiteWeeklyCheck.filing_id.in_(ids[start:start + CHUNK]),
                   SiteWeeklyCheck.week_start >= rules.week_start(first), SiteWeeklyCheck.week_start <= last,
                   SiteWeeklyCheck.status.in_(("recorded", "disputed")))
            .group_by(SiteWeeklyCheck.filing_id, SiteWeeklyCheck.status)
        ):
            out[fid][0 if status == "recorded" else 1] += int(n)
    return {k: (v[0], v[1]) for k, v in out.items()}


def _monthly_counts(ids: Iterable[int], first: date, last: date) -> dict[int, int]:
    ids = list(ids)
    out: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        for fid, n in db.session.execute(
            select(SiteMonthlyInspection.filing_id, func.count())
            .where(SiteMonthlyInspection.filing_id.in_(ids[start:start + CHUNK]),
                   SiteMonthlyInspection.month >= rules.month_key(first),
                   SiteMonthlyInspection.month <= rules.month_key(last))
            .group_by(SiteMonthlyInspection.filing_id)
        ):
            out[fid] = int(n)
    return out


@dataclass(frozen=True)
class CalendarDay:
    day: date
    state: str  # ok | issue | missed | not_due | future | outside | today


def calendar(g: SiteGaps, first: date, last: date, today: date) -> list[list[CalendarDay | None]]:
    """The quarter as weeks (Monday first) of days, each with what the record shows for it."""
    due = set(g.due)
    weeks: list[list[CalendarDay | None]] = []
    day = rules.week_start(first)
    while day <= last:
        week: list[CalendarDay | None] = []
        for _ in range(7):
            if day < first or day > last:
                week.append(None)
            elif day in g.recorded:
                week.append(CalendarDay(day, "ok" if g.recorded[day] else "issue"))
            elif day == today:
                week.append(CalendarDay(day, "today"))
            elif day > today:
                week.append(CalendarDay(day, "future"))
            elif day in due:
                week.append(CalendarDay(day, "missed"))
            else:
                week.append(CalendarDay(day, "not_due"))
            day += timedelta(days=1)
        weeks.append(week)
    return weeks


def patrols(filing_id: int, first: date, last: date) -> list[SitePatrol]:
    return list(db.session.scalars(
        select(SitePatrol).where(SitePatrol.filing_id == filing_id, SitePatrol.patrol_date >= first,
                                 SitePatrol.patrol_date <= last).order_by(SitePatrol.patrol_date.desc())))


def weekly_checks(filing_id: int, first: date, last: date) -> list[SiteWeeklyCheck]:
    return list(db.session.scalars(
        select(SiteWeeklyCheck).where(SiteWeeklyCheck.filing_id == filing_id,
                                      SiteWeeklyCheck.week_start >= rules.week_start(first),
                                      SiteWeeklyCheck.week_start <= last)
        .order_by(SiteWeeklyCheck.week_start.desc())))


def monthly_inspections(filing_id: int, first: date, last: date) -> list[SiteMonthlyInspection]:
    return list(db.session.scalars(
        select(SiteMonthlyInspection).where(SiteMonthlyInspection.filing_id == filing_id,
                                            SiteMonthlyInspection.month >= rules.month_key(first),
                                            SiteMonthlyInspection.month <= rules.month_key(last))
        .order_by(SiteMonthlyInspection.month.desc())))


# --- scoring evidence ---------------------------------------------------------------------------------

@dataclass
class FirmPatrolEvidence:
    good: int = 0
    due: int = 0
    refs: list[int] = field(default_factory=list)  # filings, those with missed or failed days first


def patrol_evidence(starts_on: date, ends_on: date) -> dict[int, FirmPatrolEvidence]:
    """Per firm, over a scoring period: days a patrol was due on its sites (up to yesterday) and how many
    had a patrol that found everything in order. Missed days count as not in order."""
    until = min(ends_on, clock.today() - timedelta(days=1))
    if patrol_since() is None or until < starts_on:
        return {}
    rows = db.session.execute(
        select(*_span_columns(), ProjectFiling.firm_id)
        .where(ProjectFiling.status.in_(WORKED_STATES),
               func.coalesce(ProjectFiling.start_date, starts_on) <= until)
        .order_by(ProjectFiling.id)
    ).all()
    found = gaps([r[:4] for r in rows], starts_on, until)
    out: dict[int, FirmPatrolEvidence] = defaultdict(FirmPatrolEvidence)
    bad: dict[int, list[int]] = defaultdict(list)
    fine: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        g = found[row[0]]
        if not g.due:
            continue
        firm = out[row[4]]
        firm.due += len(g.due)
        good = g.good_days
        firm.good += good
        (bad if good < len(g.due) else fine)[row[4]].append(row[0])
    for firm_id, firm in out.items():
        firm.refs = (bad[firm_id] + fine[firm_id])
    return dict(out)
