"""Builders for site check tests: an in-progress site with its firm, agency and regulator users, and
patrols written through the service."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from portal.core import clock
from portal.core.context import reset_actor, set_actor
from portal.sitechecks import rules, service
from portal.web.context import actor_for_user

# Friday 20 November 2026, noon in China: the week of 16–20 November is all working days.
NOW = datetime(2026, 11, 20, 4, 0)
SINCE = "2026-11-01"


@contextmanager
def acting(user):
    token = set_actor(actor_for_user(user))
    try:
        yield
    finally:
        reset_actor(token)


@dataclass
class Site:
    filing: object
    firm: object
    vendor: object
    agency_user: object
    staff: list


def site(build, district_code: str = "510502", start: date = date(2026, 11, 16), **kw) -> Site:
    firm = build.firm(district_code=district_code)
    agency = build.agency(district_code=district_code)
    staff = [build.staff(firm), build.staff(firm)]
    filing = build.filing(firm=firm, agency=agency, status="in_progress", start_date=start,
                          started_at=datetime(start.year, start.month, start.day, 1, 0), staff=staff, **kw)
    return Site(filing, firm, build.user("vendor", firm_id=firm.id), build.user("agency", agency_id=agency.id), staff)


def patrol_input(staff_ids, **kw) -> rules.PatrolInput:
    values = dict(staff_ids=tuple(staff_ids), visitors_count=0, visitor_names="", media_used=False,
                  media_logged=False, media_log_ref="", video_running=True, internet_isolated=True,
                  all_locked=True, no_personal_devices=True, note="")
    values.update(kw)
    return rules.PatrolInput(**values)


def record(s: Site, day: date, **kw):
    with acting(s.vendor):
        from portal.core.context import current_actor

        return service.record_patrol(current_actor(), s.filing.id, day, patrol_input([m.id for m in s.staff], **kw))


def freeze():
    clock.freeze(NOW)
