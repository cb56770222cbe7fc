"""Government-platform integration in the portal: SSO views, the callback endpoint, the admin page."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("integrations", __name__)
nav.register("integrations.index", N_("Integrations"), 85)

from portal.integrations import views  # noqa: E402,F401
