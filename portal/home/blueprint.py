"""The home blueprint and its menu entries (routes are added by the views modules)."""
from flask import Blueprint

from portal.core.msgids import N_
from portal.web import nav

bp = Blueprint("home", __name__, url_prefix="/home")
nav.register("home.index", N_("Home"), 0, "work")
nav.register("home.inbox_list", N_("Inbox"), 90, "work")
