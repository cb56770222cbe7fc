"""Firms: self-registration, the registration record, certificates, staff roster and the bureau's review."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("firms", __name__, url_prefix="/firms", template_folder=None)
nav.register("firms.mine", N_("Our registration"), 10)
nav.register("firms.index", N_("Firms"), 20)
nav.register("firms.queue", N_("Registration reviews"), 21)

from portal.firms import views  # noqa: E402,F401
