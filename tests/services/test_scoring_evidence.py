"""Evidence SQL → FirmEvidence → score: every indicator, deduction and veto on hand-made rows."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore
from tests.scoring.builders import Q3, ScoringBuilder, as_user


@pytest.fixture
def sb(build):
    return ScoringBuilder(build)


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def run(lead, label: str = Q3):
    with as_user(lead):
        period = db.session.scalar(select(scoring.ScoringPeriod).where(scoring.ScoringPeriod.label == label))
        period = period or scoring.open_period(label)
        summary = scoring.run_period(period.id, before_end=True)  # the year period may still be running
    return period, summary


def result(period, firm) -> dict:
    row = db.session.scalar(select(FirmScore).where(FirmScore.period_id == period.id, FirmScore.firm_id == firm.id))
    return json.loads(row.result)


def indicator(res: dict, code: str) -> dict:
    for dim in res["dimensions"]:
        for ind in dim["indicators"]:
            if ind["code"] == code:
                return ind
    raise AssertionError(code)


def dimension(res: dict, code: str) -> dict:
    return next(d for d in res["dimensions"] if d["code"] == code)


def test_filed_before_start_counts_late_and_on_time_projects(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    ok1, ok2 = sb.project(firm), sb.project(firm)
    late = sb.project(firm, late=True)
    sb.project(firm, start=date(2026, 10, 5))  # starts after the period: not counted
    period, _ = run(lead)
    res = result(period, firm)
    ind = indicator(res, "filing.before_start")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("2", 3, "66.67")
    assert ind["refs"][0] == f"filing:{late.id}"  # the case that cost points comes first
    assert set(ind["refs"]) == {f"filing:{ok1.id}", f"filing:{ok2.id}", f"filing:{late.id}"}
    assert dimension(res, "filing")["raw"] == "66.67"
    assert res["total_score"] == "66.67" and res["grade"] == "C"


def test_filing_submitted_after_the_start_date_is_not_before_start(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm, submitted=date(2026, 8, 12))  # starts 2026-08-10
    period, _ = run(lead)
    ind = indicator(result(period, firm), "filing.before_start")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("0", 1, "0.00")


def test_changes_refiled_in_time(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    running = sb.project(firm, start=date(2026, 6, 1))
    sb.change(running)
    sb.change(running, late=True)
    sb.change(running, on=date(2026, 10, 2))  # outside the period
    period, _ = run(lead)
    res = result(period, firm)
    ind = indicator(res, "filing.changes_in_time")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("1", 2, "50.00")
    assert ind["refs"] == [f"filing:{running.id}"]
    assert res["total_score"] == "50.00" and res["grade"] == "D"


def test_completion_reported_in_time(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm, start=date(2026, 5, 1), end=date(2026, 8, 20), status="completed",
               completed_at=sb_at(date(2026, 8, 15)))
    late = sb.project(firm, start=date(2026, 5, 1), end=date(2026, 8, 1), status="completed",
                      completed_at=sb_at(date(2026, 8, 15)))
    period, _ = run(lead)
    ind = indicator(result(period, firm), "filing.completion_in_time")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("1", 2, "50.00")
    assert ind["refs"][0] == f"filing:{late.id}"


def sb_at(d):
    from tests.scoring.builders import at

    return at(d)


def test_personnel_counts_each_assigned_worker_once(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    good1, good2 = build.staff(firm), build.staff(firm)
    untrained = build.staff(firm, training_days=4)
    sb.project(firm, start=date(2026, 6, 1), staff=[good1, untrained])
    sb.project(firm, start=date(2026, 6, 1), staff=[good1, good2])
    sb.project(firm, start=date(2025, 1, 1), end=date(2025, 6, 1), staff=[build.staff(firm, qualified=False)])
    period, _ = run(lead)
    res = result(period, firm)
    ind = indicator(res, "personnel.qualified_staff")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("2", 3, "66.67")
    assert res["total_score"] == "66.67"


def test_security_items_of_inspections(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm, start=date(2026, 6, 1))
    inspection = sb.inspection(firm, ("pass", "pass", "fail", "na"))
    sb.inspection(firm, ("fail",), security=False)  # not a security item
    sb.inspection(firm, ("fail",), on=date(2026, 6, 20))  # before the period
    period, _ = run(lead)
    ind = indicator(result(period, firm), "security.inspection_items")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("2", 3, "66.67")
    assert ind["refs"] == [f"inspection:{inspection.id}"]


def test_quality_first_pass_sampling_and_rework(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    first = sb.accepted(firm, attempts=1, sample=100, pass_rate="98.00")
    third = sb.accepted(firm, attempts=3, sample=100, pass_rate="80.00")
    period, _ = run(lead)
    res = result(period, firm)
    fp = indicator(res, "quality.first_pass_acceptance")
    assert (fp["numerator"], fp["count"], fp["raw"]) == ("1", 2, "50.00")
    assert fp["refs"] == [f"filing:{third.id}", f"filing:{first.id}"]
    sp = indicator(res, "quality.sampling_pass")
    # 98 + 80 passed of 200 sampled = 0.89: (0.89 − 0.80) / (0.95 − 0.80) = 60 %.
    assert (sp["numerator"], sp["count"], sp["raw"]) == ("178", 200, "60.00")
    rw = indicator(res, "quality.rework")
    assert (rw["numerator"], rw["count"], rw["raw"]) == ("2", 2, "50.00")
    # Shares 40/40/20: 50 × 0.4 + 60 × 0.4 + 50 × 0.2 = 54.
    assert dimension(res, "quality")["raw"] == "54.00"
    # Both projects were also completed in time: filing 100 on 42.86, quality 54 on 57.14.
    assert dimension(res, "filing")["effective_weight"] == "42.86"
    assert dimension(res, "quality")["effective_weight"] == "57.14"
    assert res["total_score"] == "73.72"


def test_sampling_pass_rate_with_decimals_is_exact(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.accepted(firm, sample=40, pass_rate="97.50")
    period, _ = run(lead)
    sp = indicator(result(period, firm), "quality.sampling_pass")
    assert (sp["numerator"], sp["count"], sp["raw"]) == ("39", 40, "100.00")


def test_feedback_ratings_are_averaged_per_aspect(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    project = sb.project(firm, start=date(2026, 6, 1))
    sb.feedback(firm, project, (5, 5, 5, 5, 5))
    low = sb.feedback(firm, project, (3, 4, 1, 5, 2))
    sb.feedback(firm, project, (1, 1, 1, 1, 1), on=date(2026, 10, 3))  # next quarter
    period, _ = run(lead)
    res = result(period, firm)
    raws = {code: indicator(res, f"feedback.{code}")["raw"]
            for code in ("quality", "timeliness", "security", "conduct", "communication")}
    assert raws == {"quality": "75.00", "timeliness": "87.50", "security": "50.00", "conduct": "100.00",
                    "communication": "62.50"}
    assert indicator(res, "feedback.quality")["refs"][0] == f"feedback:{low.id}"
    assert dimension(res, "feedback")["evidence_count"] == 10
    assert res["total_score"] == "75.00" and res["grade"] == "C"


def test_rectification_closed_on_time(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm, start=date(2026, 6, 1))
    sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 19))
    late = sb.rectification(firm, deadline=date(2026, 8, 20), closed=date(2026, 8, 25))
    sb.rectification(firm, deadline=date(2026, 9, 20), status="issued")
    sb.rectification(firm, deadline=date(2026, 11, 20), status="issued")  # due later
    period, _ = run(lead)
    res = result(period, firm)
    ind = indicator(res, "rectification.closed_on_time")
    assert (ind["numerator"], ind["count"], ind["raw"]) == ("1", 3, "33.33")
    assert f"rectification:{late.id}" in ind["refs"][:2]
    assert res["vetoed"] is False


def test_deductions_for_upheld_incidents_and_missed_liaison(app, build, sb, lead):
    firm = build.firm()
    sb.project(firm)  # before_start 1/1 → 100
    media = sb.incident(firm, "device_media_violation")
    for _ in range(4):
        sb.incident(firm, "personnel_violation")
    sb.incident(firm, "other", status="not_upheld")
    period, _ = run(lead)
    res = result(period, firm)
    deductions = {d["code"]: (d["items"], d["points"]) for d in res["deductions"]}
    assert deductions == {
        "incident.device_media_violation": (1, "5.00"),
        "incident.personnel_violation": (4, "9.00"),  # 4 × 3 capped at 9
        "liaison.missed_confirmation": (1, "1.00"),
    }
    media_refs = next(d["refs"] for d in res["deductions"] if d["code"] == "incident.device_media_violation")
    assert media_refs == [f"incident:{media.id}"]
    assert res["score_before_deductions"] == "100.00" and res["total_score"] == "85.00"
    assert res["grade"] == "B"


@pytest.mark.parametrize("source", ["loss", "leak", "unauthorised_copy", "tampering_destruction",
                                    "refused_inspection", "rectification_overdue", "administrative_penalty"])
def test_each_veto_source_forces_grade_d(app, build, sb, lead, source):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    if source in ("loss", "leak", "unauthorised_copy", "tampering_destruction"):
        sb.incident(firm, source)
        code = f"incident_{source}"
        sb.incident(build.firm(), source, status="not_upheld")
    elif source == "refused_inspection":
        sb.inspection(firm, (), refused=True)
        code = source
    elif source == "rectification_overdue":
        sb.rectification(firm, deadline=date(2026, 8, 1), status="overdue")
        code = source
    else:
        sb.penalty(firm)
        code = source
    period, _ = run(lead)
    res = result(period, firm)
    assert res["vetoed"] is True and res["grade"] == "D"
    assert [v["code"] for v in res["vetoes"]] == [code]
    assert res["vetoes"][0]["refs"]
    # The score is still shown; the veto decides the grade. The overdue order also failed its deadline.
    assert res["total_score"] == ("60.00" if source == "rectification_overdue" else "100.00")


def test_insufficient_dimensions_spread_their_weight_visibly(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    project = sb.project(firm)  # filing 100
    sb.feedback(firm, project, (3, 3, 3, 3, 3))  # feedback 50
    period, _ = run(lead)
    res = result(period, firm)
    flags = {d["code"]: (d["insufficient"], d["effective_weight"]) for d in res["dimensions"]}
    assert flags == {
        "filing": (False, "42.86"), "personnel": (True, "0.00"), "security": (True, "0.00"),
        "quality": (True, "0.00"), "feedback": (False, "57.14"), "rectification": (True, "0.00"),
    }
    assert res["total_score"] == "71.43"  # 100 × 0.4286 + 50 × 0.5714
    assert any("was spread over" in m["msgid"] for m in res["explanation"])


def test_firm_without_activity_is_not_rated(app, build, sb, lead):
    idle = build.firm()
    pending = build.firm(status="submitted")  # not registered: not scored at all
    period, summary = run(lead)
    res = result(period, idle)
    assert res["status"] == "not_rated" and res["grade"] is None and res["total_score"] is None
    row = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == idle.id))
    assert row.status == "not_rated" and row.total is None and row.grade is None
    assert db.session.scalar(select(FirmScore).where(FirmScore.firm_id == pending.id)) is None
    assert summary.not_rated == 1


def test_firm_with_a_veto_but_no_activity_gets_the_veto_grade(app, build, sb, lead):
    firm = build.firm()
    sb.penalty(firm)
    period, _ = run(lead)
    res = result(period, firm)
    assert res["status"] == "rated" and res["grade"] == "D" and res["total_score"] is None


def test_year_period_counts_four_quarters_of_liaison(app, build, sb, lead):
    firm = build.firm()
    sb.project(firm)
    sb.liaison(firm, "2026Q1")
    sb.liaison(firm, "2026-Q2")
    period, _ = run(lead, "2026")
    res = result(period, firm)
    assert {d["code"]: d["items"] for d in res["deductions"]} == {"liaison.missed_confirmation": 2}
    assert period.kind == "year" and period.starts_on == date(2026, 1, 1) and period.ends_on == date(2026, 12, 31)


def test_stored_columns_match_the_result(app, build, sb, lead):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    period, _ = run(lead)
    row = db.session.scalar(select(FirmScore).where(FirmScore.firm_id == firm.id))
    assert (row.status, row.total, row.grade, row.vetoed) == ("rated", Decimal("100.00"), "A", False)
    assert row.evidence["inputs"]["filing.before_start"] == ["1", 1]
