"""Security incident reports (安全事件) and their handling by regulators."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("incidents", __name__, url_prefix="/incidents")
nav.register("incidents.index", N_("Incidents"), 45)

from portal.incidents import views  # noqa: E402,F401
