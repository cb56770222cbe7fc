"""Scoring area: rule sets, periods, score pages with evidence, objections and applied results."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("scoring", __name__, url_prefix="/scoring")
nav.register("scoring.index", N_("Scoring"), 60)
nav.register("scoring.focus", N_("Focus supervision"), 62)

from portal.scoring import views  # noqa: E402,F401
