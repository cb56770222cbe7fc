"""Scoring evidence: set-based SQL that counts, per firm, what each indicator, deduction and veto needs.

Every function here runs a fixed number of GROUP BY firm_id queries for a whole period, whatever the
number of firms (a province has ~600 firms and a million feedback rows), and returns plain numbers the
pure scoring core turns into scores. Evidence references (``"filing:42"``) are capped per firm and code
with a window function, bad cases first, so a score page can link to the rows that cost points.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql import ColumnElement, Select

from portal.core import clock, local_rules, localtime
from portal.core.constants import VETO_INCIDENT_TYPES
from portal.core.localtime_sql import local_date
from portal.extensions import db
from portal.feedback.models import RATING_FIELDS, Feedback
from portal.filings import fields as filing_fields
from portal.filings.models import ChangeFiling, ProjectFiling, filing_staff
from portal.firms.models import StaffMember
from portal.followups.models import FollowUp
from portal.incidents.models import Incident
from portal.scoring.rules import FirmEvidence
from portal.supervision.models import (
    Inspection,
    InspectionResult,
    LiaisonConfirmation,
    PenaltyCase,
    RectificationOrder,
)

# Enough links to explain a number; the count itself is always complete.
REF_LIMIT = 20
# Project states in which the work has begun (or is about to, once registered).
WORK_STATES = ("registered", "in_progress", "completed", "accepted", "closed")
DEDUCTED_INCIDENT_TYPES = ("device_media_violation", "personnel_violation", "other")


@dataclass
class PeriodEvidence:
    """Counted evidence of every firm for one period, before it is turned into ``FirmEvidence``."""

    inputs: dict[int, dict[str, tuple[Decimal, int]]] = field(default_factory=lambda: defaultdict(dict))
    deductions: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    vetoes: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    refs: dict[int, dict[str, list[str]]] = field(default_factory=lambda: defaultdict(dict))
    active: set[int] = field(default_factory=set)
    liaison_quarters: int = 0
    liaison_confirmed: dict[int, int] = field(default_factory=dict)
    queries: int = 0

    def firm_ids(self) -> set[int]:
        return set(self.inputs) | set(self.deductions) | set(self.vetoes) | self.active

    def for_firm(self, firm_id: int) -> FirmEvidence:
        """The pure core's input for one firm; missed liaison confirmations become a deduction."""
        inputs = self.inputs.get(firm_id, {})
        has_evidence = any(count > 0 for _num, count in inputs.values())
        deductions = {k: v for k, v in self.deductions.get(firm_id, {}).items() if v}
        missed = max(self.liaison_quarters - self.liaison_confirmed.get(firm_id, 0), 0)
        if missed:
            deductions["liaison.missed_confirmation"] = missed
        return FirmEvidence(
            inputs=inputs,
            deductions=deductions,
            vetoes=frozenset(self.vetoes.get(firm_id, set())),
            activity=firm_id in self.active or has_evidence,
            refs=self.refs.get(firm_id, {}),
        )


def _in(column, lower, upper) -> ColumnElement[bool]:
    return and_(column >= lower, column < upper)


def quarters_of(starts_on: date, ends_on: date) -> list[str]:
    """Quarter labels (``2026Q3``) the period covers, for the quarterly liaison confirmation."""
    labels = []
    year, quarter = starts_on.year, (starts_on.month - 1) // 3 + 1
    while date(year, 3 * quarter - 2, 1) <= ends_on:
        labels.append(f"{year}Q{quarter}")
        quarter += 1
        if quarter == 5:
            year, quarter = year + 1, 1
    return labels


