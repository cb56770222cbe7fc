"""Pure rules of agency feedback: dimensions and level meanings, narrative rule, milestones, windows."""
from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from portal.core.msgids import N_

COMPLETION = "completion"
MILESTONE = "milestone"
LOWEST, HIGHEST = 1, 5
LEVELS = (1, 2, 3, 4, 5)
# Ratings of 1, 2 or 5 must be explained: extremes are what scoring and supervision act on.
NARRATIVE_LEVELS = frozenset({1, 2, 5})
MAX_MILESTONES = 60

DIMENSIONS: Mapping[str, str] = {
    "quality": N_("Quality of the work"),
    "timeliness": N_("Timeliness"),
    "security": N_("Security and confidentiality compliance"),
    "conduct": N_("Staff conduct"),
    "communication": N_("Communication"),
}

# What each level means, shown beside the choice so every agency rates on the same scale.
LEVEL_MEANINGS: Mapping[str, Mapping[int, str]] = {
    "quality": {
        1: N_("Unacceptable: many errors or omissions; most of the work had to be redone."),
        2: N_("Poor: frequent errors; a significant part of the work needed rework."),
        3: N_("Acceptable: meets the contracted quality standard after a few corrections."),
        4: N_("Good: meets the standard; sampling found only rare, minor errors."),
        5: N_("Excellent: sampling found no errors; better than the contracted standard."),
    },
    "timeliness": {
        1: N_("Seriously late: the schedule was missed by a wide margin without agreement."),
        2: N_("Late: several milestones or the end date were missed."),
        3: N_("Mostly on time: minor delays, agreed in advance."),
        4: N_("On time: every milestone was met."),
        5: N_("Ahead of plan: milestones met early with no loss of quality."),
    },
    "security": {
        1: N_("Serious breach: loss, leak, unauthorised copy, tampering or destruction of archives."),
        2: N_("Repeated violations of site rules (devices, media, network, visitors)."),
        3: N_("Minor lapses, corrected at once when pointed out."),
        4: N_("Full compliance with the security agreement and the site rules."),
        5: N_("Exemplary: full compliance plus safeguards beyond what the agreement requires."),
    },
    "conduct": {
        1: N_("Unacceptable: staff broke rules or behaved improperly; removal was needed."),
        2: N_("Poor: unqualified or frequently changing staff, or repeated discipline problems."),
        3: N_("Acceptable: qualified staff with occasional lapses in discipline."),
        4: N_("Good: the filed, qualified staff worked in a disciplined way."),
        5: N_("Excellent: highly professional staff who also improved our own practice."),
    },
    "communication": {
        1: N_("Unreachable: the firm could not be reached when needed."),
        2: N_("Slow or unclear: late answers; problems reported late or not at all."),
        3: N_("Adequate: answers within agreed times; reports when asked."),
        4: N_("Good: regular progress reports and quick answers."),
        5: N_("Excellent: proactive reporting; problems raised and solved early."),
    },
}

# The one definition of the five levels: the names of the province's government-service rating
# practice (政务服务"好差评"), shown beside every 1–5 rating on forms, lists, details and exports.
LEVEL_NAMES: Mapping[int, str] = {
    1: N_("Very dissatisfied"),
    2: N_("Dissatisfied"),
    3: N_("Basically satisfied"),
    4: N_("Satisfied"),
    5: N_("Very satisfied"),
}
# A rating at these levels (不满意, 非常不满意) is a bad rating: it opens a follow-up (差评整改).
BAD_LEVELS = frozenset({1, 2})


def level_label(value: int | None) -> str:
    """The msgid naming a level (empty for a value outside 1–5)."""
    return LEVEL_NAMES.get(value, "") if isinstance(value, int) else ""


def bad_dimensions(ratings: Mapping[str, int | None]) -> list[str]:
    """The dimensions rated at a bad level, in the order of DIMENSIONS."""
    return [code for code in DIMENSIONS if ratings.get(code) in BAD_LEVELS]


class FeedbackRuleError(ValueError):
    """A rating breaks a feedback rule; `field` names the form field, `msgid` the message."""

    def __init__(self, field: str, msgid: str) -> None:
        super().__init__(msgid)
        self.field = field
        self.msgid = msgid


def check_ratings(ratings: Mapping[str, int | None], narrative: str | None) -> list[FeedbackRuleError]:
    """Every problem with a set of ratings and its narrative (empty list when valid)."""
    problems: list[FeedbackRuleError] = []
    for code in DIMENSIONS:
        value = ratings.get(code)
        if not isinstance(value, int) or isinstance(value, bool) or not LOWEST <= value <= HIGHEST:
            problems.append(FeedbackRuleError(code, N_("Choose a rating from 1 to 5.")))
    if narrative_required(ratings) and not (narrative or "").strip():
        problems.append(
            FeedbackRuleError("narrative", N_("A written explanation is required when any rating is 1, 2 or 5."))
        )
    return problems


def narrative_required(ratings: Mapping[str, int | None]) -> bool:
    return any(ratings.get(code) in NARRATIVE_LEVELS for code in DIMENSIONS)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clipped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def milestone_key(day: date) -> str:
    """Period key of the milestone falling on `day`: "m" + year-month, e.g. "m2026-03"."""
    return f"m{day.year:04d}-{day.month:02d}"


def milestone_dates(start: date | None, end: date | None, today: date, every_months: int) -> list[date]:
    """Milestones reached so far: every N months after the start, before the planned end.

    A milestone on or after the end date is not offered: the completion feedback covers that time.
    """
    if start is None or every_months < 1:
        return []
    dates: list[date] = []
    for k in range(1, MAX_MILESTONES + 1):
        day = add_months(start, k * every_months)
        if day > today or (end is not None and day >= end):
            break
        dates.append(day)
    return dates


def within_days(start: datetime, now: datetime, days: int) -> bool:
    """True while `now` is no later than `days` days after `start`."""
    return now <= start + timedelta(days=days)


def edit_allowed(created_at: datetime, now: datetime, has_reply: bool, window_days: int) -> bool:
    """The author may edit until the firm replies or the window closes, whichever comes first."""
    return not has_reply and within_days(created_at, now, window_days)


def reply_allowed(created_at: datetime, now: datetime, has_reply: bool, window_days: int) -> bool:
    """The firm may reply once, within the window."""
    return not has_reply and within_days(created_at, now, window_days)
