"""Scoring evidence compares timestamps (stored UTC) with calendar days of the bureau (China time).

Luzhou is eight hours ahead of UTC: 05:00 on 21 August there is 21:00 UTC on 20 August, and 00:30 on
20 August there is 16:30 UTC on 19 August. Each case sits on the side of midnight where the UTC day and
the local day differ.
"""
from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.scoring import service as scoring
from portal.scoring.models import FirmScore
from tests.scoring.builders import Q3, ScoringBuilder, as_user

END = date(2026, 8, 20)
# 20 August in Luzhou runs from 16:00 UTC on the 19th to 16:00 UTC on the 20th.
ON_END_DAY_0030_LOCAL = datetime(2026, 8, 19, 16, 30)
ON_END_DAY_2330_LOCAL = datetime(2026, 8, 20, 15, 30)
NEXT_DAY_0500_LOCAL = datetime(2026, 8, 20, 21, 0)


@pytest.fixture
def sb(build):
    return ScoringBuilder(build)


@pytest.fixture
def lead(build):
    return build.user("regulator", "lead")


def _indicator(lead, firm, code: str) -> dict:
    with as_user(lead):
        period = scoring.open_period(Q3)
        scoring.run_period(period.id)
    row = db.session.scalar(select(FirmScore).where(FirmScore.period_id == period.id, FirmScore.firm_id == firm.id))
    for dimension in json.loads(row.result)["dimensions"]:
        for indicator in dimension["indicators"]:
            if indicator["code"] == code:
                return indicator
    raise AssertionError(code)


def _completion(lead, sb, firm, completed_at: datetime) -> tuple[str, int]:
    sb.liaison(firm)
    sb.project(firm, start=date(2026, 5, 1), end=END, status="completed", completed_at=completed_at)
    ind = _indicator(lead, firm, "filing.completion_in_time")
    return ind["numerator"], ind["count"]


def test_completion_reported_at_five_in_the_morning_after_the_end_date_is_late(app, build, sb, lead):
    assert _completion(lead, sb, build.firm(), NEXT_DAY_0500_LOCAL) == ("0", 1)


def test_completion_reported_late_in_the_evening_of_the_end_date_is_in_time(app, build, sb, lead):
    assert _completion(lead, sb, build.firm(), ON_END_DAY_2330_LOCAL) == ("1", 1)


def test_completion_reported_just_after_midnight_on_the_end_date_is_in_time(app, build, sb, lead):
    assert _completion(lead, sb, build.firm(), ON_END_DAY_0030_LOCAL) == ("1", 1)


@pytest.mark.parametrize(("submitted_at", "before_start"), [
    (ON_END_DAY_2330_LOCAL, "1"),  # filed late on the start day: still "before start" (the day counts)
    (NEXT_DAY_0500_LOCAL, "0"),  # filed early the next morning in Luzhou: after the start
])
def test_filing_before_start_uses_the_local_day_of_submission(app, build, sb, lead, submitted_at, before_start):
    firm = build.firm()
    sb.liaison(firm)
    filing = sb.project(firm, start=END)
    filing.submitted_at = submitted_at
    db.session.commit()
    ind = _indicator(lead, firm, "filing.before_start")
    assert (ind["numerator"], ind["count"]) == (before_start, 1)


@pytest.mark.parametrize(("closed_at", "on_time"), [
    (ON_END_DAY_0030_LOCAL, "1"),
    (ON_END_DAY_2330_LOCAL, "1"),
    (NEXT_DAY_0500_LOCAL, "0"),
])
def test_rectification_closed_on_time_uses_the_local_day_of_closing(app, build, sb, lead, closed_at, on_time):
    firm = build.firm()
    sb.liaison(firm)
    sb.project(firm)
    order = sb.rectification(firm, deadline=END, closed=END)
    order.closed_at = closed_at
    db.session.commit()
    ind = _indicator(lead, firm, "rectification.closed_on_time")
    assert (ind["numerator"], ind["count"]) == (on_time, 1)
