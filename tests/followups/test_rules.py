"""Pure rules of the bad-rating follow-up: levels, opening, deadline, overdue, reminders, the rate."""
from datetime import date

import pytest

from portal.core.workdays import add_workdays
from portal.core.workflow import InvalidTransition, ReasonRequired
from portal.feedback import rules as feedback_rules
from portal.followups import rules


def test_five_levels_carry_the_good_bad_rating_names():
    assert feedback_rules.LEVEL_NAMES == {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Basically satisfied",
                                          4: "Satisfied", 5: "Very satisfied"}
    assert feedback_rules.level_label(2) == "Dissatisfied" and feedback_rules.level_label(9) == ""


@pytest.mark.parametrize(("level", "opens"), [(1, True), (2, True), (3, False), (5, False)])
def test_only_a_rating_of_one_or_two_opens_a_followup(level, opens):
    ratings = {code: 4 for code in feedback_rules.DIMENSIONS} | {"security": level}
    assert rules.opens_followup(ratings) is opens


@pytest.mark.clause("LOCAL-followup_workdays")
def test_deadline_counts_working_days_of_the_official_calendar():
    # Opened on Monday 28 September 2026: the National Day holiday (1–8 October) is skipped.
    opened = date(2026, 9, 28)
    due = rules.deadline(opened, 15, add_workdays)
    assert due == add_workdays(opened, 15)
    assert (due - opened).days > 21  # more than three plain weeks because of the holiday


def test_overdue_only_while_waiting_for_the_firm():
    day = date(2026, 3, 2)
    assert rules.is_overdue("open", day, date(2026, 3, 3))
    assert not rules.is_overdue("open", day, day)
    assert not rules.is_overdue("answered", day, date(2026, 3, 3))


def test_reminder_stages():
    deadline, soon = date(2026, 3, 20), date(2026, 3, 17)
    assert rules.reminder_stage("open", deadline, date(2026, 3, 10), soon) == ""
    assert rules.reminder_stage("open", deadline, date(2026, 3, 17), soon) == "due_soon"
    assert rules.reminder_stage("open", deadline, date(2026, 3, 21), soon) == "overdue"
    assert rules.reminder_stage("answered", deadline, date(2026, 3, 21), soon) == ""


def test_followup_rate_counts_satisfied_over_due_without_withdrawn():
    today = date(2026, 6, 1)
    past, future = date(2026, 5, 1), date(2026, 7, 1)
    rate = rules.followup_rate([("satisfied", future), ("unsatisfied", future), ("open", past), ("open", future),
                                ("withdrawn", past)], today)
    assert (rate.satisfied, rate.due, rate.percent, rate.meets_goal) == (1, 3, 33.3, False)
    assert rules.followup_rate([], today).percent is None
    assert rules.followup_rate([("satisfied", past)], today).meets_goal


def test_workflow_needs_a_reason_to_stay_dissatisfied_or_withdraw():
    with pytest.raises(ReasonRequired):
        rules.FOLLOW_UP.resolve("answered", "confirm_unsatisfied", ("agency",))
    with pytest.raises(ReasonRequired):
        rules.FOLLOW_UP.resolve("open", "withdraw", ("regulator",))
    with pytest.raises(InvalidTransition):
        rules.FOLLOW_UP.resolve("open", "confirm_satisfied", ("agency",))
    assert rules.FOLLOW_UP.resolve("open", "answer", ("vendor",)).to_state == "answered"