class _Collector:
    def __init__(self, starts_on: date, ends_on: date):
        self.starts_on, self.ends_on = starts_on, ends_on
        # Period dates are days of the bureau's calendar; timestamps are stored in UTC.
        self.lower, self.upper = localtime.day_bounds_utc(starts_on, ends_on)
        self.out = PeriodEvidence()

    def rows(self, stmt: Select) -> list:
        self.out.queries += 1
        return list(db.session.execute(stmt))

    def ratio(self, code: str, firm_col, good: ColumnElement, where: Iterable, joins=()) -> None:
        stmt = select(firm_col, func.sum(case((good, 1), else_=0)), func.count())
        for target, on in joins:
            stmt = stmt.join(target, on)
        stmt = stmt.where(*where).group_by(firm_col)
        for firm_id, numerator, count in self.rows(stmt):
            self.out.inputs[firm_id][code] = (Decimal(int(numerator or 0)), int(count))

    def refs(self, codes: tuple[str, ...], kind: str, firm_col, id_col, where: Iterable, bad_first=None,
             joins=(), distinct: bool = False) -> None:
        """At most REF_LIMIT ids per firm, bad cases first, then by id: one windowed query."""
        order = [id_col] if bad_first is None else [case((bad_first, 0), else_=1), id_col]
        inner = select(firm_col.label("firm_id"), id_col.label("ref_id"))
        if distinct:
            inner = select(firm_col.label("firm_id"), id_col.label("ref_id"),
                           func.min(case((bad_first, 0), else_=1) if bad_first is not None else literal(1))
                           .label("rank_key"))
        for target, on in joins:
            inner = inner.join(target, on)
        inner = inner.where(*where)
        if distinct:
            inner = inner.group_by(firm_col, id_col).subquery()
            ranked = select(
                inner.c.firm_id, inner.c.ref_id,
                func.row_number().over(partition_by=inner.c.firm_id,
                                       order_by=(inner.c.rank_key, inner.c.ref_id)).label("rn"),
            ).subquery()
        else:
            ranked = inner.add_columns(
                func.row_number().over(partition_by=firm_col, order_by=order).label("rn")
            ).subquery()
        stmt = (
            select(ranked.c.firm_id, ranked.c.ref_id)
            .where(ranked.c.rn <= REF_LIMIT)
            .order_by(ranked.c.firm_id, ranked.c.rn)
        )
        for firm_id, ref_id in self.rows(stmt):
            for code in codes:
                self.out.refs[firm_id].setdefault(code, []).append(f"{kind}:{ref_id}")


