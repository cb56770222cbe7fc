"""Pure decisions of the site security checks: which days need a patrol, which were missed, whether a
patrol found everything in order, and what a form may not leave out. No Flask, no SQLAlchemy."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.core.msgids import N_
from portal.core.quarters import parse_quarter, quarter_bounds, quarter_label  # noqa: F401  (re-exported)

# Local rule `site_patrol_days`: a patrol is due every calendar day, or on working days only.
PATROL_DAY_MODES = ("all", "workdays")
COUNTERSIGN_DECISIONS = ("confirmed", "disputed")
CHECK_RESULTS = ("pass", "fail", "na")
# The checks a patrol confirms; a patrol is "in order" when every one holds (media: unused, or logged).
PATROL_CHECKS = ("video_running", "internet_isolated", "all_locked", "no_personal_devices")


@dataclass(frozen=True)
class PatrolInput:
    staff_ids: tuple[int, ...]
    visitors_count: int
    visitor_names: str
    media_used: bool
    media_logged: bool
    media_log_ref: str
    video_running: bool
    internet_isolated: bool
    all_locked: bool
    no_personal_devices: bool
    note: str = ""


def parse_since(value) -> date | None:
    """The `site_patrol_since` setting as a date; empty (or unreadable) means no day is required yet."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def duty_span(since: date | None, started_on: date | None, ended_on: date | None,
              until: date) -> tuple[date, date] | None:
    """First and last day a project owed patrols: from its start (not before `since`) to the day it ended
    or `until`, whichever is first. None when nothing was owed (no start date, or the duty not yet on)."""
    if since is None or started_on is None:
        return None
    first = max(since, started_on)
    last = until if ended_on is None else min(ended_on, until)
    return (first, last) if first <= last else None


def due_days(first: date, last: date, mode: str, is_workday: Callable[[date], bool]) -> list[date]:
    """Days in [first, last] on which a patrol is due under the local rule's mode."""
    days = []
    day = first
    while day <= last:
        if mode != "workdays" or is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def missing_days(due: Iterable[date], recorded: Iterable[date]) -> list[date]:
    """The due days without a patrol, oldest first."""
    have = set(recorded)
    return sorted(d for d in due if d not in have)


def patrol_in_order(p: PatrolInput) -> bool:
    """Every check held: video running, no internet, nothing unlocked, no personal devices, and any
    removable media used were logged."""
    media_ok = (not p.media_used) or (p.media_logged and bool(p.media_log_ref.strip()))
    return media_ok and all(getattr(p, name) for name in PATROL_CHECKS)


def patrol_problems(p: PatrolInput, team_ids: Iterable[int], patrol_date: date, today: date) -> dict[str, list[str]]:
    """Field errors (msgids) of a patrol form; empty when it may be saved."""
    errors: dict[str, list[str]] = {}
    team = set(team_ids)
    if patrol_date > today:
        errors["patrol_date"] = [N_("A patrol cannot be recorded for a day that has not come yet.")]
    if not p.staff_ids:
        errors["staff_ids"] = [N_("Tick the staff signed in on site today.")]
    elif not set(p.staff_ids) <= team:
        errors["staff_ids"] = [N_("Only staff of the filed team can sign in on this site.")]
    if p.visitors_count < 0:
        errors["visitors_count"] = [N_("The number of visitors cannot be negative.")]
    elif p.visitors_count > 0 and not p.visitor_names.strip():
        errors["visitor_names"] = [N_("Name the visitors (as written in the visitor log).")]
    if p.media_used and not p.media_log_ref.strip():
        errors["media_log_ref"] = [N_("Give the media log entry for the removable media used.")]
    return errors


def week_start(day: date) -> date:
    """The Monday of the day's week (weekly checks are kept per week)."""
    return day - timedelta(days=day.weekday())


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def countersign_problems(decision: str, note: str) -> dict[str, list[str]]:
    if decision not in COUNTERSIGN_DECISIONS:
        return {"decision": [N_("Choose whether you confirm or dispute this check.")]}
    if decision == "disputed" and not note.strip():
        return {"note": [N_("Say what you dispute.")]}
    return {}


def checklist_problems(results: dict[str, str], codes: Iterable[str]) -> dict[str, list[str]]:
    missing = [code for code in codes if results.get(code) not in CHECK_RESULTS]
    if missing:
        return {"": [N_("Give a result for every checklist item.")]}
    return {}
