"""Online feedback (在线反馈): the agency's workspace, ratings, firm replies and summaries."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("feedback", __name__)
nav.register("feedback.agency_workspace", N_("My workspace"), 5)
nav.register("feedback.index", N_("Feedback"), 40)
nav.register("feedback.my_summary", N_("Feedback summary"), 41)

from portal.feedback import views  # noqa: E402,F401
