"""Project filings (项目报备): firms file projects, agencies confirm and accept, regulators review."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("filings", __name__, url_prefix="/filings")
nav.register("filings.index", N_("Project filings"), 20)

from portal.filings import views  # noqa: E402,F401
