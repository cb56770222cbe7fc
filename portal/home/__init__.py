"""Each user's home page and inbox."""
from flask import Blueprint

from portal import nav
from portal.domain.i18n import N_

bp = Blueprint("home", __name__, url_prefix="/home")
nav.register("home.index", N_("Home"), 0)
nav.register("home.inbox_list", N_("Inbox"), 90)

from portal.home import views  # noqa: E402,F401
