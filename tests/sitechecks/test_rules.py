"""Pure rules of the site checks: due days, missed days, a patrol in order, form problems, quarters."""
from datetime import date

import pytest

from portal.sitechecks import rules
from tests.sitechecks.builders import patrol_input

MON, FRI, SUN = date(2026, 11, 16), date(2026, 11, 20), date(2026, 11, 22)


def weekdays_only(d: date) -> bool:
    return d.weekday() < 5


@pytest.mark.clause("LOCAL-site_patrol_days")
def test_due_days_follow_the_mode():
    assert len(rules.due_days(MON, SUN, "all", weekdays_only)) == 7
    assert rules.due_days(MON, SUN, "workdays", weekdays_only) == [date(2026, 11, d) for d in range(16, 21)]


@pytest.mark.clause("LOCAL-site_patrol_since")
def test_duty_starts_at_the_later_of_since_and_the_project_start():
    assert rules.duty_span(None, MON, None, FRI) is None  # not required yet
    assert rules.duty_span(date(2026, 11, 18), MON, None, FRI) == (date(2026, 11, 18), FRI)
    assert rules.duty_span(date(2026, 11, 1), MON, date(2026, 11, 17), FRI) == (MON, date(2026, 11, 17))
    assert rules.duty_span(date(2026, 12, 1), MON, None, FRI) is None
    assert rules.parse_since("2026-11-01") == date(2026, 11, 1)
    assert rules.parse_since("") is None and rules.parse_since("soon") is None


def test_missing_days_are_the_due_days_without_a_patrol():
    due = rules.due_days(MON, FRI, "all", weekdays_only)
    assert rules.missing_days(due, {MON, date(2026, 11, 18), FRI}) == [date(2026, 11, 17), date(2026, 11, 19)]


@pytest.mark.clause("SITE-no-internet", "SITE-video", "SITE-no-personal-devices", "SITE-media-logged")
def test_a_patrol_is_in_order_only_when_every_check_holds():
    assert rules.patrol_in_order(patrol_input([1]))
    for name in ("video_running", "internet_isolated", "all_locked", "no_personal_devices"):
        assert not rules.patrol_in_order(patrol_input([1], **{name: False})), name
    assert not rules.patrol_in_order(patrol_input([1], media_used=True, media_logged=False, media_log_ref="M-1"))
    assert rules.patrol_in_order(patrol_input([1], media_used=True, media_logged=True, media_log_ref="M-1"))


@pytest.mark.clause("SITE-signin-visitors", "SITE-media-logged")
def test_patrol_form_problems():
    assert rules.patrol_problems(patrol_input([1, 2]), [1, 2, 3], FRI, FRI) == {}
    assert "staff_ids" in rules.patrol_problems(patrol_input([]), [1], FRI, FRI)
    assert "staff_ids" in rules.patrol_problems(patrol_input([9]), [1], FRI, FRI)
    assert "visitor_names" in rules.patrol_problems(patrol_input([1], visitors_count=2), [1], FRI, FRI)
    assert "media_log_ref" in rules.patrol_problems(patrol_input([1], media_used=True), [1], FRI, FRI)
    assert "patrol_date" in rules.patrol_problems(patrol_input([1]), [1], SUN, FRI)


def test_quarters_weeks_and_months():
    assert rules.quarter_bounds(FRI) == (date(2026, 10, 1), date(2026, 12, 31))
    assert rules.parse_quarter("2026q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert rules.parse_quarter("2026Q5") is None and rules.parse_quarter("x") is None
    assert rules.quarter_label(FRI) == "2026Q4"
    assert rules.week_start(SUN) == MON and rules.month_key(FRI) == "2026-11"
    assert rules.countersign_problems("disputed", " ") and not rules.countersign_problems("confirmed", "")
