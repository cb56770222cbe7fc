"""Builders for follow-up tests: a bad rating on an accepted project, which opens a follow-up."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.feedback import service as feedback_service
from portal.followups.models import FollowUp
from tests.feedback.builders import GOOD, accepted_project, acting


def bad_rating(build, level: int = 2, **kw):
    """(follow-up, feedback, agency user, firm user): an agency rates timeliness `level` at completion."""
    filing, agency_user, firm_user = accepted_project(build, **kw)
    with acting(agency_user):
        fb = feedback_service.submit_feedback(filing.id, "completion", {**GOOD, "timeliness": level},
                                              "Three milestones were missed.", True)
    fu = db.session.scalar(select(FollowUp).where(FollowUp.feedback_id == fb.id))
    return fu, fb, agency_user, firm_user
