"""Pure rules of the bad-rating follow-up (差评整改): when one opens, its deadline, its workflow,
overdue and the follow-up rate. No Flask, no SQLAlchemy."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from portal.core.msgids import N_
from portal.core.workflow import Role, Transition, Workflow
from portal.feedback.rules import bad_dimensions

DEFAULT_WORKDAYS = 15  # the province's 好差评 practice: a bad rating is rectified within 15 working days
REMIND_BEFORE_WORKDAYS = 3  # the firm is reminded this many working days before the deadline
OPEN, ANSWERED, SATISFIED, UNSATISFIED, WITHDRAWN = "open", "answered", "satisfied", "unsatisfied", "withdrawn"
PENDING = (OPEN, ANSWERED)
CLOSED = (SATISFIED, UNSATISFIED, WITHDRAWN)


def _t(action: str, from_states: str, to_state: str, roles: tuple[Role, ...], label: str,
       reason: bool = False) -> Transition:
    return Transition(action=action, from_states=tuple(from_states.split("|")), to_state=to_state,
                      roles=roles, reason_required=reason, label=label)


FOLLOW_UP = Workflow(
    name="followup",
    object_label=N_("bad-rating follow-up"),
    states={
        OPEN: N_("waiting for the firm"),
        ANSWERED: N_("waiting for the agency"),
        SATISFIED: N_("closed, agency satisfied"),
        UNSATISFIED: N_("closed, agency still dissatisfied"),
        WITHDRAWN: N_("withdrawn"),
    },
    initial=OPEN,
    transitions=(
        _t("answer", OPEN, ANSWERED, (Role.VENDOR,), N_("Send the answer")),
        _t("confirm_satisfied", ANSWERED, SATISFIED, (Role.AGENCY,), N_("Now satisfied")),
        _t("confirm_unsatisfied", ANSWERED, UNSATISFIED, (Role.AGENCY,), N_("Still dissatisfied"),
           reason=True),
        _t("withdraw", "open|answered", WITHDRAWN, (Role.REGULATOR, Role.LEAD), N_("Withdraw"), reason=True),
    ),
)


def opens_followup(ratings: Mapping[str, int | None]) -> bool:
    """A rating of 1 (非常不满意) or 2 (不满意) in any dimension opens a follow-up."""
    return bool(bad_dimensions(ratings))


def deadline(opened_on: date, workdays: int, add_workdays: Callable[[date, int], date]) -> date:
    """The last day to answer: `workdays` working days after the day the follow-up opened."""
    return add_workdays(opened_on, max(int(workdays), 1))


def is_overdue(status: str, deadline_day: date, today: date) -> bool:
    """Still waiting for the firm after its deadline."""
    return status == OPEN and today > deadline_day


def answered_late(deadline_day: date, answered_on: date | None, today: date) -> bool:
    """Answered after the deadline, or not answered and the deadline has passed."""
    if answered_on is None:
        return today > deadline_day
    return answered_on > deadline_day


def reminder_stage(status: str, deadline_day: date, today: date, soon_from: date) -> str:
    """Which reminder the firm is due: "overdue", "due_soon" (from `soon_from` on) or "" (none)."""
    if status != OPEN:
        return ""
    if today > deadline_day:
        return "overdue"
    if today >= soon_from:
        return "due_soon"
    return ""


@dataclass(frozen=True)
class FollowUpRate:
    """Closed satisfied ÷ due (goal 100%): a follow-up is due once its deadline has passed or it is
    closed by the agency; withdrawn follow-ups do not count."""

    satisfied: int
    due: int

    @property
    def percent(self) -> float | None:
        return None if not self.due else round(100 * self.satisfied / self.due, 1)

    @property
    def meets_goal(self) -> bool:
        return self.due > 0 and self.satisfied == self.due


def is_due(status: str, deadline_day: date, today: date) -> bool:
    if status == WITHDRAWN:
        return False
    return status in (SATISFIED, UNSATISFIED) or today > deadline_day


def followup_rate(rows: list[tuple[str, date]], today: date) -> FollowUpRate:
    """The rate over (status, deadline) pairs (the SQL in queries.py counts the same way)."""
    due = [status for status, day in rows if is_due(status, day, today)]
    return FollowUpRate(sum(1 for s in due if s == SATISFIED), len(due))
