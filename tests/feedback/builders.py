"""Builders for feedback and incident tests: act as a user, an accepted project, feedback rows in bulk."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from portal.core import clock
from portal.core.context import reset_actor, set_actor
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.web.context import actor_for_user

GOOD = {"quality": 4, "timeliness": 4, "security": 4, "conduct": 4, "communication": 4}


@contextmanager
def acting(user):
    """Run service calls as `user` (what the web layer does per request)."""
    token = set_actor(actor_for_user(user))
    try:
        yield
    finally:
        reset_actor(token)


def accepted_project(build, days_ago: int = 1, **kw):
    """A firm, an agency with one user, and a filing accepted `days_ago` days ago naming them."""
    firm = kw.pop("firm", None) or build.firm()
    agency = kw.pop("agency", None) or build.agency(district_code=firm.district_code)
    agency_user = build.user("agency", agency_id=agency.id)
    firm_user = build.user("vendor", firm_id=firm.id)
    now = clock.utcnow()
    filing = build.filing(firm=firm, agency=agency, status=kw.pop("status", "accepted"),
                          start_date=clock.today() - timedelta(days=200), end_date=clock.today() - timedelta(days=5),
                          started_at=now - timedelta(days=200), completed_at=now - timedelta(days=days_ago + 3),
                          accepted_at=now - timedelta(days=days_ago), **kw)
    return filing, agency_user, firm_user


def feedback_rows(filing, n: int, prefix: str = "x", hire_again: bool = True, **ratings) -> None:
    """`n` feedback rows on one filing (distinct period keys), inserted in one statement."""
    values = {**GOOD, **ratings}
    now = clock.utcnow()
    db.session.execute(
        Feedback.__table__.insert(),
        [
            {"filing_id": filing.id, "agency_id": filing.agency_id, "firm_id": filing.firm_id,
             "period_key": f"{prefix}{i:06d}", "kind": "milestone", "narrative": "", "hire_again": hire_again,
             "source": "portal", "edit_count": 0, "created_at": now, "updated_at": now,
             **values}
            for i in range(n)
        ],
    )
    db.session.commit()