def collect(starts_on: date, ends_on: date) -> PeriodEvidence:
    """Count every firm's evidence for the period [starts_on, ends_on]: about 30 queries in all."""
    c = _Collector(starts_on, ends_on)
    lo, hi = c.lower, c.upper
    pf = ProjectFiling

    # Filing compliance: projects whose work starts in the period must be filed first.
    started = (pf.status.in_(WORK_STATES), pf.start_date >= starts_on, pf.start_date <= ends_on)
    before_start = and_(pf.is_late.is_(False), pf.submitted_at.is_not(None),
                        local_date(pf.submitted_at) <= pf.start_date)
    c.ratio("filing.before_start", pf.firm_id, before_start, started)
    c.refs(("filing.before_start",), "filing", pf.firm_id, pf.id, started, bad_first=~before_start)

    changed = (_in(ChangeFiling.created_at, lo, hi),)
    change_join = ((pf, pf.id == ChangeFiling.filing_id),)
    c.ratio("filing.changes_in_time", pf.firm_id, ChangeFiling.is_late.is_(False), changed, change_join)
    c.refs(("filing.changes_in_time",), "filing", pf.firm_id, pf.id, changed,
           bad_first=ChangeFiling.is_late.is_(True), joins=change_join, distinct=True)

    # Filing fields that declare an indicator (portal.filings.fields): good = filled in.
    for spec in filing_fields.evidence_fields():
        column = getattr(pf, spec.name)
        c.ratio(spec.evidence, pf.firm_id, and_(column.is_not(None), column != ""), started)
        c.refs((spec.evidence,), "filing", pf.firm_id, pf.id, started, bad_first=or_(column.is_(None), column == ""))

    completed = (_in(pf.completed_at, lo, hi),)
    completion_ok = or_(pf.end_date.is_(None), local_date(pf.completed_at) <= pf.end_date)
    c.ratio("filing.completion_in_time", pf.firm_id, completion_ok, completed)
    c.refs(("filing.completion_in_time",), "filing", pf.firm_id, pf.id, completed, bad_first=~completion_ok)

    # Personnel: every worker assigned to a project running in the period, counted once per firm.
    running = (pf.status.in_(WORK_STATES), pf.start_date <= ends_on,
               or_(pf.end_date.is_(None), pf.end_date >= starts_on))
    sm = StaffMember
    qualified = and_(sm.contract_date.is_not(None), sm.commitment_date.is_not(None),
                     sm.training_days >= 5, sm.assessment_passed.is_(True))
    # Outer joins keep firms whose running projects have no staff listed: they still had activity.
    staff_stmt = (
        select(pf.firm_id, func.count(func.distinct(case((qualified, sm.id)))), func.count(func.distinct(sm.id)))
        .outerjoin(filing_staff, filing_staff.c.filing_id == pf.id)
        .outerjoin(sm, sm.id == filing_staff.c.staff_id)
        .where(*running)
        .group_by(pf.firm_id)
    )
    for firm_id, good, total in c.rows(staff_stmt):
        c.out.active.add(firm_id)
        if total:
            c.out.inputs[firm_id]["personnel.qualified_staff"] = (Decimal(int(good or 0)), int(total))
    c.refs(("personnel.qualified_staff",), "filing", pf.firm_id, pf.id, running, bad_first=~qualified,
           joins=((filing_staff, filing_staff.c.filing_id == pf.id), (sm, sm.id == filing_staff.c.staff_id)),
           distinct=True)

    # Site and equipment security: security items of inspections checked in the period.
    ir, ins = InspectionResult, Inspection
    checked = (_in(ins.checked_at, lo, hi), ir.is_security.is_(True), ir.result.in_(("pass", "fail")))
    ins_join = ((ins, ins.id == ir.inspection_id),)
    c.ratio("security.inspection_items", ins.firm_id, ir.result == "pass", checked, ins_join)
    c.refs(("security.inspection_items",), "inspection", ins.firm_id, ins.id, checked,
           bad_first=ir.result == "fail", joins=ins_join, distinct=True)
    # ... and the daily site patrols owed in the period (portal.sitechecks): good = a patrol that found
    # everything in order; a missed day counts against.
    from portal.sitechecks.queries import patrol_evidence

    c.out.queries += 1
    for firm_id, site in patrol_evidence(starts_on, ends_on).items():
        c.out.inputs[firm_id]["security.site_patrols"] = (Decimal(site.good), site.due)
        c.out.active.add(firm_id)
        c.out.refs[firm_id]["security.site_patrols"] = [f"filing:{fid}" for fid in site.refs[:REF_LIMIT]]

    # Process and quality: acceptances in the period.
    accepted = (_in(pf.accepted_at, lo, hi),)
    first_pass = pf.acceptance_attempts <= 1
    c.ratio("quality.first_pass_acceptance", pf.firm_id, first_pass, accepted)
    rework = func.sum(case((pf.acceptance_attempts > 1, pf.acceptance_attempts - 1), else_=0))
    for firm_id, items, total in c.rows(
        select(pf.firm_id, rework, func.count()).where(*accepted).group_by(pf.firm_id)
    ):
        c.out.inputs[firm_id]["quality.rework"] = (Decimal(int(items or 0)), int(total))
    c.refs(("quality.first_pass_acceptance", "quality.rework"), "filing", pf.firm_id, pf.id, accepted,
           bad_first=~first_pass)
    sampled = (*accepted, pf.acceptance_sample_size > 0, pf.acceptance_pass_rate.is_not(None))
    # Pass rates are percentages with two decimals: count passed units in ten-thousandths, exactly.
    passed_units = func.sum(pf.acceptance_sample_size * cast(func.round(pf.acceptance_pass_rate * 100), Integer))
    for firm_id, passed, units in c.rows(
        select(pf.firm_id, passed_units, func.sum(pf.acceptance_sample_size)).where(*sampled).group_by(pf.firm_id)
    ):
        c.out.inputs[firm_id]["quality.sampling_pass"] = (Decimal(int(passed or 0)) / 10000, int(units))
    c.refs(("quality.sampling_pass",), "filing", pf.firm_id, pf.id, sampled,
           bad_first=pf.acceptance_pass_rate < local_rules.get("acceptance_min_pass_rate"))

    # Agency feedback: the five ratings given in the period (one query for all five).
    fb = Feedback
    rated = (_in(fb.created_at, lo, hi),)
    sums = [func.sum(getattr(fb, name)) for name in RATING_FIELDS]
    for firm_id, *values in c.rows(select(fb.firm_id, *sums, func.count()).where(*rated).group_by(fb.firm_id)):
        count = int(values[-1])
        for name, total in zip(RATING_FIELDS, values[:-1], strict=True):
            c.out.inputs[firm_id][f"feedback.{name}"] = (Decimal(int(total or 0)), count)
    low = or_(*(getattr(fb, name) <= 2 for name in RATING_FIELDS))
    c.refs(tuple(f"feedback.{name}" for name in RATING_FIELDS), "feedback", fb.firm_id, fb.id, rated,
           bad_first=low)

    # Rectification: orders falling due in the period, closed (verified) by their deadline.
    ro = RectificationOrder
    due = (ro.deadline >= starts_on, ro.deadline <= ends_on)
    on_time = and_(ro.status == "verified", ro.closed_at.is_not(None), local_date(ro.closed_at) <= ro.deadline)
    c.ratio("rectification.closed_on_time", ro.firm_id, on_time, due)
    c.refs(("rectification.closed_on_time",), "rectification", ro.firm_id, ro.id, due, bad_first=~on_time)

    # Deductions: upheld incidents concluded in the period, by type.
    inc = Incident
    upheld = (inc.status == "upheld", _in(func.coalesce(inc.decided_at, inc.occurred_at), lo, hi))
    for firm_id, kind, n in c.rows(
        select(inc.firm_id, inc.incident_type, func.count())
        .where(*upheld, inc.incident_type.in_(DEDUCTED_INCIDENT_TYPES + VETO_INCIDENT_TYPES))
        .group_by(inc.firm_id, inc.incident_type)
    ):
        if kind in VETO_INCIDENT_TYPES:
            c.out.vetoes[firm_id].add(f"incident_{kind}")
        else:
            c.out.deductions[firm_id][f"incident.{kind}"] = int(n)
    for firm_id, kind, ref_id in c.rows(
        select(inc.firm_id, inc.incident_type, inc.id)
        .where(*upheld, inc.incident_type.in_(DEDUCTED_INCIDENT_TYPES + VETO_INCIDENT_TYPES))
        .order_by(inc.firm_id, inc.id)
    ):
        code = f"incident_{kind}" if kind in VETO_INCIDENT_TYPES else f"incident.{kind}"
        bucket = c.out.refs[firm_id].setdefault(code, [])
        if len(bucket) < REF_LIMIT:
            bucket.append(f"incident:{ref_id}")

    # Bad-rating follow-ups (差评整改) that failed: unanswered by a deadline falling in the period, or
    # closed with the agency still dissatisfied in the period. Withdrawn ones never count.
    fu = FollowUp
    failed = (fu.status != "withdrawn",
              or_(and_(fu.status == "unsatisfied", _in(fu.confirmed_at, lo, hi)),
                  and_(fu.deadline >= starts_on, fu.deadline <= ends_on, fu.deadline < clock.today(),
                       or_(fu.answered_at.is_(None), local_date(fu.answered_at) > fu.deadline))))
    for firm_id, n in c.rows(select(fu.firm_id, func.count()).where(*failed).group_by(fu.firm_id)):
        c.out.deductions[firm_id]["feedback.followup_failed"] = int(n)
    for firm_id, ref_id in c.rows(select(fu.firm_id, fu.id).where(*failed).order_by(fu.firm_id, fu.id)):
        _add_ref(c.out, firm_id, "feedback.followup_failed", f"followup:{ref_id}")

    # Liaison: each quarter of the period needs one confirmation (动态联系机制); missing ones deduct.
    quarters = quarters_of(starts_on, ends_on)
    spelled = quarters + [q.replace("Q", "-Q") for q in quarters]
    confirmed: dict[int, int] = {
        firm_id: int(n)
        for firm_id, n in c.rows(
            select(LiaisonConfirmation.firm_id, func.count(func.distinct(LiaisonConfirmation.quarter)))
            .where(LiaisonConfirmation.quarter.in_(spelled))
            .group_by(LiaisonConfirmation.firm_id)
        )
    }
    c.out.liaison_confirmed = confirmed
    c.out.liaison_quarters = len(quarters)

    # Vetoes that are not incidents.
    refused = (ins.refused.is_(True),
               or_(_in(ins.checked_at, lo, hi),
                   and_(ins.checked_at.is_(None), ins.planned_on >= starts_on, ins.planned_on <= ends_on)))
    for firm_id, ref_id in c.rows(select(ins.firm_id, ins.id).where(*refused).order_by(ins.firm_id, ins.id)):
        c.out.vetoes[firm_id].add("refused_inspection")
        _add_ref(c.out, firm_id, "refused_inspection", f"inspection:{ref_id}")
    overdue = (ro.status.in_(("overdue", "escalated")), ro.deadline <= ends_on)
    for firm_id, ref_id in c.rows(select(ro.firm_id, ro.id).where(*overdue).order_by(ro.firm_id, ro.id)):
        c.out.vetoes[firm_id].add("rectification_overdue")
        _add_ref(c.out, firm_id, "rectification_overdue", f"rectification:{ref_id}")
    penalised = (PenaltyCase.decided_on >= starts_on, PenaltyCase.decided_on <= ends_on)
    for firm_id, ref_id in c.rows(
        select(PenaltyCase.firm_id, PenaltyCase.id).where(*penalised).order_by(PenaltyCase.firm_id, PenaltyCase.id)
    ):
        c.out.vetoes[firm_id].add("administrative_penalty")
        _add_ref(c.out, firm_id, "administrative_penalty", f"penalty:{ref_id}")
    return c.out


def _add_ref(out: PeriodEvidence, firm_id: int, code: str, ref: str) -> None:
    bucket = out.refs[firm_id].setdefault(code, [])
    if len(bucket) < REF_LIMIT:
        bucket.append(ref)


def evidence_to_json(evidence: FirmEvidence) -> dict:
    """A JSON form of the counted evidence, stable for comparison and reusable to re-score an objection."""
    return {
        "inputs": {k: [str(n), c] for k, (n, c) in evidence.inputs.items()},
        "deductions": dict(evidence.deductions),
        "vetoes": sorted(evidence.vetoes),
        "activity": evidence.activity,
        "refs": {k: list(v) for k, v in evidence.refs.items()},
    }


def evidence_from_json(data: dict) -> FirmEvidence:
    return FirmEvidence(
        inputs={k: (Decimal(n), int(c)) for k, (n, c) in (data.get("inputs") or {}).items()},
        deductions=data.get("deductions") or {},
        vetoes=frozenset(data.get("vetoes") or ()),
        activity=bool(data.get("activity")),
        refs=data.get("refs") or {},
    )
