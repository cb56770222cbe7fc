"""The feedback blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("feedback", __name__)
nav.register("feedback.agency_workspace", N_("My workspace"), 5, "work")
nav.register("feedback.index", N_("Feedback"), 40, "evaluation")
nav.register("feedback.my_summary", N_("Feedback summary"), 41, "evaluation")
