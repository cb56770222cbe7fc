"""The scoring blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("scoring", __name__, url_prefix="/scoring")
nav.register("scoring.index", N_("Scoring"), 60, "evaluation")
nav.register("scoring.focus", N_("Focus supervision"), 62, "evaluation")
