"""The follow-up blueprint and its menu entry (routes are added by views.py)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("followups", __name__)
nav.register("followups.index", N_("Bad-rating follow-ups"), 42)
